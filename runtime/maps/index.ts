/**
 * @fileoverview The map factory: createMap picks the implementation for a spec's type and checks the
 * spec as the kernel's map_alloc_check functions do. Re-exports the map classes and constants.
 */
import { MapError } from '../../src/errors.js';
import type { AddressSpace } from '../memory.js';
import { ArrayMap } from './array.js';
import { type BpfMap, Errno, MapType, type MapOptions, type MapSpec } from './common.js';
import { BloomFilterMap } from './bloom-filter.js';
import { HashMap } from './hash.js';
import { LpmTrieMap } from './lpm-trie.js';
import { MapOfMaps } from './map-of-maps.js';
import { PerfEventArrayMap } from './perf-event-array.js';
import { ProgArrayMap } from './prog-array.js';
import { QueueStackMap } from './queue-stack.js';
import { RedirectMap } from './redirect.js';
import { RingBufMap } from './ringbuf.js';

export { ArrayMap, u32Key } from './array.js';
export { ACCESS_FLAGS, BpfMap, Errno, keyId, MAP_HEADER_SIZE, MapFlag, MapHeader, MapType, mapTypeName, round8, UpdateFlag, type MapOptions, type MapSpec } from './common.js';
export { HashMap, type HashMapType } from './hash.js';
export { BloomFilterMap } from './bloom-filter.js';
export { LpmTrieMap } from './lpm-trie.js';
export { MapOfMaps, type MapOfMapsType } from './map-of-maps.js';
export { PerfEventArrayMap, type PerfRecord, type PerfRecordCallback } from './perf-event-array.js';
export { ProgArrayMap } from './prog-array.js';
export { QueueStackMap } from './queue-stack.js';
export { RedirectMap, type RedirectMapType } from './redirect.js';
export { MapRegistry } from './registry.js';
export { RingBufMap, type RingRecordCallback } from './ringbuf.js';

/** True when `type` is a map type id createMap supports. */
export function isSupportedMapType(type: number): type is MapType {
  return (Object.values(MapType) as number[]).includes(type);
}

/**
 * Creates a live map in `space` from `spec`.
 * @throws MapError EINVAL for an unsupported type or a spec the kernel would refuse (E2BIG, ENOTSUPP
 * and ENOMEM where the kernel gives those)
 */
export function createMap(space: AddressSpace, spec: MapSpec, options: MapOptions = { cpus: 1 }): BpfMap {
  if (!Number.isInteger(options.cpus) || options.cpus < 1) throw new MapError(`map ${spec.name}: cpu count ${options.cpus} is not a positive integer`, Errno.EINVAL);
  for (const [field, value] of [['key size', spec.keySize], ['value size', spec.valueSize], ['max entries', spec.maxEntries]] as const) {
    if (!Number.isInteger(value) || value < 0 || value > 0xffff_ffff) throw new MapError(`map ${spec.name}: ${field} ${value} is not a u32`, Errno.EINVAL);
  }
  if (!isSupportedMapType(spec.type)) throw new MapError(`map ${spec.name}: map type ${spec.type} is not supported`, Errno.EINVAL);
  const type: MapType = spec.type;
  if (spec.initialValue !== undefined && type !== MapType.ARRAY) throw new MapError(`map ${spec.name}: only array maps take an initial value`, Errno.EINVAL);
  switch (type) {
    case MapType.ARRAY:
    case MapType.PERCPU_ARRAY:
      return new ArrayMap(space, spec, type, options);
    case MapType.HASH:
    case MapType.PERCPU_HASH:
    case MapType.LRU_HASH:
    case MapType.LRU_PERCPU_HASH:
      return new HashMap(space, spec, type, options);
    case MapType.LPM_TRIE:
      return new LpmTrieMap(space, spec, options);
    case MapType.PROG_ARRAY:
      return new ProgArrayMap(space, spec, options);
    case MapType.PERF_EVENT_ARRAY:
      return new PerfEventArrayMap(space, spec, options);
    case MapType.QUEUE:
    case MapType.STACK:
      return new QueueStackMap(space, spec, type, options);
    case MapType.RINGBUF:
      return new RingBufMap(space, spec, options);
    case MapType.DEVMAP:
    case MapType.DEVMAP_HASH:
    case MapType.CPUMAP:
    case MapType.XSKMAP:
      return new RedirectMap(space, spec, type, options);
    case MapType.ARRAY_OF_MAPS:
    case MapType.HASH_OF_MAPS:
      return new MapOfMaps(space, spec, type, options);
    case MapType.BLOOM_FILTER:
      return new BloomFilterMap(space, spec, options);
    default: {
      const unknown: never = type;
      throw new MapError(`map ${spec.name}: map type ${String(unknown)} is not supported`, Errno.EINVAL);
    }
  }
}
