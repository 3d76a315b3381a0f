/**
 * @fileoverview Seeded end-to-end soundness check: random raw-type programs that compute stack
 * pointers with variable offsets; every program the data-flow verifier accepts is run on the
 * reference interpreter with every access checked against the entry frame only, and an access the
 * verifier proved (checkedAccess 0) must never fail that check. Set VERIFIER_FUZZ_SEED to vary.
 */
import { describe, expect, it } from 'vitest';
import { RuntimeError, VerifierError } from '../../../src/errors.js';
import { execute } from '../../../src/interpreter.js';
import { type Insn } from '../../../src/isa/instruction.js';
import { STACK_SIZE } from '../../../src/isa/registers.js';
import { verifyDataflow } from '../../../src/verifier/dataflow.js';
import { ExecEnv } from '../../../runtime/env.js';
import { asm, program } from './support.js';
import { generate, rng } from './generate.js';

const SEED = Number(process.env['VERIFIER_FUZZ_SEED'] ?? 20261124);

describe('data-flow verifier soundness (seeded fuzz)', () => {
  it('never proves an access that leaves the entry frame', () => {
    const next = rng(SEED);
    const env = new ExecEnv();
    const frameEnd = env.framePointer(0);
    // stricter than the engines' check: the entry frame only, so a proof that escapes the frame shows
    env.isAccessible = (address: number, size: number): boolean => address >= frameEnd - STACK_SIZE && address + size <= frameEnd;
    let accepted = 0;
    for (let i = 0; i < 1000; i++) {
      const text = generate(next);
      let insns: Insn[];
      try {
        insns = asm(text);
      } catch {
        continue; // e.g. a jump past the end
      }
      const input = program(insns, 'raw');
      let proven: Uint8Array;
      try {
        proven = verifyDataflow(input, { type: 'raw' }).program.checkedAccess;
      } catch (e) {
        if (e instanceof VerifierError) continue;
        throw e;
      }
      accepted++;
      // r2 (the input length) is the program's unknown input: try edge values and random ones
      for (const r2 of [0n, 1n, 7n, 8n, 15n, 16n, 31n, 255n, BigInt(Math.floor(next() * 2 ** 32)), BigInt.asUintN(64, -1n)]) {
        try {
          env.clearStack();
          execute(input, env, 0n, r2);
        } catch (e) {
          if (!(e instanceof RuntimeError)) throw e;
          if (e.kind === 'out-of-bounds' && proven[e.pc] === 0) {
            throw new Error(`seed ${SEED} program ${i} r2=${r2}: verifier proved pc ${e.pc} but it left the frame:\n${text}`);
          }
        }
      }
    }
    expect(accepted).toBeGreaterThan(40);
  });
});
