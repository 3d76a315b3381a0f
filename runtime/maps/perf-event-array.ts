/**
 * @fileoverview BPF_MAP_TYPE_PERF_EVENT_ARRAY: the target of bpf_perf_event_output. Slot i stands for
 * a perf event bound to CPU i; records written to it are delivered to the onRecord callbacks (with the
 * slot's CPU), or kept until drain() when there is none. Every slot starts open (the kernel needs a
 * perf event fd per slot; here update() with a non-zero u32 opens a slot, delete() closes it and
 * lookup() gives 1 for an open slot).
 * maxEntries 0 means one slot per CPU, as libbpf does when it creates the map.
 */
import type { AddressSpace } from '../memory.js';
import { BpfMap, Errno, mapError, MapType, type MapOptions, type MapSpec, UpdateFlag } from './common.js';
import { u32Key } from './array.js';
import { validateFdArraySpec } from './prog-array.js';

/** One record written by bpf_perf_event_output. */
export interface PerfRecord {
  /** the slot (= CPU) it was written to */
  readonly cpu: number;
  readonly data: Uint8Array;
}

/** Callback receiving perf records as they are written. */
export type PerfRecordCallback = (data: Uint8Array, cpu: number) => void;

/** A perf event array: per-CPU record streams. */
export class PerfEventArrayMap extends BpfMap {
  private readonly open: boolean[];
  private readonly pending: PerfRecord[] = [];
  private readonly callbacks = new Set<PerfRecordCallback>();

  constructor(space: AddressSpace, spec: MapSpec, options: MapOptions) {
    const sized = spec.maxEntries === 0 ? { ...spec, maxEntries: options.cpus } : spec;
    validateFdArraySpec(sized);
    super(space, sized, MapType.PERF_EVENT_ARRAY, options);
    this.open = new Array<boolean>(sized.maxEntries).fill(true);
  }

  /** Registers a callback for every record written from now on; returns its unsubscribe function. */
  onRecord(callback: PerfRecordCallback): () => void {
    this.callbacks.add(callback);
    return () => this.callbacks.delete(callback);
  }

  /** The records written while no callback was registered, oldest first; clears them. */
  drain(): PerfRecord[] {
    return this.pending.splice(0, this.pending.length);
  }

  /**
   * Writes one record to slot `index` on behalf of a program running on `cpu` (perf_event_output
   * after the flags are decoded): 0 or -errno (E2BIG out of range, ENOENT closed slot,
   * EOPNOTSUPP when the slot's event is bound to another CPU).
   */
  output(index: number, cpu: number, data: Uint8Array): number {
    if (index >= this.maxEntries) return -Errno.E2BIG;
    if (this.open[index] !== true) return -Errno.ENOENT;
    if (index !== cpu) return -Errno.EOPNOTSUPP;
    const copy = data.slice();
    if (this.callbacks.size === 0) this.pending.push({ cpu: index, data: copy });
    for (const callback of this.callbacks) callback(copy, index);
    return 0;
  }

  override lookup(key: Uint8Array): Uint8Array | undefined {
    const index = this.indexOf(key);
    return this.open[index] === true ? u32Key(1) : undefined;
  }

  override update(key: Uint8Array, value: Uint8Array, flags = 0): void {
    const index = this.indexOf(key);
    if (value.length !== 4) mapError(this, `value has ${value.length} bytes, expected 4`, Errno.EINVAL);
    if (flags !== UpdateFlag.ANY) mapError(this, `update flags ${flags}, perf event arrays accept only BPF_ANY`, Errno.EINVAL);
    if (index >= this.maxEntries) mapError(this, `index ${index} out of range`, Errno.E2BIG);
    this.open[index] = value.some((byte) => byte !== 0);
  }

  override delete(key: Uint8Array): void {
    const index = this.indexOf(key);
    if (index >= this.maxEntries) mapError(this, `index ${index} out of range`, Errno.E2BIG);
    if (this.open[index] !== true) mapError(this, `slot ${index} is closed`, Errno.ENOENT);
    this.open[index] = false;
  }

  override keys(): Uint8Array[] {
    const out: Uint8Array[] = [];
    this.open.forEach((isOpen, index) => {
      if (isOpen) out.push(u32Key(index));
    });
    return out;
  }

  private indexOf(key: Uint8Array): number {
    this.checkKey(key);
    return (key[0]! | (key[1]! << 8) | (key[2]! << 16) | (key[3]! << 24)) >>> 0;
  }
}
