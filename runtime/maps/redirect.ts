/**
 * @fileoverview The XDP redirect targets: BPF_MAP_TYPE_DEVMAP, DEVMAP_HASH, CPUMAP and XSKMAP, as far
 * as a runtime without network devices can model them: u32 keys, values stored in linear memory
 * (DEVMAP/DEVMAP_HASH: u32 ifindex [+ u32 program], CPUMAP: u32 qsize [+ u32 program], XSKMAP: u32
 * socket), and the kernel's update/delete rules. bpf_redirect_map asks hasTarget(); the target a
 * program redirected to is reported through HelperRuntime.redirect.
 * Divergences: ifindexes, CPUs and sockets are not checked for existence (no ENODEV / EBADF), and
 * keys() lists only the occupied slots.
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
import { u32Key } from './array.js';

/** The redirect map types. */
export type RedirectMapType = typeof MapType.DEVMAP | typeof MapType.DEVMAP_HASH | typeof MapType.CPUMAP | typeof MapType.XSKMAP;

/** Largest CPUMAP queue size (kernel: qsize > 16384 is EOVERFLOW). */
export const CPUMAP_QSIZE_MAX = 16384;

/** A devmap, devmap_hash, cpumap or xskmap. */
export class RedirectMap extends BpfMap {
  /** address of value slot 0 */
  readonly slotsBase: number;
  private readonly isHash: boolean;
  /** key -> slot (array types: slot = key) */
  private readonly present = new Map<number, number>();
  private readonly slots: SlotAllocator;

  constructor(space: AddressSpace, spec: MapSpec, type: RedirectMapType, options: MapOptions) {
    validateRedirectSpec(spec, type);
    super(space, spec, type, options);
    this.isHash = type === MapType.DEVMAP_HASH;
    this.slotsBase = allocValues(space, spec, round8(spec.valueSize) * spec.maxEntries);
    this.slots = new SlotAllocator(this.isHash ? spec.maxEntries : 0);
  }

  /** True when slot/key `key` holds a target (what bpf_redirect_map looks up). */
  hasTarget(key: number): boolean {
    return this.present.has(key >>> 0);
  }

  /** Address of the value in `slot`. */
  valueAddress(slot: number): number {
    return this.slotsBase + slot * round8(this.valueSize);
  }

  override lookup(key: Uint8Array): Uint8Array | undefined {
    const slot = this.present.get(this.keyOf(key));
    if (slot === undefined) return undefined;
    return this.space.u8.slice(this.valueAddress(slot), this.valueAddress(slot) + this.valueSize);
  }

  override update(key: Uint8Array, value: Uint8Array, flags = 0): void {
    const index = this.keyOf(key);
    if (value.length !== this.valueSize) mapError(this, `value has ${value.length} bytes, expected ${this.valueSize}`, Errno.EINVAL);
    const target = (value[0]! | (value[1]! << 8) | (value[2]! << 16) | (value[3]! << 24)) >>> 0;
    const slot = this.claim(index, target, flags);
    if (slot < 0) mapError(this, `update of key ${index} failed`, -slot);
    if (this.type !== MapType.DEVMAP_HASH && target === 0 && this.type !== MapType.XSKMAP) {
      this.present.delete(index);
      return;
    }
    this.present.set(index, slot);
    this.space.u8.set(value, this.valueAddress(slot));
  }

  override delete(key: Uint8Array): void {
    const index = this.keyOf(key);
    if (this.isHash) {
      const slot = this.present.get(index);
      if (slot === undefined) mapError(this, `key ${index} not found`, Errno.ENOENT);
      this.present.delete(index);
      this.slots.release(slot);
      return;
    }
    if (index >= this.maxEntries) mapError(this, `index ${index} out of range`, Errno.EINVAL);
    this.present.delete(index);
  }

  override keys(): Uint8Array[] {
    return [...this.present.keys()].sort((a, b) => a - b).map(u32Key);
  }

  override lookupAddr(keyAddr: number): number {
    const slot = this.present.get(this.space.view.getUint32(keyAddr, true));
    return slot === undefined ? 0 : this.valueAddress(slot);
  }

  /** The update checks of dev_map_update_elem / dev_map_hash_update_elem / cpu_map_update_elem / xsk_map_update_elem. */
  private claim(index: number, target: number, flags: number): number {
    if (flags < 0 || flags > UpdateFlag.EXIST) return -Errno.EINVAL;
    const existing = this.present.get(index);
    switch (this.type as RedirectMapType) {
      case MapType.DEVMAP_HASH: {
        if (target === 0) return -Errno.EINVAL;
        if (existing !== undefined) return flags === UpdateFlag.NOEXIST ? -Errno.EEXIST : existing;
        return this.slots.take() ?? -Errno.E2BIG;
      }
      case MapType.DEVMAP:
        if (index >= this.maxEntries) return -Errno.E2BIG;
        if (flags === UpdateFlag.NOEXIST) return -Errno.EEXIST;
        return index;
      case MapType.CPUMAP:
        if (index >= this.maxEntries) return -Errno.E2BIG;
        if (flags === UpdateFlag.NOEXIST) return -Errno.EEXIST;
        if (target > CPUMAP_QSIZE_MAX) return -Errno.EOVERFLOW;
        if (index >= this.cpus && target !== 0) return -Errno.ENODEV;
        return index;
      case MapType.XSKMAP:
        if (index >= this.maxEntries) return -Errno.E2BIG;
        if (existing !== undefined && flags === UpdateFlag.NOEXIST) return -Errno.EEXIST;
        if (existing === undefined && flags === UpdateFlag.EXIST) return -Errno.ENOENT;
        return index;
      default: {
        const unknown: never = this.type as never;
        throw new MapError(`map ${this.name}: type ${String(unknown)} is not a redirect map`, Errno.EINVAL);
      }
    }
  }

  private keyOf(key: Uint8Array): number {
    this.checkKey(key);
    return keyId(key) as number;
  }
}

/** The kernel's dev_map / cpu_map / xsk_map alloc checks. @throws MapError EINVAL / E2BIG */
export function validateRedirectSpec(spec: MapSpec, type: RedirectMapType): void {
  checkFlags(spec, MapFlag.NUMA_NODE | ACCESS_FLAGS);
  const values = type === MapType.XSKMAP ? [4] : [4, 8];
  if (spec.keySize !== 4 || !values.includes(spec.valueSize) || spec.maxEntries <= 0) {
    throw new MapError(`map ${spec.name}: key size 4, value size ${values.join(' or ')} and max entries > 0 required`, Errno.EINVAL);
  }
  if (type === MapType.CPUMAP && spec.maxEntries > 8192) throw new MapError(`map ${spec.name}: cpumap max entries ${spec.maxEntries} exceeds NR_CPUS`, Errno.E2BIG);
}
