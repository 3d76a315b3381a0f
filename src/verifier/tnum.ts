/**
 * @fileoverview Tristate numbers: the known-bits half of a scalar's abstract value, as the kernel's
 * kernel/bpf/tnum.c defines them. A bit is known when its `mask` bit is 0 (and then its value is the
 * `value` bit); unknown when the `mask` bit is 1 (and then the `value` bit is 0). All values are
 * unsigned 64-bit bigints. Range bounds and their synchronisation live in bounds.ts.
 */

const U64 = (1n << 64n) - 1n;
const U32 = (1n << 32n) - 1n;
const HI32 = U64 ^ U32;
/** LOW_BITS[n] = 2^n - 1 for n in 0..64 (built once: bigint shifts allocate) */
const LOW_BITS: readonly bigint[] = Array.from({ length: 65 }, (_, n) => (1n << BigInt(n)) - 1n);

/** A tristate number: `value` holds the known bits, `mask` the unknown ones (value & mask == 0). */
export interface Tnum {
  readonly value: bigint;
  readonly mask: bigint;
}

/** The fully unknown tnum. */
export const TNUM_UNKNOWN: Tnum = { value: 0n, mask: U64 };

/** A known constant (taken modulo 2^64). */
export function tnumConst(value: bigint): Tnum {
  return { value: value & U64, mask: 0n };
}

/** The smallest tnum containing every value of the unsigned range [min, max]. */
export function tnumRange(min: bigint, max: bigint): Tnum {
  const chi = min ^ max;
  const bits = chi <= U32 ? 32 - Math.clz32(Number(chi)) : 64 - Math.clz32(Number(chi >> 32n));
  if (bits > 63) return TNUM_UNKNOWN;
  const delta = LOW_BITS[bits] ?? 0n;
  return { value: min & ~delta & U64, mask: delta };
}

/** True when every bit is known. */
export function tnumIsConst(a: Tnum): boolean {
  return a.mask === 0n;
}

/** True when both tnums are the same. */
export function tnumEquals(a: Tnum, b: Tnum): boolean {
  return a.value === b.value && a.mask === b.mask;
}

/** Logical shift left by a known amount (bits shifted out are dropped). */
export function tnumLshift(a: Tnum, shift: number): Tnum {
  const s = BigInt(shift);
  return { value: (a.value << s) & U64, mask: (a.mask << s) & U64 };
}

/** Logical shift right by a known amount. */
export function tnumRshift(a: Tnum, shift: number): Tnum {
  const s = BigInt(shift);
  return { value: a.value >> s, mask: a.mask >> s };
}

/** Arithmetic shift right by a known amount, at 32 or 64 bits (the 32-bit result is zero-extended). */
export function tnumArshift(a: Tnum, shift: number, bits: 32 | 64): Tnum {
  const s = BigInt(shift);
  if (bits === 32) {
    const v = BigInt.asIntN(32, a.value) >> s;
    const m = BigInt.asIntN(32, a.mask) >> s;
    return { value: v & U32, mask: m & U32 };
  }
  return { value: (BigInt.asIntN(64, a.value) >> s) & U64, mask: (BigInt.asIntN(64, a.mask) >> s) & U64 };
}

/** Addition: carries out of unknown bits make the bits they reach unknown. */
export function tnumAdd(a: Tnum, b: Tnum): Tnum {
  const sm = (a.mask + b.mask) & U64;
  const sv = (a.value + b.value) & U64;
  const sigma = (sm + sv) & U64;
  const chi = sigma ^ sv;
  const mu = chi | a.mask | b.mask;
  return { value: sv & ~mu & U64, mask: mu };
}

/** Subtraction modulo 2^64. */
export function tnumSub(a: Tnum, b: Tnum): Tnum {
  const dv = (a.value - b.value) & U64;
  const alpha = (dv + a.mask) & U64;
  const beta = (dv - b.mask) & U64;
  const chi = alpha ^ beta;
  const mu = chi | a.mask | b.mask;
  return { value: dv & ~mu & U64, mask: mu };
}

/** Bitwise and. */
export function tnumAnd(a: Tnum, b: Tnum): Tnum {
  const alpha = a.value | a.mask;
  const beta = b.value | b.mask;
  const v = a.value & b.value;
  return { value: v, mask: alpha & beta & ~v & U64 };
}

/** Bitwise or. */
export function tnumOr(a: Tnum, b: Tnum): Tnum {
  const v = a.value | b.value;
  const mu = a.mask | b.mask;
  return { value: v, mask: mu & ~v & U64 };
}

/** Bitwise xor. */
export function tnumXor(a: Tnum, b: Tnum): Tnum {
  const v = a.value ^ b.value;
  const mu = a.mask | b.mask;
  return { value: v & ~mu & U64, mask: mu };
}

/** Multiplication modulo 2^64 (shift-and-add over the known and unknown bits of `a`). */
export function tnumMul(a: Tnum, b: Tnum): Tnum {
  // loops multiply the same operands again and again: remember the last product
  if (a.value === mulCache.av && a.mask === mulCache.am && b.value === mulCache.bv && b.mask === mulCache.bm) return mulCache.result;
  const result = tnumMulUncached(a, b);
  mulCache = { av: a.value, am: a.mask, bv: b.value, bm: b.mask, result };
  return result;
}

/** The operands and result of the last tnumMul. */
let mulCache: { av: bigint; am: bigint; bv: bigint; bm: bigint; result: Tnum } = { av: -1n, am: -1n, bv: -1n, bm: -1n, result: TNUM_UNKNOWN };

function tnumMulUncached(a: Tnum, b: Tnum): Tnum {
  const accV = (a.value * b.value) & U64;
  // accM as two bigints, each step an inlined tnumAdd(accM, { value: 0, mask: m })
  let accValue = 0n;
  let accMask = 0n;
  let xv = a.value;
  let xm = a.mask;
  let yv = b.value;
  let ym = b.mask;
  while (xv !== 0n || xm !== 0n) {
    // bits of x known to be 0 add nothing: skip a run of them at once
    const low = Number((xv | xm) & U32);
    if ((low & 1) === 0) {
      const skip = BigInt(low === 0 ? 32 : 31 - Math.clz32(low & -low));
      xv >>= skip;
      xm >>= skip;
      yv = (yv << skip) & U64;
      ym = (ym << skip) & U64;
      continue;
    }
    // adding the tnum { 0, 0 } leaves a well-formed accumulator unchanged
    const m = (xv & 1n) !== 0n ? ym : yv | ym;
    if (m !== 0n) {
      const sm = (accMask + m) & U64;
      const sv = accValue;
      const chi = ((sm + sv) & U64) ^ sv;
      const mu = chi | accMask | m;
      accValue = sv & ~mu & U64;
      accMask = mu;
    }
    xv >>= 1n;
    xm >>= 1n;
    yv = (yv << 1n) & U64;
    ym = (ym << 1n) & U64;
  }
  return tnumAdd({ value: accV, mask: 0n }, { value: accValue, mask: accMask });
}

/** The values both tnums allow (the caller knows they overlap). */
export function tnumIntersect(a: Tnum, b: Tnum): Tnum {
  const v = a.value | b.value;
  const mu = a.mask & b.mask;
  return { value: v & ~mu & U64, mask: mu };
}

/** True when the tnums share at least one value. */
export function tnumOverlaps(a: Tnum, b: Tnum): boolean {
  return ((a.value ^ b.value) & ~(a.mask | b.mask) & U64) === 0n;
}

/** Truncation to the low `bytes` bytes (zero-extended). */
export function tnumCast(a: Tnum, bytes: number): Tnum {
  const m = LOW_BITS[bytes * 8] ?? U64;
  return { value: a.value & m, mask: a.mask & m };
}

/** True when every value of `b` is a value of `a` (`a` is at least as general). */
export function tnumIn(a: Tnum, b: Tnum): boolean {
  if ((b.mask & ~a.mask & U64) !== 0n) return false;
  return (b.value & ~a.mask & U64) === a.value;
}

/** The low 32 bits, zero-extended. */
export function tnumSubreg(a: Tnum): Tnum {
  return tnumCast(a, 4);
}

/** The value with its low 32 bits replaced by the low 32 bits of `sub`. */
export function tnumWithSubreg(a: Tnum, sub: Tnum): Tnum {
  // tnumOr(tnumLshift(tnumRshift(a, 32), 32), tnumSubreg(sub)), without the intermediate tnums
  const v = (a.value & HI32) | (sub.value & U32);
  const mu = (a.mask & HI32) | (sub.mask & U32);
  return { value: v, mask: mu & ~v & U64 };
}

/** Kernel-style text: the constant in decimal, or `(0xvalue; 0xmask)`. */
export function tnumToString(a: Tnum): string {
  if (a.mask === 0n) return a.value.toString();
  return `(0x${a.value.toString(16)}; 0x${a.mask.toString(16)})`;
}
