/**
 * @fileoverview BPF_MAP_TYPE_ARRAY_OF_MAPS and HASH_OF_MAPS: slots holding inner maps. A program's
 * lookup returns the inner map's header address (the kernel returns the inner map pointer itself),
 * which the program then passes to the map helpers as a map. Every inner map must match the outer
 * map's template (type, key size, value size, max entries; kernel bpf_map_meta_equal) or EINVAL.
 * From JavaScript: setInner/inner by key, or update(key, u32 reference) through options.resolveMap;
 * lookup returns the inner map's header address as a u32 (where the kernel returns the map id).
 * Programs cannot update or delete slots (the verifier's job).
 */
import { MapError } from '../../src/errors.js';
import type { AddressSpace } from '../memory.js';
import { ACCESS_FLAGS, BpfMap, checkFlags, Errno, keyId, mapError, MapFlag, MapType, type MapOptions, type MapSpec, UpdateFlag } from './common.js';
import { u32Key } from './array.js';

/** The map-in-map types. */
export type MapOfMapsType = typeof MapType.ARRAY_OF_MAPS | typeof MapType.HASH_OF_MAPS;

/** An array or hash of maps. */
export class MapOfMaps extends BpfMap {
  /** the template inner maps must match */
  readonly innerSpec: MapSpec;
  private readonly isArray: boolean;
  private readonly slots = new Map<number | string, { readonly key: Uint8Array; readonly map: BpfMap }>();
  private readonly resolveMap: ((reference: number) => BpfMap | undefined) | undefined;

  constructor(space: AddressSpace, spec: MapSpec, type: MapOfMapsType, options: MapOptions) {
    validateMapOfMapsSpec(spec, type);
    super(space, spec, type, options);
    this.innerSpec = spec.innerMap!;
    this.isArray = type === MapType.ARRAY_OF_MAPS;
    this.resolveMap = options.resolveMap;
  }

  /** The inner map under `key`, if any. */
  inner(key: Uint8Array): BpfMap | undefined {
    this.checkKey(key);
    return this.slots.get(keyId(key))?.map;
  }

  /**
   * Puts `map` under `key` with the update flags' semantics.
   * @throws MapError EINVAL when `map` does not match the template, E2BIG out of range or full,
   * EEXIST / ENOENT per flags
   */
  setInner(key: Uint8Array, map: BpfMap, flags = 0): void {
    this.checkKey(key);
    if (!matchesTemplate(this.innerSpec, map)) mapError(this, `inner map ${map.name} does not match the template`, Errno.EINVAL);
    const id = keyId(key);
    const existing = this.slots.get(id);
    if (this.isArray) {
      if (flags !== UpdateFlag.ANY) mapError(this, 'array of maps accepts only BPF_ANY', Errno.EINVAL);
      if ((id as number) >= this.maxEntries) mapError(this, `index ${id} out of range`, Errno.E2BIG);
    } else {
      if (flags < 0 || flags > UpdateFlag.EXIST) mapError(this, `update flags ${flags}`, Errno.EINVAL);
      if (existing !== undefined && flags === UpdateFlag.NOEXIST) mapError(this, 'key exists', Errno.EEXIST);
      if (existing === undefined && flags === UpdateFlag.EXIST) mapError(this, 'key not found', Errno.ENOENT);
      if (existing === undefined && this.slots.size >= this.maxEntries) mapError(this, 'map is full', Errno.E2BIG);
    }
    this.slots.set(id, { key: key.slice(), map });
  }

  override lookup(key: Uint8Array): Uint8Array | undefined {
    const map = this.inner(key);
    return map === undefined ? undefined : u32Key(map.address);
  }

  override update(key: Uint8Array, value: Uint8Array, flags = 0): void {
    this.checkKey(key);
    if (value.length !== 4) mapError(this, `value has ${value.length} bytes, expected 4`, Errno.EINVAL);
    const reference = (value[0]! | (value[1]! << 8) | (value[2]! << 16) | (value[3]! << 24)) >>> 0;
    const map = this.resolveMap?.(reference);
    if (map === undefined) mapError(this, `no map for reference ${reference}`, Errno.EBADF);
    this.setInner(key, map, flags);
  }

  override delete(key: Uint8Array): void {
    this.checkKey(key);
    const id = keyId(key);
    if (this.isArray && (id as number) >= this.maxEntries) mapError(this, `index ${id} out of range`, Errno.E2BIG);
    if (!this.slots.delete(id)) mapError(this, 'key not found', Errno.ENOENT);
  }

  override keys(): Uint8Array[] {
    const entries = [...this.slots.values()];
    if (this.isArray) entries.sort((a, b) => (keyId(a.key) as number) - (keyId(b.key) as number));
    return entries.map((entry) => entry.key.slice());
  }

  override lookupAddr(keyAddr: number): number {
    return this.slots.get(keyId(this.bytes(keyAddr, this.keySize)))?.map.address ?? 0;
  }
}

/**
 * bpf_map_meta_equal: same type, key size, value size and flags; array-type inner maps also need
 * the same max entries unless the template has BPF_F_INNER_MAP (array_map_meta_equal).
 */
function matchesTemplate(template: MapSpec, map: BpfMap): boolean {
  if (map.type !== template.type || map.keySize !== template.keySize || map.valueSize !== template.valueSize || map.flags !== template.flags) return false;
  const isArray = map.type === MapType.ARRAY || map.type === MapType.PERCPU_ARRAY;
  return !isArray || (template.flags & MapFlag.INNER_MAP) !== 0 || map.maxEntries === template.maxEntries;
}

/** The kernel's map-in-map alloc checks. @throws MapError EINVAL */
export function validateMapOfMapsSpec(spec: MapSpec, type: MapOfMapsType): void {
  checkFlags(spec, MapFlag.NUMA_NODE | ACCESS_FLAGS | (type === MapType.HASH_OF_MAPS ? MapFlag.NO_PREALLOC : 0));
  if (spec.valueSize !== 4) throw new MapError(`map ${spec.name}: map-in-map value size must be 4`, Errno.EINVAL);
  if (spec.maxEntries <= 0 || spec.keySize <= 0) throw new MapError(`map ${spec.name}: key size and max entries must be positive`, Errno.EINVAL);
  if (type === MapType.ARRAY_OF_MAPS && spec.keySize !== 4) throw new MapError(`map ${spec.name}: array of maps needs key size 4`, Errno.EINVAL);
  const inner = spec.innerMap;
  if (inner === undefined) throw new MapError(`map ${spec.name}: map-in-map needs an inner map template`, Errno.EINVAL);
  if (inner.type === MapType.ARRAY_OF_MAPS || inner.type === MapType.HASH_OF_MAPS || inner.type === MapType.PROG_ARRAY) {
    throw new MapError(`map ${spec.name}: inner map type ${inner.type} cannot be nested`, Errno.EINVAL);
  }
}
