// Map semantics through the JavaScript API and the program-facing (address) API: flags, errors,
// eviction order, LPM matches, per-CPU copies, queue/stack order, ring buffer records.
import { describe, expect, it } from 'vitest';
import { MapError } from '../../src/errors.js';
import { AddressSpace } from '../../runtime/memory.js';
import {
  ArrayMap,
  BloomFilterMap,
  type BpfMap,
  createMap,
  Errno,
  HashMap,
  LpmTrieMap,
  MapFlag,
  MapHeader,
  MapOfMaps,
  MapRegistry,
  MapType,
  PerfEventArrayMap,
  ProgArrayMap,
  QueueStackMap,
  RedirectMap,
  RingBufMap,
  u32Key,
  UpdateFlag,
  type MapSpec,
} from '../../runtime/maps/index.js';

function spec(type: number, keySize: number, valueSize: number, maxEntries: number, flags = 0, extra: Partial<MapSpec> = {}): MapSpec {
  return { name: 'm', type, keySize, valueSize, maxEntries, flags, ...extra };
}

function u32Value(value: number): Uint8Array {
  return u32Key(value);
}

function u64Value(value: bigint): Uint8Array {
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setBigUint64(0, value, true);
  return bytes;
}

function errnoOf(action: () => unknown): number | undefined {
  try {
    action();
  } catch (error) {
    if (error instanceof MapError) return error.errno;
    throw error;
  }
  return undefined;
}

/** Writes bytes to fresh memory in the map's space and returns the address. */
function place(space: AddressSpace, bytes: Uint8Array): number {
  const address = space.alloc(Math.max(bytes.length, 1));
  space.u8.set(bytes, address);
  return address;
}

describe('createMap validation', () => {
  const cases: { name: string; spec: MapSpec; cpus?: number; errno: number }[] = [
    { name: 'unknown type', spec: spec(99, 4, 4, 1), errno: Errno.EINVAL },
    { name: 'array key size 8', spec: spec(MapType.ARRAY, 8, 4, 1), errno: Errno.EINVAL },
    { name: 'array zero entries', spec: spec(MapType.ARRAY, 4, 4, 0), errno: Errno.EINVAL },
    { name: 'array zero value', spec: spec(MapType.ARRAY, 4, 0, 1), errno: Errno.EINVAL },
    { name: 'array unknown flag', spec: spec(MapType.ARRAY, 4, 4, 1, MapFlag.NO_PREALLOC), errno: Errno.EINVAL },
    { name: 'percpu array mmapable', spec: spec(MapType.PERCPU_ARRAY, 4, 4, 1, MapFlag.MMAPABLE), errno: Errno.EINVAL },
    { name: 'percpu array value too big', spec: spec(MapType.PERCPU_ARRAY, 4, 32769, 1), errno: Errno.E2BIG },
    { name: 'hash zero key', spec: spec(MapType.HASH, 0, 4, 1), errno: Errno.EINVAL },
    { name: 'hash zero entries', spec: spec(MapType.HASH, 4, 4, 0), errno: Errno.EINVAL },
    { name: 'hash key too big', spec: spec(MapType.HASH, 513, 4, 1), errno: Errno.E2BIG },
    { name: 'hash with no_common_lru', spec: spec(MapType.HASH, 4, 4, 1, MapFlag.NO_COMMON_LRU), errno: Errno.EINVAL },
    { name: 'lru not preallocated', spec: spec(MapType.LRU_HASH, 4, 4, 1, MapFlag.NO_PREALLOC), errno: Errno.ENOTSUPP },
    { name: 'lpm without no_prealloc', spec: spec(MapType.LPM_TRIE, 8, 4, 1), errno: Errno.EINVAL },
    { name: 'lpm key too small', spec: spec(MapType.LPM_TRIE, 4, 4, 1, MapFlag.NO_PREALLOC), errno: Errno.EINVAL },
    { name: 'lpm key too big', spec: spec(MapType.LPM_TRIE, 261, 4, 1, MapFlag.NO_PREALLOC), errno: Errno.EINVAL },
    { name: 'prog array value 8', spec: spec(MapType.PROG_ARRAY, 4, 8, 1), errno: Errno.EINVAL },
    { name: 'prog array rdonly_prog', spec: spec(MapType.PROG_ARRAY, 4, 4, 1, MapFlag.RDONLY_PROG), errno: Errno.EINVAL },
    { name: 'queue with key', spec: spec(MapType.QUEUE, 4, 4, 1), errno: Errno.EINVAL },
    { name: 'stack zero entries', spec: spec(MapType.STACK, 0, 4, 0), errno: Errno.EINVAL },
    { name: 'ringbuf not a power of 2', spec: spec(MapType.RINGBUF, 0, 0, 3 * 4096), errno: Errno.EINVAL },
    { name: 'ringbuf not page multiple', spec: spec(MapType.RINGBUF, 0, 0, 2048), errno: Errno.EINVAL },
    { name: 'ringbuf with value', spec: spec(MapType.RINGBUF, 0, 4, 4096), errno: Errno.EINVAL },
    { name: 'initial value on hash', spec: spec(MapType.HASH, 4, 4, 1, 0, { initialValue: new Uint8Array(4) }), errno: Errno.EINVAL },
    { name: 'array of maps without template', spec: spec(MapType.ARRAY_OF_MAPS, 4, 4, 1), errno: Errno.EINVAL },
    { name: 'array of maps value 8', spec: spec(MapType.ARRAY_OF_MAPS, 4, 8, 1, 0, { innerMap: spec(MapType.ARRAY, 4, 4, 1) }), errno: Errno.EINVAL },
    { name: 'nested map of maps', spec: spec(MapType.HASH_OF_MAPS, 4, 4, 1, 0, { innerMap: spec(MapType.ARRAY_OF_MAPS, 4, 4, 1) }), errno: Errno.EINVAL },
    { name: 'bloom filter with key', spec: spec(MapType.BLOOM_FILTER, 4, 4, 1), errno: Errno.EINVAL },
    { name: 'bloom filter map_extra 16', spec: spec(MapType.BLOOM_FILTER, 0, 4, 1, 0, { mapExtra: 16 }), errno: Errno.EINVAL },
    { name: 'zero cpus', spec: spec(MapType.ARRAY, 4, 4, 1), cpus: 0, errno: Errno.EINVAL },
    { name: 'negative key size', spec: spec(MapType.HASH, -1, 4, 1), errno: Errno.EINVAL },
  ];
  it.each(cases)('$name -> errno $errno', ({ spec: s, cpus, errno }) => {
    expect(errnoOf(() => createMap(new AddressSpace(), s, { cpus: cpus ?? 1 }))).toBe(errno);
  });

  it('creates each supported type with its class', () => {
    const space = new AddressSpace();
    const made: [MapSpec, new (...args: never[]) => BpfMap][] = [
      [spec(MapType.ARRAY, 4, 4, 2), ArrayMap],
      [spec(MapType.PERCPU_ARRAY, 4, 4, 2), ArrayMap],
      [spec(MapType.HASH, 4, 4, 2), HashMap],
      [spec(MapType.PERCPU_HASH, 4, 4, 2), HashMap],
      [spec(MapType.LRU_HASH, 4, 4, 2), HashMap],
      [spec(MapType.LRU_PERCPU_HASH, 4, 4, 2), HashMap],
      [spec(MapType.LPM_TRIE, 8, 4, 2, MapFlag.NO_PREALLOC), LpmTrieMap],
      [spec(MapType.PROG_ARRAY, 4, 4, 2), ProgArrayMap],
      [spec(MapType.PERF_EVENT_ARRAY, 4, 4, 2), PerfEventArrayMap],
      [spec(MapType.QUEUE, 0, 4, 2), QueueStackMap],
      [spec(MapType.STACK, 0, 4, 2), QueueStackMap],
      [spec(MapType.RINGBUF, 0, 0, 4096), RingBufMap],
      [spec(MapType.DEVMAP, 4, 4, 2), RedirectMap],
      [spec(MapType.DEVMAP_HASH, 4, 8, 2), RedirectMap],
      [spec(MapType.CPUMAP, 4, 4, 2), RedirectMap],
      [spec(MapType.XSKMAP, 4, 4, 2), RedirectMap],
      [spec(MapType.ARRAY_OF_MAPS, 4, 4, 2, 0, { innerMap: spec(MapType.ARRAY, 4, 4, 1) }), MapOfMaps],
      [spec(MapType.HASH_OF_MAPS, 8, 4, 2, 0, { innerMap: spec(MapType.HASH, 4, 4, 1) }), MapOfMaps],
      [spec(MapType.BLOOM_FILTER, 0, 4, 2), BloomFilterMap],
    ];
    for (const [s, cls] of made) {
      const map = createMap(space, s, { cpus: 2 });
      expect(map).toBeInstanceOf(cls);
      expect(map.type).toBe(s.type);
      expect(space.view.getUint32(map.address + MapHeader.TYPE, true)).toBe(s.type);
      expect(space.view.getUint32(map.address + MapHeader.KEY_SIZE, true)).toBe(s.keySize);
      expect(space.view.getUint32(map.address + MapHeader.VALUE_SIZE, true)).toBe(s.valueSize);
      expect(space.view.getUint32(map.address + MapHeader.MAX_ENTRIES, true)).toBe(s.maxEntries);
    }
  });

  it('a perf event array with max entries 0 gets one slot per cpu', () => {
    expect(createMap(new AddressSpace(), spec(MapType.PERF_EVENT_ARRAY, 4, 4, 0), { cpus: 3 }).maxEntries).toBe(3);
  });
});

describe('array map', () => {
  const make = (maxEntries = 4, valueSize = 8) => createMap(new AddressSpace(), spec(MapType.ARRAY, 4, valueSize, maxEntries), { cpus: 1 }) as ArrayMap;

  it('elements start zeroed and lookup is never empty in range', () => {
    const map = make();
    for (let i = 0; i < 4; i++) expect(map.lookup(u32Key(i))).toEqual(new Uint8Array(8));
    expect(map.lookup(u32Key(4))).toBeUndefined();
    expect(map.keys()).toEqual([0, 1, 2, 3].map(u32Key));
  });

  const updates: { name: string; index: number; flags: number; errno?: number }[] = [
    { name: 'BPF_ANY', index: 1, flags: UpdateFlag.ANY },
    { name: 'BPF_EXIST', index: 1, flags: UpdateFlag.EXIST },
    { name: 'BPF_NOEXIST', index: 1, flags: UpdateFlag.NOEXIST, errno: Errno.EEXIST },
    { name: 'BPF_F_LOCK without a lock', index: 1, flags: UpdateFlag.F_LOCK, errno: Errno.EINVAL },
    { name: 'unknown flag 3', index: 1, flags: 3, errno: Errno.EINVAL },
    { name: 'index out of range', index: 4, flags: UpdateFlag.ANY, errno: Errno.E2BIG },
    { name: 'bad flags checked before range', index: 9, flags: 8, errno: Errno.EINVAL },
  ];
  it.each(updates)('update $name', ({ index, flags, errno }) => {
    const map = make();
    const value = u64Value(0x1122334455667788n);
    expect(errnoOf(() => map.update(u32Key(index), value, flags))).toBe(errno);
    if (errno === undefined) expect(map.lookup(u32Key(index))).toEqual(value);
    else expect(map.entries().every(([, v]) => v.every((b) => b === 0))).toBe(true);
  });

  it('delete is EINVAL; wrong key or value size is EINVAL', () => {
    const map = make();
    expect(errnoOf(() => map.delete(u32Key(0)))).toBe(Errno.EINVAL);
    expect(errnoOf(() => map.lookup(new Uint8Array(8)))).toBe(Errno.EINVAL);
    expect(errnoOf(() => map.update(u32Key(0), new Uint8Array(4)))).toBe(Errno.EINVAL);
  });

  it('program lookups return stable element addresses with stride round8(valueSize)', () => {
    const space = new AddressSpace();
    const map = createMap(space, spec(MapType.ARRAY, 4, 5, 3), { cpus: 1 }) as ArrayMap;
    const key = place(space, u32Key(2));
    const address = map.lookupAddr(key);
    expect(address).toBe(map.valuesBase + 16);
    expect(space.view.getUint32(map.address + MapHeader.VALUES_BASE, true)).toBe(map.valuesBase);
    expect(space.view.getUint32(map.address + MapHeader.VALUE_STRIDE, true)).toBe(8);
    space.u8.set([1, 2, 3, 4, 5], address);
    expect(map.lookup(u32Key(2))).toEqual(new Uint8Array([1, 2, 3, 4, 5]));
    expect(map.lookupAddr(place(space, u32Key(3)))).toBe(0);
    const value = place(space, new Uint8Array([9, 9, 9, 9, 9]));
    expect(map.updateAddr(key, value, UpdateFlag.EXIST)).toBe(0);
    expect(map.lookup(u32Key(2))).toEqual(new Uint8Array([9, 9, 9, 9, 9]));
    expect(map.updateAddr(place(space, u32Key(3)), value, 0)).toBe(-Errno.E2BIG);
    expect(map.updateAddr(key, value, UpdateFlag.NOEXIST)).toBe(-Errno.EEXIST);
    expect(map.deleteAddr(key)).toBe(-Errno.EINVAL);
  });

  it('initial value fills elements in order (global data)', () => {
    const map = createMap(new AddressSpace(), spec(MapType.ARRAY, 4, 6, 1, 0, { initialValue: new Uint8Array([1, 2, 3]) }), { cpus: 1 });
    expect(map.lookup(u32Key(0))).toEqual(new Uint8Array([1, 2, 3, 0, 0, 0]));
    const wide = createMap(new AddressSpace(), spec(MapType.ARRAY, 4, 3, 2, 0, { initialValue: new Uint8Array([1, 2, 3, 4, 5, 6]) }), { cpus: 1 });
    expect(wide.lookup(u32Key(1))).toEqual(new Uint8Array([4, 5, 6]));
    expect(errnoOf(() => createMap(new AddressSpace(), spec(MapType.ARRAY, 4, 2, 1, 0, { initialValue: new Uint8Array(3) }), { cpus: 1 }))).toBe(Errno.EINVAL);
  });
});

describe('per-cpu maps', () => {
  const types = [
    { name: 'percpu_array', type: MapType.PERCPU_ARRAY },
    { name: 'percpu_hash', type: MapType.PERCPU_HASH },
    { name: 'lru_percpu_hash', type: MapType.LRU_PERCPU_HASH },
  ];
  it.each(types)('$name keeps one copy per cpu, padded to 8 in the user api', ({ type }) => {
    const space = new AddressSpace();
    const map = createMap(space, spec(type, 4, 4, 4), { cpus: 3 });
    expect(map.userValueSize).toBe(24);
    const all = new Uint8Array(24);
    all.set([1, 0, 0, 0], 0);
    all.set([2, 0, 0, 0], 8);
    all.set([3, 0, 0, 0], 16);
    map.update(u32Key(1), all);
    expect(map.lookup(u32Key(1))).toEqual(all);
    expect(map.lookupPerCpu(u32Key(1))).toEqual([u32Value(1), u32Value(2), u32Value(3)]);
    for (let cpu = 0; cpu < 3; cpu++) {
      const address = map.lookupAddr(place(space, u32Key(1)), cpu);
      expect(space.view.getUint32(address, true)).toBe(cpu + 1);
    }
    // a program on cpu 2 updates only its copy
    expect(map.updateAddr(place(space, u32Key(1)), place(space, u32Value(7)), UpdateFlag.ANY, 2)).toBe(0);
    expect(map.lookupPerCpu(u32Key(1))).toEqual([u32Value(1), u32Value(2), u32Value(7)]);
    // a valueSize value is replicated to every cpu
    map.update(u32Key(1), u32Value(5));
    expect(map.lookupPerCpu(u32Key(1))).toEqual([u32Value(5), u32Value(5), u32Value(5)]);
    expect(errnoOf(() => map.update(u32Key(1), new Uint8Array(12)))).toBe(Errno.EINVAL);
  });

  it.each(types.filter((t) => t.type !== MapType.PERCPU_ARRAY))('$name: a new element from a program zeroes the other cpus', ({ type }) => {
    const space = new AddressSpace();
    const map = createMap(space, spec(type, 4, 4, 4), { cpus: 2 });
    map.update(u32Key(3), u32Value(9));
    map.delete(u32Key(3));
    expect(map.updateAddr(place(space, u32Key(3)), place(space, u32Value(4)), UpdateFlag.ANY, 1)).toBe(0);
    expect(map.lookupPerCpu(u32Key(3))).toEqual([u32Value(0), u32Value(4)]);
  });
});

describe('hash map', () => {
  const make = (maxEntries = 2, type: number = MapType.HASH, space = new AddressSpace()) => createMap(space, spec(type, 4, 4, maxEntries), { cpus: 1 }) as HashMap;

  const steps: { name: string; ops: [op: 'update' | 'delete', key: number, flags: number, errno?: number][]; keys: number[] }[] = [
    { name: 'insert two', ops: [['update', 1, 0], ['update', 2, 0]], keys: [1, 2] },
    { name: 'full -> E2BIG', ops: [['update', 1, 0], ['update', 2, 0], ['update', 3, 0, Errno.E2BIG]], keys: [1, 2] },
    { name: 'replace existing when full', ops: [['update', 1, 0], ['update', 2, 0], ['update', 2, UpdateFlag.EXIST]], keys: [1, 2] },
    { name: 'NOEXIST on existing -> EEXIST', ops: [['update', 1, 0], ['update', 1, UpdateFlag.NOEXIST, Errno.EEXIST]], keys: [1] },
    { name: 'EXIST on missing -> ENOENT', ops: [['update', 1, UpdateFlag.EXIST, Errno.ENOENT]], keys: [] },
    { name: 'NOEXIST on missing', ops: [['update', 1, UpdateFlag.NOEXIST]], keys: [1] },
    { name: 'unknown flags -> EINVAL', ops: [['update', 1, 3, Errno.EINVAL]], keys: [] },
    { name: 'F_LOCK -> EINVAL', ops: [['update', 1, UpdateFlag.F_LOCK, Errno.EINVAL]], keys: [] },
    { name: 'delete missing -> ENOENT', ops: [['delete', 1, 0, Errno.ENOENT]], keys: [] },
    { name: 'delete frees a slot', ops: [['update', 1, 0], ['update', 2, 0], ['delete', 1, 0], ['update', 3, 0]], keys: [2, 3] },
  ];
  it.each(steps)('$name', ({ ops, keys }) => {
    const map = make();
    for (const [op, key, flags, errno] of ops) {
      if (op === 'update') expect(errnoOf(() => map.update(u32Key(key), u32Value(key * 10), flags))).toBe(errno);
      else expect(errnoOf(() => map.delete(u32Key(key)))).toBe(errno);
    }
    expect(map.keys()).toEqual(keys.map(u32Key));
    for (const key of keys) expect(map.lookup(u32Key(key))).toEqual(u32Value(key * 10));
  });

  it('program api: addresses stay stable while the element exists', () => {
    const space = new AddressSpace();
    const map = make(4, MapType.HASH, space);
    const key = place(space, u32Key(7));
    expect(map.lookupAddr(key)).toBe(0);
    expect(map.updateAddr(key, place(space, u32Value(70)), UpdateFlag.NOEXIST)).toBe(0);
    const address = map.lookupAddr(key);
    expect(space.view.getUint32(address, true)).toBe(70);
    map.update(u32Key(8), u32Value(80));
    expect(map.updateAddr(key, place(space, u32Value(71)), UpdateFlag.EXIST)).toBe(0);
    expect(map.lookupAddr(key)).toBe(address);
    expect(space.view.getUint32(address, true)).toBe(71);
    space.view.setUint32(address, 72, true);
    expect(map.lookup(u32Key(7))).toEqual(u32Value(72));
    expect(map.updateAddr(key, place(space, u32Value(1)), UpdateFlag.NOEXIST)).toBe(-Errno.EEXIST);
    expect(map.deleteAddr(key)).toBe(0);
    expect(map.deleteAddr(key)).toBe(-Errno.ENOENT);
    expect(map.lookupAddr(key)).toBe(0);
  });

  it('keys of other sizes (string ids) work', () => {
    const map = createMap(new AddressSpace(), spec(MapType.HASH, 6, 2, 4), { cpus: 1 });
    map.update(new Uint8Array([1, 2, 3, 4, 5, 6]), new Uint8Array([1, 1]));
    map.update(new Uint8Array([1, 2, 3, 4, 5, 7]), new Uint8Array([2, 2]));
    expect(map.lookup(new Uint8Array([1, 2, 3, 4, 5, 6]))).toEqual(new Uint8Array([1, 1]));
    expect(map.lookup(new Uint8Array([1, 2, 3, 4, 5, 8]))).toBeUndefined();
    expect(map.entries()).toEqual([
      [new Uint8Array([1, 2, 3, 4, 5, 6]), new Uint8Array([1, 1])],
      [new Uint8Array([1, 2, 3, 4, 5, 7]), new Uint8Array([2, 2])],
    ]);
  });
});

describe('lru hash map', () => {
  const cases: { name: string; ops: [op: 'update' | 'lookupAddr' | 'lookup', key: number, flags?: number][]; keys: number[] }[] = [
    { name: 'evicts the oldest insert', ops: [['update', 1], ['update', 2], ['update', 3], ['update', 4]], keys: [2, 3, 4] },
    { name: 'a program lookup marks as used', ops: [['update', 1], ['update', 2], ['update', 3], ['lookupAddr', 1], ['update', 4]], keys: [3, 1, 4] },
    { name: 'a user lookup does not mark (kernel sys lookup)', ops: [['update', 1], ['update', 2], ['update', 3], ['lookup', 1], ['update', 4]], keys: [2, 3, 4] },
    { name: 'an update of an existing key marks as used', ops: [['update', 1], ['update', 2], ['update', 3], ['update', 1], ['update', 4]], keys: [3, 1, 4] },
    { name: 'NOEXIST insert on full evicts too', ops: [['update', 1], ['update', 2], ['update', 3], ['update', 4, UpdateFlag.NOEXIST]], keys: [2, 3, 4] },
  ];
  it.each(cases)('$name', ({ ops, keys }) => {
    const space = new AddressSpace();
    const map = createMap(space, spec(MapType.LRU_HASH, 4, 4, 3), { cpus: 1 }) as HashMap;
    for (const [op, key, flags] of ops) {
      if (op === 'update') map.update(u32Key(key), u32Value(key), flags ?? 0);
      else if (op === 'lookup') map.lookup(u32Key(key));
      else expect(map.lookupAddr(place(space, u32Key(key)))).not.toBe(0);
    }
    expect(map.keys()).toEqual(keys.map(u32Key));
    for (const key of keys) expect(map.lookup(u32Key(key))).toEqual(u32Value(key));
  });

  it('eviction reuses the evicted slot address', () => {
    const space = new AddressSpace();
    const map = createMap(space, spec(MapType.LRU_HASH, 4, 4, 1), { cpus: 1 }) as HashMap;
    map.update(u32Key(1), u32Value(1));
    const first = map.lookupAddr(place(space, u32Key(1)));
    map.update(u32Key(2), u32Value(2));
    expect(map.lookupAddr(place(space, u32Key(1)))).toBe(0);
    expect(map.lookupAddr(place(space, u32Key(2)))).toBe(first);
  });
});

describe('lpm trie map', () => {
  function key(prefixLen: number, ...bytes: number[]): Uint8Array {
    const k = new Uint8Array(8);
    new DataView(k.buffer).setUint32(0, prefixLen, true);
    k.set(bytes, 4);
    return k;
  }
  const make = (space = new AddressSpace(), maxEntries = 8) => createMap(space, spec(MapType.LPM_TRIE, 8, 4, maxEntries, MapFlag.NO_PREALLOC), { cpus: 1 }) as LpmTrieMap;

  const prefixes: [number, number[], number][] = [
    [8, [10], 1],
    [16, [10, 1], 2],
    [24, [10, 1, 2], 3],
    [0, [], 4],
    [32, [192, 168, 1, 1], 5],
    [12, [172, 16], 6],
  ];
  const lookups: { name: string; key: Uint8Array; want: number | undefined }[] = [
    { name: '10.1.2.3 -> /24', key: key(32, 10, 1, 2, 3), want: 3 },
    { name: '10.1.3.3 -> /16', key: key(32, 10, 1, 3, 3), want: 2 },
    { name: '10.2.0.0 -> /8', key: key(32, 10, 2, 0, 0), want: 1 },
    { name: '11.0.0.0 -> default', key: key(32, 11, 0, 0, 0), want: 4 },
    { name: '192.168.1.1 exact /32', key: key(32, 192, 168, 1, 1), want: 5 },
    { name: '192.168.1.2 -> default', key: key(32, 192, 168, 1, 2), want: 4 },
    { name: '172.31.0.1 -> /12 (bit-level match)', key: key(32, 172, 31, 0, 1), want: 6 },
    { name: '172.32.0.1 -> default', key: key(32, 172, 32, 0, 1), want: 4 },
    { name: 'lookup prefix 16 stops at /16', key: key(16, 10, 1, 2, 3), want: 2 },
    { name: 'lookup prefix 9 stops at /8', key: key(9, 10, 1, 2, 3), want: 1 },
  ];
  it.each(lookups)('$name', ({ key: k, want }) => {
    const space = new AddressSpace();
    const map = make(space);
    for (const [length, bytes, value] of prefixes) map.update(key(length, ...bytes), u32Value(value));
    expect(map.lookup(k)).toEqual(want === undefined ? undefined : u32Value(want));
    const address = map.lookupAddr(place(space, k));
    expect(address === 0 ? undefined : space.view.getUint32(address, true)).toBe(want);
  });

  it('no match without a default route', () => {
    const map = make();
    map.update(key(8, 10), u32Value(1));
    expect(map.lookup(key(32, 11, 0, 0, 0))).toBeUndefined();
  });

  const updates: { name: string; ops: [op: 'update' | 'delete', key: Uint8Array, flags: number, errno?: number][]; size: number }[] = [
    { name: 'bits past the prefix are ignored: same element', ops: [['update', key(8, 10, 1), 0], ['update', key(8, 10, 2), UpdateFlag.EXIST]], size: 1 },
    { name: 'NOEXIST on existing prefix', ops: [['update', key(8, 10), 0], ['update', key(8, 10, 9), UpdateFlag.NOEXIST, Errno.EEXIST]], size: 1 },
    { name: 'EXIST on missing prefix', ops: [['update', key(8, 10), UpdateFlag.EXIST, Errno.ENOENT]], size: 0 },
    { name: 'prefix too long', ops: [['update', key(33, 10), 0, Errno.EINVAL]], size: 0 },
    { name: 'unknown flags', ops: [['update', key(8, 10), 4, Errno.EINVAL]], size: 0 },
    { name: 'full -> ENOSPC', ops: [['update', key(8, 1), 0], ['update', key(8, 2), 0], ['update', key(8, 3), 0, Errno.ENOSPC]], size: 2 },
    { name: 'delete exact prefix only', ops: [['update', key(16, 10, 1), 0], ['delete', key(8, 10), 0, Errno.ENOENT], ['delete', key(16, 10, 1, 7), 0]], size: 0 },
    { name: 'delete prefix too long', ops: [['delete', key(40, 10), 0, Errno.EINVAL]], size: 0 },
  ];
  it.each(updates)('$name', ({ ops, size }) => {
    const map = make(new AddressSpace(), 2);
    for (const [op, k, flags, errno] of ops) {
      if (op === 'update') expect(errnoOf(() => map.update(k, u32Value(1), flags))).toBe(errno);
      else expect(errnoOf(() => map.delete(k))).toBe(errno);
    }
    expect(map.size).toBe(size);
    expect(map.keys().length).toBe(size);
  });

  it('program update and delete through addresses', () => {
    const space = new AddressSpace();
    const map = make(space);
    expect(map.updateAddr(place(space, key(16, 10, 1)), place(space, u32Value(5)), UpdateFlag.ANY)).toBe(0);
    expect(map.lookup(key(32, 10, 1, 0, 1))).toEqual(u32Value(5));
    expect(map.deleteAddr(place(space, key(16, 10, 1)))).toBe(0);
    expect(map.deleteAddr(place(space, key(16, 10, 1)))).toBe(-Errno.ENOENT);
  });
});

describe('prog array map', () => {
  it('holds program ids with the fd-array rules', () => {
    const map = createMap(new AddressSpace(), spec(MapType.PROG_ARRAY, 4, 4, 4), { cpus: 1 }) as ProgArrayMap;
    expect(map.program(0)).toBeUndefined();
    map.setProgram(2, 77);
    expect(map.program(2)).toBe(77);
    expect(map.lookup(u32Key(2))).toEqual(u32Value(77));
    expect(map.lookup(u32Key(1))).toBeUndefined();
    expect(map.keys()).toEqual([u32Key(2)]);
    expect(errnoOf(() => map.update(u32Key(1), u32Value(1), UpdateFlag.NOEXIST))).toBe(Errno.EINVAL);
    expect(errnoOf(() => map.update(u32Key(4), u32Value(1)))).toBe(Errno.E2BIG);
    expect(errnoOf(() => map.delete(u32Key(1)))).toBe(Errno.ENOENT);
    expect(errnoOf(() => map.delete(u32Key(9)))).toBe(Errno.E2BIG);
    map.delete(u32Key(2));
    expect(map.program(2)).toBeUndefined();
    const space = map.space;
    expect(map.lookupAddr(place(space, u32Key(0)))).toBe(0);
  });
});

describe('queue and stack maps', () => {
  const cases: { name: string; type: number; push: number[]; flags?: number; order: number[]; errno?: number }[] = [
    { name: 'queue is fifo', type: MapType.QUEUE, push: [1, 2, 3], order: [1, 2, 3] },
    { name: 'stack is lifo', type: MapType.STACK, push: [1, 2, 3], order: [3, 2, 1] },
    { name: 'queue full -> E2BIG', type: MapType.QUEUE, push: [1, 2, 3, 4], order: [1, 2, 3], errno: Errno.E2BIG },
    { name: 'queue full with EXIST overwrites oldest', type: MapType.QUEUE, push: [1, 2, 3, 4], flags: UpdateFlag.EXIST, order: [2, 3, 4] },
    { name: 'stack full with EXIST drops oldest', type: MapType.STACK, push: [1, 2, 3, 4], flags: UpdateFlag.EXIST, order: [4, 3, 2] },
    { name: 'NOEXIST is EINVAL', type: MapType.QUEUE, push: [1], flags: UpdateFlag.NOEXIST, order: [], errno: Errno.EINVAL },
  ];
  it.each(cases)('$name', ({ type, push, flags, order, errno }) => {
    const map = createMap(new AddressSpace(), spec(type, 0, 4, 3), { cpus: 1 }) as QueueStackMap;
    let failure: number | undefined;
    for (const value of push) failure = errnoOf(() => map.push(u32Value(value), flags ?? 0)) ?? failure;
    expect(failure).toBe(errno);
    expect(map.values()).toEqual(order.map(u32Value));
    if (order.length > 0) expect(map.peek()).toEqual(u32Value(order[0]!));
    const popped: Uint8Array[] = [];
    for (let value = map.pop(); value !== undefined; value = map.pop()) popped.push(value);
    expect(popped).toEqual(order.map(u32Value));
    expect(map.peek()).toBeUndefined();
  });

  it('program push/pop/peek through addresses, wrapping the ring', () => {
    const space = new AddressSpace();
    const map = createMap(space, spec(MapType.QUEUE, 0, 4, 2), { cpus: 1 });
    const out = space.alloc(4);
    expect(map.popAddr(out)).toBe(-Errno.ENOENT);
    expect(map.peekAddr(out)).toBe(-Errno.ENOENT);
    for (let round = 0; round < 5; round++) {
      expect(map.pushAddr(place(space, u32Value(round)), 0)).toBe(0);
      expect(map.peekAddr(out)).toBe(0);
      expect(space.view.getUint32(out, true)).toBe(round);
      expect(map.popAddr(out)).toBe(0);
      expect(space.view.getUint32(out, true)).toBe(round);
    }
    expect(map.pushAddr(place(space, u32Value(1)), 4)).toBe(-Errno.EINVAL);
  });

  it('lookup = peek, update = push, delete and keys', () => {
    const map = createMap(new AddressSpace(), spec(MapType.STACK, 0, 2, 2), { cpus: 1 });
    map.update(new Uint8Array(0), new Uint8Array([1, 2]));
    expect(map.lookup(new Uint8Array(0))).toEqual(new Uint8Array([1, 2]));
    expect(errnoOf(() => map.delete(new Uint8Array(0)))).toBe(Errno.EINVAL);
    expect(map.keys()).toEqual([]);
    expect(errnoOf(() => map.push(new Uint8Array(3)))).toBe(Errno.EINVAL);
  });

  it('push on other map types is EINVAL', () => {
    const map = createMap(new AddressSpace(), spec(MapType.HASH, 4, 4, 2), { cpus: 1 });
    expect(errnoOf(() => map.push(u32Value(1)))).toBe(Errno.EINVAL);
    expect(map.pushAddr(0, 0)).toBe(-Errno.EINVAL);
    expect(map.popAddr(0)).toBe(-Errno.EINVAL);
  });
});

describe('ring buffer map', () => {
  const make = (size = 4096, space = new AddressSpace()) => createMap(space, spec(MapType.RINGBUF, 0, 0, size), { cpus: 1 }) as RingBufMap;

  it('delivers submitted records in reservation order, skipping discarded ones', () => {
    const map = make();
    const space = map.space;
    const a = map.reserve(3, 0n);
    const b = map.reserve(5, 0n);
    const c = map.reserve(0, 0n);
    expect(b - a).toBe(16);
    expect(c - b).toBe(16);
    space.u8.set([1, 2, 3], a);
    space.u8.set([4, 5, 6, 7, 8], b);
    expect(space.view.getUint32(a - 8, true)).toBe((3 | 0x8000_0000) >>> 0);
    expect(space.view.getUint32(a - 4, true)).toBe(map.address);
    map.commit(b, false);
    expect(map.drain()).toEqual([]);
    map.commit(c, true);
    map.commit(a, false);
    expect(map.drain()).toEqual([new Uint8Array([1, 2, 3]), new Uint8Array([4, 5, 6, 7, 8])]);
    expect(map.used).toBe(0);
  });

  it('reserve fails for flags, oversized and when full; output is EAGAIN when full', () => {
    const map = make();
    expect(map.reserve(8, 1n)).toBe(0);
    expect(map.reserve(4096, 0n)).toBe(0);
    expect(map.reserve(4081, 0n)).toBe(0); // 4096 bytes with the header: the kernel needs used <= mask
    const big = map.reserve(4080, 0n); // 4088 bytes
    expect(big).not.toBe(0);
    expect(map.reserve(1, 0n)).toBe(0);
    expect(map.output(big, 1)).toBe(-Errno.EAGAIN);
    map.commit(big, true);
    expect(map.drain()).toEqual([]);
    expect(map.reserve(1, 0n)).not.toBe(0);
  });

  it('records wrap around the ring contiguously', () => {
    const map = make();
    const space = map.space;
    const records: Uint8Array[] = [];
    map.onRecord((data) => records.push(data));
    for (let i = 0; i < 20; i++) {
      const payload = new Uint8Array(1000).fill(i);
      const source = place(space, payload);
      expect(map.output(source, payload.length)).toBe(0);
    }
    expect(records.length).toBe(20);
    records.forEach((record, i) => expect(record).toEqual(new Uint8Array(1000).fill(i)));
    expect(map.drain()).toEqual([]);
  });

  it('onRecord unsubscribes; lookup/update/delete are ENOTSUPP', () => {
    const map = make();
    const seen: Uint8Array[] = [];
    const off = map.onRecord((data) => seen.push(data));
    const sample = map.reserve(4, 0n);
    map.commit(sample, false);
    off();
    map.commit(map.reserve(4, 0n), false);
    expect(seen.length).toBe(1);
    expect(map.drain().length).toBe(1);
    expect(errnoOf(() => map.lookup(new Uint8Array(0)))).toBe(Errno.ENOTSUPP);
    expect(errnoOf(() => map.update(new Uint8Array(0), new Uint8Array(0)))).toBe(Errno.ENOTSUPP);
    expect(errnoOf(() => map.delete(new Uint8Array(0)))).toBe(Errno.ENOTSUPP);
  });
});

describe('perf event array map', () => {
  it('routes records to the slot of the current cpu', () => {
    const map = createMap(new AddressSpace(), spec(MapType.PERF_EVENT_ARRAY, 4, 4, 2), { cpus: 2 }) as PerfEventArrayMap;
    expect(map.output(0, 0, new Uint8Array([1]))).toBe(0);
    expect(map.output(1, 1, new Uint8Array([2]))).toBe(0);
    expect(map.output(1, 0, new Uint8Array([3]))).toBe(-Errno.EOPNOTSUPP);
    expect(map.output(2, 0, new Uint8Array([3]))).toBe(-Errno.E2BIG);
    map.delete(u32Key(0));
    expect(map.output(0, 0, new Uint8Array([4]))).toBe(-Errno.ENOENT);
    expect(map.drain()).toEqual([
      { cpu: 0, data: new Uint8Array([1]) },
      { cpu: 1, data: new Uint8Array([2]) },
    ]);
    map.update(u32Key(0), u32Value(1));
    const seen: [number, number][] = [];
    map.onRecord((data, cpu) => seen.push([cpu, data[0]!]));
    map.output(0, 0, new Uint8Array([5]));
    expect(seen).toEqual([[0, 5]]);
    expect(map.drain()).toEqual([]);
  });
});

describe('map registry', () => {
  it('finds maps by header address and ring buffers by sample address', () => {
    const space = new AddressSpace();
    const registry = new MapRegistry();
    const hash = createMap(space, spec(MapType.HASH, 4, 4, 1), { cpus: 1 });
    const ring = createMap(space, spec(MapType.RINGBUF, 0, 0, 4096), { cpus: 1 }) as RingBufMap;
    expect(registry.register(hash)).toBe(hash.address);
    registry.register(ring);
    expect(registry.byAddress(hash.address)).toBe(hash);
    expect(registry.byAddress(hash.address + 1)).toBeUndefined();
    expect(registry.byName('m')).toBe(hash);
    expect(registry.ringContaining(ring.reserve(4, 0n))).toBe(ring);
    expect(registry.ringContaining(hash.address)).toBeUndefined();
    expect(registry.all()).toEqual([hash, ring]);
  });
});

describe('redirect maps', () => {
  const make = (type: number, valueSize = 4, maxEntries = 4, cpus = 2) => createMap(new AddressSpace(), spec(type, 4, valueSize, maxEntries), { cpus }) as RedirectMap;

  const cases: { name: string; type: number; ops: [op: 'update' | 'delete', key: number, value: number, flags: number, errno?: number][]; keys: number[] }[] = [
    { name: 'devmap set and clear with ifindex 0', type: MapType.DEVMAP, ops: [['update', 1, 5, 0], ['update', 2, 6, 0], ['update', 2, 0, 0]], keys: [1] },
    { name: 'devmap NOEXIST -> EEXIST', type: MapType.DEVMAP, ops: [['update', 1, 5, UpdateFlag.NOEXIST, Errno.EEXIST]], keys: [] },
    { name: 'devmap out of range -> E2BIG', type: MapType.DEVMAP, ops: [['update', 4, 5, 0, Errno.E2BIG]], keys: [] },
    { name: 'devmap delete out of range -> EINVAL', type: MapType.DEVMAP, ops: [['delete', 4, 0, 0, Errno.EINVAL]], keys: [] },
    { name: 'devmap_hash any key, full -> E2BIG', type: MapType.DEVMAP_HASH, ops: [['update', 100, 1, 0], ['update', 200, 2, 0], ['update', 300, 3, 0], ['update', 400, 4, 0], ['update', 500, 5, 0, Errno.E2BIG]], keys: [100, 200, 300, 400] },
    { name: 'devmap_hash ifindex 0 -> EINVAL', type: MapType.DEVMAP_HASH, ops: [['update', 1, 0, 0, Errno.EINVAL]], keys: [] },
    { name: 'devmap_hash delete missing -> ENOENT', type: MapType.DEVMAP_HASH, ops: [['delete', 1, 0, 0, Errno.ENOENT]], keys: [] },
    { name: 'cpumap qsize too big -> EOVERFLOW', type: MapType.CPUMAP, ops: [['update', 0, 16385, 0, Errno.EOVERFLOW]], keys: [] },
    { name: 'cpumap cpu not possible -> ENODEV', type: MapType.CPUMAP, ops: [['update', 3, 64, 0, Errno.ENODEV]], keys: [] },
    { name: 'cpumap set cpu 1', type: MapType.CPUMAP, ops: [['update', 1, 64, 0]], keys: [1] },
    { name: 'xskmap EXIST on empty -> ENOENT', type: MapType.XSKMAP, ops: [['update', 1, 3, UpdateFlag.EXIST, Errno.ENOENT]], keys: [] },
    { name: 'xskmap set and delete', type: MapType.XSKMAP, ops: [['update', 1, 3, 0], ['update', 2, 3, 0], ['delete', 1, 0, 0]], keys: [2] },
  ];
  it.each(cases)('$name', ({ type, ops, keys }) => {
    const map = make(type);
    for (const [op, key, value, flags, errno] of ops) {
      if (op === 'update') expect(errnoOf(() => map.update(u32Key(key), u32Value(value), flags))).toBe(errno);
      else expect(errnoOf(() => map.delete(u32Key(key)))).toBe(errno);
    }
    expect(map.keys()).toEqual(keys.map(u32Key));
    for (const key of keys) expect(map.hasTarget(key)).toBe(true);
  });

  it('program lookups return the stored value; creation checks', () => {
    const map = make(MapType.DEVMAP, 8);
    const value = new Uint8Array([7, 0, 0, 0, 9, 0, 0, 0]);
    map.update(u32Key(2), value);
    const address = map.lookupAddr(place(map.space, u32Key(2)));
    expect(map.space.u8.slice(address, address + 8)).toEqual(value);
    expect(map.lookupAddr(place(map.space, u32Key(1)))).toBe(0);
    expect(errnoOf(() => make(MapType.XSKMAP, 8))).toBe(Errno.EINVAL);
    expect(errnoOf(() => make(MapType.CPUMAP, 4, 9000))).toBe(Errno.E2BIG);
  });
});

describe('map of maps', () => {
  it('array of maps: template check, flags, lookups return the inner header address', () => {
    const space = new AddressSpace();
    const registry = new MapRegistry();
    const template = spec(MapType.ARRAY, 4, 4, 2);
    const outer = createMap(space, spec(MapType.ARRAY_OF_MAPS, 4, 4, 2, 0, { innerMap: template }), { cpus: 1, resolveMap: (ref) => registry.byAddress(ref) }) as MapOfMaps;
    const inner = createMap(space, template, { cpus: 1 });
    const wrong = createMap(space, spec(MapType.ARRAY, 4, 4, 3), { cpus: 1 });
    registry.register(inner);
    registry.register(wrong);
    expect(errnoOf(() => outer.setInner(u32Key(0), wrong))).toBe(Errno.EINVAL);
    expect(errnoOf(() => outer.setInner(u32Key(0), inner, UpdateFlag.NOEXIST))).toBe(Errno.EINVAL);
    expect(errnoOf(() => outer.setInner(u32Key(2), inner))).toBe(Errno.E2BIG);
    expect(errnoOf(() => outer.update(u32Key(1), u32Value(12345)))).toBe(Errno.EBADF);
    outer.update(u32Key(1), u32Value(inner.address));
    expect(outer.inner(u32Key(1))).toBe(inner);
    expect(outer.lookup(u32Key(1))).toEqual(u32Value(inner.address));
    expect(outer.lookupAddr(place(space, u32Key(1)))).toBe(inner.address);
    expect(outer.lookupAddr(place(space, u32Key(0)))).toBe(0);
    expect(outer.keys()).toEqual([u32Key(1)]);
    outer.delete(u32Key(1));
    expect(errnoOf(() => outer.delete(u32Key(1)))).toBe(Errno.ENOENT);
  });

  it('hash of maps: flags and capacity; inner arrays with BPF_F_INNER_MAP may differ in size', () => {
    const space = new AddressSpace();
    const template = spec(MapType.ARRAY, 4, 4, 1, MapFlag.INNER_MAP);
    const outer = createMap(space, spec(MapType.HASH_OF_MAPS, 4, 4, 1, 0, { innerMap: template }), { cpus: 1 }) as MapOfMaps;
    const inner = createMap(space, spec(MapType.ARRAY, 4, 4, 8, MapFlag.INNER_MAP), { cpus: 1 });
    expect(errnoOf(() => outer.setInner(u32Key(5), inner, UpdateFlag.EXIST))).toBe(Errno.ENOENT);
    outer.setInner(u32Key(5), inner);
    expect(errnoOf(() => outer.setInner(u32Key(5), inner, UpdateFlag.NOEXIST))).toBe(Errno.EEXIST);
    expect(errnoOf(() => outer.setInner(u32Key(6), inner))).toBe(Errno.E2BIG);
    expect(errnoOf(() => outer.update(u32Key(6), u32Value(inner.address)))).toBe(Errno.EBADF);
  });
});

describe('bloom filter map', () => {
  it('push adds, peek answers membership without false negatives', () => {
    const space = new AddressSpace();
    const map = createMap(space, spec(MapType.BLOOM_FILTER, 0, 4, 2), { cpus: 1 }) as BloomFilterMap;
    for (let i = 0; i < 5; i++) map.push(u32Value(i));
    expect(map.has(u32Value(4))).toBe(true);
    expect(map.has(u32Value(5))).toBe(false);
    expect(map.peekAddr(place(space, u32Value(3)))).toBe(0);
    expect(map.peekAddr(place(space, u32Value(9)))).toBe(-Errno.ENOENT);
    expect(map.pushAddr(place(space, u32Value(9)), 0)).toBe(0);
    expect(map.pushAddr(place(space, u32Value(9)), UpdateFlag.EXIST)).toBe(-Errno.EINVAL);
    expect(map.peekAddr(place(space, u32Value(9)))).toBe(0);
    expect(map.popAddr(0)).toBe(-Errno.EOPNOTSUPP);
    expect(errnoOf(() => map.delete(new Uint8Array(0)))).toBe(Errno.EOPNOTSUPP);
    map.update(new Uint8Array(0), u32Value(7));
    expect(map.has(u32Value(7))).toBe(true);
  });
});
