/**
 * @fileoverview Property test: for seeded random programs built from every row of isa/table.ts,
 * parseAssembly(disassemble(p)) deep-equals p, in both syntaxes, both register views and with addresses.
 */
import { describe, expect, it } from 'vitest';
import { parseAssembly } from '../../src/asm/assembler.js';
import { disassemble } from '../../src/asm/disassembler.js';
import { decode } from '../../src/decode.js';
import { encode } from '../../src/encode.js';
import { type Insn, makeInsn } from '../../src/isa/instruction.js';
import { type FieldRule, OPCODES, type RegRule } from '../../src/isa/table.js';

/** mulberry32: small deterministic PRNG. */
function makeRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function generateProgram(seed: number, perRow: number): Insn[] {
  const random = makeRandom(seed);
  const int = (min: number, max: number): number => min + Math.floor(random() * (max - min + 1));
  const pick = (values: readonly number[]): number => values[int(0, values.length - 1)] ?? 0;
  // bias towards interesting values: zero, small, extremes
  const s32 = (): number => pick([0, 1, -1, int(-16, 16), int(-0x80000000, 0x7fffffff), -0x80000000, 0x7fffffff]);
  const s16 = (): number => pick([0, 1, -1, int(-64, 64), int(-0x8000, 0x7fff), -0x8000, 0x7fff]);
  const reg = (rule: RegRule | readonly number[]): number => (rule === 'zero' ? 0 : rule === 'reg' ? int(0, 10) : pick(rule));
  const field = (rule: FieldRule, random16: boolean): number => {
    if (rule === 'zero') return 0;
    if (rule === 'any' || rule === 'jump') return random16 ? s16() : s32();
    return pick(rule);
  };
  const chunks: Insn[][] = [];
  for (const row of OPCODES) {
    for (let i = 0; i < perRow; i++) {
      const insn = makeInsn(row.opcode, reg(row.dst), reg(row.src), field(row.off, true), field(row.imm, false));
      chunks.push(row.kind === 'lddw' ? [insn, makeInsn(0, 0, 0, 0, s32())] : [insn]);
    }
  }
  for (let i = chunks.length - 1; i > 0; i--) {
    const j = int(0, i);
    const a = chunks[i];
    const b = chunks[j];
    if (a !== undefined && b !== undefined) [chunks[i], chunks[j]] = [b, a];
  }
  return chunks.flat();
}

const SEEDS = Array.from({ length: 20 }, (_, i) => 0x5eed0000 + i * 7919);

describe('disassemble -> parseAssembly round trip', () => {
  it.each(SEEDS)('seed %i', (seed) => {
    // decode(encode(.)) normalizes the program exactly as a loaded one looks
    const program = decode(encode(generateProgram(seed, 4)));
    for (const options of [{}, { alu32: false }, { addresses: true }, { syntax: 'conformance' }] as const) {
      const text = disassemble(program, options);
      const back = parseAssembly(text, { syntax: 'auto' });
      expect(back, `seed ${seed}, options ${JSON.stringify(options)}`).toEqual(program);
    }
  });

  it('bytes and slots disassemble identically', () => {
    const program = decode(encode(generateProgram(42, 2)));
    expect(disassemble(encode(program))).toBe(disassemble(program));
  });
});
