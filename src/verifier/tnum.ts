/**
 * @fileoverview Tristate numbers: the known-bits half of a scalar's abstract value, as the kernel's
 * kernel/bpf/tnum.c defines them. A bit is known when its `mask` bit is 0 (and then its value is the
 * `value` bit); unknown when the `mask` bit is 1 (and then the `value` bit is 0). All values are
 * unsigned 64-bit bigints. Range bounds and their synchronisation live in bounds.ts.
 */

const U64 = (1n << 64n) - 1n;
const U32 = (1n << 32n) - 1n;

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
  const bits = chi === 0n ? 0 : chi.toString(2).length;
  if (bits > 63) return TNUM_UNKNOWN;
  const delta = (1n << BigInt(bits)) - 1n;
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
  const accV = (a.value * b.value) & U64;
  let accM: Tnum = { value: 0n, mask: 0n };
  let x = a;
  let y = b;
  while (x.value !== 0n || x.mask !== 0n) {
    if ((x.value & 1n) !== 0n) accM = tnumAdd(accM, { value: 0n, mask: y.mask });
    else if ((x.mask & 1n) !== 0n) accM = tnumAdd(accM, { value: 0n, mask: y.value | y.mask });
    x = tnumRshift(x, 1);
    y = tnumLshift(y, 1);
  }
  return tnumAdd({ value: accV, mask: 0n }, accM);
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
  const m = (1n << BigInt(bytes * 8)) - 1n;
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
  const hi = tnumLshift(tnumRshift(a, 32), 32);
  return tnumOr(hi, tnumSubreg(sub));
}

/** Kernel-style text: the constant in decimal, or `(0xvalue; 0xmask)`. */
export function tnumToString(a: Tnum): string {
  if (a.mask === 0n) return a.value.toString();
  return `(0x${a.value.toString(16)}; 0x${a.mask.toString(16)})`;
}
