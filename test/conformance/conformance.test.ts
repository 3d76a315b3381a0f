/**
 * @fileoverview Every bpf_conformance `.data` file (shared/conformance/bpf_conformance) is one named test per engine:
 * assemble (or take `-- raw`), run with the file's memory and helper 5 = r1, compare r0 as u64.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { assemble } from 'ebpf-wasm';
import { parseDataFile, rawWordsToBytes } from '../support/data-file.js';
import { ENGINES, runOnEngine } from '../support/engines.js';

const DIR = fileURLToPath(new URL('../../../shared/conformance/bpf_conformance/', import.meta.url));
const FILES = readdirSync(DIR)
  .filter((name) => name.endsWith('.data'))
  .sort();

/** Known failures per engine, each with its reason (none today). */
const KNOWN_FAILURES: Readonly<Record<string, Readonly<Record<string, string>>>> = {};

describe.each(ENGINES)('bpf_conformance on %s', (engine) => {
  it('finds the 313 upstream files', () => {
    expect(FILES.length).toBe(313);
  });

  for (const name of FILES) {
    const reason = KNOWN_FAILURES[engine]?.[name];
    // a known failure must keep failing (it.fails), so that a fix is noticed and the entry removed
    const test = reason === undefined ? it : it.fails;
    test(reason === undefined ? name : `${name} (known failure: ${reason})`, async () => {
      const data = parseDataFile(readFileSync(DIR + name, 'utf8'));
      const code = data.raw !== undefined ? rawWordsToBytes(data.raw) : assemble(data.asm);
      expect(data.error).toBeUndefined();
      const { r0 } = await runOnEngine(engine, code, { mem: data.mem });
      expect(`0x${r0.toString(16)}`).toBe(`0x${(data.result ?? 0n).toString(16)}`);
    });
  }
});
