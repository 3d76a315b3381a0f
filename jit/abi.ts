/**
 * @fileoverview The boundary between generated modules and JavaScript: import and export names, their
 * wasm signatures, trap codes, and the JavaScript side of every import (run-time errors with the
 * interpreter's exact messages, helper and callx dispatch through ExecEnv.helpers). The wasm side of
 * each import is emitted by the lower-*.ts files; compile.ts wires both halves together.
 *
 *   import env.memory            the ExecEnv's AddressSpace memory (eBPF pointers are its addresses)
 *   import env.trap              (pc i32, kind i32, size i32, base i64, off i32) -> never returns
 *   import env.helper            (id i32, pc i32, r1..r5 i64) -> i64
 *   import env.helper_<id>       (pc i32, r1..rN i32) -> i32: ExecEnv.fastHelpers' variant of helper id
 *                                (N its arity), called only when r1..rN fit in 32 bits
 *   import env.callx             (pc i32, reg i32, value i64, r1..r5 i64) -> i64
 *   import env.abort_zero        () -> never returns: ends the run with r0 = 0 (legacy packet loads)
 *   import keys.k<i>             immutable i64 globals: constant-blinding keys
 *   export run                   (r1 i64, r2 i64, input start i32, input end i32) -> r0 i64
 */
import { RuntimeError } from '../src/errors.js';
import { MAX_CALL_DEPTH } from '../src/isa/registers.js';
import type { ExecEnv, FastHelperEntry } from '../runtime/env.js';

/** Module name of every function and memory import. */
export const IMPORT_MODULE = 'env';
/** Module name of the blinding-key globals. */
export const KEY_MODULE = 'keys';
/** Import name of the linear memory. */
export const MEMORY_IMPORT = 'memory';
/** Import name of the trap function. */
export const TRAP_IMPORT = 'trap';
/** Import name of the helper dispatcher. */
export const HELPER_IMPORT = 'helper';
/** Import name of the number-typed variant of helper `id` (see ExecEnv.fastHelpers). */
export function fastHelperImportName(id: number): string {
  return `${HELPER_IMPORT}_${id}`;
}
/** Import name of the callx dispatcher. */
export const CALLX_IMPORT = 'callx';
/** Import name of the "end the run with 0" function. */
export const ABORT_ZERO_IMPORT = 'abort_zero';
/** Export name of the entry point. */
export const RUN_EXPORT = 'run';

/** Import name of blinding key `index`. */
export function keyImportName(index: number): string {
  return `k${index}`;
}

/** may_goto's loop budget per run (kernel BPF_MAX_LOOPS; the interpreter's MAY_GOTO_BUDGET). */
export const MAY_GOTO_BUDGET = 8 * 1024 * 1024;

/** What a trap reports; the code is the `kind` argument of env.trap. */
export const TrapKind = {
  READ: 0,
  WRITE: 1,
  ATOMIC: 2,
  CALL_DEPTH: 3,
  /** the loop budget is exhausted; `base` carries the budget (VerifiedProgram.loopBudget) */
  BUDGET: 4,
} as const;
export type TrapKind = (typeof TrapKind)[keyof typeof TrapKind];

/** The exported entry point as JavaScript sees it. */
export type RunExport = (r1: bigint, r2: bigint, inputStart: number, inputEnd: number) => bigint;

/** Thrown by env.abort_zero and caught by the run wrapper, which then returns 0. */
export const ABORT_ZERO = Symbol('abort-zero');

const TWO_32 = 2 ** 32;

/** The interpreter's effective address: unsigned base plus signed offset, without 64-bit wrap. */
function effectiveAddress(base: bigint, off: number): number {
  const u = BigInt.asUintN(64, base);
  const lo = Number(u & 0xffff_ffffn);
  const hi = Number(u >> 32n);
  const address = lo + off;
  return hi === 0 ? address : address + hi * TWO_32;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The RuntimeError a trap reports, worded exactly as the interpreter words it. */
export function trapError(pc: number, kind: number, size: number, base: bigint, off: number): RuntimeError {
  switch (kind) {
    case TrapKind.READ:
    case TrapKind.WRITE:
    case TrapKind.ATOMIC: {
      const what = kind === TrapKind.READ ? 'read' : kind === TrapKind.WRITE ? 'write' : 'atomic update';
      const address = effectiveAddress(base, off);
      const shown = address < 0 ? `-0x${(-address).toString(16)}` : `0x${address.toString(16)}`;
      return new RuntimeError(`out-of-bounds ${what} of ${size} bytes at ${shown} at pc ${pc}`, pc, 'out-of-bounds');
    }
    case TrapKind.CALL_DEPTH:
      return new RuntimeError(`call depth exceeds ${MAX_CALL_DEPTH} frames at pc ${pc}`, pc, 'call-depth');
    case TrapKind.BUDGET:
      return new RuntimeError(`loop budget of ${base} iterations exhausted at pc ${pc}`, pc, 'budget');
    default:
      return new RuntimeError(`unknown trap ${kind} at pc ${pc}`, pc, 'helper');
  }
}

/** A helper's result as an unsigned 64-bit bigint, or the interpreter's RuntimeError for a bad one. */
function helperResult(result: unknown, id: number, pc: number): bigint {
  if (typeof result === 'number') {
    if (!Number.isInteger(result)) {
      throw new RuntimeError(`helper ${id} returned ${result}, expected an integer at pc ${pc}`, pc, 'helper');
    }
    return BigInt.asUintN(64, BigInt(result));
  }
  if (typeof result === 'bigint') return result >= 0n && result <= 0xffff_ffff_ffff_ffffn ? result : BigInt.asUintN(64, result);
  throw new RuntimeError(`helper ${id} returned ${typeof result}, expected a bigint or number at pc ${pc}`, pc, 'helper');
}

/** An i64 argument (signed as wasm hands it over) as the unsigned value helpers take. */
function unsigned(value: bigint): bigint {
  return value < 0n ? BigInt.asUintN(64, value) : value;
}

function callHelper(env: ExecEnv, id: number, pc: number, a1: bigint, a2: bigint, a3: bigint, a4: bigint, a5: bigint): bigint {
  const fn = env.helpers.get(id);
  if (fn === undefined) throw new RuntimeError(`helper ${id} is not registered at pc ${pc}`, pc, 'helper');
  let result: unknown;
  try {
    result = fn(unsigned(a1), unsigned(a2), unsigned(a3), unsigned(a4), unsigned(a5));
  } catch (error) {
    throw new RuntimeError(`helper ${id} failed at pc ${pc}: ${describe(error)}`, pc, 'helper', { cause: error });
  }
  // a tail call asked to end this program: unwind to the run wrapper, which returns 0 (the caller
  // then runs the tail-call target; see ExecEnv.stopRequested)
  if (env.stopRequested) throw ABORT_ZERO;
  return helperResult(result, id, pc);
}

/** The import of a fast helper: errors and tail-call stops exactly as callHelper reports them. */
function fastHelperImport(env: ExecEnv, id: number, entry: FastHelperEntry): (pc: number, a1: number, a2: number, a3: number, a4: number, a5: number) => number {
  const fn = entry.fn;
  return (pc, a1, a2, a3, a4, a5) => {
    let result: number;
    try {
      result = fn(a1, a2, a3, a4, a5);
    } catch (error) {
      throw new RuntimeError(`helper ${id} failed at pc ${pc}: ${describe(error)}`, pc, 'helper', { cause: error });
    }
    if (env.stopRequested) throw ABORT_ZERO;
    return result;
  };
}

/** The JavaScript functions a generated module imports from `env`, bound to one ExecEnv. */
export function createFunctionImports(env: ExecEnv): Record<string, (...args: never[]) => unknown> {
  const fast: Record<string, (...args: never[]) => unknown> = {};
  for (const [id, entry] of env.fastHelpers) fast[fastHelperImportName(id)] = fastHelperImport(env, id, entry);
  return {
    ...fast,
    [TRAP_IMPORT]: (pc: number, kind: number, size: number, base: bigint, off: number): never => {
      throw trapError(pc, kind, size, base, off);
    },
    [HELPER_IMPORT]: (id: number, pc: number, a1: bigint, a2: bigint, a3: bigint, a4: bigint, a5: bigint): bigint =>
      callHelper(env, id, pc, a1, a2, a3, a4, a5),
    [CALLX_IMPORT]: (pc: number, reg: number, value: bigint, a1: bigint, a2: bigint, a3: bigint, a4: bigint, a5: bigint): bigint => {
      const target = BigInt.asUintN(64, value);
      const id = Number(target);
      if (target >= 2n ** 32n || !env.helpers.has(id)) {
        throw new RuntimeError(`callx to unknown helper id ${target} in r${reg} at pc ${pc}`, pc, 'callx');
      }
      return callHelper(env, id, pc, a1, a2, a3, a4, a5);
    },
    [ABORT_ZERO_IMPORT]: (): never => {
      throw ABORT_ZERO;
    },
  };
}
