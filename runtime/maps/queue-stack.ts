/**
 * @fileoverview BPF_MAP_TYPE_QUEUE (FIFO) and BPF_MAP_TYPE_STACK (LIFO): keyless maps of maxEntries
 * values, stored as the kernel does in a ring of maxEntries + 1 value slots in linear memory with a
 * head (next write) and a tail (oldest). A push onto a full map fails with E2BIG unless BPF_EXIST is
 * given, which overwrites the oldest value (for the stack too, as the kernel's shared push does).
 * From JavaScript: push/pop/peek, lookup(empty key) = peek, update(empty key, value, flags) = push.
 */
import { MapError } from '../../src/errors.js';
import type { AddressSpace } from '../memory.js';
import { ACCESS_FLAGS, allocValues, BpfMap, checkFlags, Errno, mapError, MapFlag, MapType, type MapOptions, type MapSpec, UpdateFlag } from './common.js';

/** A queue or stack map. */
export class QueueStackMap extends BpfMap {
  /** address of ring slot 0 */
  readonly slotsBase: number;
  private readonly ringSize: number;
  private head = 0;
  private tail = 0;

  constructor(space: AddressSpace, spec: MapSpec, type: typeof MapType.QUEUE | typeof MapType.STACK, options: MapOptions) {
    validateQueueStackSpec(spec);
    super(space, spec, type, options);
    this.ringSize = spec.maxEntries + 1;
    this.slotsBase = allocValues(space, spec, this.ringSize * spec.valueSize);
  }

  /** Number of values held. */
  get size(): number {
    return (this.head - this.tail + this.ringSize) % this.ringSize;
  }

  override push(value: Uint8Array, flags = 0): void {
    if (value.length !== this.valueSize) mapError(this, `value has ${value.length} bytes, expected ${this.valueSize}`, Errno.EINVAL);
    const result = this.pushBytes(value, flags);
    if (result < 0) mapError(this, 'push failed', -result);
  }

  override pop(): Uint8Array | undefined {
    const address = this.next(true);
    return address === 0 ? undefined : this.space.u8.slice(address, address + this.valueSize);
  }

  override peek(): Uint8Array | undefined {
    const address = this.next(false);
    return address === 0 ? undefined : this.space.u8.slice(address, address + this.valueSize);
  }

  override lookup(key: Uint8Array): Uint8Array | undefined {
    this.checkKey(key);
    return this.peek();
  }

  override update(key: Uint8Array, value: Uint8Array, flags = 0): void {
    this.checkKey(key);
    this.push(value, flags);
  }

  override delete(_key: Uint8Array): void {
    mapError(this, 'queue and stack maps have no delete', Errno.EINVAL);
  }

  /** No keys: a queue or stack is read with pop/peek. */
  override keys(): Uint8Array[] {
    return [];
  }

  /** The values in pop order, without removing them. */
  values(): Uint8Array[] {
    const out: Uint8Array[] = [];
    const count = this.size;
    for (let i = 0; i < count; i++) {
      const position = this.type === MapType.QUEUE ? (this.tail + i) % this.ringSize : (this.head - 1 - i + 2 * this.ringSize) % this.ringSize;
      const address = this.slotsBase + position * this.valueSize;
      out.push(this.space.u8.slice(address, address + this.valueSize));
    }
    return out;
  }

  override pushAddr(valueAddr: number, flags: number): number {
    return this.pushBytes(this.space.u8.slice(valueAddr, valueAddr + this.valueSize), flags);
  }

  override popAddr(valueAddr: number): number {
    const address = this.next(true);
    if (address === 0) return -Errno.ENOENT;
    this.space.u8.copyWithin(valueAddr, address, address + this.valueSize);
    return 0;
  }

  override peekAddr(valueAddr: number): number {
    const address = this.next(false);
    if (address === 0) return -Errno.ENOENT;
    this.space.u8.copyWithin(valueAddr, address, address + this.valueSize);
    return 0;
  }

  /** queue_stack_map_push_elem: 0 or -errno. */
  private pushBytes(value: Uint8Array, flags: number): number {
    if ((flags & UpdateFlag.NOEXIST) !== 0 || flags > UpdateFlag.EXIST || flags < 0) return -Errno.EINVAL;
    if (this.size === this.maxEntries) {
      if ((flags & UpdateFlag.EXIST) === 0) return -Errno.E2BIG;
      this.tail = (this.tail + 1) % this.ringSize;
    }
    this.space.u8.set(value, this.slotsBase + this.head * this.valueSize);
    this.head = (this.head + 1) % this.ringSize;
    return 0;
  }

  /** Address of the next value (queue: oldest, stack: newest), removing it when `remove`; 0 when empty. */
  private next(remove: boolean): number {
    if (this.head === this.tail) return 0;
    if (this.type === MapType.QUEUE) {
      const address = this.slotsBase + this.tail * this.valueSize;
      if (remove) this.tail = (this.tail + 1) % this.ringSize;
      return address;
    }
    const position = (this.head - 1 + this.ringSize) % this.ringSize;
    if (remove) this.head = position;
    return this.slotsBase + position * this.valueSize;
  }
}

/** The kernel's queue_stack_map_alloc_check. @throws MapError EINVAL */
export function validateQueueStackSpec(spec: MapSpec): void {
  checkFlags(spec, MapFlag.NUMA_NODE | ACCESS_FLAGS);
  if (spec.maxEntries <= 0 || spec.keySize !== 0 || spec.valueSize <= 0) {
    throw new MapError(`map ${spec.name}: queue and stack maps need key size 0, a value size and max entries`, Errno.EINVAL);
  }
}
