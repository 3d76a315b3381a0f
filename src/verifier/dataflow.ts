/**
 * @fileoverview Entry of the path-sensitive data-flow pass (the kernel's do_check): explores every
 * path from the entry depth-first, one abstract state per path, pruning a path when a completed
 * state stored at the same prune point is at least as general (states_equal, comparing only live
 * registers), detecting infinite loops against in-progress states (may_goto loops converge
 * instead), storing states like the kernel (after 2 jumps and 8 insns, evicting those that keep
 * missing), and enforcing the processed-instruction limit. The
 * per-instruction rules are check.ts's; the structural pass (cfg.ts) must have run before.
 */
import { Class, CLASS_MASK, JmpOp, OP_MASK, Opcode, Source, SOURCE_MASK } from '../isa/opcodes.js';
import { isLddw, type Insn } from '../isa/instruction.js';
import { MAX_INSNS, STACK_SIZE } from '../isa/registers.js';
import { Checker } from './check.js';
import { UsageError } from '../errors.js';
import { defaultContextRule, layoutAccessRule, type ContextLayout, type MapInfo } from './context-layout.js';
import { VerifierLog } from './log.js';
import { CALL_CLOBBERED, computeLiveness } from './liveness.js';
import { clearSingularIds, copyState, stateHash, stateSafe, stateToString, type VerifierState } from './state.js';
import type { ProgramType, VerifiedProgram } from './program.js';

export type { ContextLayout, ContextField, ContextFieldKind, MapInfo } from './context-layout.js';

/** Largest program an unprivileged loader accepts (kernel BPF_MAXINSNS). */
export const MAX_UNPRIVILEGED_INSNS = 4096;

/** Options of the data-flow pass. */
export interface DataflowOptions {
  readonly type: ProgramType;
  /** unprivileged loader: no pointer leaks, no pointer comparisons or subtraction, 4,096 insns */
  readonly unprivileged?: boolean;
  /** maps indexed by the imm of lddw with src MAP_IDX (5) / MAP_IDX_VALUE (6) (also MAP_FD 1 / MAP_VALUE 2) */
  readonly maps?: readonly MapInfo[];
  /** 0 = no log, 1 = branches and the error, 2 = every processed instruction with its state */
  readonly logLevel?: 0 | 1 | 2;
  /** a context layout replacing the type's default rules (runtime/context.ts) */
  readonly context?: ContextLayout;
  /** raw type: helper ids registered by the embedder, checked as five ARG_ANYTHING returning INTEGER */
  readonly userHelpers?: ReadonlySet<number>;
  /** processed-instruction limit (kernel BPF_COMPLEXITY_LIMIT_INSNS, 1,000,000 by default) */
  readonly complexityLimit?: number;
  /**
   * raw type only: what to do when the limit is reached (typically a loop bounded by the input
   * length r2, which no kernel-style exploration can finish). 'reject' (default) throws like the
   * kernel; 'check-at-run-time' returns the program unchanged, every memory access left marked for
   * the engines' run-time check, and says so in the log and in `stats.fallback`.
   */
  readonly onComplexityLimit?: 'reject' | 'check-at-run-time';
}

/** Counters of one verification run, as in the kernel's summary line. */
export interface DataflowStats {
  readonly insnsProcessed: number;
  readonly states: number;
  readonly peakStates: number;
  readonly pruned: number;
  readonly maxStatesPerInsn: number;
  /** true when the raw-type fallback of onComplexityLimit was taken: nothing was proven */
  readonly fallback: boolean;
}

/** Result of the data-flow pass. */
export interface DataflowResult {
  /** the input program with checkedAccess refined: 1 only where the raw type's input memory is accessed */
  readonly program: VerifiedProgram;
  readonly log: string;
  readonly stats: DataflowStats;
}

/** A state stored at a prune point, with the number of paths below it still being explored. */
interface Explored {
  readonly state: VerifierState;
  /** stateHash of the state: identical states (the infinite-loop check) have identical hashes */
  readonly hash: number;
  readonly pc: number;
  branches: number;
  readonly parent: Explored | null;
  /** pruning statistics for eviction (kernel miss_cnt / hit_cnt) */
  hits: number;
  misses: number;
}

/** A path waiting to be explored. */
interface Work {
  readonly pc: number;
  readonly from: number;
  readonly state: VerifierState;
  readonly parent: Explored | null;
}

/** Prune points: jump targets, fall-throughs of conditional jumps, may_goto, function entries, call returns. */
function prunePoints(insns: readonly Insn[], functions: readonly number[]): Uint8Array {
  const points = new Uint8Array(insns.length + 1);
  for (const f of functions) points[f] = 1;
  for (let pc = 0; pc < insns.length; pc++) {
    const insn = insns[pc];
    if (insn === undefined) continue;
    if (isLddw(insn)) {
      pc++;
      continue;
    }
    const cls = insn.op & CLASS_MASK;
    if (cls !== Class.JMP && cls !== Class.JMP32) continue;
    const op = insn.op & OP_MASK;
    if (op === JmpOp.EXIT) continue;
    if (op === JmpOp.CALL) {
      if (insn.src === 1 && (insn.op & SOURCE_MASK) === Source.K) {
        points[pc + 1] = 1;
        const t = pc + 1 + insn.imm;
        if (t >= 0 && t < insns.length) points[t] = 1;
      }
      continue;
    }
    if (op === JmpOp.JCOND) points[pc] = 1;
    const target = pc + 1 + (op === JmpOp.JA && cls === Class.JMP32 ? insn.imm : insn.off);
    if (target >= 0 && target < insns.length) points[target] = 1;
    if (op !== JmpOp.JA) points[pc + 1] = 1;
  }
  return points;
}

/**
 * Proves the program safe by abstract interpretation of every path.
 * @throws VerifierError at the first violated rule, with the kernel-style log up to it; UsageError
 * when `options.type` differs from `program.type`
 */
export function verifyDataflow(program: VerifiedProgram, options: DataflowOptions): DataflowResult {
  if (program.type !== options.type) throw new UsageError(`program type '${program.type}' does not match the verifier option type '${options.type}'`);
  const insns = program.insns;
  const log = new VerifierLog(options.logLevel ?? 0);
  const unprivileged = options.unprivileged === true;
  const limit = options.complexityLimit ?? MAX_INSNS;
  const checker = new Checker(
    insns,
    {
      type: options.type,
      unprivileged,
      maps: options.maps ?? [],
      context: options.context === undefined ? defaultContextRule(options.type) : layoutAccessRule(options.context),
      userHelpers: options.userHelpers ?? new Set<number>(),
    },
    log,
  );
  if (unprivileged && insns.length > MAX_UNPRIVILEGED_INSNS) checker.fail(-1, `BPF program is too large: ${insns.length} insns (limit ${MAX_UNPRIVILEGED_INSNS})`);

  const points = prunePoints(insns, program.functions);
  const liveness = computeLiveness(insns);
  /** live registers per frame: the current frame at pc, callers at their return sites (r0-r5 set by the return) */
  const liveMasks = (state: VerifierState, pc: number): number[] => {
    const frames = state.frames;
    const masks = new Array<number>(frames.length);
    for (let i = 0; i < frames.length; i++) {
      const callee = frames[i + 1];
      masks[i] = callee === undefined ? (liveness[pc] ?? 0) : (liveness[callee.callsite + 1] ?? 0) & ~CALL_CLOBBERED;
    }
    return masks;
  };
  /** per pc: states whose exploration is still going on, by hash (only used to detect infinite loops) */
  const inProgress: (Map<number, Explored[]> | undefined)[] = new Array<Map<number, Explored[]> | undefined>(insns.length + 1);
  /** per pc: completely explored states, the only ones that may prune */
  const complete: (Explored[] | undefined)[] = new Array<Explored[] | undefined>(insns.length + 1);
  const perInsn = new Int32Array(insns.length + 1);
  let processed = 0;
  let states = 0;
  let held = 0;
  let peak = 0;
  let pruned = 0;
  let maxPerInsn = 0;
  let jumps = 0;
  let lastJumps = 0;
  let lastProcessed = 0;

  const finish = (e: Explored | null): void => {
    let cur = e;
    while (cur !== null) {
      cur.branches--;
      if (cur.branches > 0) break;
      const bucket = inProgress[cur.pc]?.get(cur.hash);
      if (bucket !== undefined) {
        const i = bucket.indexOf(cur);
        if (i >= 0) bucket.splice(i, 1);
      }
      let list = complete[cur.pc];
      if (list === undefined) {
        list = [];
        complete[cur.pc] = list;
      }
      list.push(cur);
      cur = cur.parent;
    }
  };

  /** True when the state at a prune point is covered by a completed one; throws on an infinite loop. */
  const visit = (pc: number, state: VerifierState, masks: number[], hash: number): boolean => {
    if (insns[pc]?.op === Opcode.MAY_GOTO) {
      // may_goto bounds the loop at run time: a state covered by one still being explored converges
      for (const bucket of inProgress[pc]?.values() ?? []) {
        for (const e of bucket) if (stateSafe(e.state, state, false, masks)) return true;
      }
    } else {
      const bucket = inProgress[pc]?.get(hash);
      if (bucket !== undefined) {
        for (const e of bucket) if (stateSafe(e.state, state, true, masks)) checker.fail(pc, `infinite loop detected at insn ${pc}`);
      }
    }
    const list = complete[pc];
    if (list === undefined) return false;
    for (let i = list.length - 1; i >= 0; i--) {
      const e = list[i] as Explored;
      if (stateSafe(e.state, state, false, masks)) {
        e.hits++;
        return true;
      }
      e.misses++;
      // like the kernel, forget states that keep failing to prune
      if (e.misses > e.hits * 3 + 3) {
        list.splice(i, 1);
        held--;
      }
    }
    return false;
  };

  const stack: Work[] = [{ pc: 0, from: -1, state: checker.initialState(), parent: null }];
  while (stack.length > 0) {
    const work = stack.pop() as Work;
    let { pc, state, parent } = work;
    if (work.from >= 0 && log.level >= 1) log.line(1, `from ${work.from} to ${pc}: ${stateToString(state)}`);
    for (;;) {
      if (points[pc] === 1) {
        const masks = liveMasks(state, pc);
        const hash = stateHash(state, masks);
        if (visit(pc, state, masks, hash)) {
          pruned++;
          if (log.level >= 2) log.line(2, `${pc}: safe`);
          finish(parent);
          break;
        }
        // like the kernel, store a new state only after some progress (2 jumps and 8 insns) since the last one
        const count = perInsn[pc] ?? 0;
        if (count === 0 || (jumps - lastJumps >= 2 && processed - lastProcessed >= 8)) {
          const stored = copyState(state);
          clearSingularIds(stored);
          const e: Explored = { state: stored, hash, pc, branches: 1, parent, hits: 0, misses: 0 };
          let byHash = inProgress[pc];
          if (byHash === undefined) {
            byHash = new Map();
            inProgress[pc] = byHash;
          }
          const bucket = byHash.get(hash);
          if (bucket === undefined) byHash.set(hash, [e]);
          else bucket.push(e);
          perInsn[pc] = count + 1;
          states++;
          held++;
          if (held > peak) peak = held;
          if (count + 1 > maxPerInsn) maxPerInsn = count + 1;
          parent = e;
          lastJumps = jumps;
          lastProcessed = processed;
        }
      }
      processed++;
      if (processed > limit) {
        if (options.type !== 'raw' || options.onComplexityLimit !== 'check-at-run-time') checker.fail(pc, `BPF program is too large. Processed ${processed} insn`);
        if (log.level >= 1) log.line(1, `BPF program is too large. Processed ${processed} insn: falling back to run-time checks of every memory access`);
        return {
          program,
          log: log.text(),
          stats: { insnsProcessed: processed, states, peakStates: peak, pruned, maxStatesPerInsn: maxPerInsn, fallback: true },
        };
      }
      const insn = insns[pc];
      if (insn !== undefined && ((insn.op & CLASS_MASK) === Class.JMP || (insn.op & CLASS_MASK) === Class.JMP32)) jumps++;
      const succs = checker.step(state, pc);
      const first = succs[0];
      if (log.level >= 2) log.insn(insns, pc, first === undefined ? '' : stateToString(first.state));
      if (first === undefined) {
        finish(parent);
        break;
      }
      for (let i = succs.length - 1; i >= 1; i--) {
        const s = succs[i];
        if (s === undefined) continue;
        stack.push({ pc: s.pc, from: pc, state: s.state, parent });
        if (parent !== null) parent.branches++;
      }
      pc = first.pc;
      state = first.state;
    }
  }

  // combined stack depth of every call chain (kernel check_max_stack_depth: frames rounded up to 32 bytes)
  for (const [chain, pc] of checker.callChains) {
    const funcs = chain.split(',').map(Number);
    let total = 0;
    for (const f of funcs) total += Math.ceil(Math.max(checker.stackDepth.get(f) ?? 0, 1) / 32) * 32;
    if (total > STACK_SIZE) checker.fail(pc, `combined stack size of ${funcs.length} calls is ${total}. Too large`);
  }

  if (log.level >= 1) log.summary(processed, limit, maxPerInsn, states, peak);
  const checkedAccess = new Uint8Array(insns.length);
  for (let pc = 0; pc < insns.length; pc++) {
    checkedAccess[pc] = checker.visited[pc] === 1 ? (checker.inputAccess[pc] ?? 0) : (program.checkedAccess[pc] ?? 0);
  }
  return {
    program: { ...program, checkedAccess },
    log: log.text(),
    stats: { insnsProcessed: processed, states, peakStates: peak, pruned, maxStatesPerInsn: maxPerInsn, fallback: false },
  };
}
