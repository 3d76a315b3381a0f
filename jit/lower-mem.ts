/**
 * @fileoverview Lowering of loads, stores, atomics, lddw and the legacy packet loads (RFC 9669 §5).
 * eBPF pointers are linear-memory addresses: an access is `load/store(i32.wrap(reg) + off)`.
 * Accesses the verifier proved in bounds are emitted bare; those it marked (checkedAccess[pc] = 1)
 * first run the exact equivalent of ExecEnv.isAccessible (stack region or input region, with the
 * interpreter's no-wrap address arithmetic) and call env.trap on failure. The memory is not shared
 * and programs are single-threaded, so atomics are plain read-modify-write sequences.
 */
import { JitError } from '../src/errors.js';
import type { Insn } from '../src/isa/instruction.js';
import { AtomicOp, Class, CLASS_MASK, Mode, MODE_MASK, Size, SIZE_MASK, sizeBytes } from '../src/isa/opcodes.js';
import { R0 } from '../src/isa/registers.js';
import { ABORT_ZERO_IMPORT, TRAP_IMPORT, TrapKind } from './abi.js';
import { bswap16, bswap32 } from './lower-alu.js';
import { type ExpressionRef, Globals, type LowerContext } from './module.js';

/** Where an access goes: statements to run first (the check), then base pointer and memarg offset. */
interface Access {
  readonly pre: ExpressionRef[];
  readonly ptr: () => ExpressionRef;
  readonly offset: number;
}

const TWO_32 = 0x1_0000_0000n;

/**
 * The address of `[base + off]`, preceded by the run-time check when `checked`: the check is true
 * exactly when ExecEnv.isAccessible(address, size) is, where address = unsigned base + off without
 * 64-bit wrap-around (as the interpreter computes it).
 */
function access(ctx: LowerContext, base: number, off: number, size: number, kind: TrapKind, pc: number, checked: boolean): Access {
  const fb = ctx.fb;
  const m = fb.mod;
  const b = fb.b;
  const pre: ExpressionRef[] = [];
  if (checked) {
    const limit = BigInt(ctx.stackEnd - ctx.stackStart - size);
    // base + off in [S, E - size]  <=>  base - (S - off) in [0, E - S - size] when S - off >= 0
    const inStack =
      off <= ctx.stackStart
        ? m.i64.le_u(m.i64.sub(fb.reg(base), fb.i64(BigInt(ctx.stackStart - off))), fb.i64(limit))
        : m.i32.and(
            m.i64.lt_u(fb.reg(base), fb.i64(TWO_32)),
            m.i64.le_u(m.i64.sub(m.i64.add(fb.reg(base), fb.i64(BigInt(off))), fb.i64(BigInt(ctx.stackStart))), fb.i64(limit)),
          );
    const inputLength = (): ExpressionRef => m.global.get(Globals.INPUT_LENGTH, b.i64);
    const inInput = m.i32.and(
      m.i64.lt_u(fb.tee(fb.t64c, m.i64.sub(m.i64.add(fb.reg(base), fb.i64(BigInt(off))), m.global.get(Globals.INPUT_START, b.i64)), b.i64), inputLength()),
      m.i32.and(m.i64.ge_u(m.i64.sub(inputLength(), fb.get(fb.t64c, b.i64)), fb.i64(BigInt(size))), m.i64.lt_u(fb.reg(base), fb.i64(TWO_32))),
    );
    const trap = m.block(null, [m.call(TRAP_IMPORT, [fb.i32(pc), fb.i32(kind), fb.i32(size), fb.reg(base), fb.i32(off)], b.none), m.unreachable()]);
    pre.push(m.if(m.i32.eqz(inStack), m.if(m.i32.eqz(inInput), trap)));
  }
  if (off >= 0) return { pre, ptr: () => fb.reg32(base), offset: off };
  return { pre, ptr: () => m.i32.add(fb.reg32(base), fb.i32(off)), offset: 0 };
}

/** Lowers one LD/LDX/ST/STX instruction (lddw, legacy packet loads, loads, stores, atomics). */
export function lowerMemory(ctx: LowerContext, insns: readonly Insn[], pc: number, checked: boolean): ExpressionRef[] {
  const insn = insns[pc];
  if (insn === undefined) throw new JitError(`no instruction at pc ${pc}`, pc);
  const cls = insn.op & CLASS_MASK;
  const mode = insn.op & MODE_MASK;
  const size = sizeBytes((insn.op & SIZE_MASK) as Size);
  switch (cls) {
    case Class.LD:
      if (mode === Mode.IMM) {
        if (insn.src !== 0) throw new JitError(`lddw with src ${insn.src} at pc ${pc} must be relocated before the jit runs`, pc);
        return [ctx.fb.setReg(insn.dst, ctx.immI64(pc))];
      }
      if (mode === Mode.ABS || mode === Mode.IND) return lowerLegacyLoad(ctx, insn, pc, size, mode === Mode.IND);
      throw new JitError(`invalid ld mode 0x${mode.toString(16)} at pc ${pc}`, pc);
    case Class.LDX:
      return lowerLoad(ctx, insn, pc, size, mode === Mode.MEMSX, checked);
    case Class.ST:
    case Class.STX:
      if (mode === Mode.ATOMIC) return lowerAtomic(ctx, insn, pc, size, checked);
      return lowerStore(ctx, insn, pc, size, cls === Class.ST, checked);
    default:
      throw new JitError(`not a memory instruction at pc ${pc}`, pc);
  }
}

function lowerLoad(ctx: LowerContext, insn: Insn, pc: number, size: 1 | 2 | 4 | 8, isSigned: boolean, checked: boolean): ExpressionRef[] {
  const fb = ctx.fb;
  const m = fb.mod;
  const a = access(ctx, insn.src, insn.off, size, TrapKind.READ, pc, checked);
  let value: ExpressionRef;
  switch (size) {
    case 1:
      value = isSigned ? m.i64.load8_s(a.offset, 1, a.ptr()) : m.i64.load8_u(a.offset, 1, a.ptr());
      break;
    case 2:
      value = isSigned ? m.i64.load16_s(a.offset, 2, a.ptr()) : m.i64.load16_u(a.offset, 2, a.ptr());
      break;
    case 4:
      value = isSigned ? m.i64.load32_s(a.offset, 4, a.ptr()) : m.i64.load32_u(a.offset, 4, a.ptr());
      break;
    case 8:
      value = m.i64.load(a.offset, 8, a.ptr());
      break;
    default: {
      const never: never = size;
      throw new JitError(`invalid access size ${String(never)}`, pc);
    }
  }
  return [...a.pre, fb.setReg(insn.dst, value)];
}

function lowerStore(ctx: LowerContext, insn: Insn, pc: number, size: 1 | 2 | 4 | 8, isImm: boolean, checked: boolean): ExpressionRef[] {
  const fb = ctx.fb;
  const m = fb.mod;
  const a = access(ctx, insn.dst, insn.off, size, TrapKind.WRITE, pc, checked);
  let store: ExpressionRef;
  if (isImm && size !== 8) {
    const value = ctx.immI32(pc);
    store = size === 1 ? m.i32.store8(a.offset, 1, a.ptr(), value) : size === 2 ? m.i32.store16(a.offset, 2, a.ptr(), value) : m.i32.store(a.offset, 4, a.ptr(), value);
  } else {
    const value = isImm ? ctx.immI64(pc) : fb.reg(insn.src);
    switch (size) {
      case 1:
        store = m.i64.store8(a.offset, 1, a.ptr(), value);
        break;
      case 2:
        store = m.i64.store16(a.offset, 2, a.ptr(), value);
        break;
      case 4:
        store = m.i64.store32(a.offset, 4, a.ptr(), value);
        break;
      case 8:
        store = m.i64.store(a.offset, 8, a.ptr(), value);
        break;
      default: {
        const never: never = size;
        throw new JitError(`invalid access size ${String(never)}`, pc);
      }
    }
  }
  return [...a.pre, store];
}

/**
 * Atomic read-modify-write (RFC 9669 §5.3). FETCH variants return the old value in src (32-bit:
 * zero-extended); cmpxchg compares with r0 (32-bit: its low half) and returns the old value in r0.
 */
function lowerAtomic(ctx: LowerContext, insn: Insn, pc: number, size: 1 | 2 | 4 | 8, checked: boolean): ExpressionRef[] {
  const fb = ctx.fb;
  const m = fb.mod;
  const b = fb.b;
  if (size !== 4 && size !== 8) throw new JitError(`invalid atomic size ${size} at pc ${pc}`, pc);
  const a = access(ctx, insn.dst, insn.off, size, TrapKind.ATOMIC, pc, checked);
  const out: ExpressionRef[] = [...a.pre, fb.set(fb.t32b, a.offset === 0 ? a.ptr() : m.i32.add(a.ptr(), fb.i32(a.offset)))];
  const ptr = (): ExpressionRef => fb.get(fb.t32b, b.i32);
  const s = insn.src;
  const op = insn.imm & ~AtomicOp.FETCH;
  const isFetch = (insn.imm & AtomicOp.FETCH) !== 0;
  if (size === 8) {
    const old = (): ExpressionRef => fb.get(fb.t64a, b.i64);
    out.push(fb.set(fb.t64a, m.i64.load(0, 8, ptr())));
    const store = (value: ExpressionRef): ExpressionRef => m.i64.store(0, 8, ptr(), value);
    if (insn.imm === AtomicOp.CMPXCHG) {
      out.push(m.if(m.i64.eq(old(), fb.reg(R0)), store(fb.reg(s))), fb.setReg(R0, old()));
      return out;
    }
    if (insn.imm === AtomicOp.XCHG) {
      out.push(store(fb.reg(s)), fb.setReg(s, old()));
      return out;
    }
    const combine = op === AtomicOp.ADD ? m.i64.add : op === AtomicOp.OR ? m.i64.or : op === AtomicOp.AND ? m.i64.and : op === AtomicOp.XOR ? m.i64.xor : undefined;
    if (combine === undefined) throw new JitError(`invalid atomic operation 0x${insn.imm.toString(16)} at pc ${pc}`, pc);
    out.push(store(combine(old(), fb.reg(s))));
    if (isFetch) out.push(fb.setReg(s, old()));
    return out;
  }
  const old = (): ExpressionRef => fb.get(fb.t32a, b.i32);
  out.push(fb.set(fb.t32a, m.i32.load(0, 4, ptr())));
  const store = (value: ExpressionRef): ExpressionRef => m.i32.store(0, 4, ptr(), value);
  if (insn.imm === AtomicOp.CMPXCHG) {
    out.push(m.if(m.i32.eq(old(), fb.reg32(R0)), store(fb.reg32(s))), fb.setReg32(R0, old()));
    return out;
  }
  if (insn.imm === AtomicOp.XCHG) {
    out.push(store(fb.reg32(s)), fb.setReg32(s, old()));
    return out;
  }
  const combine = op === AtomicOp.ADD ? m.i32.add : op === AtomicOp.OR ? m.i32.or : op === AtomicOp.AND ? m.i32.and : op === AtomicOp.XOR ? m.i32.xor : undefined;
  if (combine === undefined) throw new JitError(`invalid atomic operation 0x${insn.imm.toString(16)} at pc ${pc}`, pc);
  out.push(store(combine(old(), fb.reg32(s))));
  if (isFetch) out.push(fb.setReg32(s, old()));
  return out;
}

/**
 * Legacy packet loads (socket filters): big-endian reads of the input at imm (ABS) or src + imm (IND,
 * 32-bit sum); an offset outside the input ends the whole run with r0 = 0, as the interpreter does.
 */
function lowerLegacyLoad(ctx: LowerContext, insn: Insn, pc: number, size: 1 | 2 | 4 | 8, isInd: boolean): ExpressionRef[] {
  const fb = ctx.fb;
  const m = fb.mod;
  const b = fb.b;
  if (size === 8) throw new JitError(`invalid legacy load size at pc ${pc}`, pc);
  const offset32 = isInd ? m.i32.add(fb.reg32(insn.src), ctx.immI32(pc)) : ctx.immI32(pc);
  const offset = (): ExpressionRef => fb.get(fb.t64a, b.i64);
  const out: ExpressionRef[] = [fb.set(fb.t64a, m.i64.extend_s(offset32))];
  const outside = m.i32.or(
    m.i64.lt_s(offset(), fb.i64(0n)),
    m.i64.gt_s(m.i64.add(offset(), fb.i64(BigInt(size))), m.global.get(Globals.INPUT_LENGTH, b.i64)),
  );
  out.push(m.if(outside, m.block(null, [m.call(ABORT_ZERO_IMPORT, [], b.none), m.unreachable()])));
  out.push(fb.set(fb.t32b, m.i32.wrap(m.i64.add(m.global.get(Globals.INPUT_START, b.i64), offset()))));
  const ptr = (): ExpressionRef => fb.get(fb.t32b, b.i32);
  let value: ExpressionRef;
  if (size === 1) {
    value = m.i32.load8_u(0, 1, ptr());
  } else if (size === 2) {
    out.push(fb.set(fb.t32a, m.i32.load16_u(0, 1, ptr())));
    value = bswap16(fb, () => fb.get(fb.t32a, b.i32));
  } else {
    out.push(fb.set(fb.t32a, m.i32.load(0, 1, ptr())));
    value = bswap32(fb, () => fb.get(fb.t32a, b.i32));
  }
  out.push(fb.setReg32(R0, value));
  return out;
}
