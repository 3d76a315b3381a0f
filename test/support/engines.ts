/**
 * @fileoverview Runs one program on each available engine through the public API. The JIT joins the
 * engine list automatically once jit/compile.ts exists, so conformance and differential tests need no
 * edit when it lands.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Engine, type HelperFn, type Insn, load, type RunResult } from 'ebpf-wasm';

/** True when the JIT's entry point is present in the source tree. */
export const jitAvailable: boolean = existsSync(fileURLToPath(new URL('../../jit/compile.ts', import.meta.url)));

/** Engines every conformance case runs on. */
export const ENGINES: readonly Engine[] = ['interpreter', ...(jitAvailable ? (['jit'] as const) : [])];

/** The helpers the conformance suite assumes: id 5 returns its first argument (uBPF's "unwind"). */
export const CONFORMANCE_HELPERS: Readonly<Record<number, HelperFn>> = { 5: (r1) => r1 };

/** Loads `code` on `engine` and runs it once with `mem` as input. */
export async function runOnEngine(
  engine: Engine,
  code: Uint8Array | readonly Insn[],
  options: { mem?: Uint8Array | undefined; helpers?: Readonly<Record<number, HelperFn>>; verifier?: 'dataflow' | 'structural' } = {},
): Promise<RunResult> {
  const prog = await load(code, {
    type: 'raw',
    engine,
    helpers: options.helpers ?? CONFORMANCE_HELPERS,
    ...(options.verifier === undefined ? {} : { verifier: options.verifier }),
  });
  return prog.run(options.mem);
}
