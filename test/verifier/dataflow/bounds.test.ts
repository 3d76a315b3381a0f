/**
 * @fileoverview Tnum and scalar-bounds tests: exact values for the tnum operations and the bounds
 * printer, and seeded soundness properties: every concrete result of an ALU op, and every concrete
 * pair satisfying a branch condition, stays inside the abstract result.
 */
import { describe, expect, it } from 'vitest';
import { AluOp, JmpOp } from '../../../src/isa/opcodes.js';
import {
  SCALAR_UNKNOWN,
  branchTaken,
  evalAlu,
  refineCondition,
  scalarAlu,
  scalarConst,
  scalarOfSize,
  scalarRange,
  scalarToString,
  syncBounds,
  type Scalar,
  type Width,
} from '../../../src/verifier/bounds.js';
import { tnumAdd, tnumAnd, tnumConst, tnumIn, tnumMul, tnumRange, tnumSub, tnumToString, type Tnum } from '../../../src/verifier/tnum.js';

const U64 = (1n << 64n) - 1n;

describe('tnum', () => {
  it.each([
    { name: 'range 0..255', have: tnumRange(0n, 255n), want: '(0x0; 0xff)' },
    { name: 'range 16..31', have: tnumRange(16n, 31n), want: '(0x10; 0xf)' },
    { name: 'const + (0x0; 0x3)', have: tnumAdd(tnumConst(4n), { value: 0n, mask: 3n }), want: '(0x4; 0x3)' },
    { name: 'carry makes bits unknown', have: tnumAdd({ value: 1n, mask: 2n }, tnumConst(1n)), want: '(0x0; 0x6)' },
    { name: 'sub of consts', have: tnumSub(tnumConst(10n), tnumConst(3n)), want: '7' },
    { name: 'and with mask', have: tnumAnd({ value: 0n, mask: U64 }, tnumConst(0xf0n)), want: '(0x0; 0xf0)' },
    { name: 'mul by 4', have: tnumMul({ value: 0n, mask: 3n }, tnumConst(4n)), want: '(0x0; 0xc)' },
  ])('$name', ({ have, want }) => {
    expect(tnumToString(have)).toBe(want);
  });

  it('tests inclusion', () => {
    expect(tnumIn({ value: 0n, mask: 0xffn }, tnumConst(0x12n))).toBe(true);
    expect(tnumIn(tnumConst(0x12n), { value: 0n, mask: 0xffn })).toBe(false);
    expect(tnumIn({ value: 0x10n, mask: 0xfn }, tnumConst(0x21n))).toBe(false);
  });
});

describe('scalar bounds', () => {
  it.each([
    { name: 'u8 load', have: scalarOfSize(1), want: 'scalar(smin=smin32=0,smax=umax=smax32=umax32=255,var_off=(0x0; 0xff))' },
    { name: 'u32 load', have: scalarOfSize(4), want: 'scalar(smin=0,smax=umax=0xffffffff,var_off=(0x0; 0xffffffff))' },
    { name: 'constant', have: scalarConst(-3n), want: '-3' },
    { name: 'unknown', have: SCALAR_UNKNOWN, want: 'scalar()' },
    {
      name: 'u8 + 10',
      have: scalarAlu(AluOp.ADD, scalarOfSize(1), scalarConst(10n), 64, false),
      want: 'scalar(smin=umin=smin32=umin32=10,smax=umax=smax32=umax32=265,var_off=(0x0; 0x1ff))',
    },
    {
      name: 'u8 << 2 (32-bit)',
      have: scalarAlu(AluOp.LSH, scalarOfSize(1), scalarConst(2n), 32, false),
      want: 'scalar(smin=smin32=0,smax=umax=smax32=umax32=0x3fc,var_off=(0x0; 0x3fc))',
    },
    {
      name: 'u32 & 0xf',
      have: scalarAlu(AluOp.AND, scalarOfSize(4), scalarConst(15n), 64, false),
      want: 'scalar(smin=smin32=0,smax=umax=smax32=umax32=15,var_off=(0x0; 0xf))',
    },
    { name: 'range 5..9', have: scalarRange(5n, 9n), want: 'scalar(smin=umin=smin32=umin32=5,smax=umax=smax32=umax32=9,var_off=(0x0; 0xf))' },
  ])('$name', ({ have, want }) => {
    expect(scalarToString(have)).toBe(want);
  });

  it('refines both operands of a comparison', () => {
    const res = refineCondition(JmpOp.JLT, scalarOfSize(4), scalarConst(16n), 64);
    expect(res === null ? null : scalarToString(res[0])).toBe('scalar(smin=smin32=0,smax=umax=smax32=umax32=15,var_off=(0x0; 0xf))');
  });

  it('detects impossible branches', () => {
    expect(refineCondition(JmpOp.JGT, scalarOfSize(1), scalarConst(255n), 64)).toBeNull();
    expect(branchTaken(JmpOp.JGT, scalarOfSize(1), scalarConst(255n), 64)).toBe(0);
    expect(branchTaken(JmpOp.JLE, scalarOfSize(1), scalarConst(255n), 64)).toBe(1);
    expect(branchTaken(JmpOp.JEQ, scalarOfSize(1), scalarConst(300n), 32)).toBe(0);
  });
});

/** xorshift64* seeded generator. */
function rng(seed: bigint): () => bigint {
  let s = seed === 0n ? 1n : seed;
  return () => {
    s ^= s >> 12n;
    s ^= (s << 25n) & U64;
    s ^= s >> 27n;
    return (s * 0x2545f4914f6cdd1dn) & U64;
  };
}

function contains(s: Scalar, v: bigint): boolean {
  const u = BigInt.asUintN(64, v);
  const i = BigInt.asIntN(64, u);
  const u32 = u & 0xffffffffn;
  const i32 = BigInt.asIntN(32, u32);
  return (
    s.umin <= u &&
    u <= s.umax &&
    s.smin <= i &&
    i <= s.smax &&
    s.u32min <= u32 &&
    u32 <= s.u32max &&
    s.s32min <= i32 &&
    i32 <= s.s32max &&
    (u & ~s.var.mask & U64) === s.var.value
  );
}

/** A random abstract value together with one of its concrete members. */
function sample(next: () => bigint): { abs: Scalar; value: bigint } {
  const kind = Number(next() % 5n);
  const widths = [4n, 8n, 16n, 32n, 64n];
  const bits = widths[Number(next() % 5n)] ?? 64n;
  const m = bits === 64n ? U64 : (1n << bits) - 1n;
  let value = next() & m;
  if (next() % 4n === 0n) value = BigInt.asUintN(64, -(next() & 0xffn)); // small negative
  switch (kind) {
    case 0:
      return { abs: scalarConst(value), value };
    case 1: {
      const lo = value - (value === 0n ? 0n : next() % (value + 1n));
      const hi = value + (next() & m) > U64 ? U64 : value + (next() & m);
      return { abs: scalarRange(lo, hi), value };
    }
    case 2: {
      const mask = next() & next();
      const t: Tnum = { value: value & ~mask & U64, mask };
      return { abs: syncBounds({ ...SCALAR_UNKNOWN, var: t }) ?? SCALAR_UNKNOWN, value };
    }
    case 3:
      return { abs: scalarOfSize(Number(bits / 8n) || 1), value: value & ((1n << (8n * (bits / 8n || 1n))) - 1n) };
    default:
      return { abs: SCALAR_UNKNOWN, value };
  }
}

function holds(op: number, a: bigint, b: bigint, w: Width): boolean {
  const m = w === 64 ? U64 : 0xffffffffn;
  const ua = a & m;
  const ub = b & m;
  const sa = BigInt.asIntN(w, ua);
  const sb = BigInt.asIntN(w, ub);
  switch (op) {
    case JmpOp.JEQ:
      return ua === ub;
    case JmpOp.JNE:
      return ua !== ub;
    case JmpOp.JGT:
      return ua > ub;
    case JmpOp.JGE:
      return ua >= ub;
    case JmpOp.JLT:
      return ua < ub;
    case JmpOp.JLE:
      return ua <= ub;
    case JmpOp.JSGT:
      return sa > sb;
    case JmpOp.JSGE:
      return sa >= sb;
    case JmpOp.JSLT:
      return sa < sb;
    case JmpOp.JSLE:
      return sa <= sb;
    default:
      return (ua & ub) !== 0n;
  }
}

const ALU_OPS = [AluOp.ADD, AluOp.SUB, AluOp.MUL, AluOp.DIV, AluOp.OR, AluOp.AND, AluOp.LSH, AluOp.RSH, AluOp.MOD, AluOp.XOR, AluOp.ARSH, AluOp.NEG];
const CONDS = [JmpOp.JEQ, JmpOp.JNE, JmpOp.JGT, JmpOp.JGE, JmpOp.JLT, JmpOp.JLE, JmpOp.JSGT, JmpOp.JSGE, JmpOp.JSLT, JmpOp.JSLE, JmpOp.JSET];
const SEED = BigInt(process.env['VERIFIER_SEED'] ?? '0x5eed1234');

describe('scalar soundness (seeded)', () => {
  it('keeps every concrete ALU result inside the abstract result', () => {
    const next = rng(SEED);
    for (let i = 0; i < 4000; i++) {
      const a = sample(next);
      const b = sample(next);
      const op = ALU_OPS[i % ALU_OPS.length] ?? AluOp.ADD;
      const w: Width = i % 3 === 0 ? 32 : 64;
      const isSigned = (op === AluOp.DIV || op === AluOp.MOD) && i % 2 === 0;
      const abs = scalarAlu(op, a.abs, b.abs, w, isSigned);
      const concrete = evalAlu(op, a.value, b.value, w, isSigned);
      const ok = contains(abs, concrete);
      if (!ok) {
        throw new Error(
          `seed ${SEED} iteration ${i}: op 0x${op.toString(16)} w${w} signed=${isSigned} a=${a.value} in ${scalarToString(a.abs)} b=${b.value} in ${scalarToString(b.abs)} -> ${concrete} not in ${scalarToString(abs)}`,
        );
      }
    }
  });

  it('keeps every concrete pair satisfying a condition inside the refined operands', () => {
    const next = rng(SEED ^ 0xabcdefn);
    for (let i = 0; i < 4000; i++) {
      const a = sample(next);
      const b = next() % 3n === 0n ? { abs: a.abs, value: a.value } : sample(next);
      const op = CONDS[i % CONDS.length] ?? JmpOp.JEQ;
      const w: Width = i % 2 === 0 ? 32 : 64;
      const truth = holds(op, a.value, b.value, w);
      const taken = branchTaken(op, a.abs, b.abs, w);
      const where = `seed ${SEED} iteration ${i}: cond 0x${op.toString(16)} w${w} a=${a.value} in ${scalarToString(a.abs)} b=${b.value} in ${scalarToString(b.abs)}`;
      if ((taken === 1 && !truth) || (taken === 0 && truth)) throw new Error(`${where}: branchTaken ${taken} but condition is ${truth}`);
      const res = op === JmpOp.JSET ? refineCondition(op, a.abs, b.abs, w, !truth) : refineCondition(truth ? op : negate(op), a.abs, b.abs, w);
      if (res === null || !contains(res[0], a.value) || !contains(res[1], b.value)) {
        throw new Error(`${where}: refined to ${res === null ? 'impossible' : `${scalarToString(res[0])} / ${scalarToString(res[1])}`}`);
      }
    }
  });
});

function negate(op: number): number {
  const pairs: [number, number][] = [
    [JmpOp.JEQ, JmpOp.JNE],
    [JmpOp.JGT, JmpOp.JLE],
    [JmpOp.JGE, JmpOp.JLT],
    [JmpOp.JSGT, JmpOp.JSLE],
    [JmpOp.JSGE, JmpOp.JSLT],
  ];
  for (const [x, y] of pairs) {
    if (op === x) return y;
    if (op === y) return x;
  }
  return op;
}
