/**
 * @fileoverview What every map type shares: the kernel's map type ids, flags and errno values, the
 * MapSpec a map is created from, the map header laid out in linear memory, and the BpfMap base class
 * with the JavaScript API (throws MapError) and the program-facing API (returns 0 or -errno).
 * Each map type lives in its own file; runtime/maps/index.ts picks one by type.
 *
 *   map header in linear memory (the address lddw's BPF_PSEUDO_MAP_FD loads), 32 bytes, little-endian:
 *   +0 u32 type   +4 u32 keySize   +8 u32 valueSize   +12 u32 maxEntries
 *   +16 u32 flags +20 u32 valueStride (array types)   +24 u32 valuesBase (array types)
 *   +28 u32 cpuStride (per-CPU arrays: bytes between two CPUs' copies of the values)
 */
import { MapError } from '../../src/errors.js';
import type { AddressSpace } from '../memory.js';

/** Map type ids of enum bpf_map_type (linux/bpf.h). */
export const MapType = {
  HASH: 1,
  ARRAY: 2,
  PROG_ARRAY: 3,
  PERF_EVENT_ARRAY: 4,
  PERCPU_HASH: 5,
  PERCPU_ARRAY: 6,
  LRU_HASH: 9,
  LRU_PERCPU_HASH: 10,
  LPM_TRIE: 11,
  ARRAY_OF_MAPS: 12,
  HASH_OF_MAPS: 13,
  DEVMAP: 14,
  CPUMAP: 16,
  XSKMAP: 17,
  QUEUE: 22,
  STACK: 23,
  DEVMAP_HASH: 25,
  RINGBUF: 27,
  BLOOM_FILTER: 30,
} as const;
export type MapType = (typeof MapType)[keyof typeof MapType];

/** Kernel name of a supported map type ("hash", "percpu_array", ...), as bpftool prints it. */
export function mapTypeName(type: MapType): string {
  switch (type) {
    case MapType.HASH:
      return 'hash';
    case MapType.ARRAY:
      return 'array';
    case MapType.PROG_ARRAY:
      return 'prog_array';
    case MapType.PERF_EVENT_ARRAY:
      return 'perf_event_array';
    case MapType.PERCPU_HASH:
      return 'percpu_hash';
    case MapType.PERCPU_ARRAY:
      return 'percpu_array';
    case MapType.LRU_HASH:
      return 'lru_hash';
    case MapType.LRU_PERCPU_HASH:
      return 'lru_percpu_hash';
    case MapType.LPM_TRIE:
      return 'lpm_trie';
    case MapType.ARRAY_OF_MAPS:
      return 'array_of_maps';
    case MapType.HASH_OF_MAPS:
      return 'hash_of_maps';
    case MapType.DEVMAP:
      return 'devmap';
    case MapType.CPUMAP:
      return 'cpumap';
    case MapType.XSKMAP:
      return 'xskmap';
    case MapType.DEVMAP_HASH:
      return 'devmap_hash';
    case MapType.QUEUE:
      return 'queue';
    case MapType.STACK:
      return 'stack';
    case MapType.RINGBUF:
      return 'ringbuf';
    case MapType.BLOOM_FILTER:
      return 'bloom_filter';
    default: {
      const unknown: never = type;
      return `type ${String(unknown)}`;
    }
  }
}

/** Update flags of bpf_map_update_elem (linux/bpf.h). */
export const UpdateFlag = {
  ANY: 0,
  NOEXIST: 1,
  EXIST: 2,
  /** spin-locked update; no map here has a bpf_spin_lock, so it is always EINVAL as in the kernel */
  F_LOCK: 4,
} as const;

/** Map creation flags (map_flags, linux/bpf.h). */
export const MapFlag = {
  NO_PREALLOC: 1 << 0,
  NO_COMMON_LRU: 1 << 1,
  NUMA_NODE: 1 << 2,
  RDONLY: 1 << 3,
  WRONLY: 1 << 4,
  ZERO_SEED: 1 << 6,
  RDONLY_PROG: 1 << 7,
  WRONLY_PROG: 1 << 8,
  MMAPABLE: 1 << 10,
  PRESERVE_ELEMS: 1 << 11,
  INNER_MAP: 1 << 12,
} as const;

/** The access flags every map type accepts (kernel BPF_F_ACCESS_MASK). */
export const ACCESS_FLAGS = MapFlag.RDONLY | MapFlag.WRONLY | MapFlag.RDONLY_PROG | MapFlag.WRONLY_PROG;

/** Kernel errno values the maps and helpers return (negated for programs). */
export const Errno = {
  EPERM: 1,
  ENOENT: 2,
  E2BIG: 7,
  EBADF: 9,
  EAGAIN: 11,
  ENOMEM: 12,
  EACCES: 13,
  EFAULT: 14,
  EBUSY: 16,
  EEXIST: 17,
  ENODEV: 19,
  EINVAL: 22,
  ENOSPC: 28,
  EOVERFLOW: 75,
  EOPNOTSUPP: 95,
  /** kernel-internal "operation not supported" that map ops return to user space */
  ENOTSUPP: 524,
} as const;

/** Inert description of a map, as an ELF object or the API gives it. */
export interface MapSpec {
  readonly name: string;
  /** kernel map type id; unsupported ids are rejected by createMap */
  readonly type: number;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  readonly flags: number;
  /** initial contents for ARRAY maps (.data/.rodata/.bss): copied into element 0.. in order */
  readonly initialValue?: Uint8Array;
  /** map-in-map: the template every inner map must match (type, key and value size, max entries) */
  readonly innerMap?: MapSpec;
  /** map_extra: the bloom filter's hash count in the low 4 bits (accepted, not needed by the exact set) */
  readonly mapExtra?: number;
}

/** Options of a live map that do not come from the spec. */
export interface MapOptions {
  /** number of possible CPUs: per-CPU maps keep this many copies of each value */
  readonly cpus: number;
  /**
   * map-in-map: resolves the u32 a user writes into an outer map (here: an inner map's header
   * address, our analogue of a map fd) to the map; without it only setInner() can fill slots
   */
  readonly resolveMap?: (reference: number) => BpfMap | undefined;
}

/** Bytes of the map header in linear memory. */
export const MAP_HEADER_SIZE = 32;

/** Offsets of the map header fields (see the file overview). */
export const MapHeader = {
  TYPE: 0,
  KEY_SIZE: 4,
  VALUE_SIZE: 8,
  MAX_ENTRIES: 12,
  FLAGS: 16,
  VALUE_STRIDE: 20,
  VALUES_BASE: 24,
  CPU_STRIDE: 28,
} as const;

/** `n` rounded up to a multiple of 8 (the kernel's per-CPU and array element size). */
export function round8(n: number): number {
  return (n + 7) & ~7;
}

/** Throws MapError with `errno` and a message naming the map. */
export function mapError(map: { readonly name: string }, what: string, errno: number): never {
  throw new MapError(`map ${map.name}: ${what}`, errno);
}

/**
 * A JS map key for the bytes of `key`: a number for 4-byte keys (the common u32/array case), a
 * latin1 string of the bytes otherwise. Equal bytes give equal ids.
 */
export function keyId(key: Uint8Array): number | string {
  if (key.length === 4) return (key[0]! | (key[1]! << 8) | (key[2]! << 16) | (key[3]! << 24)) >>> 0;
  let s = '';
  for (let i = 0; i < key.length; i++) s += String.fromCharCode(key[i]!);
  return s;
}

/** A live map: its values live in the address space, its bookkeeping in JavaScript. */
export abstract class BpfMap {
  readonly name: string;
  readonly type: MapType;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  readonly flags: number;
  /** number of possible CPUs (per-CPU maps keep one value copy per CPU) */
  readonly cpus: number;
  readonly space: AddressSpace;
  /** address of the map header: the value lddw (BPF_PSEUDO_MAP_FD) loads into a register */
  readonly address: number;

  constructor(space: AddressSpace, spec: MapSpec, type: MapType, options: MapOptions) {
    this.name = spec.name;
    this.type = type;
    this.keySize = spec.keySize;
    this.valueSize = spec.valueSize;
    this.maxEntries = spec.maxEntries;
    this.flags = spec.flags;
    this.cpus = options.cpus;
    this.space = space;
    this.address = space.alloc(MAP_HEADER_SIZE, 8);
    const view = space.view;
    view.setUint32(this.address + MapHeader.TYPE, type, true);
    view.setUint32(this.address + MapHeader.KEY_SIZE, spec.keySize, true);
    view.setUint32(this.address + MapHeader.VALUE_SIZE, spec.valueSize, true);
    view.setUint32(this.address + MapHeader.MAX_ENTRIES, spec.maxEntries, true);
    view.setUint32(this.address + MapHeader.FLAGS, spec.flags >>> 0, true);
  }

  /** True for the per-CPU map types (values are per CPU, the user API sees all copies). */
  get isPerCpu(): boolean {
    return this.type === MapType.PERCPU_ARRAY || this.type === MapType.PERCPU_HASH || this.type === MapType.LRU_PERCPU_HASH;
  }

  /** Bytes of a value in the JavaScript API: cpus * round8(valueSize) for per-CPU maps, as the kernel's. */
  get userValueSize(): number {
    return this.isPerCpu ? this.cpus * round8(this.valueSize) : this.valueSize;
  }

  // ---- JavaScript API (throws MapError) ----

  /** The value stored under `key` (for per-CPU maps all CPUs' copies, each padded to 8), or undefined. */
  abstract lookup(key: Uint8Array): Uint8Array | undefined;

  /**
   * Stores `value` under `key` with BPF_ANY / BPF_NOEXIST / BPF_EXIST semantics.
   * @throws MapError with the kernel's errno (EINVAL, EEXIST, ENOENT, E2BIG, ...)
   */
  abstract update(key: Uint8Array, value: Uint8Array, flags?: number): void;

  /** Removes `key`. @throws MapError ENOENT when absent, EINVAL for array types */
  abstract delete(key: Uint8Array): void;

  /** Every key, in the map's iteration order (empty for maps without keys). */
  abstract keys(): Uint8Array[];

  /** Every [key, value] pair, values as `lookup` returns them. */
  entries(): [Uint8Array, Uint8Array][] {
    const out: [Uint8Array, Uint8Array][] = [];
    for (const key of this.keys()) {
      const value = this.lookup(key);
      if (value !== undefined) out.push([key, value]);
    }
    return out;
  }

  /** One valueSize-byte copy per CPU of the value under `key` (one copy for shared maps), or undefined. */
  lookupPerCpu(key: Uint8Array): Uint8Array[] | undefined {
    const value = this.lookup(key);
    if (value === undefined) return undefined;
    if (!this.isPerCpu) return [value];
    const stride = round8(this.valueSize);
    const out: Uint8Array[] = [];
    for (let cpu = 0; cpu < this.cpus; cpu++) out.push(value.slice(cpu * stride, cpu * stride + this.valueSize));
    return out;
  }

  /** Pushes a value (queue and stack maps). @throws MapError EINVAL for other map types */
  push(_value: Uint8Array, _flags = 0): void {
    mapError(this, 'push is not supported by this map type', Errno.EINVAL);
  }

  /** Removes and returns the next value (queue and stack maps), undefined when empty. */
  pop(): Uint8Array | undefined {
    mapError(this, 'pop is not supported by this map type', Errno.EINVAL);
  }

  /** Returns the next value without removing it (queue and stack maps), undefined when empty. */
  peek(): Uint8Array | undefined {
    mapError(this, 'peek is not supported by this map type', Errno.EINVAL);
  }

  // ---- program-facing API (addresses in linear memory; 0 / -errno results) ----

  /** map_lookup_elem: address of the value (CPU `cpu`'s copy for per-CPU maps), 0 for NULL. */
  lookupAddr(_keyAddr: number, _cpu = 0): number {
    return 0;
  }

  /** map_update_elem from a program: 0 or -errno; per-CPU maps update only CPU `cpu`'s copy. */
  updateAddr(_keyAddr: number, _valueAddr: number, _flags: number, _cpu = 0): number {
    return -Errno.EINVAL;
  }

  /** map_delete_elem from a program: 0 or -errno. */
  deleteAddr(_keyAddr: number): number {
    return -Errno.EINVAL;
  }

  /** map_push_elem: 0 or -errno. */
  pushAddr(_valueAddr: number, _flags: number): number {
    return -Errno.EINVAL;
  }

  /** map_pop_elem: copies the value to `valueAddr`; 0 or -errno. */
  popAddr(_valueAddr: number): number {
    return -Errno.EINVAL;
  }

  /** map_peek_elem: copies the value to `valueAddr`; 0 or -errno. */
  peekAddr(_valueAddr: number): number {
    return -Errno.EINVAL;
  }

  // ---- shared checks ----

  /** @throws MapError EINVAL when `key` is not keySize bytes */
  protected checkKey(key: Uint8Array): void {
    if (key.length !== this.keySize) mapError(this, `key has ${key.length} bytes, expected ${this.keySize}`, Errno.EINVAL);
  }

  /**
   * The value bytes for CPU `cpu` from a user-API value: per-CPU maps accept either
   * cpus * round8(valueSize) bytes (the kernel's layout) or valueSize bytes (the same value for every CPU).
   * @throws MapError EINVAL on any other length
   */
  protected userValueFor(value: Uint8Array): (cpu: number) => Uint8Array {
    if (!this.isPerCpu) {
      if (value.length !== this.valueSize) mapError(this, `value has ${value.length} bytes, expected ${this.valueSize}`, Errno.EINVAL);
      return () => value;
    }
    const stride = round8(this.valueSize);
    if (value.length === this.cpus * stride) return (cpu) => value.subarray(cpu * stride, cpu * stride + this.valueSize);
    if (value.length === this.valueSize) return () => value;
    return mapError(this, `value has ${value.length} bytes, expected ${this.cpus * stride} (${this.cpus} cpus) or ${this.valueSize}`, Errno.EINVAL);
  }

  /** A copy of the keySize bytes at `keyAddr`. */
  protected readKey(keyAddr: number): Uint8Array {
    return this.space.u8.slice(keyAddr, keyAddr + this.keySize);
  }

  /** A view (not a copy) of `size` bytes at `address`; valid until the memory grows. */
  protected bytes(address: number, size: number): Uint8Array {
    return this.space.u8.subarray(address, address + size);
  }
}

/** Validates map_flags against `allowed`. @throws MapError EINVAL naming the unknown bits */
export function checkFlags(spec: MapSpec, allowed: number): void {
  const extra = spec.flags & ~allowed;
  if (extra !== 0) throw new MapError(`map ${spec.name}: map_flags 0x${(extra >>> 0).toString(16)} not supported by this map type`, Errno.EINVAL);
}

/** Allocates `size` bytes in the space. @throws MapError ENOMEM when the address space cannot hold them */
export function allocValues(space: AddressSpace, spec: MapSpec, size: number): number {
  try {
    return space.alloc(size, 8);
  } catch (error) {
    throw new MapError(`map ${spec.name}: cannot allocate ${size} bytes of values: ${(error as Error).message}`, Errno.ENOMEM);
  }
}

/** Hands out slot numbers 0..capacity-1, reusing released ones first (no per-slot memory up front). */
export class SlotAllocator {
  private next = 0;
  private readonly released: number[] = [];

  constructor(readonly capacity: number) {}

  /** A free slot, or undefined when all `capacity` are taken. */
  take(): number | undefined {
    const reused = this.released.pop();
    if (reused !== undefined) return reused;
    return this.next < this.capacity ? this.next++ : undefined;
  }

  /** Returns `slot` to the pool. */
  release(slot: number): void {
    this.released.push(slot);
  }
}
