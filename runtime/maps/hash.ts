/**
 * @fileoverview BPF_MAP_TYPE_HASH, PERCPU_HASH, LRU_HASH and LRU_PERCPU_HASH. Like the kernel's
 * preallocated hash table, a pool of maxEntries value slots is allocated in linear memory when the map
 * is created, so a value's address stays valid while its element exists and nothing grows during a
 * run. The key -> slot index is a JavaScript Map (its insertion order is the iteration order, and for
 * LRU maps the recency order: least recently used first).
 *
 *   slot s, CPU c: slotsBase + s * slotSize + c * round8(valueSize)
 *   slotSize = round8(valueSize) * (per-CPU ? cpus : 1)
 *
 * Divergences from the kernel, on purpose: the LRU is exact (the kernel's is approximate, per-CPU
 * lists with reference bits); an update of an existing element writes the value in place (the kernel
 * swaps in a fresh element), and an LRU update of an existing key never evicts another element.
 */
import { MapError } from '../../src/errors.js';
import type { AddressSpace } from '../memory.js';
import {
  ACCESS_FLAGS,
  allocValues,
  BpfMap,
  checkFlags,
  Errno,
  keyId,
  mapError,
  MapFlag,
  MapType,
  type MapOptions,
  type MapSpec,
  round8,
  SlotAllocator,
  UpdateFlag,
} from './common.js';
import { PERCPU_VALUE_MAX } from './array.js';

/** Largest key the kernel accepts for hash maps (MAX_BPF_STACK). */
export const HASH_KEY_MAX = 512;

/** The hash-family map types. */
export type HashMapType = typeof MapType.HASH | typeof MapType.PERCPU_HASH | typeof MapType.LRU_HASH | typeof MapType.LRU_PERCPU_HASH;

interface HashElement {
  readonly slot: number;
  readonly key: Uint8Array;
}

/** A hash, per-CPU hash, LRU hash or LRU per-CPU hash map. */
export class HashMap extends BpfMap {
  /** address of slot 0 */
  readonly slotsBase: number;
  /** bytes per slot (all CPUs' copies) */
  readonly slotSize: number;
  /** true for the LRU types: a full map evicts its least recently used element on insert */
  readonly isLru: boolean;
  /** key id -> element; for LRU maps the order is least recently used first */
  private readonly index = new Map<number | string, HashElement>();
  private readonly slots: SlotAllocator;

  constructor(space: AddressSpace, spec: MapSpec, type: HashMapType, options: MapOptions) {
    validateHashSpec(spec, type);
    super(space, spec, type, options);
    this.isLru = type === MapType.LRU_HASH || type === MapType.LRU_PERCPU_HASH;
    this.slotSize = round8(spec.valueSize) * (this.isPerCpu ? options.cpus : 1);
    this.slotsBase = allocValues(space, spec, this.slotSize * spec.maxEntries);
    this.slots = new SlotAllocator(spec.maxEntries);
  }

  /** Number of elements present. */
  get size(): number {
    return this.index.size;
  }

  /** Address of CPU `cpu`'s copy of the value in `slot`. */
  valueAddress(slot: number, cpu = 0): number {
    return this.slotsBase + slot * this.slotSize + (this.isPerCpu ? cpu * round8(this.valueSize) : 0);
  }

  override lookup(key: Uint8Array): Uint8Array | undefined {
    this.checkKey(key);
    const slot = this.index.get(keyId(key))?.slot;
    if (slot === undefined) return undefined;
    if (!this.isPerCpu) return this.space.u8.slice(this.valueAddress(slot), this.valueAddress(slot) + this.valueSize);
    const out = new Uint8Array(this.userValueSize);
    const stride = round8(this.valueSize);
    for (let cpu = 0; cpu < this.cpus; cpu++) out.set(this.bytes(this.valueAddress(slot, cpu), this.valueSize), cpu * stride);
    return out;
  }

  override update(key: Uint8Array, value: Uint8Array, flags = 0): void {
    this.checkKey(key);
    const valueFor = this.userValueFor(value);
    const slot = this.claim(key.slice(), flags);
    if (slot < 0) mapError(this, 'update failed', -slot);
    const copies = this.isPerCpu ? this.cpus : 1;
    for (let cpu = 0; cpu < copies; cpu++) this.space.u8.set(valueFor(cpu), this.valueAddress(slot, cpu));
  }

  override delete(key: Uint8Array): void {
    this.checkKey(key);
    if (!this.remove(keyId(key))) mapError(this, 'delete of a missing key', Errno.ENOENT);
  }

  override keys(): Uint8Array[] {
    const out: Uint8Array[] = [];
    for (const element of this.index.values()) out.push(element.key.slice());
    return out;
  }

  override lookupAddr(keyAddr: number, cpu = 0): number {
    const id = keyId(this.bytes(keyAddr, this.keySize));
    const element = this.index.get(id);
    if (element === undefined) return 0;
    if (this.isLru) this.touch(id, element);
    return this.valueAddress(element.slot, cpu);
  }

  override updateAddr(keyAddr: number, valueAddr: number, flags: number, cpu = 0): number {
    const slot = this.claim(this.readKey(keyAddr), flags);
    if (slot < 0) return slot;
    this.space.u8.copyWithin(this.valueAddress(slot, cpu), valueAddr, valueAddr + this.valueSize);
    return 0;
  }

  override deleteAddr(keyAddr: number): number {
    return this.remove(keyId(this.bytes(keyAddr, this.keySize))) ? 0 : -Errno.ENOENT;
  }

  /**
   * Finds or creates the element for `key` following htab_map_update_elem's checks: returns its
   * slot or -errno, changing nothing on failure. A new per-CPU element starts with every copy zeroed
   * (the caller then writes one copy or all of them), as the kernel's pcpu_init_value.
   */
  private claim(key: Uint8Array, flags: number): number {
    if ((flags & ~UpdateFlag.F_LOCK) > UpdateFlag.EXIST || flags < 0) return -Errno.EINVAL;
    if ((flags & UpdateFlag.F_LOCK) !== 0) return -Errno.EINVAL;
    const id = keyId(key);
    const existing = this.index.get(id);
    if (existing !== undefined) {
      if (flags === UpdateFlag.NOEXIST) return -Errno.EEXIST;
      if (this.isLru) this.touch(id, existing);
      return existing.slot;
    }
    if (flags === UpdateFlag.EXIST) return -Errno.ENOENT;
    let slot = this.slots.take();
    if (slot === undefined) {
      if (!this.isLru) return -Errno.E2BIG;
      const oldest = this.index.keys().next();
      if (oldest.done === true) return -Errno.E2BIG;
      this.remove(oldest.value);
      slot = this.slots.take()!;
    }
    this.index.set(id, { slot, key });
    if (this.isPerCpu) this.space.u8.fill(0, this.valueAddress(slot, 0), this.valueAddress(slot, 0) + this.slotSize);
    return slot;
  }

  /** Marks an LRU element as most recently used. */
  private touch(id: number | string, element: HashElement): void {
    this.index.delete(id);
    this.index.set(id, element);
  }

  private remove(id: number | string): boolean {
    const element = this.index.get(id);
    if (element === undefined) return false;
    this.index.delete(id);
    this.slots.release(element.slot);
    return true;
  }
}

/** The kernel's htab_map_alloc_check. @throws MapError EINVAL / E2BIG / ENOTSUPP */
export function validateHashSpec(spec: MapSpec, type: HashMapType): void {
  const isLru = type === MapType.LRU_HASH || type === MapType.LRU_PERCPU_HASH;
  const isPerCpu = type === MapType.PERCPU_HASH || type === MapType.LRU_PERCPU_HASH;
  checkFlags(spec, MapFlag.NO_PREALLOC | MapFlag.NO_COMMON_LRU | MapFlag.NUMA_NODE | MapFlag.ZERO_SEED | ACCESS_FLAGS);
  if (!isLru && (spec.flags & MapFlag.NO_COMMON_LRU) !== 0) throw new MapError(`map ${spec.name}: BPF_F_NO_COMMON_LRU needs an lru map`, Errno.EINVAL);
  if (isLru && (spec.flags & MapFlag.NO_PREALLOC) !== 0) throw new MapError(`map ${spec.name}: lru maps must be preallocated`, Errno.ENOTSUPP);
  if (spec.maxEntries <= 0 || spec.keySize <= 0 || spec.valueSize <= 0) {
    throw new MapError(`map ${spec.name}: key size, value size and max entries must be positive`, Errno.EINVAL);
  }
  if (spec.keySize > HASH_KEY_MAX) throw new MapError(`map ${spec.name}: key size ${spec.keySize} exceeds ${HASH_KEY_MAX}`, Errno.E2BIG);
  if (isPerCpu && spec.valueSize > PERCPU_VALUE_MAX) throw new MapError(`map ${spec.name}: per-cpu value size ${spec.valueSize} exceeds ${PERCPU_VALUE_MAX}`, Errno.E2BIG);
}
