/**
 * @fileoverview The execution environment both engines run a program in: the address space, the
 * stack frames, the helper table, and the regions that run-time-checked accesses may touch.
 * One ExecEnv per loaded program (or object); each run resets the input region.
 *
 *   stack region (STACK_SIZE * MAX_CALL_DEPTH bytes, grows down):
 *   base                                                   top
 *   | frame 7 | frame 6 | ... | frame 1 | frame 0 (entry) |
 *                                                     fp of frame d = top - d * STACK_SIZE
 *
 *   allocated by the constructor, in this order (checkLayout gives the addresses from the stack top):
 *   | check block | gap | stack | gap | input reserve (INPUT_RESERVE bytes) | gap | ...later allocations
 *
 * The check block lies below the stack, outside every region a program may touch (also outside an
 * object's span, which starts at the stack), so no program can rewrite the limits it is checked by.
 * The input is copied to the start of the reserve, which grows in place while nothing has been
 * allocated after it; otherwise a larger input goes to a separate allocation. The check block holds,
 * for the JIT's run-time checks, the current input's start and per-size limits (see CheckSlot), so
 * that a checked access costs one subtraction and one unsigned compare on its fast path.
 */
import { MAX_CALL_DEPTH, STACK_SIZE } from '../src/isa/registers.js';
import { AddressSpace } from './memory.js';

/** Unallocated bytes between the stack and whatever is allocated after it. */
export const REGION_GAP = 256;

/** Bytes reserved for the input right after the check block (grown in place when possible). */
export const INPUT_RESERVE = 65536;

/**
 * Byte offsets in the check block, all little-endian u64. A limit for access size s (slot log2 s) is
 * the number of addresses an s-byte access may start at: max(0, length - s + 1); an access at
 * `address` is inside the input exactly when (address - input start) <u limit.
 */
export const CheckSlot = {
  /** 4 limits (sizes 1, 2, 4, 8) for the part of the input from checkLayout().inputBase on (0 when the input does not contain it) */
  RESERVED_LIMITS: 0,
  /** the current input's start (0 when there is none) */
  INPUT_START: 32,
  /** 4 limits (sizes 1, 2, 4, 8) for the current input, wherever it lies */
  INPUT_LIMITS: 40,
} as const;

/** Bytes of the check block. */
export const CHECK_BLOCK_SIZE = 80;

/** Addresses the constructor places after a stack ending at `stackEnd`. */
export interface CheckLayout {
  /** the check block (see CheckSlot) */
  readonly block: number;
  /** start of the input reserve */
  readonly inputBase: number;
}

/** The check block and input reserve of the ExecEnv whose stack ends at `stackEnd` (compile-time constants for the JIT). */
export function checkLayout(stackEnd: number): CheckLayout {
  return { block: stackEnd - STACK_SIZE * MAX_CALL_DEPTH - REGION_GAP - CHECK_BLOCK_SIZE, inputBase: stackEnd + REGION_GAP };
}

/** Check-block slot index of an access size: log2(size). */
export function sizeSlot(size: 1 | 2 | 4 | 8): number {
  return size === 1 ? 0 : size === 2 ? 1 : size === 4 ? 2 : 3;
}

/** A helper as users write it: five bigint arguments (unsigned 64-bit), a bigint or number result. */
export type HelperFn = (r1: bigint, r2: bigint, r3: bigint, r4: bigint, r5: bigint) => bigint | number;

/**
 * A number-typed variant of a helper (see runtime/helpers/fast.ts): the JIT calls `fn` with the low
 * 32 bits of r1..r`arity` (as i32) when their upper 32 bits are all zero, and widens its i32 result as
 * `result` says; it must then give exactly what `generic` (the helper's entry in ExecEnv.helpers) gives.
 */
export interface FastHelperEntry {
  readonly fn: (r1: number, r2: number, r3: number, r4: number, r5: number) => number;
  readonly arity: number;
  readonly result: 'pointer' | 'unsigned' | 'signed';
  readonly generic: HelperFn;
}

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
  /** helper id -> number-typed variant; used by the JIT only while helpers.get(id) is its `generic` */
  readonly fastHelpers = new Map<number, FastHelperEntry>();
  /**
   * the raw program type's input memory for the current run (empty when there is none), set by
   * setInput; assigning its start or end directly also updates the check block
   */
  readonly input: Region;
  /** where the check block and the input reserve lie */
  readonly layout: CheckLayout;
  /**
   * set by a helper (bpf_tail_call through src/object.ts) to end the current program right after the
   * helper returns: the interpreter returns 0 at once, the JIT unwinds through ABORT_ZERO; the caller
   * reads why (the pending tail call) and clears the flag
   */
  stopRequested = false;
  private reserveCapacity = INPUT_RESERVE;
  private spillCapacity = 0;
  private spillBase = 0;

  constructor(options: { space?: AddressSpace; helpers?: Map<number, HelperFn> } = {}) {
    this.space = options.space ?? new AddressSpace();
    const block = this.space.alloc(CHECK_BLOCK_SIZE, 16);
    this.space.alloc(REGION_GAP);
    const base = this.space.alloc(STACK_SIZE * MAX_CALL_DEPTH, 16);
    this.stack = { start: base, end: base + STACK_SIZE * MAX_CALL_DEPTH };
    // A gap that belongs to no region, so an access just past the stack top never lands in the
    // next region (the input memory or a context allocated after it).
    this.space.alloc(REGION_GAP);
    this.layout = checkLayout(this.stack.end);
    const reserve = this.space.alloc(INPUT_RESERVE, 16);
    this.space.alloc(REGION_GAP);
    if (block !== this.layout.block || reserve !== this.layout.inputBase) {
      throw new Error(`exec env layout mismatch: check block at 0x${block.toString(16)}, input reserve at 0x${reserve.toString(16)}`);
    }
    this.input = new InputRegion(() => this.writeCheckBlock());
    this.writeCheckBlock();
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
   * Copies `data` into the input region (the reserve, grown in place when nothing was allocated after
   * it, else a separate allocation reused across runs) and returns its address; an empty or absent
   * input leaves the region empty and returns 0 (r1 = NULL).
   */
  setInput(data: Uint8Array | undefined): number {
    const length = data === undefined ? 0 : data.length;
    if (data === undefined || length === 0) {
      this.placeInput(0, 0);
      return 0;
    }
    let start = this.layout.inputBase;
    if (length > this.reserveCapacity) {
      if (this.space.top === start + this.reserveCapacity + REGION_GAP) {
        // nothing was allocated after the reserve: extend it (its trailing gap moves up)
        const grown = Math.max(length, 2 * this.reserveCapacity);
        this.space.alloc(grown - this.reserveCapacity, 1);
        this.reserveCapacity = grown;
      } else {
        if (length > this.spillCapacity) {
          this.spillCapacity = Math.max(length, 2 * this.spillCapacity, 4096);
          this.space.alloc(REGION_GAP);
          this.spillBase = this.space.alloc(this.spillCapacity, 16);
        }
        start = this.spillBase;
      }
    }
    this.space.u8.set(data, start);
    this.placeInput(start, length);
    return start;
  }

  /**
   * Makes [start, end) the input region without copying anything (packet program types: the span of
   * memory a program may touch, see src/packet-program.ts); an empty range clears it.
   */
  setInputRegion(start: number, end: number): void {
    if (end <= start) this.placeInput(0, 0);
    else this.placeInput(start, end - start);
  }

  /** Sets the input region to [start, start + length). */
  private placeInput(start: number, length: number): void {
    (this.input as InputRegion).set(start, start + length);
  }

  /**
   * Writes the check block for the current input region. The reserve's limits describe the part of
   * the input at or after inputBase (the whole input when setInput put it there, a tail of it when the
   * region was set to a larger span that contains inputBase, nothing otherwise).
   */
  private writeCheckBlock(): void {
    const start = this.input.start;
    const end = this.input.end;
    const view = this.space.view;
    const block = this.layout.block;
    const base = this.layout.inputBase;
    const length = end > start ? end - start : 0;
    const reservedLength = start <= base && base < end ? end - base : 0;
    // plain DataView calls (V8 inlines them here, not through a helper closure); the high words stay 0
    view.setUint32(block + CheckSlot.INPUT_START, start, true);
    for (let slot = 0; slot < 4; slot++) {
      const size = 1 << slot;
      view.setUint32(block + CheckSlot.INPUT_LIMITS + 8 * slot, length >= size ? length - size + 1 : 0, true);
      view.setUint32(block + CheckSlot.RESERVED_LIMITS + 8 * slot, reservedLength >= size ? reservedLength - size + 1 : 0, true);
    }
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

/** A Region whose every assignment reports back (ExecEnv keeps its check block in step). */
class InputRegion implements Region {
  private startValue = 0;
  private endValue = 0;
  private readonly changed: () => void;

  constructor(changed: () => void) {
    this.changed = changed;
  }

  get start(): number {
    return this.startValue;
  }

  set start(value: number) {
    this.startValue = value;
    this.changed();
  }

  get end(): number {
    return this.endValue;
  }

  set end(value: number) {
    this.endValue = value;
    this.changed();
  }

  /** Sets both bounds with one report (a no-op when they are unchanged). */
  set(start: number, end: number): void {
    if (start === this.startValue && end === this.endValue) return;
    this.startValue = start;
    this.endValue = end;
    this.changed();
  }
}
