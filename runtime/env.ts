/**
 * @fileoverview The execution environment both engines run a program in: the address space, the
 * stack frames, the helper table, and the regions that run-time-checked accesses may touch.
 * One ExecEnv per loaded program (or object); each run resets the input region.
 *
 *   stack region (STACK_SIZE * MAX_CALL_DEPTH bytes, grows down):
 *   base                                                   top
 *   | frame 7 | frame 6 | ... | frame 1 | frame 0 (entry) |
 *                                                     fp of frame d = top - d * STACK_SIZE
 */
import { MAX_CALL_DEPTH, STACK_SIZE } from '../src/isa/registers.js';
import { AddressSpace } from './memory.js';

/** Unallocated bytes between the stack and whatever is allocated after it. */
export const REGION_GAP = 256;

/** A helper as users write it: five bigint arguments (unsigned 64-bit), a bigint or number result. */
export type HelperFn = (r1: bigint, r2: bigint, r3: bigint, r4: bigint, r5: bigint) => bigint | number;

/** A half-open address range [start, end). */
export interface Region {
  start: number;
  end: number;
}

/** Address space, stack, helpers and checked regions shared by the interpreter and the JIT. */
export class ExecEnv {
  readonly space: AddressSpace;
  /** the stack frames, see the file overview */
  readonly stack: Readonly<Region>;
  /** helper id -> implementation */
  readonly helpers: Map<number, HelperFn>;
  /** the raw program type's input memory for the current run (empty when there is none) */
  readonly input: Region = { start: 0, end: 0 };
  private inputCapacity = 0;
  private inputBase = 0;

  constructor(options: { space?: AddressSpace; helpers?: Map<number, HelperFn> } = {}) {
    this.space = options.space ?? new AddressSpace();
    const base = this.space.alloc(STACK_SIZE * MAX_CALL_DEPTH, 16);
    this.stack = { start: base, end: base + STACK_SIZE * MAX_CALL_DEPTH };
    // A gap that belongs to no region, so an access just past the stack top never lands in the
    // next region (the input memory or a context allocated after it).
    this.space.alloc(REGION_GAP);
    this.helpers = options.helpers ?? new Map();
  }

  /** Frame pointer (r10) of call depth `depth` (0 = entry frame). */
  framePointer(depth: number): number {
    return this.stack.end - depth * STACK_SIZE;
  }

  /** Zeroes the stack so that one run cannot see another's data. */
  clearStack(): void {
    this.space.u8.fill(0, this.stack.start, this.stack.end);
  }

  /**
   * Copies `data` into the input region (reused across runs, grown when too small) and returns its
   * address; an empty or absent input leaves the region empty and returns 0 (r1 = NULL).
   */
  setInput(data: Uint8Array | undefined): number {
    if (data === undefined || data.length === 0) {
      this.input.start = 0;
      this.input.end = 0;
      return 0;
    }
    if (data.length > this.inputCapacity) {
      this.inputCapacity = Math.max(data.length, 2 * this.inputCapacity, 4096);
      this.space.alloc(REGION_GAP);
      this.inputBase = this.space.alloc(this.inputCapacity, 16);
    }
    this.space.u8.set(data, this.inputBase);
    this.input.start = this.inputBase;
    this.input.end = this.inputBase + data.length;
    return this.inputBase;
  }

  /** A copy of the input region's current bytes. */
  readInput(): Uint8Array {
    return this.space.u8.slice(this.input.start, this.input.end);
  }

  /**
   * The run-time check for accesses the verifier could not prove: true when [address, address+size)
   * lies entirely inside the stack region or the input region. Both engines implement exactly this.
   */
  isAccessible(address: number, size: number): boolean {
    const end = address + size;
    return (address >= this.stack.start && end <= this.stack.end) || (address >= this.input.start && end <= this.input.end && this.input.end > this.input.start);
  }
}
