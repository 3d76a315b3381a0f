/**
 * @fileoverview The live Program object behind the public `load`: it owns one ExecEnv (address space,
 * stack, helpers) and one engine (the interpreter, or a JIT-compiled module), and turns a run's input
 * memory into r1/r2 for the raw program type. Decoding and verification happen in index.ts.
 */
import { UsageError } from './errors.js';
import type { Insn } from './isa/instruction.js';
import { execute } from './interpreter.js';
import type { ProgramType, VerifiedProgram } from './verifier/program.js';
import { ExecEnv } from '../runtime/env.js';

/** Execution engines. */
export type Engine = 'interpreter' | 'jit';

/** What a JIT-compiled program offers (the contract with jit/compile.ts). */
export interface CompiledProgram {
  run(r1: bigint, r2: bigint): bigint;
  readonly wasm: Uint8Array;
  wat(): string;
}

/** Options the JIT accepts (passed through from `load`). */
export interface JitOptions {
  optimize?: number;
  blinding?: boolean;
}

/** The signature of jit/compile.ts's entry point. */
export type CompileProgram = (program: VerifiedProgram, env: ExecEnv, options: JitOptions) => Promise<CompiledProgram>;

/** The outcome of one run: r0 (unsigned 64-bit) and a copy of the input memory afterwards. */
export interface RunResult {
  readonly r0: bigint;
  readonly data: Uint8Array;
}

/** Options of one run. */
export interface RunOptions {
  /**
   * false: skip copying the memory out (`data` is then empty); saves the ~0.5 us a typed-array
   * allocation costs, for callers that only want r0 (benchmarks, filters)
   */
  data?: boolean;
}

/** The `data` of runs without input memory or that asked for none. */
const NO_DATA = new Uint8Array(0);

/** A loaded, verified program bound to one engine; each run is independent of the others. */
export class Program {
  /** the engine that runs this program */
  readonly engine: Engine;
  /** the verified program (structure and facts the engines rely on) */
  readonly verified: VerifiedProgram;
  private readonly env: ExecEnv;
  private readonly compiled: CompiledProgram | undefined;

  /** Use `load` from the public API; this constructor expects an already verified program. */
  constructor(verified: VerifiedProgram, env: ExecEnv, engine: Engine, compiled?: CompiledProgram) {
    if (engine === 'jit' && compiled === undefined) throw new UsageError('a jit program needs its compiled module');
    this.verified = verified;
    this.env = env;
    this.engine = engine;
    this.compiled = compiled;
  }

  /** The instruction slots the program was loaded from. */
  get insns(): readonly Insn[] {
    return this.verified.insns;
  }

  /** The program type. */
  get type(): ProgramType {
    return this.verified.type;
  }

  /** The WebAssembly binary of a JIT program; undefined for the interpreter. */
  get wasm(): Uint8Array | undefined {
    return this.compiled?.wasm;
  }

  /**
   * The WebAssembly text of a JIT program.
   * @throws UsageError for an interpreted program
   */
  wat(): string {
    if (this.compiled === undefined) throw new UsageError(`wat() needs the jit engine, this program runs on the ${this.engine}`);
    return this.compiled.wat();
  }

  /**
   * Runs the program once. Raw type: r1 = address of a private copy of `mem` (0 when absent or
   * empty), r2 = its length; the stack is zeroed first.
   * @throws RuntimeError when the run fails (out-of-bounds access, call depth, helper failure)
   */
  run(mem?: Uint8Array, options: RunOptions = {}): RunResult {
    const env = this.env;
    env.clearStack();
    const address = env.setInput(mem);
    const length = mem === undefined ? 0 : mem.length;
    const r1 = BigInt(address);
    const r2 = BigInt(length);
    const r0 = this.compiled === undefined ? execute(this.verified, env, r1, r2) : this.compiled.run(r1, r2);
    const data = options.data === false || env.input.end === env.input.start ? NO_DATA : env.readInput();
    return { r0: BigInt.asUintN(64, r0), data };
  }
}
