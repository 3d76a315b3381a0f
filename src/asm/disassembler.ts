/**
 * @fileoverview Insn -> text in the LLVM/kernel syntax, exactly as `llvm-objdump -d --mattr=+alu32`
 * (LLVM 14) prints the instruction column, with the LLVM >= 18 spellings for the cpu v4 instructions
 * (sdiv/smod, movsx, sign-extending loads, bswap, gotol, store-immediate) and may_goto/callx.
 * Forms LLVM cannot tell apart get a distinct spelling so that asm/assembler.ts can read every line back:
 * `call pc+N` (local call), `call kfunc N`, `skb[r1 + 4]` (ldind with imm) and `ld_pseudo` with 64 bits.
 */
import { decode } from '../decode.js';
import { type Insn, lddwValue } from '../isa/instruction.js';
import { AluOp, AtomicOp, CallSrc, JmpOp, OP_MASK, Opcode, SIZE_MASK, SOURCE_MASK, Size, Source } from '../isa/opcodes.js';
import { type OpcodeInfo, opcodeInfo } from '../isa/table.js';

/** Options of `disassemble` and `formatInsn`. */
export interface DisassembleOptions {
  /** prefix each line with its slot index like llvm-objdump (`       3:\t...`); default false */
  readonly addresses?: boolean;
  /**
   * print 8/16/32-bit loads, stores and `lock` adds with `w` registers, as objdump does for alu32 code
   * (`--mattr=+alu32`); false gives plain objdump's `r` spelling; default true
   */
  readonly alu32?: boolean;
  /** `llvm` (default) or the conformance-data syntax (`add32 %r0, %r1`), which the assembler reads too */
  readonly syntax?: 'llvm' | 'conformance';
}

/** LLVM operator of each ALU operation (sdiv/smod get an `s` prefix from off = 1). */
export const ALU_OPERATORS: ReadonlyMap<number, string> = new Map([
  [AluOp.ADD, '+='],
  [AluOp.SUB, '-='],
  [AluOp.MUL, '*='],
  [AluOp.DIV, '/='],
  [AluOp.OR, '|='],
  [AluOp.AND, '&='],
  [AluOp.LSH, '<<='],
  [AluOp.RSH, '>>='],
  [AluOp.MOD, '%='],
  [AluOp.XOR, '^='],
  [AluOp.ARSH, 's>>='],
]);

/** LLVM comparison operator of each conditional jump. */
export const JMP_OPERATORS: ReadonlyMap<number, string> = new Map([
  [JmpOp.JEQ, '=='],
  [JmpOp.JGT, '>'],
  [JmpOp.JGE, '>='],
  [JmpOp.JSET, '&'],
  [JmpOp.JNE, '!='],
  [JmpOp.JSGT, 's>'],
  [JmpOp.JSGE, 's>='],
  [JmpOp.JLT, '<'],
  [JmpOp.JLE, '<='],
  [JmpOp.JSLT, 's<'],
  [JmpOp.JSLE, 's<='],
]);

/** LLVM operator of the atomic operations without FETCH (`lock *(u64 *)(r1 + 0) += r2`). */
export const ATOMIC_OPERATORS: ReadonlyMap<number, string> = new Map([
  [AtomicOp.ADD, '+='],
  [AtomicOp.OR, '|='],
  [AtomicOp.AND, '&='],
  [AtomicOp.XOR, '^='],
]);

/** LLVM function name of the FETCH atomic operations (`r2 = atomic_fetch_add((u64 *)(r1 + 0), r2)`). */
export const ATOMIC_FETCH_NAMES: ReadonlyMap<number, string> = new Map([
  [AtomicOp.ADD | AtomicOp.FETCH, 'atomic_fetch_add'],
  [AtomicOp.OR | AtomicOp.FETCH, 'atomic_fetch_or'],
  [AtomicOp.AND | AtomicOp.FETCH, 'atomic_fetch_and'],
  [AtomicOp.XOR | AtomicOp.FETCH, 'atomic_fetch_xor'],
]);

/** C type name of an access size, unsigned (`u32`). */
export function sizeTypeName(size: number, signed = false): string {
  const bits = size === Size.B ? 8 : size === Size.H ? 16 : size === Size.W ? 32 : 64;
  return (signed ? 's' : 'u') + String(bits);
}

function signed(value: number): string {
  return value >= 0 ? `+${value}` : String(value);
}

function memoryOperand(base: number, off: number): string {
  return off < 0 ? `(r${base} - ${-off})` : `(r${base} + ${off})`;
}

function unknown(insn: Insn): string {
  return `<unknown opcode 0x${insn.op.toString(16).padStart(2, '0')}>`;
}

/**
 * Text of the instruction at `pc` (for lddw it reads the second slot too).
 * Opcodes that are not in isa/table.ts print as `<unknown opcode 0x..>`.
 */
export function formatInsn(insns: readonly Insn[], pc: number, options: DisassembleOptions = {}): string {
  const insn = insns[pc];
  if (insn === undefined) throw new RangeError(`no instruction at pc ${pc}`);
  const info = opcodeInfo(insn.op);
  if (info === undefined) return unknown(insn);
  if (options.syntax === 'conformance') return formatConformance(insns, pc, insn, info);
  const alu32 = options.alu32 ?? true;
  const reg = info.is64 ? 'r' : 'w';
  const dst = `${reg}${insn.dst}`;
  const src = `${reg}${insn.src}`;
  const isX = (insn.op & SOURCE_MASK) === Source.X;
  const size = insn.op & SIZE_MASK;
  const narrow = alu32 && size !== Size.DW ? 'w' : 'r';
  switch (info.kind) {
    case 'alu': {
      const op = insn.op & OP_MASK;
      const operator = (insn.off === 1 ? 's' : '') + (ALU_OPERATORS.get(op) ?? '?');
      return `${dst} ${operator} ${isX ? src : String(insn.imm)}`;
    }
    case 'neg':
      return `${dst} = -${dst}`;
    case 'mov':
      if (!isX) return `${dst} = ${insn.imm}`;
      return insn.off === 0 ? `${dst} = ${src}` : `${dst} = (s${insn.off})${src}`;
    case 'end': {
      return `r${insn.dst} = ${info.name}${insn.imm} r${insn.dst}`;
    }
    case 'jcond':
      return `if ${dst} ${JMP_OPERATORS.get(insn.op & OP_MASK) ?? '?'} ${isX ? src : String(insn.imm)} goto ${signed(insn.off)}`;
    case 'ja':
      return insn.op === Opcode.JA32 ? `gotol ${signed(insn.imm)}` : `goto ${signed(insn.off)}`;
    case 'may_goto':
      return `may_goto ${signed(insn.off)}`;
    case 'call':
      if (insn.src === CallSrc.LOCAL) return `call pc${signed(insn.imm)}`;
      if (insn.src === CallSrc.KFUNC) return `call kfunc ${insn.imm}`;
      return `call ${insn.imm}`;
    case 'callx':
      return `callx r${insn.dst}`;
    case 'exit':
      return 'exit';
    case 'lddw': {
      const next = insns[pc + 1];
      if (next === undefined) return `<lddw r${insn.dst} without its second slot>`;
      const value = lddwValue(insns, pc);
      if (insn.src === 0) return `r${insn.dst} = ${BigInt.asIntN(64, value)} ll`;
      return `ld_pseudo\tr${insn.dst}, ${insn.src}, ${value}`;
    }
    case 'ldabs':
      return `r0 = *(${sizeTypeName(size)} *)skb[${insn.imm}]`;
    case 'ldind': {
      const extra = insn.imm === 0 ? '' : insn.imm < 0 ? ` - ${-insn.imm}` : ` + ${insn.imm}`;
      return `r0 = *(${sizeTypeName(size)} *)skb[r${insn.src}${extra}]`;
    }
    case 'ldx':
      return `${narrow}${insn.dst} = *(${sizeTypeName(size)} *)${memoryOperand(insn.src, insn.off)}`;
    case 'ldsx':
      return `r${insn.dst} = *(${sizeTypeName(size, true)} *)${memoryOperand(insn.src, insn.off)}`;
    case 'st':
      return `*(${sizeTypeName(size)} *)${memoryOperand(insn.dst, insn.off)} = ${insn.imm}`;
    case 'stx':
      return `*(${sizeTypeName(size)} *)${memoryOperand(insn.dst, insn.off)} = ${narrow}${insn.src}`;
    case 'atomic':
      return formatAtomic(insn, size, alu32);
    default: {
      const never: never = info.kind;
      throw new Error(`unhandled instruction kind ${String(never)}`);
    }
  }
}

function formatAtomic(insn: Insn, size: number, alu32: boolean): string {
  const is64 = size === Size.DW;
  const reg = is64 ? 'r' : 'w';
  const type = sizeTypeName(size);
  const address = memoryOperand(insn.dst, insn.off);
  const operator = ATOMIC_OPERATORS.get(insn.imm);
  if (operator !== undefined) {
    // without alu32, objdump knows only the legacy 32-bit add (XADDW) and prints it with an r register
    const valueReg = !is64 && !alu32 && insn.imm === AtomicOp.ADD ? 'r' : reg;
    return `lock *(${type} *)${address} ${operator} ${valueReg}${insn.src}`;
  }
  const fetchName = ATOMIC_FETCH_NAMES.get(insn.imm);
  if (fetchName !== undefined) return `${reg}${insn.src} = ${fetchName}((${type} *)${address}, ${reg}${insn.src})`;
  const suffix = is64 ? '_64' : '32_32';
  const bare = address.slice(1, -1);
  if (insn.imm === AtomicOp.XCHG) return `${reg}${insn.src} = xchg${suffix}(${bare}, ${reg}${insn.src})`;
  if (insn.imm === AtomicOp.CMPXCHG) return `${reg}0 = cmpxchg${suffix}(${bare}, ${reg}0, ${reg}${insn.src})`;
  return `<unknown atomic operation 0x${(insn.imm >>> 0).toString(16)}>`;
}

function hex(value: bigint): string {
  return '0x' + value.toString(16);
}

function percentMemory(base: number, off: number): string {
  return off < 0 ? `[%r${base}${off}]` : `[%r${base}+${off}]`;
}

/** The conformance-data spelling of one instruction; `ld_pseudo` and `call kfunc` are our extensions. */
function formatConformance(insns: readonly Insn[], pc: number, insn: Insn, info: OpcodeInfo): string {
  const isX = (insn.op & SOURCE_MASK) === Source.X;
  const operand = isX ? `%r${insn.src}` : String(insn.imm);
  switch (info.kind) {
    case 'alu':
      return `${insn.off === 1 ? 's' : ''}${info.name} %r${insn.dst}, ${operand}`;
    case 'mov':
      if (isX && insn.off !== 0) return `movsx${insn.off}${info.is64 ? 64 : 32} %r${insn.dst}, %r${insn.src}`;
      return `${info.name} %r${insn.dst}, ${operand}`;
    case 'neg':
    case 'end':
      return `${info.name}${info.kind === 'end' ? insn.imm : ''} %r${insn.dst}`;
    case 'jcond':
      return `${info.name} %r${insn.dst}, ${operand}, ${signed(insn.off)}`;
    case 'ja':
    case 'may_goto':
      return `${info.name} ${signed(insn.op === Opcode.JA32 ? insn.imm : insn.off)}`;
    case 'call':
      if (insn.src === CallSrc.LOCAL) return `call local ${signed(insn.imm)}`;
      if (insn.src === CallSrc.KFUNC) return `call kfunc ${insn.imm}`;
      return `call ${insn.imm}`;
    case 'callx':
      return `call %r${insn.dst}`;
    case 'exit':
      return 'exit';
    case 'lddw': {
      if (insns[pc + 1] === undefined) return `<lddw %r${insn.dst} without its second slot>`;
      const value = lddwValue(insns, pc);
      return insn.src === 0 ? `lddw %r${insn.dst}, ${hex(value)}` : `ld_pseudo %r${insn.dst}, ${insn.src}, ${hex(value)}`;
    }
    case 'ldabs':
      return `${info.name} ${insn.imm}`;
    case 'ldind':
      return `${info.name} %r${insn.src}, ${insn.imm}`;
    case 'ldx':
    case 'ldsx':
      return `${info.name} %r${insn.dst}, ${percentMemory(insn.src, insn.off)}`;
    case 'st':
      return `${info.name} ${percentMemory(insn.dst, insn.off)}, ${insn.imm}`;
    case 'stx':
      return `${info.name} ${percentMemory(insn.dst, insn.off)}, %r${insn.src}`;
    case 'atomic': {
      const base = ATOMIC_CONFORMANCE_NAMES.get(insn.imm & ~AtomicOp.FETCH);
      if (base === undefined) return `<unknown atomic operation 0x${(insn.imm >>> 0).toString(16)}>`;
      const fetch = (insn.imm & AtomicOp.FETCH) !== 0 && insn.imm !== AtomicOp.XCHG && insn.imm !== AtomicOp.CMPXCHG;
      const width = (insn.op & SIZE_MASK) === Size.DW ? '' : '32';
      return `lock ${fetch ? 'fetch ' : ''}${base}${width} ${percentMemory(insn.dst, insn.off)}, %r${insn.src}`;
    }
    default: {
      const never: never = info.kind;
      throw new Error(`unhandled instruction kind ${String(never)}`);
    }
  }
}

const ATOMIC_CONFORMANCE_NAMES: ReadonlyMap<number, string> = new Map([
  [AtomicOp.ADD, 'add'],
  [AtomicOp.OR, 'or'],
  [AtomicOp.AND, 'and'],
  [AtomicOp.XOR, 'xor'],
  [AtomicOp.XCHG & ~AtomicOp.FETCH, 'xchg'],
  [AtomicOp.CMPXCHG & ~AtomicOp.FETCH, 'cmpxchg'],
]);

/**
 * Disassembles a program (bytes or decoded slots) into one line per instruction, lddw's second slot
 * omitted, lines separated by `\n` without a trailing newline.
 * @throws DecodeError (from decode) when bytes are given and are not a valid program.
 */
export function disassemble(code: Uint8Array | readonly Insn[], options: DisassembleOptions = {}): string {
  const insns = code instanceof Uint8Array ? decode(code) : code;
  const lines: string[] = [];
  for (let pc = 0; pc < insns.length; pc++) {
    const insn = insns[pc];
    if (insn === undefined) break;
    const text = formatInsn(insns, pc, options);
    lines.push(options.addresses === true ? `${String(pc).padStart(8)}:\t${text}` : text);
    if (insn.op === Opcode.LDDW) pc++;
  }
  return lines.join('\n');
}
