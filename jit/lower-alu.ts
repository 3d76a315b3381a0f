/**
 * @fileoverview Lowering of ALU and ALU64 instructions (RFC 9669 §4.1, §4.2) to wasm on i64 register
 * locals. 32-bit operations run on i32 values and zero-extend the result; shift amounts are masked
 * by wasm exactly as eBPF masks them (6 bits for i64, 5 bits for i32). wasm traps on division by
 * zero and on signed INT_MIN / -1, eBPF does not: every division is guarded (div by 0 -> 0, mod by 0
 * -> dst unchanged, sdiv by -1 -> neg, smod by -1 -> 0). Memory, jumps and calls are other files' job.
 */
import { JitError } from '../src/errors.js';
import type { Insn } from '../src/isa/instruction.js';
import { AluOp, Class, CLASS_MASK, OP_MASK, Source, SOURCE_MASK } from '../src/isa/opcodes.js';
import type { ExpressionRef, FunctionBuilder, LowerContext } from './module.js';

/** Lowers one ALU/ALU64 instruction (alu, neg, end, mov kinds) to wasm statements. */
export function lowerAlu(ctx: LowerContext, insn: Insn, pc: number): ExpressionRef[] {
  const is64 = (insn.op & CLASS_MASK) === Class.ALU64;
  const op = insn.op & OP_MASK;
  if (op === AluOp.END) return [lowerEnd(ctx.fb, insn, is64)];
  return is64 ? lowerAlu64(ctx, insn, pc, op) : lowerAlu32(ctx, insn, pc, op);
}

function lowerAlu64(ctx: LowerContext, insn: Insn, pc: number, op: number): ExpressionRef[] {
  const fb = ctx.fb;
  const m = fb.mod;
  const isX = (insn.op & SOURCE_MASK) === Source.X;
  const d = insn.dst;
  const a = (): ExpressionRef => fb.reg(d);
  const b = (): ExpressionRef => (isX ? fb.reg(insn.src) : ctx.immI64(pc));
  const set = (value: ExpressionRef): ExpressionRef[] => [fb.setReg(d, value)];
  switch (op) {
    case AluOp.ADD:
      return set(m.i64.add(a(), b()));
    case AluOp.SUB:
      return set(m.i64.sub(a(), b()));
    case AluOp.MUL:
      return set(m.i64.mul(a(), b()));
    case AluOp.OR:
      return set(m.i64.or(a(), b()));
    case AluOp.AND:
      return set(m.i64.and(a(), b()));
    case AluOp.XOR:
      return set(m.i64.xor(a(), b()));
    case AluOp.LSH:
      return set(m.i64.shl(a(), b()));
    case AluOp.RSH:
      return set(m.i64.shr_u(a(), b()));
    case AluOp.ARSH:
      return set(m.i64.shr_s(a(), b()));
    case AluOp.NEG:
      return set(m.i64.sub(fb.i64(0n), a()));
    case AluOp.MOV:
      if (!isX) return set(ctx.immI64(pc));
      switch (insn.off) {
        case 0:
          return set(fb.reg(insn.src));
        case 8:
          return set(m.i64.extend8_s(fb.reg(insn.src)));
        case 16:
          return set(m.i64.extend16_s(fb.reg(insn.src)));
        case 32:
          return set(m.i64.extend32_s(fb.reg(insn.src)));
        default:
          throw new JitError(`invalid movsx offset ${insn.off} at pc ${pc}`, pc);
      }
    case AluOp.DIV:
    case AluOp.MOD:
      return lowerDivMod64(ctx, insn, pc, op === AluOp.MOD, insn.off === 1);
    default:
      throw new JitError(`invalid alu64 operation 0x${op.toString(16)} at pc ${pc}`, pc);
  }
}

/** div/mod/sdiv/smod on 64 bits with eBPF's results where wasm would trap. */
function lowerDivMod64(ctx: LowerContext, insn: Insn, pc: number, isMod: boolean, isSigned: boolean): ExpressionRef[] {
  const fb = ctx.fb;
  const m = fb.mod;
  const d = insn.dst;
  const isX = (insn.op & SOURCE_MASK) === Source.X;
  if (!isX) {
    // the divisor is an immediate: its value picks the code shape, the (possibly blinded) operand stays hidden
    const k = BigInt.asIntN(64, ctx.immValue(pc));
    if (k === 0n) return isMod ? [] : [fb.setReg(d, fb.i64(0n))];
    if (isSigned && k === -1n) return [fb.setReg(d, isMod ? fb.i64(0n) : m.i64.sub(fb.i64(0n), fb.reg(d)))];
    const divisor = ctx.immI64(pc);
    const op = isMod ? (isSigned ? m.i64.rem_s : m.i64.rem_u) : isSigned ? m.i64.div_s : m.i64.div_u;
    return [fb.setReg(d, op(fb.reg(d), divisor))];
  }
  const b = (): ExpressionRef => fb.get(fb.t64b, fb.b.i64);
  const setB = fb.set(fb.t64b, fb.reg(insn.src));
  const isZero = m.i64.eqz(b());
  if (!isSigned) {
    const value = isMod
      ? m.if(isZero, fb.reg(d), m.i64.rem_u(fb.reg(d), b()))
      : m.if(isZero, fb.i64(0n), m.i64.div_u(fb.reg(d), b()));
    return [setB, fb.setReg(d, value)];
  }
  const isMinusOne = m.i64.eq(b(), fb.i64(-1n));
  const value = isMod
    ? m.if(isZero, fb.reg(d), m.if(isMinusOne, fb.i64(0n), m.i64.rem_s(fb.reg(d), b())))
    : m.if(isZero, fb.i64(0n), m.if(isMinusOne, m.i64.sub(fb.i64(0n), fb.reg(d)), m.i64.div_s(fb.reg(d), b())));
  return [setB, fb.setReg(d, value)];
}

function lowerAlu32(ctx: LowerContext, insn: Insn, pc: number, op: number): ExpressionRef[] {
  const fb = ctx.fb;
  const m = fb.mod;
  const isX = (insn.op & SOURCE_MASK) === Source.X;
  const d = insn.dst;
  const a = (): ExpressionRef => fb.reg32(d);
  const b = (): ExpressionRef => (isX ? fb.reg32(insn.src) : ctx.immI32(pc));
  const set = (value: ExpressionRef): ExpressionRef[] => [fb.setReg32(d, value)];
  switch (op) {
    case AluOp.ADD:
      return set(m.i32.add(a(), b()));
    case AluOp.SUB:
      return set(m.i32.sub(a(), b()));
    case AluOp.MUL:
      return set(m.i32.mul(a(), b()));
    case AluOp.OR:
      return set(m.i32.or(a(), b()));
    case AluOp.AND:
      return set(m.i32.and(a(), b()));
    case AluOp.XOR:
      return set(m.i32.xor(a(), b()));
    case AluOp.LSH:
      return set(m.i32.shl(a(), b()));
    case AluOp.RSH:
      return set(m.i32.shr_u(a(), b()));
    case AluOp.ARSH:
      return set(m.i32.shr_s(a(), b()));
    case AluOp.NEG:
      return set(m.i32.sub(fb.i32(0), a()));
    case AluOp.MOV:
      if (!isX) return set(ctx.immI32(pc));
      switch (insn.off) {
        case 0:
          return set(fb.reg32(insn.src));
        case 8:
          return set(m.i32.extend8_s(fb.reg32(insn.src)));
        case 16:
          return set(m.i32.extend16_s(fb.reg32(insn.src)));
        default:
          throw new JitError(`invalid movsx offset ${insn.off} at pc ${pc}`, pc);
      }
    case AluOp.DIV:
    case AluOp.MOD:
      return lowerDivMod32(ctx, insn, pc, op === AluOp.MOD, insn.off === 1);
    default:
      throw new JitError(`invalid alu32 operation 0x${op.toString(16)} at pc ${pc}`, pc);
  }
}

/** div/mod/sdiv/smod on 32 bits; every result, the unchanged-dst cases included, is zero-extended. */
function lowerDivMod32(ctx: LowerContext, insn: Insn, pc: number, isMod: boolean, isSigned: boolean): ExpressionRef[] {
  const fb = ctx.fb;
  const m = fb.mod;
  const d = insn.dst;
  const isX = (insn.op & SOURCE_MASK) === Source.X;
  if (!isX) {
    // the divisor is an immediate: its value picks the code shape, the (possibly blinded) operand stays hidden
    const k = Number(BigInt.asIntN(32, ctx.immValue(pc)));
    if (k === 0) return [fb.setReg32(d, isMod ? fb.reg32(d) : fb.i32(0))];
    if (isSigned && k === -1) return [fb.setReg32(d, isMod ? fb.i32(0) : m.i32.sub(fb.i32(0), fb.reg32(d)))];
    const op = isMod ? (isSigned ? m.i32.rem_s : m.i32.rem_u) : isSigned ? m.i32.div_s : m.i32.div_u;
    return [fb.setReg32(d, op(fb.reg32(d), ctx.immI32(pc)))];
  }
  const b = (): ExpressionRef => fb.get(fb.t32a, fb.b.i32);
  const setB = fb.set(fb.t32a, fb.reg32(insn.src));
  const isZero = m.i32.eqz(b());
  if (!isSigned) {
    const value = isMod
      ? m.if(isZero, fb.reg32(d), m.i32.rem_u(fb.reg32(d), b()))
      : m.if(isZero, fb.i32(0), m.i32.div_u(fb.reg32(d), b()));
    return [setB, fb.setReg32(d, value)];
  }
  const isMinusOne = m.i32.eq(b(), fb.i32(-1));
  const value = isMod
    ? m.if(isZero, fb.reg32(d), m.if(isMinusOne, fb.i32(0), m.i32.rem_s(fb.reg32(d), b())))
    : m.if(isZero, fb.i32(0), m.if(isMinusOne, m.i32.sub(fb.i32(0), fb.reg32(d)), m.i32.div_s(fb.reg32(d), b())));
  return [setB, fb.setReg32(d, value)];
}

/** bswap of the low 16 bits of an i32 (upper bits of the result zero). */
export function bswap16(fb: FunctionBuilder, x: () => ExpressionRef): ExpressionRef {
  const m = fb.mod;
  return m.i32.or(m.i32.shl(m.i32.and(x(), fb.i32(0xff)), fb.i32(8)), m.i32.and(m.i32.shr_u(x(), fb.i32(8)), fb.i32(0xff)));
}

/** bswap of an i32: (rotr(x, 8) & 0xff00ff00) | (rotl(x, 8) & 0x00ff00ff). */
export function bswap32(fb: FunctionBuilder, x: () => ExpressionRef): ExpressionRef {
  const m = fb.mod;
  return m.i32.or(m.i32.and(m.i32.rotr(x(), fb.i32(8)), fb.i32(0xff00ff00)), m.i32.and(m.i32.rotl(x(), fb.i32(8)), fb.i32(0x00ff00ff)));
}

/**
 * END (RFC 9669 §4.2): ALU class with source K = to little-endian (a truncation on this
 * little-endian target), source X = to big-endian (a swap); ALU64 class = unconditional bswap.
 * The result keeps the low `imm` bits and zeroes the rest.
 */
function lowerEnd(fb: FunctionBuilder, insn: Insn, is64: boolean): ExpressionRef {
  const m = fb.mod;
  const d = insn.dst;
  const isSwap = is64 || (insn.op & SOURCE_MASK) === Source.X;
  switch (insn.imm) {
    case 16:
      return fb.setReg32(d, isSwap ? bswap16(fb, () => fb.reg32(d)) : m.i32.and(fb.reg32(d), fb.i32(0xffff)));
    case 32:
      return fb.setReg32(d, isSwap ? bswap32(fb, () => fb.reg32(d)) : fb.reg32(d));
    case 64: {
      if (!isSwap) return m.nop();
      // swap each 32-bit half, then exchange the halves
      const low = m.i64.extend_u(bswap32(fb, () => fb.reg32(d)));
      const high = m.i64.extend_u(bswap32(fb, () => m.i32.wrap(m.i64.shr_u(fb.reg(d), fb.i64(32n)))));
      return fb.setReg(d, m.i64.or(m.i64.shl(low, fb.i64(32n)), high));
    }
    default:
      throw new JitError(`invalid byte-swap width ${insn.imm}`, -1);
  }
}
