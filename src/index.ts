/**
 * @fileoverview The public API of ebpf-wasm, and its only public surface: assemble/disassemble,
 * decode/encode, verify, and load (decode -> verify -> build the chosen engine). The JIT is imported
 * lazily, so the interpreter path never loads binaryen.
 */
import { decode } from './decode.js';
import { encode } from './encode.js';
import { JitError, UsageError } from './errors.js';
import type { Insn } from './isa/instruction.js';
import { type CompileProgram, type Engine, type JitOptions, Program } from './program.js';
import { verifyStructure } from './verifier/cfg.js';
import type { ProgramType, VerifiedProgram } from './verifier/program.js';
import { ExecEnv, type HelperFn } from '../runtime/env.js';
import { createHelperMap } from '../runtime/helpers/table.js';

export { assemble, parseAssembly, type AssembleOptions, type AssemblySyntax } from './asm/assembler.js';
export { disassemble, formatInsn, type DisassembleOptions } from './asm/disassembler.js';
export { decode } from './decode.js';
export { encode } from './encode.js';
export {
  AssembleError,
  CbpfError,
  DecodeError,
  EbpfError,
  ElfError,
  EncodeError,
  ErrorCode,
  JitError,
  MapError,
  PcapError,
  RuntimeError,
  UsageError,
  VerifierError,
  type DecodeReason,
  type RuntimeErrorKind,
} from './errors.js';
export { type Insn, makeInsn, makeLddw } from './isa/instruction.js';
export { Program, type CompiledProgram, type Engine, type JitOptions, type RunOptions, type RunResult } from './program.js';
export type { ProgramType, VerifiedProgram } from './verifier/program.js';
export type { HelperFn } from '../runtime/env.js';

/** Program types `load` and `verify` accept today (the others need contexts, a later stage). */
const SUPPORTED_TYPES: readonly ProgramType[] = ['raw'];

/** Options of `load`. */
export interface LoadOptions {
  /** program type; default 'raw' */
  type?: ProgramType;
  /** execution engine; default 'interpreter' */
  engine?: Engine;
  /** helpers by id, called with five unsigned 64-bit bigint arguments */
  helpers?: Readonly<Record<number, HelperFn>>;
  /** JIT only: binaryen optimisation level 0..3 */
  optimize?: number;
  /** JIT only: constant blinding */
  blinding?: boolean;
}

/** Options of `verify`. */
export interface VerifyOptions {
  /** program type; default 'raw' */
  type?: ProgramType;
  /** helpers the program may call (only their ids matter to the verifier) */
  helpers?: Readonly<Record<number, HelperFn>>;
}

function checkType(type: ProgramType | undefined): ProgramType {
  const resolved = type ?? 'raw';
  if (!SUPPORTED_TYPES.includes(resolved)) {
    throw new UsageError(`program type '${String(resolved)}' is not supported yet, expected one of ${SUPPORTED_TYPES.join(', ')}`);
  }
  return resolved;
}

/** Decoded slots of bytes, or validated and normalised copies of given slots (via an encode/decode round trip). */
function toInsns(code: Uint8Array | readonly Insn[]): Insn[] {
  if (code instanceof Uint8Array) return decode(code);
  if (!Array.isArray(code)) throw new UsageError('code must be a Uint8Array or an array of instructions');
  return decode(encode(code));
}

/**
 * Decodes and verifies a program without building an engine.
 * @throws DecodeError, EncodeError for malformed code; VerifierError when the verifier rejects it
 */
export function verify(code: Uint8Array | readonly Insn[], options: VerifyOptions = {}): VerifiedProgram {
  const type = checkType(options.type);
  const helpers = createHelperMap(options.helpers);
  return verifyStructure(toInsns(code), { type, helperIds: new Set(helpers.keys()) });
}

/**
 * Decodes, verifies and prepares a program on the chosen engine.
 * @example
 *   const prog = await load(assemble('mov %r0, 1\nexit'));
 *   prog.run().r0; // 1n
 * @throws DecodeError, VerifierError, UsageError (bad options), JitError (JIT failures)
 */
export async function load(code: Uint8Array | readonly Insn[], options: LoadOptions = {}): Promise<Program> {
  const type = checkType(options.type);
  const engine = options.engine ?? 'interpreter';
  if (engine !== 'interpreter' && engine !== 'jit') throw new UsageError(`engine must be 'interpreter' or 'jit', got '${String(engine)}'`);
  const { optimize, blinding } = options;
  if (optimize !== undefined && (!Number.isInteger(optimize) || optimize < 0 || optimize > 3)) {
    throw new UsageError(`optimize must be an integer 0..3, got ${String(optimize)}`);
  }
  const helpers = createHelperMap(options.helpers);
  const verified = verifyStructure(toInsns(code), { type, helperIds: new Set(helpers.keys()) });
  const env = new ExecEnv({ helpers });
  if (engine === 'interpreter') return new Program(verified, env, engine);

  const jitOptions: JitOptions = {};
  if (optimize !== undefined) jitOptions.optimize = optimize;
  if (blinding !== undefined) jitOptions.blinding = blinding;
  const compileProgram = await importJit();
  return new Program(verified, env, engine, await compileProgram(verified, env, jitOptions));
}

/**
 * Loads jit/compile.ts on first use (binaryen is heavy: the interpreter path never imports it).
 * @throws JitError when the JIT module cannot be loaded
 */
async function importJit(): Promise<CompileProgram> {
  try {
    const { compileProgram } = await import('../jit/compile.js');
    return compileProgram;
  } catch (error) {
    throw new JitError(`the jit engine is not available: ${error instanceof Error ? error.message : String(error)}`, -1, { cause: error });
  }
}
