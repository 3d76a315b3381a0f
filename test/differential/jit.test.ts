/**
 * @fileoverview Differential test: generated programs (test/support/gen-program.ts) run on the
 * interpreter and the JIT (blinding on, seeded keys) must agree on r0, errors, input memory and
 * stack. Seeds are consecutive from BASE_SEED (override with DIFF_SEED / DIFF_COUNT); a failure
 * prints the seed and the disassembled program. A variant runs with a small VerifiedProgram.loopBudget
 * (and loops that may never end): both engines must stop at the same back-edge with the same error.
 */
import { describe, expect, it } from 'vitest';
import { OPCODES } from '../../src/isa/table.js';
import { generateProgram } from '../support/gen-program.js';
import { compareEngines, formatFailure } from '../support/differential.js';

const BASE_SEED = Number(process.env['DIFF_SEED'] ?? 20_261_124);
const COUNT = Number(process.env['DIFF_COUNT'] ?? 4000);
const BATCHES = 10;

function seededKeys(seed: number): (out: Uint32Array) => void {
  let x = seed >>> 0 || 1;
  return (out) => {
    for (let i = 0; i < out.length; i++) {
      x = (Math.imul(x, 1_664_525) + 1_013_904_223) >>> 0;
      out[i] = x;
    }
  };
}

describe('interpreter vs jit on generated programs', () => {
  const perBatch = Math.ceil(COUNT / BATCHES);
  it.each(Array.from({ length: BATCHES }, (_, i) => i))(`batch %i of ${BATCHES} (${perBatch} programs from seed ${BASE_SEED})`, async (batch) => {
    const failures: string[] = [];
    for (let i = batch * perBatch; i < Math.min(COUNT, (batch + 1) * perBatch); i++) {
      const seed = BASE_SEED + i;
      const generated = generateProgram(seed, { size: 10 + (i % 60) });
      const { difference } = await compareEngines(generated, { random: seededKeys(seed) });
      if (difference !== undefined) failures.push(formatFailure(generated, difference));
      if (failures.length >= 3) break;
    }
    expect(failures.join('\n\n')).toBe('');
  });

  it('agrees when every function is split into chunks of a few blocks', async () => {
    const failures: string[] = [];
    for (let i = 0; i < 300; i++) {
      const generated = generateProgram(BASE_SEED + 2 * COUNT + i, { size: 20 + (i % 40) });
      const { difference } = await compareEngines(generated, { chunkThreshold: 4 + (i % 8), blinding: i % 2 === 0 });
      if (difference !== undefined) failures.push(formatFailure(generated, difference));
      if (failures.length >= 3) break;
    }
    expect(failures.join('\n\n')).toBe('');
  });

  it('agrees on loop budget exhaustion: same pc, kind and message, or the same result', async () => {
    const failures: string[] = [];
    let exhausted = 0;
    let other = 0;
    for (let i = 0; i < 400; i++) {
      const seed = BASE_SEED + 3 * COUNT + i;
      // half the programs have loops that may never end; budgets from 1 (most loops exhaust it) to 200
      const generated = generateProgram(seed, { size: 20 + (i % 40), unboundedLoops: i % 2 === 0 });
      const loopBudget = [1, 2, 3, 5, 200][i % 5] ?? 1;
      const { difference, reference } = await compareEngines(generated, { loopBudget, random: seededKeys(seed), chunkThreshold: i % 3 === 0 ? 4 + (i % 8) : 4000 });
      if (difference !== undefined) failures.push(`loop budget ${loopBudget}: ${formatFailure(generated, difference)}`);
      if (failures.length >= 3) break;
      const match = /^RuntimeError pc=(\d+) kind=budget: loop budget of (\d+) iterations exhausted at pc (\d+)$/.exec(reference.error ?? '');
      if (match === null) {
        other++;
      } else {
        exhausted++;
        expect([match[2], match[3]]).toEqual([String(loopBudget), match[1]]);
      }
    }
    expect(failures.join('\n\n')).toBe('');
    expect(exhausted).toBeGreaterThan(20);
    expect(other).toBeGreaterThan(20);
  });

  it('covers every opcode of the ISA table within 500 programs', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 500; i++) for (const insn of generateProgram(BASE_SEED + i).insns) seen.add(insn.op);
    const missing = OPCODES.filter((info) => !seen.has(info.opcode)).map((info) => `${info.name} (0x${info.opcode.toString(16)})`);
    expect(missing).toEqual([]);
  });

  it('exercises both outcomes: some programs fail at run time, most finish', async () => {
    let failed = 0;
    let finished = 0;
    for (let i = 0; i < 200; i++) {
      const generated = generateProgram(BASE_SEED + COUNT + i, { faultRate: 0.05 });
      const { difference, reference } = await compareEngines(generated);
      if (difference !== undefined) expect.fail(formatFailure(generated, difference));
      if (reference.error === undefined) finished++;
      else failed++;
    }
    expect(failed).toBeGreaterThan(0);
    expect(finished).toBeGreaterThan(failed);
  });
});
