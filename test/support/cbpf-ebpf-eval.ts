/**
 * @fileoverview Minimal evaluator for the eBPF subset that src/cbpf.ts emits (ALU32, mov64 reg, JMP32,
 * jne, ja, exit, LD_ABS/LD_IND, ldxw/stxw on ctx and stack, be16, helper calls 7/8), so the
 * translation can be checked end to end before the real interpreter exists. Not a general engine:
 * anything outside the subset throws. The socket-filter ctx is modelled as a __sk_buff byte array.
 */
import { type Insn } from '../../src/isa/instruction.js';
import { AluOp, Class, JmpOp, Mode, Opcode, Size, Source } from '../../src/isa/opcodes.js';

/** Addresses the evaluator gives to the ctx and to the top of the stack (fp). */
const CTX_BASE = 0x1000_0000n;
const STACK_TOP = 0x2000_0000n;
const STACK_SIZE = 512;
const MASK32 = 0xffff_ffffn;
const MASK64 = (1n << 64n) - 1n;

/** Inputs of one run: the packet, the __sk_buff bytes, helper results. */
export interface SubsetRunInput {
  readonly packet: Uint8Array;
  /** __sk_buff bytes (at least 72); len at offset 0 should be the packet length */
  readonly ctx: Uint8Array;
  readonly cpu?: number;
  readonly random?: number;
}

/** Builds a little-endian __sk_buff image for the fields the translation reads. */
export function makeSkBuff(fields: { len: number; pktType?: number; mark?: number; queueMapping?: number; protocolBe?: number; vlanPresent?: number; vlanTci?: number; vlanProtoBe?: number; ifindex?: number; hash?: number }): Uint8Array {
  const ctx = new Uint8Array(192);
  const view = new DataView(ctx.buffer);
  view.setUint32(0, fields.len, true);
  view.setUint32(4, fields.pktType ?? 0, true);
  view.setUint32(8, fields.mark ?? 0, true);
  view.setUint32(12, fields.queueMapping ?? 0, true);
  view.setUint32(16, fields.protocolBe ?? 0, true);
  view.setUint32(20, fields.vlanPresent ?? 0, true);
  view.setUint32(24, fields.vlanTci ?? 0, true);
  view.setUint32(28, fields.vlanProtoBe ?? 0, true);
  view.setUint32(40, fields.ifindex ?? 0, true);
  view.setUint32(68, fields.hash ?? 0, true);
  return ctx;
}

function loadBig(packet: Uint8Array, offset: number, size: number): bigint | undefined {
  if (offset < 0 || offset + size > packet.length) return undefined;
  let value = 0n;
  for (let i = 0; i < size; i++) value = (value << 8n) | BigInt(packet[offset + i] ?? 0);
  return value;
}

function sizeOf(op: number): number {
  switch (op & 0x18) {
    case Size.W:
      return 4;
    case Size.H:
      return 2;
    case Size.B:
      return 1;
    default:
      return 8;
  }
}

function alu32(op: number, dst: bigint, operand: bigint): bigint {
  const a = dst & MASK32;
  const b = operand & MASK32;
  switch (op) {
    case AluOp.ADD:
      return (a + b) & MASK32;
    case AluOp.SUB:
      return (a - b) & MASK32;
    case AluOp.MUL:
      return (a * b) & MASK32;
    case AluOp.DIV:
      return b === 0n ? 0n : a / b;
    case AluOp.MOD:
      return b === 0n ? a : a % b;
    case AluOp.OR:
      return a | b;
    case AluOp.AND:
      return a & b;
    case AluOp.XOR:
      return a ^ b;
    case AluOp.LSH:
      return (a << (b & 31n)) & MASK32;
    case AluOp.RSH:
      return a >> (b & 31n);
    case AluOp.NEG:
      return -a & MASK32;
    case AluOp.MOV:
      return b;
    default:
      throw new Error(`subset evaluator: alu32 op 0x${op.toString(16)}`);
  }
}

function compare(op: number, a: bigint, b: bigint): boolean {
  switch (op) {
    case JmpOp.JEQ:
      return a === b;
    case JmpOp.JNE:
      return a !== b;
    case JmpOp.JGT:
      return a > b;
    case JmpOp.JGE:
      return a >= b;
    case JmpOp.JLT:
      return a < b;
    case JmpOp.JLE:
      return a <= b;
    case JmpOp.JSET:
      return (a & b) !== 0n;
    default:
      throw new Error(`subset evaluator: jump op 0x${op.toString(16)}`);
  }
}

/** Runs translated socket-filter code; returns r0 at exit (u32 as a number). */
export function runSubset(insns: readonly Insn[], input: SubsetRunInput): number {
  const regs = new Array<bigint>(11).fill(0n);
  regs[1] = CTX_BASE;
  regs[10] = STACK_TOP;
  const stack = new Uint8Array(STACK_SIZE);
  const stackView = new DataView(stack.buffer);
  const ctxView = new DataView(input.ctx.buffer, input.ctx.byteOffset, input.ctx.byteLength);
  const reg = (index: number): bigint => regs[index] ?? 0n;
  const memory = (address: bigint, size: number): { view: DataView; offset: number } => {
    if (address >= CTX_BASE && address + BigInt(size) <= CTX_BASE + BigInt(input.ctx.length)) return { view: ctxView, offset: Number(address - CTX_BASE) };
    if (address >= STACK_TOP - BigInt(STACK_SIZE) && address + BigInt(size) <= STACK_TOP) return { view: stackView, offset: Number(address - (STACK_TOP - BigInt(STACK_SIZE))) };
    throw new Error(`subset evaluator: access of ${size} bytes at 0x${address.toString(16)} outside ctx and stack`);
  };
  let steps = 0;
  for (let pc = 0; ; pc++) {
    if (++steps > 1_000_000) throw new Error('subset evaluator: step budget exhausted');
    const insn = insns[pc];
    if (insn === undefined) throw new Error(`subset evaluator: fell off the program at pc ${pc}`);
    const { op, dst, src, off, imm } = insn;
    const cls = op & 0x07;
    const isX = (op & Source.X) !== 0;
    if (op === Opcode.EXIT) return Number(reg(0) & MASK32);
    if (op === Opcode.CALL) {
      if (imm === 7) regs[0] = BigInt(input.random ?? 0);
      else if (imm === 8) regs[0] = BigInt(input.cpu ?? 0);
      else throw new Error(`subset evaluator: helper ${imm}`);
      for (let r = 1; r <= 5; r++) regs[r] = 0xdeadn;
      continue;
    }
    if (op === Opcode.JA) {
      pc += off;
      continue;
    }
    switch (cls) {
      case Class.ALU: {
        const aluOp = op & 0xf0;
        if (aluOp === AluOp.END) {
          if (!isX || imm !== 16) throw new Error('subset evaluator: only be16');
          const v = reg(dst);
          regs[dst] = ((v & 0xffn) << 8n) | ((v >> 8n) & 0xffn);
        } else {
          regs[dst] = alu32(aluOp, reg(dst), isX ? reg(src) : BigInt(imm));
        }
        break;
      }
      case Class.ALU64:
        if (op !== (Class.ALU64 | AluOp.MOV | Source.X)) throw new Error(`subset evaluator: alu64 op 0x${op.toString(16)}`);
        regs[dst] = reg(src);
        break;
      case Class.JMP32:
      case Class.JMP: {
        const width = cls === Class.JMP32 ? MASK32 : MASK64;
        const a = reg(dst) & width;
        const b = (isX ? reg(src) : BigInt(imm)) & width;
        if (compare(op & 0xf0, a, b)) pc += off;
        break;
      }
      case Class.LD: {
        const mode = op & 0xe0;
        if (mode !== Mode.ABS && mode !== Mode.IND) throw new Error(`subset evaluator: ld mode 0x${mode.toString(16)}`);
        const offset = mode === Mode.ABS ? imm : Number(BigInt.asIntN(32, (reg(src) + BigInt(imm)) & MASK32));
        const value = loadBig(input.packet, offset, sizeOf(op));
        if (value === undefined) return 0;
        regs[0] = value;
        for (let r = 1; r <= 5; r++) regs[r] = 0xdeadn;
        break;
      }
      case Class.LDX: {
        if (op !== (Class.LDX | Mode.MEM | Size.W)) throw new Error(`subset evaluator: ldx op 0x${op.toString(16)}`);
        const { view, offset } = memory(reg(src) + BigInt(off), 4);
        regs[dst] = BigInt(view.getUint32(offset, true));
        break;
      }
      case Class.STX: {
        if (op !== (Class.STX | Mode.MEM | Size.W)) throw new Error(`subset evaluator: stx op 0x${op.toString(16)}`);
        const { view, offset } = memory(reg(dst) + BigInt(off), 4);
        view.setUint32(offset, Number(reg(src) & MASK32), true);
        break;
      }
      default:
        throw new Error(`subset evaluator: op 0x${op.toString(16)} at pc ${pc}`);
    }
  }
}
