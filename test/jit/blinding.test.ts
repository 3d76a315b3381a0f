/**
 * @fileoverview Constant blinding: the module binary holds none of the program's immediates (and
 * does hold them with blinding off), each load draws new keys, results do not change, and the
 * plan blinds exactly the immediate operands.
 */
import { describe, expect, it } from 'vitest';
import { compileProgram } from '../../jit/compile.js';
import { blindableImmediate, KEY_COUNT, planBlinding } from '../../runtime/blinding.js';
import { ExecEnv } from '../../runtime/env.js';
import type { Insn } from '../../src/isa/instruction.js';
import { alu32, alu64, AluOp, call, exit, jmp, jmp32, JmpOp, lddw, ldx, mov, movx, prog, runJit, Size, st, stx, verify } from './harness.js';

/** Signed LEB128 bytes of `value`, as wasm's i32.const / i64.const immediates encode it. */
function sleb(value: bigint): number[] {
  const out: number[] = [];
  let v = value;
  for (;;) {
    const byte = Number(v & 0x7fn);
    v >>= 7n;
    const done = (v === 0n && (byte & 0x40) === 0) || (v === -1n && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

function contains(haystack: Uint8Array, needle: readonly number[]): boolean {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

/** A program using distinctive immediates in every blindable position, with their wasm encodings. */
const DISTINCT: { insns: Insn[]; encodings: { name: string; bytes: number[] }[] } = {
  insns: prog(
    mov(1, 0x1234_5678), // mov64 imm
    lddw(2, 0x1122_3344_5566_7788n), // lddw
    alu64(AluOp.ADD, 1, 0x2468_ace1), // alu64 imm
    alu32(AluOp.XOR, 2, 0x1357_9bdf), // alu32 imm
    st(Size.W, 10, -8, 0x0bad_cafe), // store imm
    st(Size.DW, 10, -16, 0x0dec_afba), // store dw imm
    jmp(JmpOp.JEQ, 1, 0x3579_bdf1, 1), // jump imm
    alu64(AluOp.ADD, 1, 3),
    jmp32(JmpOp.JNE, 2, 0x7654_3210, 1),
    alu64(AluOp.ADD, 1, 5),
    alu64(AluOp.DIV, 1, 0x0765_4321), // div by known divisor
    ldx(Size.W, 0, 10, -8),
    alu64(AluOp.ADD, 0, 1),
    stx(Size.DW, 10, 2, -24),
    exit(),
  ),
  encodings: [
    { name: 'mov 0x12345678', bytes: sleb(0x1234_5678n) },
    { name: 'lddw 0x1122334455667788', bytes: sleb(0x1122_3344_5566_7788n) },
    { name: 'add 0x2468ace1', bytes: sleb(0x2468_ace1n) },
    { name: 'xor32 0x13579bdf', bytes: sleb(0x1357_9bdfn) },
    { name: 'stw 0x0badcafe', bytes: sleb(0x0bad_cafen) },
    { name: 'stdw 0x0decafba', bytes: sleb(0x0dec_afban) },
    { name: 'jeq 0x3579bdf1', bytes: sleb(0x3579_bdf1n) },
    { name: 'jne32 0x76543210', bytes: sleb(0x7654_3210n) },
    { name: 'div 0x07654321', bytes: sleb(0x0765_4321n) },
  ],
};

/** A deterministic random source (xorshift32) for reproducible plans. */
function seededRandom(seed: number): (out: Uint32Array) => void {
  let x = seed >>> 0 || 1;
  return (out) => {
    for (let i = 0; i < out.length; i++) {
      x ^= x << 13;
      x >>>= 0;
      x ^= x >>> 17;
      x ^= x << 5;
      x >>>= 0;
      out[i] = x;
    }
  };
}

async function compile(insns: Insn[], blinding: boolean, random?: (out: Uint32Array) => void): Promise<Uint8Array> {
  const env = new ExecEnv();
  const options = random === undefined ? { blinding } : { blinding, random };
  return (await compileProgram(verify(insns), env, options)).wasm;
}

describe('constant blinding', () => {
  it('finds every immediate in the unblinded binary', async () => {
    const wasm = await compile(DISTINCT.insns, false);
    for (const { name, bytes } of DISTINCT.encodings) expect(contains(wasm, bytes), name).toBe(true);
  });

  it.each([1, 2, 3, 4, 5])('hides every immediate in the blinded binary (seed %i)', async (seed) => {
    const wasm = await compile(DISTINCT.insns, true, seededRandom(seed));
    for (const { name, bytes } of DISTINCT.encodings) expect(contains(wasm, bytes), name).toBe(false);
  });

  it('hides every immediate with the default random source', async () => {
    const wasm = await compile(DISTINCT.insns, true);
    for (const { name, bytes } of DISTINCT.encodings) expect(contains(wasm, bytes), name).toBe(false);
  });

  it('gives two loads of one program different binaries', async () => {
    const first = await compile(DISTINCT.insns, true);
    const second = await compile(DISTINCT.insns, true);
    expect(Buffer.from(first).equals(Buffer.from(second))).toBe(false);
  });

  it('is deterministic for one random source', async () => {
    const first = await compile(DISTINCT.insns, true, seededRandom(7));
    const second = await compile(DISTINCT.insns, true, seededRandom(7));
    expect(Buffer.from(first).equals(Buffer.from(second))).toBe(true);
  });

  const programs: { name: string; insns: Insn[]; helpers?: boolean }[] = [
    { name: 'distinct immediates', insns: DISTINCT.insns },
    { name: 'mov32 and shifts', insns: prog(alu32(AluOp.MOV, 0, -5), alu64(AluOp.LSH, 0, 35), alu64(AluOp.ARSH, 0, 3), exit()) },
    { name: 'division edge cases', insns: prog(lddw(0, 0x8000_0000_0000_0000n), alu64(AluOp.DIV, 0, -1, 1), alu32(AluOp.MOD, 0, 0, 1), alu64(AluOp.DIV, 0, 0), exit()) },
    { name: 'compare loop', insns: prog(mov(0, 0), mov(1, -3), alu64(AluOp.ADD, 0, 7), alu64(AluOp.ADD, 1, 1), jmp(JmpOp.JSLT, 1, 20, -3), exit()) },
    { name: 'helper with blinded args', insns: prog(mov(1, 0x5eed), call(5), movx(6, 0), mov(0, 1), alu64(AluOp.ADD, 0, 6), exit()), helpers: true },
  ];

  it.each(programs)('does not change the result: $name', async ({ insns, helpers }) => {
    const options = helpers === true ? { helpers: new Map([[5, (r1: bigint): bigint => r1]]) } : {};
    const plain = await runJit(insns, { ...options, jit: { blinding: false } });
    for (const seed of [11, 12, 13]) {
      const blinded = await runJit(insns, { ...options, jit: { blinding: true, random: seededRandom(seed) } });
      expect(blinded.r0).toBe(plain.r0);
      expect(blinded.stack).toEqual(plain.stack);
    }
  });

  it('blinds exactly the immediate operands', () => {
    const insns = prog(
      mov(1, 7), // 0 blinded
      alu64(AluOp.NEG, 1, 0), // 1 neg: no immediate
      alu32(AluOp.END, 1, 16), // 2 end width: not blinded
      lddw(2, 0xabcn), // 3-4 blinded (pc 3)
      jmp(JmpOp.JEQ, 1, 3, 0), // 5 blinded
      call(5), // 6 helper id: not blinded
      stx(Size.DW, 10, 1, -8), // 7 no immediate
      st(Size.B, 10, -1, 0x44), // 8 blinded
      exit(), // 9
    );
    const plan = planBlinding(insns, seededRandom(3));
    const blinded = Array.from(plan.keyIndex, (k, pc) => (k >= 0 ? pc : -1)).filter((pc) => pc >= 0);
    expect(blinded).toEqual([0, 3, 5, 8]);
    expect(plan.keys.length).toBe(KEY_COUNT);
    for (const pc of blinded) {
      const key = plan.keys[plan.keyIndex[pc] ?? 0] ?? 0n;
      expect((plan.blinded[pc] ?? 0n) ^ key).toBe(blindableImmediate(insns, pc));
    }
    expect(blindableImmediate(insns, 3)).toBe(0xabcn);
    expect(blindableImmediate(insns, 0)).toBe(7n);
  });
});
