/**
 * @fileoverview BPF_MAP_TYPE_LPM_TRIE: longest-prefix-match lookups. Keys are
 *
 *   +0 u32 prefixlen (host order)   +4 u8 data[keySize - 4] (network order, most significant bit first)
 *
 * An element is identified by its prefix length and its first prefixlen bits of data (the other bits
 * are ignored on update, delete and match, as in the kernel). Instead of the kernel's trie this keeps
 * one JavaScript Map of elements and the set of prefix lengths present: a lookup tries the present
 * lengths from longest to shortest. Value slots are preallocated in linear memory like the hash maps.
 */
import { MapError } from '../../src/errors.js';
import type { AddressSpace } from '../memory.js';
import {
  ACCESS_FLAGS,
  allocValues,
  BpfMap,
  checkFlags,
  Errno,
  mapError,
  MapFlag,
  MapType,
  type MapOptions,
  type MapSpec,
  round8,
  SlotAllocator,
  UpdateFlag,
} from './common.js';

/** Smallest and largest key sizes (kernel LPM_KEY_SIZE_MIN / LPM_KEY_SIZE_MAX). */
export const LPM_KEY_SIZE_MIN = 5;
export const LPM_KEY_SIZE_MAX = 4 + 256;

interface LpmElement {
  readonly key: Uint8Array;
  readonly slot: number;
}

/** A longest-prefix-match trie map. */
export class LpmTrieMap extends BpfMap {
  /** address of value slot 0 */
  readonly slotsBase: number;
  /** largest prefix length: 8 * (keySize - 4) */
  readonly maxPrefixLen: number;
  private readonly elements = new Map<string, LpmElement>();
  /** prefix length -> number of elements with it */
  private readonly lengthCounts = new Map<number, number>();
  /** present prefix lengths, longest first */
  private lengths: number[] = [];
  private readonly slots: SlotAllocator;

  constructor(space: AddressSpace, spec: MapSpec, options: MapOptions) {
    validateLpmSpec(spec);
    super(space, spec, MapType.LPM_TRIE, options);
    this.maxPrefixLen = 8 * (spec.keySize - 4);
    this.slotsBase = allocValues(space, spec, round8(spec.valueSize) * spec.maxEntries);
    this.slots = new SlotAllocator(spec.maxEntries);
  }

  /** Number of elements present. */
  get size(): number {
    return this.elements.size;
  }

  /** Address of the value in `slot`. */
  valueAddress(slot: number): number {
    return this.slotsBase + slot * round8(this.valueSize);
  }

  override lookup(key: Uint8Array): Uint8Array | undefined {
    this.checkKey(key);
    const element = this.match(key);
    if (element === undefined) return undefined;
    const address = this.valueAddress(element.slot);
    return this.space.u8.slice(address, address + this.valueSize);
  }

  override update(key: Uint8Array, value: Uint8Array, flags = 0): void {
    this.checkKey(key);
    if (value.length !== this.valueSize) mapError(this, `value has ${value.length} bytes, expected ${this.valueSize}`, Errno.EINVAL);
    const slot = this.claim(key.slice(), flags);
    if (slot < 0) mapError(this, 'update failed', -slot);
    this.space.u8.set(value, this.valueAddress(slot));
  }

  override delete(key: Uint8Array): void {
    this.checkKey(key);
    const result = this.remove(key);
    if (result < 0) mapError(this, 'delete failed', -result);
  }

  override keys(): Uint8Array[] {
    return [...this.elements.values()].map((element) => element.key.slice());
  }

  override lookupAddr(keyAddr: number): number {
    const element = this.match(this.bytes(keyAddr, this.keySize));
    return element === undefined ? 0 : this.valueAddress(element.slot);
  }

  override updateAddr(keyAddr: number, valueAddr: number, flags: number): number {
    const slot = this.claim(this.readKey(keyAddr), flags);
    if (slot < 0) return slot;
    this.space.u8.copyWithin(this.valueAddress(slot), valueAddr, valueAddr + this.valueSize);
    return 0;
  }

  override deleteAddr(keyAddr: number): number {
    return this.remove(this.readKey(keyAddr));
  }

  /** The longest element whose prefix matches `key`'s data within `key`'s prefix length. */
  private match(key: Uint8Array): LpmElement | undefined {
    const limit = Math.min(prefixLen(key), this.maxPrefixLen);
    for (const length of this.lengths) {
      if (length > limit) continue;
      const element = this.elements.get(elementId(key, length));
      if (element !== undefined) return element;
    }
    return undefined;
  }

  /** trie_update_elem's checks: the element's slot or -errno; nothing changes on failure. */
  private claim(key: Uint8Array, flags: number): number {
    if (flags < 0 || flags > UpdateFlag.EXIST) return -Errno.EINVAL;
    const length = prefixLen(key);
    if (length > this.maxPrefixLen) return -Errno.EINVAL;
    const id = elementId(key, length);
    const existing = this.elements.get(id);
    if (existing !== undefined) {
      if (flags === UpdateFlag.NOEXIST) return -Errno.EEXIST;
      this.elements.set(id, { key, slot: existing.slot });
      return existing.slot;
    }
    if (flags === UpdateFlag.EXIST) return -Errno.ENOENT;
    const slot = this.slots.take();
    if (slot === undefined) return -Errno.ENOSPC;
    this.elements.set(id, { key, slot });
    this.countLength(length, 1);
    return slot;
  }

  private remove(key: Uint8Array): number {
    const length = prefixLen(key);
    if (length > this.maxPrefixLen) return -Errno.EINVAL;
    const id = elementId(key, length);
    const element = this.elements.get(id);
    if (element === undefined) return -Errno.ENOENT;
    this.elements.delete(id);
    this.slots.release(element.slot);
    this.countLength(length, -1);
    return 0;
  }

  private countLength(length: number, delta: number): void {
    const count = (this.lengthCounts.get(length) ?? 0) + delta;
    if (count === 0) this.lengthCounts.delete(length);
    else this.lengthCounts.set(length, count);
    if (count === 0 || count === 1) this.lengths = [...this.lengthCounts.keys()].sort((a, b) => b - a);
  }
}

/** The prefix length field of an LPM key. */
function prefixLen(key: Uint8Array): number {
  return (key[0]! | (key[1]! << 8) | (key[2]! << 16) | (key[3]! << 24)) >>> 0;
}

/** Identity of the element with prefix length `length` matching `key`'s data: the first `length` bits. */
function elementId(key: Uint8Array, length: number): string {
  let s = String.fromCharCode(length & 0xff, length >>> 8);
  const full = length >>> 3;
  for (let i = 0; i < full; i++) s += String.fromCharCode(key[4 + i]!);
  const rest = length & 7;
  if (rest !== 0) s += String.fromCharCode(key[4 + full]! & (0xff << (8 - rest)) & 0xff);
  return s;
}

/** The kernel's trie_alloc checks. @throws MapError EINVAL */
export function validateLpmSpec(spec: MapSpec): void {
  checkFlags(spec, MapFlag.NO_PREALLOC | MapFlag.NUMA_NODE | ACCESS_FLAGS);
  if ((spec.flags & MapFlag.NO_PREALLOC) === 0) throw new MapError(`map ${spec.name}: lpm_trie maps need BPF_F_NO_PREALLOC`, Errno.EINVAL);
  if (spec.maxEntries <= 0) throw new MapError(`map ${spec.name}: max entries must be positive`, Errno.EINVAL);
  if (spec.keySize < LPM_KEY_SIZE_MIN || spec.keySize > LPM_KEY_SIZE_MAX) {
    throw new MapError(`map ${spec.name}: key size ${spec.keySize} not in ${LPM_KEY_SIZE_MIN}..${LPM_KEY_SIZE_MAX}`, Errno.EINVAL);
  }
  if (spec.valueSize <= 0) throw new MapError(`map ${spec.name}: value size must be positive`, Errno.EINVAL);
}
