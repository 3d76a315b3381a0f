/**
 * @fileoverview Seeded random check of the interpreter's 32-bit-halves arithmetic against a direct
 * BigInt model of RFC 9669 ALU semantics, over edge-heavy operands, both operand forms and both widths.
 * The seed is printed when a case fails; set ALU_SEED to replay it.
 */
import { describe, it } from 'vitest';
import { type Insn, load, makeInsn, makeLddw } from 'ebpf-wasm';
import { AluOp, Class, Source } from '../../src/isa/opcodes.js';

const SEED = Number(process.env['ALU_SEED'] ?? 0x5eed1234);
const CASES = 3000;

/** xorshift32: small, deterministic, good enough for test inputs. */
function rng(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state;
  };
}

const EDGES = [0n, 1n, 2n, 31n, 32n, 63n, 64n, 0x7fffffffn, 0x80000000n, 0xffffffffn, 0x100000000n, 0x7fffffffffffffffn, 0x8000000000000000n, 0xffffffffffffffffn, 0xfffffffffffffffen];

const OPS = [AluOp.ADD, AluOp.SUB, AluOp.MUL, AluOp.DIV, AluOp.OR, AluOp.AND, AluOp.LSH, AluOp.RSH, AluOp.NEG, AluOp.MOD, AluOp.XOR, AluOp.MOV, AluOp.ARSH] as const;

const u64 = (v: bigint): bigint => BigInt.asUintN(64, v);

/** RFC 9669 §4.1 on unsigned operands; `width` 64 or 32 (32: operands truncated, result zero-extended). */
function model(op: number, signed: boolean, width: 32 | 64, a: bigint, b: bigint): bigint {
  const w = BigInt(width);
  const mask = (v: bigint): bigint => BigInt.asUintN(width, v);
  const sx = (v: bigint): bigint => BigInt.asIntN(width, v);
  const x = mask(a);
  const y = mask(b);
  const shift = y & (w - 1n);
  switch (op) {
    case AluOp.ADD: return mask(x + y);
    case AluOp.SUB: return mask(x - y);
    case AluOp.MUL: return mask(x * y);
    case AluOp.DIV: return y === 0n ? 0n : signed ? mask(sx(x) / sx(y)) : x / y;
    case AluOp.MOD: return y === 0n ? x : signed ? mask(sx(x) % sx(y)) : x % y;
    case AluOp.OR: return x | y;
    case AluOp.AND: return x & y;
    case AluOp.XOR: return x ^ y;
    case AluOp.LSH: return mask(x << shift);
    case AluOp.RSH: return x >> shift;
    case AluOp.ARSH: return mask(sx(x) >> shift);
    case AluOp.NEG: return mask(-x);
    case AluOp.MOV: return y;
    default: throw new Error(`no model for op 0x${op.toString(16)}`);
  }
}

interface Case {
  readonly insns: Insn[];
  readonly want: bigint;
  readonly text: string;
}

function makeCase(next: () => number): Case {
  const pick = (): bigint => {
    const r = next() % 4;
    if (r < 2) return EDGES[next() % EDGES.length]!;
    if (r === 2) return BigInt(next());
    return (BigInt(next()) << 32n) | BigInt(next());
  };
  const op = OPS[next() % OPS.length]!;
  const width = next() % 2 === 0 ? 64 : 32;
  const signed = (op === AluOp.DIV || op === AluOp.MOD) && next() % 2 === 0;
  const useImm = op !== AluOp.NEG && next() % 2 === 0;
  const a = pick();
  const imm = Number(BigInt.asIntN(32, pick()));
  // the imm operand is sign-extended to 64 bits, then truncated again by 32-bit operations
  const b = useImm ? u64(BigInt(imm)) : pick();
  const cls = width === 64 ? Class.ALU64 : Class.ALU;
  const off = signed ? 1 : 0;
  const alu = useImm ? makeInsn(cls | op | Source.K, 1, 0, off, imm) : makeInsn(cls | op | (op === AluOp.NEG ? 0 : Source.X), 1, op === AluOp.NEG ? 0 : 2, off, 0);
  const insns = [...makeLddw(1, a), ...makeLddw(2, b), alu, makeInsn(Class.ALU64 | AluOp.MOV | Source.X, 0, 1), makeInsn(0x95)];
  const name = `${signed ? 's' : ''}${op.toString(16)}/${width}${useImm ? ` imm ${imm}` : ''}`;
  return { insns, want: model(op, signed, width, a, b), text: `${name} a=0x${a.toString(16)} b=0x${b.toString(16)}` };
}

describe('ALU semantics against a BigInt model', () => {
  it(`matches on ${CASES} seeded cases (seed 0x${SEED.toString(16)})`, async () => {
    const next = rng(SEED);
    for (let i = 0; i < CASES; i++) {
      const c = makeCase(next);
      const prog = await load(c.insns, { verifier: 'structural' });
      const got = prog.run().r0;
      if (got !== c.want) {
        throw new Error(`seed 0x${SEED.toString(16)} case ${i}: ${c.text}: got 0x${got.toString(16)}, want 0x${c.want.toString(16)}`);
      }
    }
  });
});
