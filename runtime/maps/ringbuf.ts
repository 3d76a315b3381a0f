/**
 * @fileoverview BPF_MAP_TYPE_RINGBUF: a multi-producer single-consumer byte ring of maxEntries bytes
 * (a power of two and a multiple of the 4096-byte page) with the kernel's record format:
 *
 *   record at position p (data + (p & mask)):
 *   +0 u32 len | BUSY (bit 31, reserved not yet committed) | DISCARD (bit 30)
 *   +4 u32 owner: the map header address (the kernel stores a page offset back to the ring here)
 *   +8 len bytes of sample, then padding to a multiple of 8
 *
 * The kernel maps the data pages twice so a record that wraps is contiguous; linear memory cannot
 * alias, so the data area is 2 * maxEntries bytes and a wrapping record runs on past the end (the
 * position arithmetic, and so the space accounting, is exactly the kernel's). Committed records are
 * consumed in order, stopping at a busy one: delivered to onRecord callbacks at commit time, or kept
 * for drain() when no callback is registered.
 */
import { MapError } from '../../src/errors.js';
import type { AddressSpace } from '../memory.js';
import { allocValues, BpfMap, checkFlags, Errno, mapError, MapFlag, MapType, type MapOptions, type MapSpec, round8 } from './common.js';

/** Bytes of a record header (BPF_RINGBUF_HDR_SZ). */
export const RINGBUF_HEADER_SIZE = 8;
/** Record header bit: reserved, not yet submitted or discarded. */
export const RINGBUF_BUSY_BIT = 0x8000_0000;
/** Record header bit: discarded; the consumer skips it. */
export const RINGBUF_DISCARD_BIT = 0x4000_0000;
/** Largest sample the kernel reserves (RINGBUF_MAX_RECORD_SZ). */
export const RINGBUF_MAX_RECORD_SIZE = 0x3fff_ffff;
/** Page size the ring size must be a multiple of. */
export const RINGBUF_PAGE_SIZE = 4096;
/** Wakeup flags of ringbuf_output/submit/discard (BPF_RB_NO_WAKEUP | BPF_RB_FORCE_WAKEUP). */
export const RINGBUF_WAKEUP_FLAGS = 3;

/** Callback receiving each committed record's sample bytes. */
export type RingRecordCallback = (data: Uint8Array) => void;

/** A ring buffer map. */
export class RingBufMap extends BpfMap {
  /** address of the data area (2 * maxEntries bytes, see the file overview) */
  readonly dataBase: number;
  private readonly mask: number;
  private producer = 0;
  private consumer = 0;
  private readonly pending: Uint8Array[] = [];
  private readonly callbacks = new Set<RingRecordCallback>();

  constructor(space: AddressSpace, spec: MapSpec, options: MapOptions) {
    validateRingBufSpec(spec);
    super(space, spec, MapType.RINGBUF, options);
    this.mask = spec.maxEntries - 1;
    this.dataBase = allocValues(space, spec, 2 * spec.maxEntries);
  }

  /** Registers a callback for every record committed from now on; returns its unsubscribe function. */
  onRecord(callback: RingRecordCallback): () => void {
    this.callbacks.add(callback);
    return () => this.callbacks.delete(callback);
  }

  /** Consumes the committed records (those not yet delivered), oldest first. */
  drain(): Uint8Array[] {
    this.consume();
    return this.pending.splice(0, this.pending.length);
  }

  /** Bytes between the consumer and the producer position (records not yet consumed, headers included). */
  get used(): number {
    return this.producer - this.consumer;
  }

  /** The consumer position (bytes consumed since creation). */
  get consumerPosition(): number {
    return this.consumer;
  }

  /** The producer position (bytes reserved since creation). */
  get producerPosition(): number {
    return this.producer;
  }

  /** True when `address` lies in this ring's data area. */
  contains(address: number): boolean {
    return address >= this.dataBase && address < this.dataBase + 2 * this.maxEntries;
  }

  /** bpf_ringbuf_reserve: address of `size` writable bytes, or 0 when flags are set or there is no room. */
  reserve(size: number, flags: bigint): number {
    if (flags !== 0n) return 0;
    if (size > RINGBUF_MAX_RECORD_SIZE) return 0;
    const length = round8(size + RINGBUF_HEADER_SIZE);
    if (length > this.maxEntries) return 0;
    if (this.producer + length - this.consumer > this.mask) return 0;
    const header = this.dataBase + (this.producer & this.mask);
    this.producer += length;
    const view = this.space.view;
    view.setUint32(header, (size | RINGBUF_BUSY_BIT) >>> 0, true);
    view.setUint32(header + 4, this.address, true);
    return header + RINGBUF_HEADER_SIZE;
  }

  /** bpf_ringbuf_submit / bpf_ringbuf_discard of the sample at `sampleAddr` (returned by reserve). */
  commit(sampleAddr: number, discard: boolean): void {
    const header = sampleAddr - RINGBUF_HEADER_SIZE;
    const view = this.space.view;
    const word = view.getUint32(header, true);
    if ((word & RINGBUF_BUSY_BIT) === 0) return;
    const length = word & ~(RINGBUF_BUSY_BIT | RINGBUF_DISCARD_BIT);
    view.setUint32(header, (length | (discard ? RINGBUF_DISCARD_BIT : 0)) >>> 0, true);
    if (this.callbacks.size > 0) {
      this.consume();
      for (const record of this.pending.splice(0, this.pending.length)) for (const callback of this.callbacks) callback(record);
    }
  }

  /** bpf_ringbuf_output: reserve, copy `size` bytes from `dataAddr`, submit; 0 or -EAGAIN when full. */
  output(dataAddr: number, size: number): number {
    const sample = this.reserve(size, 0n);
    if (sample === 0) return -Errno.EAGAIN;
    this.space.u8.copyWithin(sample, dataAddr, dataAddr + size);
    this.commit(sample, false);
    return 0;
  }

  /** Moves committed records from the ring to the pending list, stopping at a busy one. */
  private consume(): void {
    const view = this.space.view;
    while (this.consumer < this.producer) {
      const header = this.dataBase + (this.consumer & this.mask);
      const word = view.getUint32(header, true);
      if ((word & RINGBUF_BUSY_BIT) !== 0) break;
      const length = word & ~RINGBUF_DISCARD_BIT;
      if ((word & RINGBUF_DISCARD_BIT) === 0) this.pending.push(this.space.u8.slice(header + RINGBUF_HEADER_SIZE, header + RINGBUF_HEADER_SIZE + length));
      this.consumer += round8(length + RINGBUF_HEADER_SIZE);
    }
  }

  override lookup(_key: Uint8Array): Uint8Array | undefined {
    mapError(this, 'ring buffers have no lookup', Errno.ENOTSUPP);
  }

  override update(_key: Uint8Array, _value: Uint8Array, _flags = 0): void {
    mapError(this, 'ring buffers have no update', Errno.ENOTSUPP);
  }

  override delete(_key: Uint8Array): void {
    mapError(this, 'ring buffers have no delete', Errno.ENOTSUPP);
  }

  /** No keys: a ring buffer is read with drain/onRecord. */
  override keys(): Uint8Array[] {
    return [];
  }
}

/** The kernel's ringbuf_map_alloc checks. @throws MapError EINVAL */
export function validateRingBufSpec(spec: MapSpec): void {
  checkFlags(spec, MapFlag.NUMA_NODE);
  if (spec.keySize !== 0 || spec.valueSize !== 0) throw new MapError(`map ${spec.name}: ring buffers need key and value size 0`, Errno.EINVAL);
  const size = spec.maxEntries;
  if (size <= 0 || (size & (size - 1)) !== 0 || size % RINGBUF_PAGE_SIZE !== 0) {
    throw new MapError(`map ${spec.name}: ring size ${size} is not a power of 2 and a multiple of ${RINGBUF_PAGE_SIZE}`, Errno.EINVAL);
  }
  if (size > 0x4000_0000) throw new MapError(`map ${spec.name}: ring size ${size} too large`, Errno.E2BIG);
}
