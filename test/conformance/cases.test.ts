/**
 * @fileoverview Our own `.data` cases (test/conformance/cases): error paths and semantic corner cases, run on every
 * engine. `-- error` lines follow the convention in cases/README.md (class name plus detail).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { assemble, DecodeError, EbpfError, RuntimeError, VerifierError } from 'ebpf-wasm';
import { parseDataFile, rawWordsToBytes } from '../support/data-file.js';
import { ENGINES, runOnEngine } from '../support/engines.js';

const DIR = fileURLToPath(new URL('./cases/', import.meta.url));
const FILES = readdirSync(DIR)
  .filter((name) => name.endsWith('.data'))
  .sort();

/** The detail an expected error is compared on, per the README's table. */
function detailOf(error: EbpfError): { field: string; value: string; prefix: boolean } {
  if (error instanceof VerifierError) return { field: 'reason', value: error.reason, prefix: true };
  if (error instanceof RuntimeError) return { field: 'kind', value: error.kind, prefix: false };
  if (error instanceof DecodeError) return { field: 'reason', value: error.reason, prefix: false };
  return { field: 'message', value: error.message, prefix: true };
}

describe.each(ENGINES)('own cases on %s', (engine) => {
  it('has at least 20 error cases', () => {
    const errors = FILES.filter((name) => parseDataFile(readFileSync(DIR + name, 'utf8')).error !== undefined);
    expect(errors.length).toBeGreaterThanOrEqual(20);
  });

  it.each(FILES)('%s', async (name) => {
    const data = parseDataFile(readFileSync(DIR + name, 'utf8'));
    const run = async (): Promise<bigint> => {
      const code = data.raw !== undefined ? rawWordsToBytes(data.raw) : assemble(data.asm);
      // These cases exercise the engines' run-time semantics and errors (out-of-bounds, call depth,
      // division by a zero immediate, ...), several of which the data-flow verifier would refuse
      // before they run: they load with the structural verifier. The data-flow verifier's own
      // rejections are catalogued in test/verifier/dataflow.
      return (await runOnEngine(engine, code, { mem: data.mem, verifier: 'structural' })).r0;
    };
    if (data.error === undefined) {
      const r0 = await run();
      expect(`0x${r0.toString(16)}`).toBe(`0x${(data.result ?? 0n).toString(16)}`);
      return;
    }
    const [className = '', detail] = data.error.split(/:\s*/, 2);
    let caught: unknown;
    try {
      await run();
    } catch (error) {
      caught = error;
    }
    expect(caught, 'expected the load or the run to fail').toBeInstanceOf(EbpfError);
    const error = caught as EbpfError;
    expect(error.name).toBe(className);
    if (detail !== undefined) {
      const { field, value, prefix } = detailOf(error);
      if (prefix) expect(value.startsWith(detail), `${field} '${value}' should start with '${detail}'`).toBe(true);
      else expect(value, field).toBe(detail);
    }
  });
});
