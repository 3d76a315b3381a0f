/**
 * @fileoverview The ELF-object API the page uses when the library offers it (issue 4 contract:
 * `loadObject(bytes, { cpus? })`), described structurally and found by feature detection, so the page
 * builds against a library that does not have it yet and lights up when it lands.
 */
import type { Engine } from '../src/index.js';

/** One program of an object, as listed by `obj.programs`. */
export interface ObjectProgramInfo {
  readonly name: string;
  readonly section: string;
  readonly type: string;
}

/** A live map of a loaded object. */
export interface ObjectMap {
  entries(): Iterable<[Uint8Array, Uint8Array]>;
  lookup?(key: Uint8Array): Uint8Array | undefined;
}

/** The outcome of one run of an object program. */
export interface ObjectRunResult {
  readonly r0: bigint | number;
}

/** A program loaded from an object. */
export interface ObjectProgram {
  run(packet: Uint8Array, ctx?: unknown): ObjectRunResult;
  runBatch?(packets: readonly Uint8Array[]): ArrayLike<bigint | number>;
  readonly insns?: readonly unknown[];
  wat?(): string;
}

/** A loaded ELF object. */
export interface LoadedObject {
  readonly programs: readonly ObjectProgramInfo[];
  readonly maps: ReadonlyMap<string, ObjectMap>;
  load(name: string, options: { engine: Engine }): Promise<ObjectProgram>;
}

/** The library entry point for objects. */
export type LoadObject = (bytes: Uint8Array, options?: { cpus?: number }) => LoadedObject | Promise<LoadedObject>;

/** The library's loadObject when this build has it, else undefined. */
export function findLoadObject(api: object): LoadObject | undefined {
  if (!('loadObject' in api)) return undefined;
  const candidate: unknown = api.loadObject;
  return typeof candidate === 'function' ? (candidate as LoadObject) : undefined;
}

/** XDP action names by r0 (linux/bpf.h enum xdp_action). */
export const XDP_ACTIONS: ReadonlyMap<bigint, string> = new Map([
  [0n, 'XDP_ABORTED'],
  [1n, 'XDP_DROP'],
  [2n, 'XDP_PASS'],
  [3n, 'XDP_TX'],
  [4n, 'XDP_REDIRECT'],
]);

/** TC action names by r0 (linux/pkt_cls.h TC_ACT_*). */
export const TC_ACTIONS: ReadonlyMap<bigint, string> = new Map([
  [0n, 'TC_ACT_OK'],
  [1n, 'TC_ACT_RECLASSIFY'],
  [2n, 'TC_ACT_SHOT'],
  [3n, 'TC_ACT_PIPE'],
  [4n, 'TC_ACT_STOLEN'],
  [7n, 'TC_ACT_REDIRECT'],
  [0xffffffffffffffffn, 'TC_ACT_UNSPEC'],
]);
