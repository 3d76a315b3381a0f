/**
 * @fileoverview BPF_MAP_TYPE_BLOOM_FILTER: a keyless set of values with push (add) and peek
 * (0 = maybe present, -ENOENT = definitely absent). Modelled as an exact set, i.e. a bloom filter
 * whose false-positive rate is 0 (a divergence the kernel's contract allows: programs may only rely
 * on "no false negatives"). No capacity limit applies to pushes, as in the kernel.
 */
import { MapError } from '../../src/errors.js';
import type { AddressSpace } from '../memory.js';
import { ACCESS_FLAGS, BpfMap, checkFlags, Errno, keyId, mapError, MapFlag, MapType, type MapOptions, type MapSpec, UpdateFlag } from './common.js';

/** A bloom filter map. */
export class BloomFilterMap extends BpfMap {
  private readonly members = new Set<number | string>();

  constructor(space: AddressSpace, spec: MapSpec, options: MapOptions) {
    validateBloomSpec(spec);
    super(space, spec, MapType.BLOOM_FILTER, options);
  }

  /** True when `value` may be in the set (exact here). */
  has(value: Uint8Array): boolean {
    if (value.length !== this.valueSize) mapError(this, `value has ${value.length} bytes, expected ${this.valueSize}`, Errno.EINVAL);
    return this.members.has(keyId(value));
  }

  override push(value: Uint8Array, flags = 0): void {
    if (value.length !== this.valueSize) mapError(this, `value has ${value.length} bytes, expected ${this.valueSize}`, Errno.EINVAL);
    if (flags !== UpdateFlag.ANY) mapError(this, 'bloom filter push needs BPF_ANY', Errno.EINVAL);
    this.members.add(keyId(value));
  }

  override pop(): Uint8Array | undefined {
    mapError(this, 'bloom filters have no pop', Errno.EOPNOTSUPP);
  }

  /** Not meaningful without a value: use has(). */
  override peek(): Uint8Array | undefined {
    mapError(this, 'bloom filter peek needs a value: use has()', Errno.EINVAL);
  }

  /** The kernel's syscall lookup is a peek of the value; there is no key, so use has(). */
  override lookup(_key: Uint8Array): Uint8Array | undefined {
    mapError(this, 'bloom filters have no lookup: use has()', Errno.EINVAL);
  }

  /** update(empty key, value) = push, as the kernel's syscall update. */
  override update(key: Uint8Array, value: Uint8Array, flags = 0): void {
    this.checkKey(key);
    this.push(value, flags);
  }

  override delete(_key: Uint8Array): void {
    mapError(this, 'bloom filters have no delete', Errno.EOPNOTSUPP);
  }

  /** No keys. */
  override keys(): Uint8Array[] {
    return [];
  }

  override pushAddr(valueAddr: number, flags: number): number {
    if (flags !== UpdateFlag.ANY) return -Errno.EINVAL;
    this.members.add(keyId(this.bytes(valueAddr, this.valueSize)));
    return 0;
  }

  override peekAddr(valueAddr: number): number {
    return this.members.has(keyId(this.bytes(valueAddr, this.valueSize))) ? 0 : -Errno.ENOENT;
  }

  override popAddr(_valueAddr: number): number {
    return -Errno.EOPNOTSUPP;
  }
}

/** The kernel's bloom_map_alloc checks. @throws MapError EINVAL */
export function validateBloomSpec(spec: MapSpec): void {
  checkFlags(spec, MapFlag.NUMA_NODE | ACCESS_FLAGS);
  if (spec.keySize !== 0 || spec.valueSize <= 0 || spec.maxEntries <= 0 || ((spec.mapExtra ?? 0) & ~0xf) !== 0) {
    throw new MapError(`map ${spec.name}: bloom filters need key size 0, a value size, max entries and map_extra <= 15`, Errno.EINVAL);
  }
}
