/**
 * @fileoverview BPF_MAP_TYPE_ARRAY and BPF_MAP_TYPE_PERCPU_ARRAY: maxEntries zero-initialised values
 * indexed by a u32 key, preallocated in linear memory so a lookup is `base + index * stride` (the
 * header records base and stride, so the JIT may inline it as the kernel's array_map_gen_lookup).
 *
 *   valuesBase + cpu * cpuStride + index * valueStride     valueStride = round8(valueSize)
 *                                                          cpuStride = maxEntries * valueStride
 */
import type { AddressSpace } from '../memory.js';
import { ACCESS_FLAGS, allocValues, BpfMap, checkFlags, Errno, mapError, MapFlag, MapHeader, MapType, type MapOptions, type MapSpec, round8, UpdateFlag } from './common.js';
import { MapError } from '../../src/errors.js';

/** Largest per-CPU value the kernel allows (PCPU_MIN_UNIT_SIZE). */
export const PERCPU_VALUE_MAX = 32768;

/** An array or per-CPU array map. */
export class ArrayMap extends BpfMap {
  /** address of CPU 0's element 0 */
  readonly valuesBase: number;
  /** bytes between consecutive elements */
  readonly valueStride: number;
  /** bytes between two CPUs' copies of the array */
  readonly cpuStride: number;

  constructor(space: AddressSpace, spec: MapSpec, type: typeof MapType.ARRAY | typeof MapType.PERCPU_ARRAY, options: MapOptions) {
    validateArraySpec(spec, type === MapType.PERCPU_ARRAY);
    super(space, spec, type, options);
    this.valueStride = round8(spec.valueSize);
    this.cpuStride = this.valueStride * spec.maxEntries;
    const copies = type === MapType.PERCPU_ARRAY ? options.cpus : 1;
    this.valuesBase = allocValues(space, spec, this.cpuStride * copies);
    const view = space.view;
    view.setUint32(this.address + MapHeader.VALUE_STRIDE, this.valueStride, true);
    view.setUint32(this.address + MapHeader.VALUES_BASE, this.valuesBase, true);
    view.setUint32(this.address + MapHeader.CPU_STRIDE, this.cpuStride, true);
    if (spec.initialValue !== undefined) this.loadInitialValue(spec.initialValue);
  }

  /** Address of element `index` of CPU `cpu`'s copy (no range check). */
  elementAddress(index: number, cpu = 0): number {
    return this.valuesBase + (this.isPerCpu ? cpu * this.cpuStride : 0) + index * this.valueStride;
  }

  override lookup(key: Uint8Array): Uint8Array | undefined {
    const index = this.indexOf(key);
    if (index >= this.maxEntries) return undefined;
    if (!this.isPerCpu) return this.space.u8.slice(this.elementAddress(index), this.elementAddress(index) + this.valueSize);
    const out = new Uint8Array(this.userValueSize);
    for (let cpu = 0; cpu < this.cpus; cpu++) {
      const address = this.elementAddress(index, cpu);
      out.set(this.bytes(address, this.valueSize), cpu * this.valueStride);
    }
    return out;
  }

  override update(key: Uint8Array, value: Uint8Array, flags = 0): void {
    const index = this.indexOf(key);
    const valueFor = this.userValueFor(value);
    const result = this.checkUpdate(index, flags);
    if (result < 0) mapError(this, `update of index ${index} failed`, -result);
    const copies = this.isPerCpu ? this.cpus : 1;
    for (let cpu = 0; cpu < copies; cpu++) this.space.u8.set(valueFor(cpu), this.elementAddress(index, cpu));
  }

  override delete(_key: Uint8Array): void {
    mapError(this, 'array elements cannot be deleted', Errno.EINVAL);
  }

  override keys(): Uint8Array[] {
    const out: Uint8Array[] = [];
    for (let index = 0; index < this.maxEntries; index++) out.push(u32Key(index));
    return out;
  }

  override lookupAddr(keyAddr: number, cpu = 0): number {
    const index = this.space.view.getUint32(keyAddr, true);
    return index < this.maxEntries ? this.elementAddress(index, cpu) : 0;
  }

  override updateAddr(keyAddr: number, valueAddr: number, flags: number, cpu = 0): number {
    const index = this.space.view.getUint32(keyAddr, true);
    const result = this.checkUpdate(index, flags);
    if (result < 0) return result;
    this.space.u8.copyWithin(this.elementAddress(index, cpu), valueAddr, valueAddr + this.valueSize);
    return 0;
  }

  override deleteAddr(_keyAddr: number): number {
    return -Errno.EINVAL;
  }

  /** The kernel's array_map_update_elem checks, in its order. */
  private checkUpdate(index: number, flags: number): number {
    if ((flags & ~UpdateFlag.F_LOCK) > UpdateFlag.EXIST || flags < 0) return -Errno.EINVAL;
    if (index >= this.maxEntries) return -Errno.E2BIG;
    if ((flags & UpdateFlag.NOEXIST) !== 0) return -Errno.EEXIST;
    if ((flags & UpdateFlag.F_LOCK) !== 0) return -Errno.EINVAL;
    return 0;
  }

  private indexOf(key: Uint8Array): number {
    this.checkKey(key);
    return (key[0]! | (key[1]! << 8) | (key[2]! << 16) | (key[3]! << 24)) >>> 0;
  }

  private loadInitialValue(initial: Uint8Array): void {
    const stride = this.isPerCpu ? this.valueStride : this.valueSize;
    if (initial.length > this.maxEntries * stride) {
      throw new MapError(`map ${this.name}: initial value has ${initial.length} bytes, map holds ${this.maxEntries * this.valueSize}`, Errno.EINVAL);
    }
    if (this.maxEntries === 1 || this.valueSize === this.valueStride) {
      this.space.u8.set(initial, this.valuesBase);
      return;
    }
    for (let index = 0; index * this.valueSize < initial.length; index++) {
      this.space.u8.set(initial.subarray(index * this.valueSize, (index + 1) * this.valueSize), this.elementAddress(index));
    }
  }
}

/** A 4-byte little-endian key holding `index`. */
export function u32Key(index: number): Uint8Array {
  const key = new Uint8Array(4);
  new DataView(key.buffer).setUint32(0, index >>> 0, true);
  return key;
}

/** The kernel's array_map_alloc_check. @throws MapError EINVAL / E2BIG */
export function validateArraySpec(spec: MapSpec, isPerCpu: boolean): void {
  checkFlags(spec, MapFlag.NUMA_NODE | ACCESS_FLAGS | MapFlag.MMAPABLE | MapFlag.PRESERVE_ELEMS | MapFlag.INNER_MAP);
  if (spec.keySize !== 4) throw new MapError(`map ${spec.name}: key size ${spec.keySize}, array maps need 4`, Errno.EINVAL);
  if (spec.valueSize <= 0 || spec.maxEntries <= 0) throw new MapError(`map ${spec.name}: value size and max entries must be positive`, Errno.EINVAL);
  if (isPerCpu && (spec.flags & MapFlag.MMAPABLE) !== 0) throw new MapError(`map ${spec.name}: per-cpu arrays cannot be mmapable`, Errno.EINVAL);
  if (isPerCpu && spec.valueSize > PERCPU_VALUE_MAX) throw new MapError(`map ${spec.name}: per-cpu value size ${spec.valueSize} exceeds ${PERCPU_VALUE_MAX}`, Errno.E2BIG);
  if (round8(spec.valueSize) * spec.maxEntries >= 0xffff_f000) {
    throw new MapError(`map ${spec.name}: array of ${spec.maxEntries} values of ${spec.valueSize} bytes is too large`, Errno.E2BIG);
  }
}
