/**
 * @fileoverview Every bpf_conformance `.data` file on the JIT directly (jit/compile.ts, not through
 * the public API), with constant blinding on (the default) and the conformance helpers (id 5 returns
 * r1). r1 = address of the input copy (0 without `-- mem`), r2 = its length.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compileProgram } from '../../jit/compile.js';
import { ExecEnv } from '../../runtime/env.js';
import { parseAssembly } from '../../src/asm/assembler.js';
import { decode } from '../../src/decode.js';
import { verifyStructure } from '../../src/verifier/cfg.js';
import { parseDataFile, rawWordsToBytes } from '../support/data-file.js';

const DIRECTORY = fileURLToPath(new URL('../../../shared/conformance/bpf_conformance/', import.meta.url));
const FILES = readdirSync(DIRECTORY)
  .filter((name) => name.endsWith('.data'))
  .sort();

describe('bpf_conformance on the jit', () => {
  it('finds all 313 files', () => {
    expect(FILES.length).toBe(313);
  });

  it.each(FILES)('%s', async (name) => {
    const data = parseDataFile(readFileSync(DIRECTORY + name, 'utf8'));
    const insns = data.raw !== undefined ? decode(rawWordsToBytes(data.raw)) : parseAssembly(data.asm);
    const env = new ExecEnv({ helpers: new Map([[5, (r1: bigint): bigint => r1]]) });
    const run = async (): Promise<bigint> => {
      const program = verifyStructure(insns, { type: 'raw', helperIds: new Set([5]) });
      const compiled = await compileProgram(program, env, {});
      env.clearStack();
      const address = env.setInput(data.mem);
      return compiled.run(BigInt(address), BigInt(data.mem?.length ?? 0));
    };
    if (data.result !== undefined) {
      expect(await run()).toBe(data.result);
    } else {
      await expect(run()).rejects.toThrow();
    }
  });
});
