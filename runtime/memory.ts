/**
 * @fileoverview The one address space of a loaded object: a WebAssembly.Memory that the interpreter
 * reads through typed-array views and that the JIT's module imports, so both engines see the same
 * bytes at the same addresses. eBPF pointers are plain linear-memory addresses (< 2^32).
 *
 *   0x0000 ........ NULL_GUARD   never allocated: a NULL-based access lands in no region
 *   NULL_GUARD .... top          bump-allocated regions: stacks, context, packet/input, map values
 *   top ........... end          free; memory.grow adds pages on demand (views are then refreshed)
 *
 * Region bookkeeping (which addresses a program may touch) is runtime/env.ts's job.
 */

/** Bytes at address 0 that are never handed out. */
export const NULL_GUARD = 4096;

/** Bytes in a WebAssembly page. */
export const WASM_PAGE = 65536;

/** A growable linear memory with a bump allocator and views that stay current across growth. */
export class AddressSpace {
  readonly memory: WebAssembly.Memory;
  /** byte view of the whole memory; replaced after growth, so read it through the space each time */
  u8: Uint8Array;
  /** little-endian accessor view; replaced after growth */
  view: DataView;
  private next = NULL_GUARD;

  constructor(options: { initialPages?: number; maximumPages?: number; memory?: WebAssembly.Memory } = {}) {
    this.memory = options.memory ?? new WebAssembly.Memory({ initial: options.initialPages ?? 2, maximum: options.maximumPages ?? 65536 });
    this.u8 = new Uint8Array(this.memory.buffer);
    this.view = new DataView(this.memory.buffer);
  }

  /** First address not yet allocated. */
  get top(): number {
    return this.next;
  }

  /** Allocates `size` zeroed bytes aligned to `align` (a power of two) and returns their address. */
  alloc(size: number, align = 8): number {
    if (!Number.isInteger(size) || size < 0) throw new RangeError(`allocation size ${size} is not a non-negative integer`);
    const address = (this.next + align - 1) & ~(align - 1);
    const end = address + size;
    if (end > 0xffff_0000) throw new RangeError(`address space exhausted: ${size} bytes requested at 0x${address.toString(16)}`);
    this.ensure(end);
    this.u8.fill(0, address, end);
    this.next = end;
    return address;
  }

  /** Grows the memory so that addresses below `end` exist, refreshing the views. */
  ensure(end: number): void {
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      this.memory.grow(Math.ceil((end - have) / WASM_PAGE));
    }
    this.refresh();
  }

  /** Re-creates the views when the buffer was detached by growth (by us, or by wasm's memory.grow). */
  refresh(): void {
    if (this.u8.buffer !== this.memory.buffer) {
      this.u8 = new Uint8Array(this.memory.buffer);
      this.view = new DataView(this.memory.buffer);
    }
  }
}
