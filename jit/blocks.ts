/**
 * @fileoverview Basic blocks of a verified program, per function: leaders are the function's first pc,
 * every branch target and every pc after a branch or exit. Local calls do not end a block (control
 * comes back to the next instruction). compile.ts feeds the blocks to the Relooper (or to a chunked
 * dispatch for very large functions); the verifier has already checked that every target is in range,
 * inside its function, and not the second half of an lddw.
 */
import { JitError } from '../src/errors.js';
import { branchTarget, isBranch, isExit, isLddw, type Insn } from '../src/isa/instruction.js';
import type { VerifiedProgram } from '../src/verifier/program.js';

/** A maximal straight-line run of slots [start, end). */
export interface BasicBlock {
  readonly start: number;
  readonly end: number;
}

/** The blocks of one eBPF function (pcs [start, end)), in pc order; blocks[0] starts at `start`. */
export interface FunctionBlocks {
  readonly index: number;
  readonly start: number;
  readonly end: number;
  readonly blocks: readonly BasicBlock[];
}

/** Blocks of every function, plus a pc -> block index map (index within its function, -1 inside a block). */
export interface ProgramBlocks {
  readonly functions: readonly FunctionBlocks[];
  /** per pc: index of the block that starts there within its function, or -1 */
  readonly blockAt: Int32Array;
}

/**
 * Longest block: a longer straight line is cut into several blocks (joined by fall-through), so
 * that chunking can split it into separate wasm functions.
 */
export const MAX_BLOCK_SLOTS = 1000;

/** Number of slots the instruction at `pc` occupies (2 for lddw). */
export function slotCount(insn: Insn): 1 | 2 {
  return isLddw(insn) ? 2 : 1;
}

/**
 * Splits every function of `program` into basic blocks (at most MAX_BLOCK_SLOTS slots each).
 * @throws JitError when a branch leaves its function (the structural verifier rules this out)
 */
export function findBlocks(program: VerifiedProgram): ProgramBlocks {
  const insns = program.insns;
  const n = insns.length;
  const isLeader = new Uint8Array(n + 1);
  for (const start of program.functions) isLeader[start] = 1;
  for (let pc = 0; pc < n; ) {
    const insn = insns[pc];
    if (insn === undefined) break;
    const next = pc + slotCount(insn);
    if (isBranch(insn)) {
      const target = branchTarget(insn, pc);
      if (target < 0 || target >= n) throw new JitError(`jump out of range at pc ${pc}: target ${target}, program has ${n} insns`, pc);
      isLeader[target] = 1;
      isLeader[next] = 1;
    } else if (isExit(insn)) {
      isLeader[next] = 1;
    }
    pc = next;
  }
  const blockAt = new Int32Array(n).fill(-1);
  const functions: FunctionBlocks[] = [];
  const starts = program.functions;
  for (let f = 0; f < starts.length; f++) {
    const start = starts[f] ?? 0;
    const end = starts[f + 1] ?? n;
    const blocks: BasicBlock[] = [];
    let blockStart = start;
    for (let pc = start; pc < end; ) {
      const insn = insns[pc];
      if (insn === undefined) break;
      const next = pc + slotCount(insn);
      if (next >= end || isLeader[next] === 1 || next - blockStart >= MAX_BLOCK_SLOTS) {
        blockAt[blockStart] = blocks.length;
        blocks.push({ start: blockStart, end: Math.min(next, end) });
        blockStart = next;
      }
      pc = next;
    }
    functions.push({ index: f, start, end, blocks });
  }
  for (let pc = 0; pc < n; ) {
    const insn = insns[pc];
    if (insn === undefined) break;
    if (isBranch(insn)) {
      const target = branchTarget(insn, pc);
      const f = functionOf(starts, pc);
      if (target < (starts[f] ?? 0) || target >= (starts[f + 1] ?? n) || blockAt[target] === -1) {
        throw new JitError(`jump from pc ${pc} to ${target} leaves its function`, pc);
      }
    }
    pc += slotCount(insn);
  }
  return { functions, blockAt };
}

/** Index of the function containing `pc` (binary search over the sorted function starts). */
export function functionOf(starts: readonly number[], pc: number): number {
  let low = 0;
  let high = starts.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if ((starts[mid] ?? 0) <= pc) low = mid;
    else high = mid - 1;
  }
  return low;
}
