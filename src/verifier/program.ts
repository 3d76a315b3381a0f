/**
 * @fileoverview What the verifier hands to the engines: the instructions plus the facts the engines
 * may rely on. Produced by the verifier (structural pass now, data-flow pass later), consumed by
 * src/interpreter.ts and jit/compile.ts; neither engine re-checks what is recorded here as proven.
 */
import { UsageError } from '../errors.js';
import type { Insn } from '../isa/instruction.js';

/** Program types; each decides the context, the allowed helpers and the memory rules. */
export type ProgramType = 'raw' | 'xdp' | 'tc' | 'socket_filter';

/** A program that passed verification. */
export interface VerifiedProgram {
  readonly type: ProgramType;
  /** one element per 8-byte slot (lddw takes two) */
  readonly insns: readonly Insn[];
  /** first pc of every function: 0 (the entry) first, then each local-call target in ascending order */
  readonly functions: readonly number[];
  /**
   * per pc, 1 when the memory access there could not be proven in bounds and must be checked at run
   * time (ExecEnv.isAccessible); 0 for every other pc
   */
  readonly checkedAccess: Uint8Array;
  /** helper ids called with `call imm` anywhere in the program, ascending */
  readonly helperIds: readonly number[];
  /**
   * set when the verifier could not prove that every loop terminates (the raw type's run-time-check
   * fallback): the engines then count taken back-edges and stop the run with RuntimeError kind
   * 'budget' once the count exceeds this many; absent or 0 = termination proven, no counting
   */
  readonly loopBudget?: number;
}

/** Default back-edge budget for programs whose termination was not proven (raw type only). */
export const DEFAULT_LOOP_BUDGET = 100_000_000;

/**
 * The back-edge budget both engines enforce for `program`: 0 when loopBudget is absent or not
 * positive (no counting), else loopBudget itself.
 * @throws UsageError when loopBudget is positive but not a safe integer
 */
export function loopBudgetOf(program: VerifiedProgram): number {
  const budget = program.loopBudget ?? 0;
  if (!(budget > 0)) return 0;
  if (!Number.isSafeInteger(budget)) throw new UsageError(`loop budget ${budget} is not a safe integer`);
  return budget;
}
