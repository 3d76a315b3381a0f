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
import { type DataflowStats, verifyDataflow } from './verifier/dataflow.js';
import { DEFAULT_LOOP_BUDGET, type ProgramType, type VerifiedProgram } from './verifier/program.js';
import { ExecEnv, type HelperFn } from '../runtime/env.js';
import { createHelperMap } from '../runtime/helpers/table.js';
import { checkClassic, type ClassicInsn, parseClassic, translateClassic } from './cbpf.js';
import { isPacketType, ObjectRuntime, PacketProgram, type PacketLoadOptions } from './packet-program.js';
import { HelperId } from '../runtime/helpers/kernel.js';

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
export { DEFAULT_LOOP_BUDGET, type ProgramType, type VerifiedProgram } from './verifier/program.js';
export type { DataflowStats } from './verifier/dataflow.js';
export type { HelperFn } from '../runtime/env.js';
export { BpfObject, loadObject, type LoadObjectOptions, type ObjectProgram, type ObjectProgramInfo } from './object.js';
export { PacketProgram, type PacketLoadOptions, type PacketRunOptions, type PacketRunResult, type Verification } from './packet-program.js';
export type { ContextInput } from '../runtime/context.js';
export { TcAction, XdpAction } from '../runtime/context.js';
export { BpfMap, MapType, mapTypeName, u32Key } from '../runtime/maps/index.js';
export { HelperId } from '../runtime/helpers/kernel.js';
export { readCapture, iterateCapture, writePcap, type Capture, type CapturePacket } from './pcap.js';
export { parseClassic, translateClassic, type ClassicInsn } from './cbpf.js';

/** Program types `load` and `verify` accept. */
const SUPPORTED_TYPES: readonly ProgramType[] = ['raw', 'xdp', 'tc', 'socket_filter'];

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
  /** packet types: number of possible CPUs (default 1) */
  cpus?: number;
  /** packet types: the CPU the program runs on (default 0) */
  cpu?: number;
  /**
   * 'dataflow' (default): structural pass + data-flow verifier (kernel rules; proven accesses run
   * unchecked); 'structural': every memory access checked at run time, loops counted
   */
  verifier?: 'dataflow' | 'structural';
  /** the kernel's unprivileged rules (no pointer leaks, no pointer subtraction, 4,096 insns) */
  unprivileged?: boolean;
  /**
   * back-edge budget when termination is not proven (raw programs whose loops the verifier cannot
   * bound, or the 'structural' verifier); default DEFAULT_LOOP_BUDGET (100,000,000)
   */
  loopBudget?: number;
  /** packet types: verifier log detail kept in the program's `verification` (0 none, 1, 2 every insn) */
  logLevel?: 0 | 1 | 2;
}

/** Options of `load` for the packet program types. */
export type PacketTypeLoadOptions = LoadOptions & { type: 'xdp' | 'tc' | 'socket_filter' };

/** Options of `verify`. */
export interface VerifyOptions {
  /** program type; default 'raw' */
  type?: ProgramType;
  /** helpers the program may call (only their ids matter to the verifier) */
  helpers?: Readonly<Record<number, HelperFn>>;
  /** log detail: 0 none (default), 1 branches and the error, 2 every processed insn with its state */
  logLevel?: 0 | 1 | 2;
  /** the kernel's unprivileged rules */
  unprivileged?: boolean;
}

/** A verified program with the verifier's kernel-style log and statistics. */
export interface VerifyResult extends VerifiedProgram {
  readonly log: string;
  readonly stats: DataflowStats;
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
export function verify(code: Uint8Array | readonly Insn[], options: VerifyOptions = {}): VerifyResult {
  const type = checkType(options.type);
  const userHelpers = new Set(createHelperMap(options.helpers).keys());
  const helperIds = new Set(userHelpers);
  // packet types run with the kernel helpers (src/packet-program.ts)
  if (isPacketType(type)) for (const id of Object.values(HelperId)) helperIds.add(id);
  const structural = verifyStructure(toInsns(code), { type, helperIds });
  const { program, log, stats } = verifyDataflow(structural, {
    type,
    userHelpers,
    ...(type === 'raw' ? { onComplexityLimit: 'check-at-run-time' as const, complexityLimit: RAW_COMPLEXITY_LIMIT } : {}),
    ...(options.logLevel === undefined ? {} : { logLevel: options.logLevel }),
    ...(options.unprivileged === undefined ? {} : { unprivileged: options.unprivileged }),
  });
  return { ...program, ...(stats.fallback ? { loopBudget: DEFAULT_LOOP_BUDGET } : {}), log, stats };
}

/**
 * Processed-instruction limit of the raw type before it falls back to run-time checks. Lower than
 * the kernel's 1,000,000 (which still applies to the packet types): a raw loop over the input length
 * can never be bounded by exploration, so the fallback should come quickly (~0.2 s, not ~2 s).
 */
export const RAW_COMPLEXITY_LIMIT = 100_000;

/**
 * The raw type's verification: structural pass, then the data-flow pass whose proofs remove run-time
 * checks; a program whose loops it cannot bound (a loop over the input length r2) falls back to
 * run-time checks and a back-edge budget, so it can never hang.
 */
function verifyRaw(insns: Insn[], helpers: ReadonlyMap<number, HelperFn>, options: LoadOptions): VerifiedProgram {
  const structural = verifyStructure(insns, { type: 'raw', helperIds: new Set(helpers.keys()) });
  const budget = options.loopBudget ?? DEFAULT_LOOP_BUDGET;
  const verifier = options.verifier ?? 'dataflow';
  if (verifier !== 'dataflow' && verifier !== 'structural') throw new UsageError(`verifier must be 'dataflow' or 'structural', got '${String(verifier)}'`);
  if (verifier === 'structural') return { ...structural, loopBudget: budget };
  const { program, stats } = verifyDataflow(structural, {
    type: 'raw',
    userHelpers: new Set(helpers.keys()),
    onComplexityLimit: 'check-at-run-time',
    complexityLimit: RAW_COMPLEXITY_LIMIT,
    ...(options.unprivileged === undefined ? {} : { unprivileged: options.unprivileged }),
  });
  return stats.fallback ? { ...program, loopBudget: budget } : program;
}

/**
 * Decodes, verifies and prepares a program on the chosen engine.
 * @example
 *   const prog = await load(assemble('mov %r0, 1\nexit'));
 *   prog.run().r0; // 1n
 * @throws DecodeError, VerifierError, UsageError (bad options), JitError (JIT failures)
 */
export async function load(code: Uint8Array | readonly Insn[], options: PacketTypeLoadOptions): Promise<PacketProgram>;
export async function load(code: Uint8Array | readonly Insn[], options?: LoadOptions): Promise<Program>;
export async function load(code: Uint8Array | readonly Insn[], options: LoadOptions = {}): Promise<Program | PacketProgram> {
  const type = checkType(options.type);
  if (isPacketType(type)) return loadPacketProgram(toInsns(code), type, options);
  const engine = options.engine ?? 'interpreter';
  if (engine !== 'interpreter' && engine !== 'jit') throw new UsageError(`engine must be 'interpreter' or 'jit', got '${String(engine)}'`);
  const { optimize, blinding } = options;
  if (optimize !== undefined && (!Number.isInteger(optimize) || optimize < 0 || optimize > 3)) {
    throw new UsageError(`optimize must be an integer 0..3, got ${String(optimize)}`);
  }
  const helpers = createHelperMap(options.helpers);
  const verified = verifyRaw(toInsns(code), helpers, options);
  const env = new ExecEnv({ helpers });
  if (engine === 'interpreter') return new Program(verified, env, engine);

  const jitOptions: JitOptions = {};
  if (optimize !== undefined) jitOptions.optimize = optimize;
  if (blinding !== undefined) jitOptions.blinding = blinding;
  const compileProgram = await importJit();
  return new Program(verified, env, engine, await compileProgram(verified, env, jitOptions));
}

/**
 * A packet program (xdp, tc, socket_filter) from raw code: its own address space, kernel helpers
 * (user helpers by id replace them), no maps. `run(packet, ctx?)` returns { r0, data, ctx }.
 */
async function loadPacketProgram(insns: Insn[], type: 'xdp' | 'tc' | 'socket_filter', options: LoadOptions): Promise<PacketProgram> {
  const runtime = new ObjectRuntime({
    ...(options.cpus === undefined ? {} : { cpus: options.cpus }),
    ...(options.helpers === undefined ? {} : { helpers: options.helpers }),
  });
  const packetOptions: PacketLoadOptions = {
    ...(options.engine === undefined ? {} : { engine: options.engine }),
    ...(options.optimize === undefined ? {} : { optimize: options.optimize }),
    ...(options.blinding === undefined ? {} : { blinding: options.blinding }),
    ...(options.cpu === undefined ? {} : { cpu: options.cpu }),
    ...(options.verifier === undefined ? {} : { verifier: options.verifier }),
    ...(options.unprivileged === undefined ? {} : { unprivileged: options.unprivileged }),
    ...(options.loopBudget === undefined ? {} : { loopBudget: options.loopBudget }),
    ...(options.logLevel === undefined ? {} : { logLevel: options.logLevel }),
  };
  return PacketProgram.create(runtime, insns, { name: '', section: '', type }, packetOptions, undefined, () => undefined);
}

/** Options of `loadClassic`. */
export interface LoadClassicOptions {
  engine?: Engine;
  optimize?: number;
  blinding?: boolean;
}

/**
 * Loads a classic BPF filter (text as `tcpdump -ddd` prints it, or instructions) as a socket filter:
 * checked like the kernel's sk_chk_filter, translated to eBPF, loaded on the chosen engine. The
 * verdict r0 is the number of bytes to accept (0 drops).
 * @throws CbpfError for a malformed or rejected classic program; as `load` otherwise
 */
export async function loadClassic(program: string | readonly ClassicInsn[], options: LoadClassicOptions = {}): Promise<PacketProgram> {
  const classic = typeof program === 'string' ? parseClassic(program) : program;
  checkClassic(classic);
  return load(translateClassic(classic), { ...options, type: 'socket_filter' });
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
