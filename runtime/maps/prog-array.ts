/**
 * @fileoverview BPF_MAP_TYPE_PROG_ARRAY: slots holding program references for tail calls. A slot
 * stores a program id (a u32 the loader assigns); resolving ids to programs is the engines' job.
 * Programs cannot look up, update or delete slots (the verifier allows only bpf_tail_call on this
 * map); the JavaScript API follows the kernel's fd-array rules: update needs BPF_ANY, an index out
 * of range is E2BIG, deleting an empty slot is ENOENT.
 * Divergence: keys() lists only the occupied slots (the kernel iterates over every index).
 */
import { MapError } from '../../src/errors.js';
import type { AddressSpace } from '../memory.js';
import { ACCESS_FLAGS, BpfMap, checkFlags, Errno, mapError, MapFlag, MapType, type MapOptions, type MapSpec, UpdateFlag } from './common.js';
import { u32Key } from './array.js';

/** A program array: index -> program id. */
export class ProgArrayMap extends BpfMap {
  private readonly slots = new Map<number, number>();

  constructor(space: AddressSpace, spec: MapSpec, options: MapOptions) {
    validateFdArraySpec(spec);
    super(space, spec, MapType.PROG_ARRAY, options);
  }

  /** The program id in slot `index`, or undefined when empty or out of range (what bpf_tail_call reads). */
  program(index: number): number | undefined {
    return this.slots.get(index);
  }

  /** Puts program `id` in slot `index`. @throws MapError E2BIG when out of range */
  setProgram(index: number, id: number): void {
    this.update(u32Key(index), u32Key(id));
  }

  override lookup(key: Uint8Array): Uint8Array | undefined {
    const id = this.program(this.indexOf(key));
    return id === undefined ? undefined : u32Key(id);
  }

  override update(key: Uint8Array, value: Uint8Array, flags = 0): void {
    const index = this.indexOf(key);
    if (value.length !== 4) mapError(this, `value has ${value.length} bytes, expected 4`, Errno.EINVAL);
    if (flags !== UpdateFlag.ANY) mapError(this, `update flags ${flags}, program arrays accept only BPF_ANY`, Errno.EINVAL);
    if (index >= this.maxEntries) mapError(this, `index ${index} out of range`, Errno.E2BIG);
    this.slots.set(index, (value[0]! | (value[1]! << 8) | (value[2]! << 16) | (value[3]! << 24)) >>> 0);
  }

  override delete(key: Uint8Array): void {
    const index = this.indexOf(key);
    if (index >= this.maxEntries) mapError(this, `index ${index} out of range`, Errno.E2BIG);
    if (!this.slots.delete(index)) mapError(this, `slot ${index} is empty`, Errno.ENOENT);
  }

  override keys(): Uint8Array[] {
    return [...this.slots.keys()].sort((a, b) => a - b).map(u32Key);
  }

  private indexOf(key: Uint8Array): number {
    this.checkKey(key);
    return (key[0]! | (key[1]! << 8) | (key[2]! << 16) | (key[3]! << 24)) >>> 0;
  }
}

/** The kernel's fd_array_map_alloc_check (prog and perf event arrays). @throws MapError EINVAL */
export function validateFdArraySpec(spec: MapSpec): void {
  checkFlags(spec, MapFlag.NUMA_NODE | ACCESS_FLAGS);
  if ((spec.flags & (MapFlag.RDONLY_PROG | MapFlag.WRONLY_PROG)) !== 0) {
    throw new MapError(`map ${spec.name}: fd arrays cannot be read-only or write-only for programs`, Errno.EINVAL);
  }
  if (spec.keySize !== 4 || spec.valueSize !== 4) throw new MapError(`map ${spec.name}: key and value size must be 4`, Errno.EINVAL);
  if (spec.maxEntries <= 0) throw new MapError(`map ${spec.name}: max entries must be positive`, Errno.EINVAL);
}
