/**
 * @fileoverview Scalar abstract values: a tnum plus signed/unsigned 64-bit and 32-bit ranges, with the
 * kernel's synchronisation (reg_bounds_sync: update from tnum, deduce signed <-> unsigned and
 * 32 <-> 64, intersect the tnum with the ranges), ALU transfer functions and comparison refinement.
 * Pure functions over immutable values; pointer kinds and registers are state.ts's job.
 */
import { AluOp, JmpOp } from '../isa/opcodes.js';
import {
  TNUM_UNKNOWN,
  tnumAdd,
  tnumAnd,
  tnumArshift,
  tnumCast,
  tnumConst,
  tnumIn,
  tnumIntersect,
  tnumIsConst,
  tnumLshift,
  tnumMul,
  tnumOr,
  tnumOverlaps,
  tnumRange,
  tnumRshift,
  tnumSub,
  tnumSubreg,
  tnumToString,
  tnumWithSubreg,
  tnumXor,
  type Tnum,
} from './tnum.js';

const U64 = (1n << 64n) - 1n;
const U32 = (1n << 32n) - 1n;
const S64_MIN = -(1n << 63n);
const S64_MAX = (1n << 63n) - 1n;
const S32_MIN = -(1n << 31n);
const S32_MAX = (1n << 31n) - 1n;
const S32_BIT = 1n << 31n;
const S64_BIT = 1n << 63n;
/** the upper 32 bits of a u64 */
const HI32 = U64 ^ U32;
/** ~U32 as an infinite two's complement mask: `x & NOT_U32` clears the low 32 bits of a signed x */
const NOT_U32 = ~U32;

/** Abstract value of a scalar register: every concrete value satisfies all nine facts. */
export interface Scalar {
  readonly var: Tnum;
  readonly smin: bigint;
  readonly smax: bigint;
  readonly umin: bigint;
  readonly umax: bigint;
  readonly s32min: bigint;
  readonly s32max: bigint;
  readonly u32min: bigint;
  readonly u32max: bigint;
}

/** The bounds of one width: unsigned and signed interval. */
export interface Range {
  umin: bigint;
  umax: bigint;
  smin: bigint;
  smax: bigint;
}

/** Bit width of an operation. */
export type Width = 32 | 64;

function umaxOf(w: Width): bigint {
  return w === 64 ? U64 : U32;
}
function sminOf(w: Width): bigint {
  return w === 64 ? S64_MIN : S32_MIN;
}
function smaxOf(w: Width): bigint {
  return w === 64 ? S64_MAX : S32_MAX;
}
function toSigned(v: bigint, w: Width): bigint {
  return BigInt.asIntN(w, v);
}
function toUnsigned(v: bigint, w: Width): bigint {
  return BigInt.asUintN(w, v);
}
function max(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}
function min(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}

/** The completely unknown scalar. */
export const SCALAR_UNKNOWN: Scalar = {
  var: TNUM_UNKNOWN,
  smin: S64_MIN,
  smax: S64_MAX,
  umin: 0n,
  umax: U64,
  s32min: S32_MIN,
  s32max: S32_MAX,
  u32min: 0n,
  u32max: U32,
};

/** A known 64-bit constant (taken modulo 2^64). */
export function scalarConst(value: bigint): Scalar {
  const v = toUnsigned(value, 64);
  const lo = v & U32;
  return {
    var: tnumConst(v),
    smin: toSigned(v, 64),
    smax: toSigned(v, 64),
    umin: v,
    umax: v,
    s32min: toSigned(lo, 32),
    s32max: toSigned(lo, 32),
    u32min: lo,
    u32max: lo,
  };
}

/** An unknown value of the unsigned range [0, 2^(8*bytes) - 1] (a zero-extending load). */
export function scalarOfSize(bytes: number): Scalar {
  if (bytes >= 8) return SCALAR_UNKNOWN;
  const m = (1n << BigInt(bytes * 8)) - 1n;
  return mustSync({ ...SCALAR_UNKNOWN, var: { value: 0n, mask: m }, umax: m, smin: 0n, smax: m });
}

/** An unknown value of the signed range of `bytes` bytes (a sign-extending load). */
export function scalarOfSignedSize(bytes: number): Scalar {
  if (bytes >= 8) return SCALAR_UNKNOWN;
  const half = 1n << BigInt(bytes * 8 - 1);
  return mustSync({ ...SCALAR_UNKNOWN, smin: -half, smax: half - 1n });
}

/** A scalar whose unsigned 64-bit value lies in [lo, hi]. */
export function scalarRange(lo: bigint, hi: bigint): Scalar {
  return mustSync({ ...SCALAR_UNKNOWN, umin: lo, umax: hi });
}

/** True when the scalar has exactly one value. */
export function scalarIsConst(s: Scalar): boolean {
  return tnumIsConst(s.var);
}

/** True when the low 32 bits have exactly one value. */
export function scalarIsConst32(s: Scalar): boolean {
  return tnumIsConst(tnumSubreg(s.var));
}

/** True when every value of `cur` is a value of `old` (used for state pruning). */
export function scalarWithin(old: Scalar, cur: Scalar): boolean {
  return (
    old.umin <= cur.umin &&
    old.umax >= cur.umax &&
    old.smin <= cur.smin &&
    old.smax >= cur.smax &&
    old.u32min <= cur.u32min &&
    old.u32max >= cur.u32max &&
    old.s32min <= cur.s32min &&
    old.s32max >= cur.s32max &&
    tnumIn(old.var, cur.var)
  );
}

/** True when both abstract values are identical. */
export function scalarEquals(a: Scalar, b: Scalar): boolean {
  return scalarWithin(a, b) && scalarWithin(b, a);
}

/** The 64-bit or 32-bit bounds of a scalar. */
export function rangeOf(s: Scalar, w: Width): Range {
  return w === 64
    ? { umin: s.umin, umax: s.umax, smin: s.smin, smax: s.smax }
    : { umin: s.u32min, umax: s.u32max, smin: s.s32min, smax: s.s32max };
}

function tnumOfWidth(s: Scalar, w: Width): Tnum {
  return w === 64 ? s.var : tnumSubreg(s.var);
}

/**
 * The kernel's reg_bounds_sync: tightens every bound from the others and the tnum. Returns null
 * when the facts contradict each other (no concrete value fits: the path is infeasible).
 */
export function syncBounds(input: Scalar): Scalar | null {
  let t = input.var;
  // fast path: a constant tnum either fits every range (the result is that constant) or none is possible
  if (t.mask === 0n) {
    const v = t.value;
    const sv = toSigned(v, 64);
    const lo = v & U32;
    const slo = toSigned(lo, 32);
    if (v < input.umin || v > input.umax || sv < input.smin || sv > input.smax) return null;
    if (lo < input.u32min || lo > input.u32max || slo < input.s32min || slo > input.s32max) return null;
    return scalarConst(v);
  }
  sb.smin = input.smin;
  sb.smax = input.smax;
  sb.umin = input.umin;
  sb.umax = input.umax;
  sb.s32min = input.s32min;
  sb.s32max = input.s32max;
  sb.u32min = input.u32min;
  sb.u32max = input.u32max;
  syncUpdate(t);
  if (syncContradictory()) return null;
  syncDeduce();
  syncDeduce();
  if (syncContradictory()) return null;
  const r64 = tnumRange(sb.umin, sb.umax);
  if (!tnumOverlaps(t, r64)) return null;
  const var64 = tnumIntersect(t, r64);
  const r32 = tnumRange(sb.u32min, sb.u32max);
  const sub = tnumSubreg(var64);
  if (!tnumOverlaps(sub, r32)) return null;
  t = tnumWithSubreg(var64, tnumIntersect(sub, r32));
  syncUpdate(t);
  if (syncContradictory()) return null;
  return { var: t, smin: sb.smin, smax: sb.smax, umin: sb.umin, umax: sb.umax, s32min: sb.s32min, s32max: sb.s32max, u32min: sb.u32min, u32max: sb.u32max };
}

/** The bounds syncBounds works on (one scratch record: syncBounds is not re-entrant and allocates nothing else). */
const sb = { smin: 0n, smax: 0n, umin: 0n, umax: 0n, s32min: 0n, s32max: 0n, u32min: 0n, u32max: 0n };

/** Bounds from the tnum (kernel __update_reg_bounds). */
function syncUpdate(t: Tnum): void {
  const v32 = t.value & U32;
  const m32 = t.mask & U32;
  sb.s32min = max(sb.s32min, toSigned(v32 | (m32 & S32_BIT), 32));
  sb.s32max = min(sb.s32max, toSigned(v32 | (m32 & S32_MAX), 32));
  sb.u32min = max(sb.u32min, v32);
  sb.u32max = min(sb.u32max, v32 | m32);
  sb.smin = max(sb.smin, toSigned(t.value | (t.mask & S64_BIT), 64));
  sb.smax = min(sb.smax, toSigned(t.value | (t.mask & S64_MAX), 64));
  sb.umin = max(sb.umin, t.value);
  sb.umax = min(sb.umax, t.value | t.mask);
}

function syncContradictory(): boolean {
  return sb.umin > sb.umax || sb.smin > sb.smax || sb.u32min > sb.u32max || sb.s32min > sb.s32max;
}


/** toSigned(a, 32) <= toSigned(b, 32) for a, b in [0, 2^32), without allocating bigints. */
function signedLe32(a: bigint, b: bigint): boolean {
  const an = a >= S32_BIT;
  return an === b >= S32_BIT ? a <= b : an;
}

/** toSigned(a, 64) <= toSigned(b, 64) for a, b in [0, 2^64). */
function signedLe64(a: bigint, b: bigint): boolean {
  const an = a >= S64_BIT;
  return an === b >= S64_BIT ? a <= b : an;
}

/** toUnsigned(a, w) <= toUnsigned(b, w) for signed a, b of the same width w. */
function unsignedLe(a: bigint, b: bigint): boolean {
  const bn = b < 0n;
  return a < 0n === bn ? a <= b : bn;
}

/** Signed <-> unsigned and 32 <-> 64-bit deductions (kernel __reg_deduce_bounds). */
function syncDeduce(): void {
  // 32-bit bounds from the 64-bit ones, when the upper halves agree
  if ((sb.umin ^ sb.umax) <= U32) {
    const lo = sb.umin & U32;
    const hi = sb.umax & U32;
    sb.u32min = max(sb.u32min, lo);
    sb.u32max = min(sb.u32max, hi);
    if (signedLe32(lo, hi)) {
      sb.s32min = max(sb.s32min, toSigned(lo, 32));
      sb.s32max = min(sb.s32max, toSigned(hi, 32));
    }
  }
  const x = sb.smin ^ sb.smax;
  if (x >= 0n && x <= U32) {
    const lo = sb.smin & U32;
    const hi = sb.smax & U32;
    if (lo <= hi) {
      sb.u32min = max(sb.u32min, lo);
      sb.u32max = min(sb.u32max, hi);
    }
    if (signedLe32(lo, hi)) {
      sb.s32min = max(sb.s32min, toSigned(lo, 32));
      sb.s32max = min(sb.s32max, toSigned(hi, 32));
    }
  }
  // signed <-> unsigned at 32 bits, when the range does not cross the sign boundary
  if (signedLe32(sb.u32min, sb.u32max)) {
    sb.s32min = max(sb.s32min, toSigned(sb.u32min, 32));
    sb.s32max = min(sb.s32max, toSigned(sb.u32max, 32));
  }
  if (unsignedLe(sb.s32min, sb.s32max)) {
    sb.u32min = max(sb.u32min, toUnsigned(sb.s32min, 32));
    sb.u32max = min(sb.u32max, toUnsigned(sb.s32max, 32));
  }
  // signed <-> unsigned at 64 bits
  if (signedLe64(sb.umin, sb.umax)) {
    sb.smin = max(sb.smin, toSigned(sb.umin, 64));
    sb.smax = min(sb.smax, toSigned(sb.umax, 64));
  }
  if (unsignedLe(sb.smin, sb.smax)) {
    sb.umin = max(sb.umin, toUnsigned(sb.smin, 64));
    sb.umax = min(sb.umax, toUnsigned(sb.smax, 64));
  }
  // 64-bit bounds from the 32-bit ones: keep the upper half, tighten the lower half
  if (sb.u32min <= sb.u32max) {
    sb.umin = max(sb.umin, (sb.umin & HI32) | sb.u32min);
    sb.umax = min(sb.umax, (sb.umax & HI32) | sb.u32max);
    sb.smin = max(sb.smin, (sb.smin & NOT_U32) + sb.u32min);
    sb.smax = min(sb.smax, (sb.smax & NOT_U32) + sb.u32max);
  }
}

function mustSync(s: Scalar): Scalar {
  return syncBounds(s) ?? SCALAR_UNKNOWN;
}

function unknownRange(w: Width): Range {
  return { umin: 0n, umax: umaxOf(w), smin: sminOf(w), smax: smaxOf(w) };
}

/** Bounds of `a op b` at width `w` from the operands' bounds (the tnum is handled separately). */
function inSigned(v: bigint, w: Width): boolean {
  return v >= sminOf(w) && v <= smaxOf(w);
}

function rangeAlu(op: number, a: Range, b: Range, bConst: bigint | null, w: Width): Range {
  const r = unknownRange(w);
  switch (op) {
    case AluOp.ADD: {
      const lo = a.smin + b.smin;
      const hi = a.smax + b.smax;
      if (inSigned(lo, w) && inSigned(hi, w)) {
        r.smin = lo;
        r.smax = hi;
      }
      if (a.umax + b.umax <= umaxOf(w)) {
        r.umin = a.umin + b.umin;
        r.umax = a.umax + b.umax;
      }
      return r;
    }
    case AluOp.SUB: {
      const lo = a.smin - b.smax;
      const hi = a.smax - b.smin;
      if (inSigned(lo, w) && inSigned(hi, w)) {
        r.smin = lo;
        r.smax = hi;
      }
      if (a.umin >= b.umax) {
        r.umin = a.umin - b.umax;
        r.umax = a.umax - b.umin;
      }
      return r;
    }
    case AluOp.MUL: {
      if (a.umax * b.umax <= umaxOf(w)) {
        r.umin = a.umin * b.umin;
        r.umax = a.umax * b.umax;
      }
      const p = [a.smin * b.smin, a.smin * b.smax, a.smax * b.smin, a.smax * b.smax];
      if (p.every((v) => inSigned(v, w))) {
        r.smin = p.reduce(min);
        r.smax = p.reduce(max);
      }
      return r;
    }
    case AluOp.AND:
      r.umax = min(a.umax, b.umax);
      if (a.smin >= 0n && b.smin >= 0n) {
        r.smin = 0n;
        r.smax = min(a.smax, b.smax);
      } else if (a.smin >= 0n) {
        r.smin = 0n;
        r.smax = a.smax;
      } else if (b.smin >= 0n) {
        r.smin = 0n;
        r.smax = b.smax;
      }
      return r;
    case AluOp.OR:
      r.umin = max(a.umin, b.umin);
      if (a.smin >= 0n && b.smin >= 0n) r.smin = max(a.smin, b.smin);
      return r;
    case AluOp.XOR:
      if (a.smin >= 0n && b.smin >= 0n) r.smin = 0n;
      return r;
    case AluOp.LSH: {
      if (bConst === null) return r;
      const s = bConst;
      if (a.umax << s <= umaxOf(w)) {
        r.umin = a.umin << s;
        r.umax = a.umax << s;
      }
      return r;
    }
    case AluOp.RSH:
      if (bConst === null) return r;
      r.umin = a.umin >> bConst;
      r.umax = a.umax >> bConst;
      return r;
    case AluOp.ARSH:
      if (bConst === null) return r;
      r.smin = a.smin >> bConst;
      r.smax = a.smax >> bConst;
      return r;
    case AluOp.DIV:
      if (bConst === null) return r;
      if (bConst === 0n) return { umin: 0n, umax: 0n, smin: 0n, smax: 0n };
      r.umin = a.umin / bConst;
      r.umax = a.umax / bConst;
      return r;
    case AluOp.MOD:
      if (bConst === null) return r;
      if (bConst === 0n || a.umax < bConst) return { ...a };
      r.umin = 0n;
      r.umax = min(a.umax, bConst - 1n);
      return r;
    default:
      return r;
  }
}

/** Exact result of `a op b` on concrete values at width w (interpreter semantics, unsigned result). */
export function evalAlu(op: number, a: bigint, b: bigint, w: Width, isSigned: boolean): bigint {
  const m = umaxOf(w);
  const x = a & m;
  const y = b & m;
  const sh = BigInt(w - 1);
  switch (op) {
    case AluOp.ADD:
      return (x + y) & m;
    case AluOp.SUB:
      return (x - y) & m;
    case AluOp.MUL:
      return (x * y) & m;
    case AluOp.DIV:
      if (y === 0n) return 0n;
      if (!isSigned) return x / y;
      return toUnsigned(toSigned(x, w) / toSigned(y, w), w);
    case AluOp.MOD:
      if (y === 0n) return x;
      if (!isSigned) return x % y;
      return toUnsigned(toSigned(x, w) % toSigned(y, w), w);
    case AluOp.OR:
      return x | y;
    case AluOp.AND:
      return x & y;
    case AluOp.XOR:
      return x ^ y;
    case AluOp.LSH:
      return (x << (y & sh)) & m;
    case AluOp.RSH:
      return x >> (y & sh);
    case AluOp.ARSH:
      return toUnsigned(toSigned(x, w) >> (y & sh), w);
    case AluOp.NEG:
      return -x & m;
    default:
      return y;
  }
}

function tnumAlu(op: number, a: Tnum, b: Tnum, bConst: bigint | null, w: Width): Tnum {
  switch (op) {
    case AluOp.ADD:
      return tnumAdd(a, b);
    case AluOp.SUB:
      return tnumSub(a, b);
    case AluOp.MUL:
      return tnumMul(a, b);
    case AluOp.AND:
      return tnumAnd(a, b);
    case AluOp.OR:
      return tnumOr(a, b);
    case AluOp.XOR:
      return tnumXor(a, b);
    case AluOp.LSH:
      return bConst === null ? TNUM_UNKNOWN : tnumLshift(a, Number(bConst));
    case AluOp.RSH:
      return bConst === null ? TNUM_UNKNOWN : tnumRshift(a, Number(bConst));
    case AluOp.ARSH:
      return bConst === null ? TNUM_UNKNOWN : tnumArshift(a, Number(bConst), w);
    default:
      return TNUM_UNKNOWN;
  }
}

/** Ops whose low 32 result bits depend only on the low 32 bits of the operands. */
const LOW_BITS_OPS: ReadonlySet<number> = new Set([AluOp.ADD, AluOp.SUB, AluOp.MUL, AluOp.AND, AluOp.OR, AluOp.XOR]);

/** A scalar built from 32-bit bounds and tnum, zero-extended to 64 bits (the result of any ALU32 op). */
function fromSubreg(r: Range, t: Tnum): Scalar {
  const t32 = tnumCast(t, 4);
  return mustSync({
    var: t32,
    umin: r.umin,
    umax: r.umax,
    smin: r.umin,
    smax: r.umax,
    u32min: r.umin,
    u32max: r.umax,
    s32min: r.smin,
    s32max: r.smax,
  });
}

/** The scalar after a 32-bit write: the low 32 bits kept, the upper half zeroed. */
export function scalarZext32(s: Scalar): Scalar {
  return fromSubreg(rangeOf(s, 32), s.var);
}

/**
 * Transfer function of `dst = dst op src` for scalars (ADD..ARSH, DIV/MOD with `isSigned` for
 * sdiv/smod), at 64 bits or at 32 bits with zero-extension. Shifts by amounts >= the width, by
 * unknown amounts and signed divisions of unknown values give an unknown result.
 */
export function scalarAlu(op: number, dst: Scalar, src: Scalar, w: Width, isSigned: boolean): Scalar {
  if (op === AluOp.NEG) return scalarAlu(AluOp.SUB, w === 64 ? scalarConst(0n) : scalarConst(0n), dst, w, false);
  const dConst = w === 64 ? scalarIsConst(dst) : scalarIsConst32(dst);
  const sT = tnumOfWidth(src, w);
  const bConst = tnumIsConst(sT) ? sT.value : null;
  if (dConst && bConst !== null) {
    return w === 64
      ? scalarConst(evalAlu(op, dst.var.value, bConst, 64, isSigned))
      : scalarConst(evalAlu(op, dst.var.value & U32, bConst, 32, isSigned));
  }
  const isShift = op === AluOp.LSH || op === AluOp.RSH || op === AluOp.ARSH;
  if (isShift && bConst !== null && bConst >= BigInt(w)) return w === 64 ? SCALAR_UNKNOWN : scalarOfSize(4);
  if (isSigned && (op === AluOp.DIV || op === AluOp.MOD)) return w === 64 ? SCALAR_UNKNOWN : scalarOfSize(4);
  if (w === 32) {
    const r = rangeAlu(op, rangeOf(dst, 32), rangeOf(src, 32), bConst, 32);
    const t = tnumAlu(op, tnumSubreg(dst.var), sT, bConst, 32);
    return fromSubreg(r, t);
  }
  const r64 = rangeAlu(op, rangeOf(dst, 64), rangeOf(src, 64), bConst, 64);
  const r32 = LOW_BITS_OPS.has(op) ? rangeAlu(op, rangeOf(dst, 32), rangeOf(src, 32), null, 32) : unknownRange(32);
  const t = tnumAlu(op, dst.var, src.var, bConst, 64);
  return mustSync({
    var: t,
    umin: r64.umin,
    umax: r64.umax,
    smin: r64.smin,
    smax: r64.smax,
    u32min: r32.umin,
    u32max: r32.umax,
    s32min: r32.smin,
    s32max: r32.smax,
  });
}

/** Byte swap / endianness conversion of `bits` bits: `toBig` swaps, otherwise truncates (little-endian host). */
export function scalarEnd(s: Scalar, bits: 16 | 32 | 64, toBig: boolean): Scalar {
  if (!toBig) return bits === 64 ? s : bits === 32 ? scalarZext32(s) : mustSync({ ...SCALAR_UNKNOWN, var: tnumCast(s.var, 2) });
  if (scalarIsConst(s)) {
    let v = 0n;
    let x = s.var.value;
    for (let i = 0; i < bits / 8; i++) {
      v = (v << 8n) | (x & 0xffn);
      x >>= 8n;
    }
    return scalarConst(v);
  }
  return bits === 64 ? SCALAR_UNKNOWN : scalarOfSize(bits / 8);
}

/** Sign-extending move of the low `bits` bits (movsx), at width w (32-bit results zero-extended). */
export function scalarSext(s: Scalar, bits: 8 | 16 | 32, w: Width): Scalar {
  if (scalarIsConst(s)) {
    const v = BigInt.asIntN(bits, s.var.value);
    return w === 64 ? scalarConst(v) : scalarConst(toUnsigned(v, 32));
  }
  const half = 1n << BigInt(bits - 1);
  const fits = s.umax < half;
  const res = fits ? mustSync({ ...SCALAR_UNKNOWN, var: tnumCast(s.var, bits / 8), umax: s.umax, umin: s.umin }) : scalarOfSignedSize(bits / 8);
  return w === 64 ? res : scalarZext32(res);
}

/** Branch outcome of `a op b` at width w: 1 always taken, 0 never taken, -1 unknown. */
export function branchTaken(op: number, a: Scalar, b: Scalar, w: Width): 1 | 0 | -1 {
  const ra = rangeOf(a, w);
  const rb = rangeOf(b, w);
  const ta = tnumOfWidth(a, w);
  const tb = tnumOfWidth(b, w);
  switch (op) {
    case JmpOp.JEQ:
      if (tnumIsConst(ta) && tnumIsConst(tb)) return ta.value === tb.value ? 1 : 0;
      if (ra.umin > rb.umax || ra.umax < rb.umin || ra.smin > rb.smax || ra.smax < rb.smin) return 0;
      if (!tnumOverlaps(ta, tb)) return 0;
      return -1;
    case JmpOp.JNE: {
      const eq = branchTaken(JmpOp.JEQ, a, b, w);
      return eq === -1 ? -1 : eq === 1 ? 0 : 1;
    }
    case JmpOp.JGT:
      return ra.umin > rb.umax ? 1 : ra.umax <= rb.umin ? 0 : -1;
    case JmpOp.JGE:
      return ra.umin >= rb.umax ? 1 : ra.umax < rb.umin ? 0 : -1;
    case JmpOp.JLT:
      return branchTaken(JmpOp.JGT, b, a, w);
    case JmpOp.JLE:
      return branchTaken(JmpOp.JGE, b, a, w);
    case JmpOp.JSGT:
      return ra.smin > rb.smax ? 1 : ra.smax <= rb.smin ? 0 : -1;
    case JmpOp.JSGE:
      return ra.smin >= rb.smax ? 1 : ra.smax < rb.smin ? 0 : -1;
    case JmpOp.JSLT:
      return branchTaken(JmpOp.JSGT, b, a, w);
    case JmpOp.JSLE:
      return branchTaken(JmpOp.JSGE, b, a, w);
    case JmpOp.JSET:
      if ((ta.value & tb.value) !== 0n) return 1;
      if (((ta.value | ta.mask) & (tb.value | tb.mask)) === 0n) return 0;
      return -1;
    default:
      return -1;
  }
}

/** The condition that holds on the fall-through path when `op` does not jump. */
export function negateCondition(op: number): number {
  switch (op) {
    case JmpOp.JEQ:
      return JmpOp.JNE;
    case JmpOp.JNE:
      return JmpOp.JEQ;
    case JmpOp.JGT:
      return JmpOp.JLE;
    case JmpOp.JLE:
      return JmpOp.JGT;
    case JmpOp.JGE:
      return JmpOp.JLT;
    case JmpOp.JLT:
      return JmpOp.JGE;
    case JmpOp.JSGT:
      return JmpOp.JSLE;
    case JmpOp.JSLE:
      return JmpOp.JSGT;
    case JmpOp.JSGE:
      return JmpOp.JSLT;
    case JmpOp.JSLT:
      return JmpOp.JSGE;
    default:
      return -1; // JSET has no negation as a comparison; handled by the caller
  }
}

/** The condition with its operands swapped (`a op b` == `b swap(op) a`). */
export function swapCondition(op: number): number {
  switch (op) {
    case JmpOp.JGT:
      return JmpOp.JLT;
    case JmpOp.JLT:
      return JmpOp.JGT;
    case JmpOp.JGE:
      return JmpOp.JLE;
    case JmpOp.JLE:
      return JmpOp.JGE;
    case JmpOp.JSGT:
      return JmpOp.JSLT;
    case JmpOp.JSLT:
      return JmpOp.JSGT;
    case JmpOp.JSGE:
      return JmpOp.JSLE;
    case JmpOp.JSLE:
      return JmpOp.JSGE;
    default:
      return op;
  }
}

function withRange(s: Scalar, r: Range, t: Tnum, w: Width): Scalar | null {
  if (w === 64) return syncBounds({ ...s, var: t, umin: r.umin, umax: r.umax, smin: r.smin, smax: r.smax });
  return syncBounds({ ...s, var: tnumWithSubreg(s.var, t), u32min: r.umin, u32max: r.umax, s32min: r.smin, s32max: r.smax });
}

/**
 * Refines both operands assuming `a op b` holds at width w (op is any condition, or JSET / "not
 * JSET" via `op = JSET` and `negated`). Returns null when the assumption is impossible.
 */
export function refineCondition(op: number, a: Scalar, b: Scalar, w: Width, negated = false): [Scalar, Scalar] | null {
  const ra = rangeOf(a, w);
  const rb = rangeOf(b, w);
  let ta = tnumOfWidth(a, w);
  let tb = tnumOfWidth(b, w);
  switch (op) {
    case JmpOp.JSET: {
      if (!tnumIsConst(tb)) return [a, b];
      const c = tb.value;
      if (negated) ta = { value: ta.value & ~c, mask: ta.mask & ~c };
      else if (c !== 0n && (c & (c - 1n)) === 0n) ta = tnumOr(ta, tnumConst(c));
      else if (branchTaken(JmpOp.JSET, a, b, w) === 0) return null;
      break;
    }
    case JmpOp.JEQ: {
      if (!tnumOverlaps(ta, tb)) return null;
      const t = tnumIntersect(ta, tb);
      const r = { umin: max(ra.umin, rb.umin), umax: min(ra.umax, rb.umax), smin: max(ra.smin, rb.smin), smax: min(ra.smax, rb.smax) };
      Object.assign(ra, r);
      Object.assign(rb, r);
      ta = t;
      tb = t;
      break;
    }
    case JmpOp.JNE: {
      const adjust = (x: Range, tx: Tnum, ty: Tnum): boolean => {
        if (!tnumIsConst(ty)) return true;
        const c = ty.value;
        if (tnumIsConst(tx)) return tx.value !== c;
        const sc = toSigned(c, w);
        if (x.umin === c) x.umin++;
        if (x.umax === c) x.umax--;
        if (x.smin === sc) x.smin++;
        if (x.smax === sc) x.smax--;
        return true;
      };
      if (!adjust(ra, ta, tb) || !adjust(rb, tb, ta)) return null;
      break;
    }
    case JmpOp.JGT:
      ra.umin = max(ra.umin, rb.umin + 1n);
      rb.umax = min(rb.umax, ra.umax - 1n);
      break;
    case JmpOp.JGE:
      ra.umin = max(ra.umin, rb.umin);
      rb.umax = min(rb.umax, ra.umax);
      break;
    case JmpOp.JLT:
      ra.umax = min(ra.umax, rb.umax - 1n);
      rb.umin = max(rb.umin, ra.umin + 1n);
      break;
    case JmpOp.JLE:
      ra.umax = min(ra.umax, rb.umax);
      rb.umin = max(rb.umin, ra.umin);
      break;
    case JmpOp.JSGT:
      ra.smin = max(ra.smin, rb.smin + 1n);
      rb.smax = min(rb.smax, ra.smax - 1n);
      break;
    case JmpOp.JSGE:
      ra.smin = max(ra.smin, rb.smin);
      rb.smax = min(rb.smax, ra.smax);
      break;
    case JmpOp.JSLT:
      ra.smax = min(ra.smax, rb.smax - 1n);
      rb.smin = max(rb.smin, ra.smin + 1n);
      break;
    case JmpOp.JSLE:
      ra.smax = min(ra.smax, rb.smax);
      rb.smin = max(rb.smin, ra.smin);
      break;
    default:
      return [a, b];
  }
  if (ra.umin > ra.umax || rb.umin > rb.umax || ra.smin > ra.smax || rb.smin > rb.smax) return null;
  const na = withRange(a, ra, ta, w);
  const nb = withRange(b, rb, tb, w);
  return na === null || nb === null ? null : [na, nb];
}

function numText(v: bigint, isSigned: boolean): string {
  if (isSigned ? v >= -512n && v <= 512n : v <= 512n) return v.toString();
  return isSigned && v < 0n ? `-0x${(-v).toString(16)}` : `0x${BigInt.asUintN(64, v).toString(16)}`;
}

/**
 * Kernel-style text of a scalar (print_scalar_ranges): the constant, or `scalar(...)` listing only
 * the informative bounds, equal bounds of the same sign merged (`smax=umax=255`), then var_off.
 */
export function scalarToString(s: Scalar): string {
  if (scalarIsConst(s)) return toSigned(s.var.value, 64).toString();
  const items = [
    { name: 'smin', val: s.smin, omit: s.smin === S64_MIN },
    { name: 'smax', val: s.smax, omit: s.smax === S64_MAX },
    { name: 'umin', val: s.umin, omit: s.umin === 0n },
    { name: 'umax', val: s.umax, omit: s.umax === U64 },
    { name: 'smin32', val: s.s32min, omit: s.s32min === S32_MIN },
    { name: 'smax32', val: s.s32max, omit: s.s32max === S32_MAX },
    { name: 'umin32', val: s.u32min, omit: s.u32min === 0n },
    { name: 'umax32', val: s.u32max, omit: s.u32max === U32 },
  ];
  const parts: string[] = [];
  for (let i = 0; i < items.length; i++) {
    const a = items[i];
    if (a === undefined || a.omit) continue;
    const isSigned = a.name.startsWith('s');
    let text = `${a.name}=`;
    for (let j = i + 2; j < items.length; j += 2) {
      const b = items[j];
      if (b === undefined || b.omit) continue;
      if ((isSigned && a.val < 0n) !== (b.name.startsWith('s') && b.val < 0n) || a.val !== b.val) continue;
      text += `${b.name}=`;
      b.omit = true;
    }
    parts.push(text + numText(a.val, isSigned));
  }
  if (s.var.mask !== U64) parts.push(`var_off=${tnumToString(s.var)}`);
  return `scalar(${parts.join(',')})`;
}
