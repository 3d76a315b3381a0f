/**
 * @fileoverview The JIT's entry point: VerifiedProgram -> wasm module (through Binaryen) ->
 * instantiated CompiledProgram. One wasm function per eBPF function, registers in i64 locals,
 * control flow through Binaryen's Relooper; functions too large for one Relooper pass (or for V8's
 * optimizing tier) are split into chunks of blocks (see lowerChunkedFunction). Per-instruction
 * lowering lives in lower-*.ts, the JavaScript side of the imports in abi.ts, blinding decisions in
 * runtime/blinding.ts.
 */
import { JitError } from '../src/errors.js';
import { lddwValue, type Insn } from '../src/isa/instruction.js';
import { Opcode } from '../src/isa/opcodes.js';
import { FP, STACK_SIZE } from '../src/isa/registers.js';
import { opcodeInfo } from '../src/isa/table.js';
import { loopBudgetOf, type VerifiedProgram } from '../src/verifier/program.js';
import { planBlinding, type BlindingPlan } from '../runtime/blinding.js';
import type { ExecEnv, FastHelperEntry } from '../runtime/env.js';
import {
  ABORT_ZERO,
  ABORT_ZERO_IMPORT,
  CALLX_IMPORT,
  createFunctionImports,
  fastHelperImportName,
  HELPER_IMPORT,
  IMPORT_MODULE,
  KEY_MODULE,
  keyImportName,
  MAY_GOTO_BUDGET,
  MEMORY_IMPORT,
  RUN_EXPORT,
  type RunExport,
  TRAP_IMPORT,
} from './abi.js';
import { findBlocks, type FunctionBlocks, type ProgramBlocks, slotCount } from './blocks.js';
import { lowerAlu } from './lower-alu.js';
import { lowerCall } from './lower-call.js';
import { backEdgeSpend, loadLoopLeft, lowerCondition, mayGotoCondition, mayGotoSpend, storeLoopLeft } from './lower-jump.js';
import { lowerMemory } from './lower-mem.js';
import {
  type Binaryen,
  describeFailure,
  type ExpressionRef,
  FunctionBuilder,
  Globals,
  loadBinaryen,
  returnGlobal,
  loadedBinaryen,
  type LowerContext,
  type Relooper,
  type RelooperBlock,
  type WasmModule,
} from './module.js';

/** A program compiled to wasm and instantiated against one ExecEnv. */
export interface CompiledProgram {
  /** Runs with r1, r2 set, r10 = env.framePointer(0), other registers 0; returns r0 (unsigned). */
  run(r1: bigint, r2: bigint): bigint;
  /** the module binary */
  readonly wasm: Uint8Array;
  /** the module in text form */
  wat(): string;
}

/** Options of compileProgram. */
export interface CompileOptions {
  /** binaryen optimize level 0..3; 0 (the default) skips module.optimize() */
  optimize?: number;
  /** constant blinding (default true) */
  blinding?: boolean;
  /** random source for the blinding keys (default crypto.getRandomValues) */
  random?: (out: Uint32Array) => void;
  /** functions with more slots than this are split into chunks (default CHUNK_THRESHOLD; for tests) */
  chunkThreshold?: number;
}

/**
 * Default optimize level. Measured on a 3M-iteration loop (16 insns, stack traffic, a division):
 * level 0 compiles in 2-4 ms and runs in 6.7 ms; levels 1-3 compile in 3-30 ms and run in 7.7 ms
 * (V8's own tiers already do what binaryen's passes would; the pass output is even slightly slower).
 */
export const DEFAULT_OPTIMIZE = 0;

/**
 * Functions with more slots than this are split into chunks. The Relooper's rendering recurses: a
 * function where every slot is its own block renders at 4,000 blocks (~250 ms) but overflows the
 * stack at 8,000 (and a 15,000-slot function with 7,500 blocks overflows too), so no single Relooper
 * call may see more than 4,000 blocks; chunks also keep each wasm function small for V8's tiers.
 */
export const CHUNK_THRESHOLD = 4000;

/** Target slots per chunk of a split function (measured: 500-2,000 all compile alike). */
export const CHUNK_SLOTS = 2000;

/**
 * Parameters of the wasm function of an eBPF function, in this order:
 *   r1..r5 (i64), depth (i32), r0, r6, r7, r8, r9 (i64: the caller's values, which the interpreter's
 *   single register file also shows the callee)
 * On return the callee's r1..r5 are left in the ret_r1..ret_r5 globals for the caller to take over,
 * again as the interpreter's single register file behaves (the kernel treats them as clobbered).
 */
const DEPTH_PARAM = 5;
const REG_PARAMS: ReadonlyMap<number, number> = new Map([
  [1, 0],
  [2, 1],
  [3, 2],
  [4, 3],
  [5, 4],
  [0, 6],
  [6, 7],
  [7, 8],
  [8, 9],
  [9, 10],
]);

/**
 * Compiles `program` to wasm and instantiates it against `env`.
 * @throws JitError when an instruction cannot be lowered or binaryen fails
 */
export async function compileProgram(program: VerifiedProgram, env: ExecEnv, options: CompileOptions = {}): Promise<CompiledProgram> {
  const b = await loadBinaryen();
  const plan = options.blinding === false ? undefined : planBlinding(program.insns, options.random);
  const wasm = buildModule(b, program, env, plan, options.optimize ?? DEFAULT_OPTIMIZE, options.chunkThreshold ?? CHUNK_THRESHOLD);
  return instantiate(wasm, env, plan);
}

/** Builds, validates, optionally optimizes and emits the module. */
function buildModule(b: Binaryen, program: VerifiedProgram, env: ExecEnv, plan: BlindingPlan | undefined, optimize: number, chunkThreshold: number): Uint8Array<ArrayBuffer> {
  if (!Number.isInteger(optimize) || optimize < 0 || optimize > 3) throw new JitError(`optimize level ${optimize} is not 0..3`, -1);
  const blocks = findBlocks(program);
  const loopBudget = loopBudgetOf(program);
  const mod = new b.Module();
  try {
    mod.setFeatures(b.Features.MVP | b.Features.SignExt | b.Features.MutableGlobals);
    declareImports(b, mod, env, plan);
    mod.addGlobal(Globals.BUDGET, b.i32, true, mod.i32.const(0));
    if (loopBudget > 0) mod.addGlobal(Globals.LOOP_BUDGET, b.i64, true, mod.i64.const(0n));
    mod.addGlobal(Globals.INPUT_START, b.i64, true, mod.i64.const(0n));
    mod.addGlobal(Globals.INPUT_LENGTH, b.i64, true, mod.i64.const(0n));
    for (const r of [1, 2, 3, 4, 5]) mod.addGlobal(returnGlobal(r), b.i64, true, mod.i64.const(0n));
    const lowering = new ProgramLowering(b, mod, program, env, plan, blocks, chunkThreshold);
    for (const fn of blocks.functions) lowering.lowerFunction(fn);
    lowering.finish();
    addRunFunction(b, mod, loopBudget);
    if (!mod.validate()) throw new JitError('generated module failed validation', -1);
    if (optimize > 0) {
      b.setOptimizeLevel(optimize);
      b.setShrinkLevel(0);
      mod.optimize();
    }
    b.setDebugInfo(true);
    try {
      return new Uint8Array(mod.emitBinary());
    } finally {
      b.setDebugInfo(false);
    }
  } catch (error) {
    if (error instanceof JitError) throw error;
    throw new JitError(`binaryen failed: ${describeFailure(error)}`, -1, { cause: error });
  } finally {
    mod.dispose();
  }
}

/** The fast helper variant the JIT may call for helper `id`: only while env.helpers still holds its generic helper. */
function usableFastHelper(env: ExecEnv, id: number): FastHelperEntry | undefined {
  const entry = env.fastHelpers.get(id);
  return entry !== undefined && env.helpers.get(id) === entry.generic ? entry : undefined;
}

function declareImports(b: Binaryen, mod: WasmModule, env: ExecEnv, plan: BlindingPlan | undefined): void {
  mod.addMemoryImport('memory', IMPORT_MODULE, MEMORY_IMPORT);
  mod.addFunctionImport(TRAP_IMPORT, IMPORT_MODULE, TRAP_IMPORT, b.createType([b.i32, b.i32, b.i32, b.i64, b.i32]), b.none);
  mod.addFunctionImport(HELPER_IMPORT, IMPORT_MODULE, HELPER_IMPORT, b.createType([b.i32, b.i32, b.i64, b.i64, b.i64, b.i64, b.i64]), b.i64);
  mod.addFunctionImport(CALLX_IMPORT, IMPORT_MODULE, CALLX_IMPORT, b.createType([b.i32, b.i32, b.i64, b.i64, b.i64, b.i64, b.i64, b.i64]), b.i64);
  mod.addFunctionImport(ABORT_ZERO_IMPORT, IMPORT_MODULE, ABORT_ZERO_IMPORT, b.none, b.none);
  for (const [id, entry] of env.fastHelpers) {
    if (usableFastHelper(env, id) === undefined) continue;
    const name = fastHelperImportName(id);
    mod.addFunctionImport(name, IMPORT_MODULE, name, b.createType(new Array<number>(1 + entry.arity).fill(b.i32)), b.i32);
  }
  if (plan !== undefined) {
    for (let i = 0; i < plan.keys.length; i++) {
      mod.addGlobalImport(keyImportName(i), KEY_MODULE, keyImportName(i), b.i64, false);
    }
  }
}

/** The exported entry: sets the per-run globals and calls the entry function at depth 0. */
function addRunFunction(b: Binaryen, mod: WasmModule, loopBudget: number): void {
  const reg = (i: number): ExpressionRef => mod.local.get(i, b.i64);
  // the input bounds arrive as i32 (addresses are below 2^32) to spare two BigInt conversions per run
  const bound = (i: number): ExpressionRef => mod.i64.extend_u(mod.local.get(i, b.i32));
  const body = mod.block(null, [
    mod.global.set(Globals.INPUT_START, bound(2)),
    mod.global.set(Globals.INPUT_LENGTH, mod.i64.sub(bound(3), bound(2))),
    mod.global.set(Globals.BUDGET, mod.i32.const(MAY_GOTO_BUDGET)),
    ...(loopBudget > 0 ? [mod.global.set(Globals.LOOP_BUDGET, mod.i64.const(BigInt(loopBudget)))] : []),
    mod.return(mod.call(functionName(0), [reg(0), reg(1), ...[0, 0, 0].map(() => mod.i64.const(0n)), mod.i32.const(0), ...[0, 6, 7, 8, 9].map(() => mod.i64.const(0n))], b.i64)),
  ]);
  mod.addFunction(RUN_EXPORT, b.createType([b.i64, b.i64, b.i32, b.i32]), b.i64, [], body);
  mod.addFunctionExport(RUN_EXPORT, RUN_EXPORT);
}

/** Whether a jump in slots [start, end) goes backward (to its own or an earlier pc). */
function hasBackwardJump(insns: readonly Insn[], start: number, end: number): boolean {
  for (let pc = start; pc < end; ) {
    const insn = insns[pc];
    if (insn === undefined) return false;
    const kind = opcodeInfo(insn.op)?.kind;
    const offset = kind === 'ja' ? (insn.op === Opcode.JA32 ? insn.imm : insn.off) : kind === 'jcond' || kind === 'may_goto' ? insn.off : 0;
    // the target pc + 1 + offset is at or before pc
    if (offset < 0) return true;
    pc += slotCount(insn);
  }
  return false;
}

/** wasm name of eBPF function `index`. */
function functionName(index: number): string {
  return `f${index}`;
}

/** Sign-extended imm, or the full value for lddw: the value an immediate operand stands for. */
function immediateValue(insns: readonly Insn[], pc: number): bigint {
  const insn = insns[pc];
  if (insn === undefined) throw new JitError(`no instruction at pc ${pc}`, pc);
  return insn.op === Opcode.LDDW ? lddwValue(insns, pc) : BigInt.asUintN(64, BigInt(insn.imm | 0));
}

/** What a block ends with, and where control goes next. */
type Terminator =
  | { readonly kind: 'fallthrough' }
  | { readonly kind: 'exit' }
  | { readonly kind: 'jump'; readonly target: number }
  | { readonly kind: 'branch'; readonly target: number; readonly condition: ExpressionRef }
  | { readonly kind: 'may_goto'; readonly target: number };

/** Program-wide lowering state: the module, the blinding plan, and the function names. */
class ProgramLowering {
  private readonly functionIndex = new Map<number, number>();

  constructor(
    private readonly b: Binaryen,
    private readonly mod: WasmModule,
    private readonly program: VerifiedProgram,
    private readonly env: ExecEnv,
    private readonly plan: BlindingPlan | undefined,
    private readonly blocks: ProgramBlocks,
    private readonly chunkThreshold: number,
  ) {
    program.functions.forEach((start, index) => this.functionIndex.set(start, index));
  }

  /** A LowerContext for instructions of a function whose locals `fb` owns. */
  private context(fb: FunctionBuilder, depth: () => ExpressionRef, start: number, end: number): LowerContext {
    const { b, plan, program } = this;
    // only code with a backward jump counts; the rest leaves the LOOP_BUDGET global alone
    const counts = loopBudgetOf(program) > 0 && hasBackwardJump(program.insns, start, end);
    const keyIndex = (pc: number): number => (plan === undefined ? -1 : (plan.keyIndex[pc] ?? -1));
    return {
      fb,
      ...(counts ? { loopLeft: fb.addLocal(b.i64) } : {}),
      stackStart: this.env.stack.start,
      stackEnd: this.env.stack.end,
      checkedAccess: program.checkedAccess,
      depth,
      immI64: (pc) => {
        const k = keyIndex(pc);
        if (k < 0 || plan === undefined) return fb.i64(immediateValue(program.insns, pc));
        return fb.get(fb.unblindedLocal('i64', k, plan.blinded[pc] ?? 0n), b.i64);
      },
      immI32: (pc) => {
        const k = keyIndex(pc);
        if (k < 0 || plan === undefined) return fb.i32(program.insns[pc]?.imm ?? 0);
        return fb.get(fb.unblindedLocal('i32', k, plan.blinded[pc] ?? 0n), b.i32);
      },
      immValue: (pc) => immediateValue(program.insns, pc),
      fastHelper: (id) => usableFastHelper(this.env, id),
      functionName: (pc) => {
        const index = this.functionIndex.get(pc);
        if (index === undefined) throw new JitError(`local call to pc ${pc}, which starts no function`, pc);
        return functionName(index);
      },
    };
  }

  /** Lowers the straight-line part of a block and returns its statements and terminator. */
  private lowerBlock(ctx: LowerContext, start: number, end: number): { stmts: ExpressionRef[]; term: Terminator } {
    const insns = this.program.insns;
    const stmts: ExpressionRef[] = [];
    let term: Terminator = { kind: 'fallthrough' };
    for (let pc = start; pc < end; ) {
      const insn = insns[pc];
      if (insn === undefined) throw new JitError(`no instruction at pc ${pc}`, pc);
      const info = opcodeInfo(insn.op);
      if (info === undefined) throw new JitError(`unknown opcode 0x${insn.op.toString(16)} at pc ${pc}`, pc);
      switch (info.kind) {
        case 'alu':
        case 'neg':
        case 'end':
        case 'mov':
          stmts.push(...lowerAlu(ctx, insn, pc));
          break;
        case 'lddw':
        case 'ldabs':
        case 'ldind':
        case 'ldx':
        case 'ldsx':
        case 'st':
        case 'stx':
        case 'atomic':
          stmts.push(...lowerMemory(ctx, insns, pc, this.program.checkedAccess[pc] === 1));
          break;
        case 'call':
        case 'callx':
          stmts.push(...lowerCall(ctx, insn, pc));
          break;
        case 'exit':
          term = { kind: 'exit' };
          break;
        case 'ja':
          term = { kind: 'jump', target: pc + 1 + (insn.op === Opcode.JA32 ? insn.imm : insn.off) };
          break;
        case 'jcond':
          term = { kind: 'branch', target: pc + 1 + insn.off, condition: lowerCondition(ctx, insn, pc) };
          break;
        case 'may_goto':
          term = { kind: 'may_goto', target: pc + 1 + insn.off };
          break;
        default: {
          const never: never = info.kind;
          throw new JitError(`unhandled instruction kind ${String(never)} at pc ${pc}`, pc);
        }
      }
      if (term.kind !== 'fallthrough' && pc + slotCount(insn) !== end) {
        throw new JitError(`control transfer in the middle of a block at pc ${pc}`, pc);
      }
      pc += slotCount(insn);
    }
    return { stmts, term };
  }

  /** Emits the wasm function(s) of one eBPF function. */
  lowerFunction(fn: FunctionBlocks): void {
    if (fn.end - fn.start > this.chunkThreshold) {
      this.lowerChunkedFunction(fn);
      return;
    }
    const { b, mod } = this;
    const params = functionParams(b);
    const fb = new FunctionBuilder(b, mod, params, REG_PARAMS);
    const depth = (): ExpressionRef => mod.local.get(DEPTH_PARAM, b.i32);
    const ctx = this.context(fb, depth, fn.start, fn.end);
    const relooper = new b.Relooper(mod);
    const refs: RelooperBlock[] = [];
    const terms: Terminator[] = [];
    for (const block of fn.blocks) {
      const { stmts, term } = this.lowerBlock(ctx, block.start, block.end);
      this.finishBlock(ctx, stmts, term, block.end, fn, () => [...saveReturnRegisters(fb), ...storeLoopLeft(ctx), mod.return(fb.reg(0))]);
      refs.push(relooper.addBlock(mod.block(null, stmts)));
      terms.push(term);
    }
    const ref = (pc: number): RelooperBlock => {
      const r = refs[this.blocks.blockAt[pc] ?? -1];
      if (pc < fn.start || pc >= fn.end || r === undefined) throw new JitError(`branch target ${pc} is not a block of function at pc ${fn.start}`, pc);
      return r;
    };
    fn.blocks.forEach((block, i) => this.addEdges(ctx, relooper, refs[i] ?? 0, terms[i] ?? { kind: 'exit' }, block.end, fn, ref));
    const entry = refs[0];
    if (entry === undefined) throw new JitError(`function at pc ${fn.start} has no instructions`, fn.start);
    const body = relooper.renderAndDispose(entry, fb.label);
    const prologue = [fb.setReg(FP, framePointer(fb, this.env, depth())), ...fb.loadKeys(keyImportName), ...loadLoopLeft(ctx)];
    mod.addFunction(functionName(fn.index), b.createType(params), b.i64, fb.varTypes, mod.block(null, [...prologue, body, mod.unreachable()]));
  }

  /** Adds the statements a terminator needs inside its block (return, budget, dead end). */
  private finishBlock(ctx: LowerContext, stmts: ExpressionRef[], term: Terminator, end: number, fn: FunctionBlocks, onExit: () => ExpressionRef[]): void {
    const { mod } = this;
    switch (term.kind) {
      case 'exit':
        stmts.push(...onExit());
        break;
      case 'may_goto':
        if (term.target === end) stmts.push(mod.if(mod.i32.eqz(mayGotoCondition(ctx)), mayGotoSpend(ctx)));
        break;
      case 'fallthrough':
        if (end >= fn.end) stmts.push(mod.unreachable());
        break;
      case 'jump':
      case 'branch':
        break;
      default: {
        const never: never = term;
        throw new JitError(`unhandled terminator ${String(never)}`, -1);
      }
    }
  }

  /**
   * Code on the taken edge from the block ending at `end` (its last slot is the jump) to `target`: the
   * loop budget's counting when the program has one and the jump goes backward, else none (0).
   */
  private backEdgeCode(ctx: LowerContext, target: number, end: number): ExpressionRef {
    const budget = loopBudgetOf(this.program);
    return budget > 0 && target <= end - 1 ? backEdgeSpend(ctx, end - 1, budget) : 0;
  }

  /** Adds the Relooper edges out of one block; `ref` maps a target pc to its Relooper block. */
  private addEdges(ctx: LowerContext, relooper: Relooper, from: RelooperBlock, term: Terminator, end: number, fn: FunctionBlocks, ref: (pc: number) => RelooperBlock): void {
    switch (term.kind) {
      case 'exit':
        break;
      case 'fallthrough':
        if (end < fn.end) relooper.addBranch(from, ref(end), 0, 0);
        break;
      case 'jump':
        relooper.addBranch(from, ref(term.target), 0, this.backEdgeCode(ctx, term.target, end));
        break;
      case 'branch':
        if (term.target !== end) relooper.addBranch(from, ref(term.target), term.condition, this.backEdgeCode(ctx, term.target, end));
        relooper.addBranch(from, ref(end), 0, 0);
        break;
      case 'may_goto':
        if (term.target !== end) {
          relooper.addBranch(from, ref(term.target), mayGotoCondition(ctx), this.backEdgeCode(ctx, term.target, end));
          relooper.addBranch(from, ref(end), 0, mayGotoSpend(ctx));
        } else {
          relooper.addBranch(from, ref(end), 0, 0);
        }
        break;
      default: {
        const never: never = term;
        throw new JitError(`unhandled terminator ${String(never)}`, -1);
      }
    }
  }

  /**
   * A function too large for one wasm function: its blocks are cut into chunks of about CHUNK_SLOTS
   * slots, each a wasm function `(depth i32) -> i32` that keeps registers in its own locals. Control
   * moves between chunks through a driver loop: a chunk stores all registers in the carry globals,
   * sets the entry block for the next chunk and returns that chunk's table index (-1 after exit,
   * with r0 in the carry global). Carry globals are only live between a chunk's return and the next
   * chunk's prologue, so nested calls (which run inside a chunk) cannot disturb them.
   *
   *   f<i>(r1..r5, depth):  carry <- registers; c = first chunk
   *                         loop { c = call_indirect chunks[c](depth) } while c >= 0; return carry r0
   */
  private lowerChunkedFunction(fn: FunctionBlocks): void {
    const { b, mod } = this;
    this.ensureCarryGlobals();
    // cut the blocks into chunks
    const chunkOfBlock = new Int32Array(fn.blocks.length);
    const chunkStarts: number[] = [];
    let slots = 0;
    fn.blocks.forEach((block, i) => {
      if (i === 0 || slots >= Math.min(CHUNK_SLOTS, Math.max(1, this.chunkThreshold >> 1))) {
        chunkStarts.push(i);
        slots = 0;
      }
      chunkOfBlock[i] = chunkStarts.length - 1;
      slots += block.end - block.start;
    });
    const firstTableIndex = this.chunkNames.length;
    const chunkCount = chunkStarts.length;
    for (let c = 0; c < chunkCount; c++) this.chunkNames.push(`${functionName(fn.index)}_chunk${c}`);
    // entry points: per block, its entry id within its chunk (-1 = only reached from its own chunk)
    const entryId = new Int32Array(fn.blocks.length).fill(-1);
    const entryCount = new Int32Array(chunkCount);
    const markEntry = (blockIndex: number): void => {
      if ((entryId[blockIndex] ?? 0) >= 0) return;
      const c = chunkOfBlock[blockIndex] ?? 0;
      entryId[blockIndex] = entryCount[c] ?? 0;
      entryCount[c] = (entryCount[c] ?? 0) + 1;
    };
    markEntry(0);
    const insns = this.program.insns;
    fn.blocks.forEach((block, i) => {
      let lastPc = block.start;
      for (let pc = block.start; pc < block.end; ) {
        lastPc = pc;
        pc += slotCount(insns[pc] ?? { op: 0, dst: 0, src: 0, off: 0, imm: 0 });
      }
      const last = insns[lastPc];
      const targets: number[] = [];
      if (last !== undefined) {
        const info = opcodeInfo(last.op);
        if (info?.kind === 'ja') targets.push(lastPc + 1 + (last.op === Opcode.JA32 ? last.imm : last.off));
        else if (info?.kind === 'jcond' || info?.kind === 'may_goto') targets.push(lastPc + 1 + last.off, block.end);
        else if (info?.kind !== 'exit') targets.push(block.end);
      }
      for (const target of targets) {
        if (target >= fn.end) continue;
        const t = this.blocks.blockAt[target] ?? -1;
        if (t >= 0 && chunkOfBlock[t] !== chunkOfBlock[i]) markEntry(t);
      }
    });
    // the chunks
    const carry = (r: number): string => `carry_r${r}`;
    for (let c = 0; c < chunkCount; c++) {
      const first = chunkStarts[c] ?? 0;
      const last = (chunkStarts[c + 1] ?? fn.blocks.length) - 1;
      const fb = new FunctionBuilder(b, mod, [b.i32], new Map());
      const depth = (): ExpressionRef => mod.local.get(0, b.i32);
      const ctx = this.context(fb, depth, fn.blocks[first]?.start ?? fn.start, fn.blocks[last]?.end ?? fn.end);
      const relooper = new b.Relooper(mod);
      const refs = new Map<number, RelooperBlock>();
      const terms: Terminator[] = [];
      const leave = (next: number, entry: number): ExpressionRef[] => [
        ...Array.from({ length: 11 }, (_, r) => mod.global.set(carry(r), fb.reg(r))),
        mod.global.set(CARRY_ENTRY, mod.i32.const(entry)),
        ...storeLoopLeft(ctx),
        mod.return(mod.i32.const(next)),
      ];
      for (let i = first; i <= last; i++) {
        const block = fn.blocks[i];
        if (block === undefined) continue;
        const { stmts, term } = this.lowerBlock(ctx, block.start, block.end);
        this.finishBlock(ctx, stmts, term, block.end, fn, () => [...saveReturnRegisters(fb), mod.global.set(carry(0), fb.reg(0)), ...storeLoopLeft(ctx), mod.return(mod.i32.const(-1))]);
        refs.set(i, relooper.addBlock(mod.block(null, stmts)));
        terms.push(term);
      }
      const exits = new Map<number, RelooperBlock>();
      const ref = (pc: number): RelooperBlock => {
        const t = this.blocks.blockAt[pc] ?? -1;
        if (pc < fn.start || pc >= fn.end || t < 0) throw new JitError(`branch target ${pc} is not a block of function at pc ${fn.start}`, pc);
        const local = refs.get(t);
        if (local !== undefined) return local;
        let exit = exits.get(t);
        if (exit === undefined) {
          exit = relooper.addBlock(mod.block(null, leave(firstTableIndex + (chunkOfBlock[t] ?? 0), entryId[t] ?? 0)));
          exits.set(t, exit);
        }
        return exit;
      };
      for (let i = first; i <= last; i++) {
        const block = fn.blocks[i];
        const from = refs.get(i);
        if (block === undefined || from === undefined) continue;
        this.addEdges(ctx, relooper, from, terms[i - first] ?? { kind: 'exit' }, block.end, fn, ref);
      }
      const entries: [number, RelooperBlock][] = [];
      for (let i = first; i <= last; i++) {
        const id = entryId[i] ?? -1;
        const r = refs.get(i);
        if (id >= 0 && r !== undefined) entries.push([id, r]);
      }
      let entry: RelooperBlock;
      const [firstEntry] = entries;
      if (firstEntry === undefined) {
        entry = relooper.addBlock(mod.unreachable());
      } else if (entries.length === 1) {
        entry = firstEntry[1];
      } else {
        entry = relooper.addBlockWithSwitch(mod.nop(), mod.global.get(CARRY_ENTRY, b.i32));
        for (const [id, r] of entries) {
          if (id !== firstEntry[0]) relooper.addBranchForSwitch(entry, r, [id], 0);
        }
        relooper.addBranchForSwitch(entry, firstEntry[1], [], 0);
      }
      const body = relooper.renderAndDispose(entry, fb.label);
      const prologue = [...Array.from({ length: 11 }, (_, r) => fb.setReg(r, mod.global.get(carry(r), b.i64))), ...fb.loadKeys(keyImportName), ...loadLoopLeft(ctx)];
      mod.addFunction(this.chunkNames[firstTableIndex + c] ?? '', b.i32, b.i32, fb.varTypes, mod.block(null, [...prologue, body, mod.unreachable()]));
    }
    // the driver
    const params = functionParams(b);
    const fb = new FunctionBuilder(b, mod, params, REG_PARAMS);
    const depth = (): ExpressionRef => mod.local.get(DEPTH_PARAM, b.i32);
    const next = fb.t32a;
    const setup = [
      ...[0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((r) => mod.global.set(carry(r), fb.reg(r))),
      mod.global.set(carry(FP), framePointer(fb, this.env, depth())),
      mod.global.set(CARRY_ENTRY, mod.i32.const(entryId[0] ?? 0)),
      fb.set(next, mod.i32.const(firstTableIndex)),
    ];
    const loop = mod.loop(
      'dispatch',
      mod.block(null, [
        fb.set(next, mod.call_indirect(CHUNK_TABLE, fb.get(next, b.i32), [depth()], b.i32, b.i32)),
        mod.br('dispatch', mod.i32.ge_s(fb.get(next, b.i32), mod.i32.const(0))),
      ]),
    );
    mod.addFunction(functionName(fn.index), b.createType(params), b.i64, fb.varTypes, mod.block(null, [...setup, loop, mod.return(mod.global.get(carry(0), b.i64))]));
  }

  /** wasm names of every chunk function, in table order. */
  readonly chunkNames: string[] = [];
  private hasCarryGlobals = false;

  private ensureCarryGlobals(): void {
    if (this.hasCarryGlobals) return;
    this.hasCarryGlobals = true;
    for (let r = 0; r <= 10; r++) this.mod.addGlobal(`carry_r${r}`, this.b.i64, true, this.mod.i64.const(0n));
    this.mod.addGlobal(CARRY_ENTRY, this.b.i32, true, this.mod.i32.const(0));
  }

  /** Adds the function table of the chunks (after every function has been lowered). */
  finish(): void {
    if (this.chunkNames.length === 0) return;
    this.mod.addTable(CHUNK_TABLE, this.chunkNames.length, this.chunkNames.length);
    this.mod.addActiveElementSegment(CHUNK_TABLE, 'chunk_elements', this.chunkNames, this.mod.i32.const(0));
  }
}

const CHUNK_TABLE = 'chunks';
const CARRY_ENTRY = 'carry_entry';

/** The parameter types of every eBPF function's wasm function (see REG_PARAMS). */
function functionParams(b: Binaryen): number[] {
  return [b.i64, b.i64, b.i64, b.i64, b.i64, b.i32, b.i64, b.i64, b.i64, b.i64, b.i64];
}

/** Leaves r1..r5 in the ret globals for the caller (see REG_PARAMS). */
function saveReturnRegisters(fb: FunctionBuilder): ExpressionRef[] {
  return [1, 2, 3, 4, 5].map((r) => fb.mod.global.set(returnGlobal(r), fb.reg(r)));
}

/** r10 of a frame at call depth `depth`: env.framePointer(depth) = stack end - depth * 512. */
function framePointer(fb: FunctionBuilder, env: ExecEnv, depth: ExpressionRef): ExpressionRef {
  const m = fb.mod;
  return m.i64.extend_u(m.i32.sub(fb.i32(env.framePointer(0)), m.i32.mul(depth, fb.i32(STACK_SIZE))));
}

/** Instantiates the module against `env` and wraps the entry point. */
function instantiate(wasm: Uint8Array<ArrayBuffer>, env: ExecEnv, plan: BlindingPlan | undefined): CompiledProgram {
  let instance: WebAssembly.Instance;
  try {
    const keys: Record<string, WebAssembly.Global> = {};
    if (plan !== undefined) {
      plan.keys.forEach((key, i) => (keys[keyImportName(i)] = new WebAssembly.Global({ value: 'i64', mutable: false }, BigInt.asIntN(64, key))));
    }
    const module = new WebAssembly.Module(wasm);
    instance = new WebAssembly.Instance(module, {
      [IMPORT_MODULE]: { [MEMORY_IMPORT]: env.space.memory, ...createFunctionImports(env) },
      [KEY_MODULE]: keys,
    });
  } catch (error) {
    throw new JitError(`cannot instantiate the generated module: ${describeFailure(error)}`, -1, { cause: error });
  }
  const run = instance.exports[RUN_EXPORT] as RunExport;
  return {
    wasm,
    run(r1: bigint, r2: bigint): bigint {
      const input = env.input;
      try {
        // i64 parameters take any BigInt modulo 2^64
        return BigInt.asUintN(64, run(r1, r2, input.start, input.end));
      } catch (error) {
        if (error === ABORT_ZERO) return 0n;
        throw error;
      }
    },
    wat(): string {
      const b = loadedBinaryen();
      if (b === undefined) throw new JitError('binaryen is not loaded', -1);
      const mod = b.readBinary(wasm);
      try {
        return mod.emitText();
      } finally {
        mod.dispose();
      }
    },
  };
}
