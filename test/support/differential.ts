/**
 * @fileoverview Runs one generated program on the interpreter and on the JIT (each in a fresh
 * ExecEnv with the same layout) and describes any difference in r0, the error thrown (class, pc,
 * kind, message), the input memory after the run, or the stack contents.
 */
import { compileProgram, type CompileOptions } from '../../jit/compile.js';
import { ExecEnv } from '../../runtime/env.js';
import { disassemble } from '../../src/asm/disassembler.js';
import { RuntimeError } from '../../src/errors.js';
import { execute } from '../../src/interpreter.js';
import type { Insn } from '../../src/isa/instruction.js';
import { verifyStructure } from '../../src/verifier/cfg.js';
import type { VerifiedProgram } from '../../src/verifier/program.js';
import { GENERATED_HELPERS, type GeneratedProgram } from './gen-program.js';

/** What one engine did. */
export interface EngineOutcome {
  r0?: bigint;
  error?: string;
  mem: Uint8Array;
  stack: Uint8Array;
}

function newEnv(): ExecEnv {
  return new ExecEnv({ helpers: new Map(GENERATED_HELPERS) });
}

function describeError(error: unknown): string {
  if (error instanceof RuntimeError) return `RuntimeError pc=${error.pc} kind=${error.kind}: ${error.message}`;
  return `${error instanceof Error ? error.name : typeof error}: ${error instanceof Error ? error.message : String(error)}`;
}

function outcome(env: ExecEnv, run: () => bigint): EngineOutcome {
  let result: EngineOutcome;
  try {
    const r0 = run();
    result = { r0, mem: env.readInput(), stack: env.space.u8.slice(env.stack.start, env.stack.end) };
  } catch (error) {
    result = { error: describeError(error), mem: env.readInput(), stack: env.space.u8.slice(env.stack.start, env.stack.end) };
  }
  return result;
}

/** Verifies a generated program structurally (raw type, the generator's helpers), with `loopBudget` when given. */
export function verifyGenerated(insns: readonly Insn[], loopBudget?: number): VerifiedProgram {
  const program = verifyStructure(insns, { type: 'raw', helperIds: new Set(GENERATED_HELPERS.keys()) });
  return loopBudget === undefined ? program : { ...program, loopBudget };
}

/** Options of compareEngines: the JIT's, plus the VerifiedProgram.loopBudget both engines run with. */
export interface CompareOptions extends CompileOptions {
  loopBudget?: number;
}

/** The result of running one program on both engines. */
export interface Comparison {
  /** the first difference, or undefined when the engines agree */
  readonly difference: string | undefined;
  /** what the interpreter did */
  readonly reference: EngineOutcome;
}

/** Runs `program` on both engines and compares them. */
export async function compareEngines(generated: GeneratedProgram, options: CompareOptions = {}): Promise<Comparison> {
  const { loopBudget, ...compileOptions } = options;
  const reference = runReference(generated, loopBudget);
  const jit = await runCompiled(generated, compileOptions, loopBudget);
  return { difference: diff(reference, jit), reference };
}

function runReference(generated: GeneratedProgram, loopBudget: number | undefined): EngineOutcome {
  const program = verifyGenerated(generated.insns, loopBudget);
  const interpreterEnv = newEnv();
  interpreterEnv.clearStack();
  const a1 = interpreterEnv.setInput(generated.mem);
  return outcome(interpreterEnv, () => execute(program, interpreterEnv, BigInt(a1), BigInt(generated.mem.length)));
}

async function runCompiled(generated: GeneratedProgram, options: CompileOptions, loopBudget: number | undefined): Promise<EngineOutcome> {
  const program = verifyGenerated(generated.insns, loopBudget);
  const jitEnv = newEnv();
  const compiled = await compileProgram(program, jitEnv, options);
  jitEnv.clearStack();
  const a2 = jitEnv.setInput(generated.mem);
  return outcome(jitEnv, () => compiled.run(BigInt(a2), BigInt(generated.mem.length)));
}

function diff(reference: EngineOutcome, jit: EngineOutcome): string | undefined {
  if (reference.error !== jit.error) return `error: interpreter ${reference.error ?? 'none'}, jit ${jit.error ?? 'none'}`;
  if (reference.r0 !== jit.r0) return `r0: interpreter 0x${reference.r0?.toString(16)}, jit 0x${jit.r0?.toString(16)}`;
  const memDiff = reference.mem.findIndex((byte, i) => byte !== jit.mem[i]);
  if (memDiff >= 0 || reference.mem.length !== jit.mem.length) return `input memory differs at byte ${memDiff}`;
  const stackDiff = reference.stack.findIndex((byte, i) => byte !== jit.stack[i]);
  if (stackDiff >= 0) return `stack differs at byte ${stackDiff} (fp - ${reference.stack.length - stackDiff})`;
  return undefined;
}

/** A printable report of a failing program: seed, difference, disassembly. */
export function formatFailure(generated: GeneratedProgram, difference: string): string {
  let listing: string;
  try {
    listing = disassemble(generated.insns);
  } catch (error) {
    listing = `(disassembly failed: ${describeError(error)})\n${JSON.stringify(generated.insns)}`;
  }
  const mem = Array.from(generated.mem, (b) => b.toString(16).padStart(2, '0')).join(' ');
  return `seed ${generated.seed}: ${difference}\n-- mem\n${mem}\n-- asm\n${listing}`;
}
