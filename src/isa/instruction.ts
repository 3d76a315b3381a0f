/**
 * @fileoverview The Insn type and pure predicates over it.
 * A program is an array with one Insn per 8-byte slot, exactly as the kernel stores it: `lddw` takes
 * two slots, the second one holding only the upper 32 bits of the immediate in its `imm` (op 0).
 * `pc` is always a slot index.
 *
 *   byte:  0        1              2   3     4   5   6   7
 *         +--------+------+------+---------+-----------------+
 *         | opcode | dst4 | src4 | off s16 |     imm s32     |   little-endian (RFC 9669 §3)
 *         +--------+------+------+---------+-----------------+
 *            dst in the low nibble of byte 1, src in the high nibble
 */
import { AluOp, Class, CLASS_MASK, JmpOp, MODE_MASK, Mode, OP_MASK, Opcode, SOURCE_MASK, Source } from './opcodes.js';

/** One instruction slot. `off` is a signed 16-bit value, `imm` a signed 32-bit value. */
export interface Insn {
  readonly op: number;
  readonly dst: number;
  readonly src: number;
  readonly off: number;
  readonly imm: number;
}

/** Builds an instruction slot; fields default to zero. */
export function makeInsn(op: number, dst = 0, src = 0, off = 0, imm = 0): Insn {
  return { op, dst, src, off, imm };
}

/** The two slots of `lddw dst, value` (value taken modulo 2^64), with the given pseudo src. */
export function makeLddw(dst: number, value: bigint, src = 0): [Insn, Insn] {
  const v = BigInt.asUintN(64, value);
  const lo = Number(BigInt.asIntN(32, v));
  const hi = Number(BigInt.asIntN(32, v >> 32n));
  return [makeInsn(Opcode.LDDW, dst, src, 0, lo), makeInsn(0, 0, 0, 0, hi)];
}

/** The 64-bit immediate of an lddw at `pc`, unsigned (the second slot must exist). */
export function lddwValue(insns: readonly Insn[], pc: number): bigint {
  const lo = insns[pc];
  const hi = insns[pc + 1];
  if (lo === undefined || hi === undefined) throw new RangeError(`no lddw pair at pc ${pc}`);
  return (BigInt(hi.imm >>> 0) << 32n) | BigInt(lo.imm >>> 0);
}

/** True for the first slot of a 64-bit immediate load. */
export function isLddw(insn: Insn): boolean {
  return insn.op === Opcode.LDDW;
}

/** True for jumps that transfer control within the function: ja, ja32, conditional jumps, may_goto. */
export function isBranch(insn: Insn): boolean {
  const cls = insn.op & CLASS_MASK;
  if (cls !== Class.JMP && cls !== Class.JMP32) return false;
  const op = insn.op & OP_MASK;
  return op !== JmpOp.CALL && op !== JmpOp.EXIT;
}

/** True for unconditional jumps (ja, ja32). */
export function isUnconditionalJump(insn: Insn): boolean {
  return insn.op === Opcode.JA || insn.op === Opcode.JA32;
}

/** Target slot of a branch at `pc`: pc + 1 + off, or pc + 1 + imm for ja32 (gotol). */
export function branchTarget(insn: Insn, pc: number): number {
  return pc + 1 + (insn.op === Opcode.JA32 ? insn.imm : insn.off);
}

/** True for a bpf-to-bpf call (`call` with src = 1). */
export function isLocalCall(insn: Insn): boolean {
  return insn.op === Opcode.CALL && insn.src === 1;
}

/** True for a helper call by static id (`call` with src = 0). */
export function isHelperCall(insn: Insn): boolean {
  return insn.op === Opcode.CALL && insn.src === 0;
}

/** True for `exit`. */
export function isExit(insn: Insn): boolean {
  return insn.op === Opcode.EXIT;
}

/** True for loads and stores through memory (LDX/ST/STX in MEM, MEMSX or ATOMIC mode). */
export function isMemoryAccess(insn: Insn): boolean {
  const cls = insn.op & CLASS_MASK;
  const mode = insn.op & MODE_MASK;
  return (cls === Class.LDX || cls === Class.ST || cls === Class.STX) && mode !== Mode.IMM && mode !== Mode.ABS && mode !== Mode.IND;
}

/** True when an ALU/JMP instruction reads its second operand from `src` rather than `imm`. */
export function usesSrcRegister(insn: Insn): boolean {
  return (insn.op & SOURCE_MASK) === Source.X;
}

/** True for ALU/ALU64 `mov` (including movsx). */
export function isMov(insn: Insn): boolean {
  const cls = insn.op & CLASS_MASK;
  return (cls === Class.ALU || cls === Class.ALU64) && (insn.op & OP_MASK) === AluOp.MOV;
}
