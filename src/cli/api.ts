/**
 * @fileoverview The CLI's view of the public API (src/index.ts) for the parts that are still being
 * added there: loading ELF objects, classic BPF and typed packet programs, helper names and map type
 * names. Each piece is looked up on the module namespace at run time and described here by the shape
 * the CLI relies on, so the CLI compiles whatever stage index.ts is at and says clearly what is missing.
 */
import * as api from '../index.js';
import type { Engine, Insn, ProgramType } from '../index.js';
import { UsageError } from '../index.js';

/** A live map as the CLI uses it (BpfMap's JavaScript API). */
export interface CliMap {
  readonly name: string;
  readonly type: number;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  readonly flags: number;
  /** address of the map header in linear memory (what lddw of the map loads), when exposed */
  readonly address?: number;
  /** number of CPUs a per-CPU map keeps values for, when exposed */
  readonly cpus?: number;
  keys(): Uint8Array[];
  lookup(key: Uint8Array): Uint8Array | undefined;
  update(key: Uint8Array, value: Uint8Array, flags?: number): void;
  lookupPerCpu?(key: Uint8Array): Uint8Array[] | undefined;
  /** address of element `index`'s value (array maps), when exposed */
  elementAddress?(index: number): number;
}

/** What an lddw's 64-bit constant points at: a map header, or a byte of an array map's first value. */
export interface MapPointer {
  readonly map: CliMap;
  /** byte offset into the value; undefined for the map itself */
  readonly offset: number | undefined;
}

/** Resolves lddw constants to maps by the maps' header and value addresses. */
export function mapPointerResolver(maps: ReadonlyMap<string, CliMap>): (address: number) => MapPointer | undefined {
  const headers = new Map<number, CliMap>();
  const values: { start: number; map: CliMap }[] = [];
  for (const map of maps.values()) {
    if (map.address !== undefined) headers.set(map.address, map);
    if (typeof map.elementAddress === 'function') {
      try {
        values.push({ start: map.elementAddress(0), map });
      } catch {
        // not an array map after all: only its header can be referred to
      }
    }
  }
  return (address) => {
    const map = headers.get(address);
    if (map !== undefined) return { map, offset: undefined };
    const value = values.find((v) => address >= v.start && address < v.start + v.map.valueSize);
    return value === undefined ? undefined : { map: value.map, offset: address - value.start };
  };
}

/** The result of one packet run. */
export interface CliRunResult {
  readonly r0: bigint;
  readonly data: Uint8Array;
  readonly ctx?: unknown;
}

/** A loaded program as the CLI uses it. */
export interface CliProgram {
  readonly type: ProgramType;
  /** the loaded slots (raw programs) */
  readonly insns?: readonly Insn[];
  /** the verification result (packet programs) */
  readonly verified?: { readonly insns: readonly Insn[] };
  readonly wasm?: Uint8Array | undefined;
  run(packet?: Uint8Array, ctx?: unknown): CliRunResult;
  wat?(): string;
}

/** The instruction slots of a loaded program, as the engines run them (maps resolved). */
export function insnsOf(program: CliProgram): readonly Insn[] {
  return program.insns ?? program.verified?.insns ?? [];
}

/**
 * The WebAssembly text of a JIT-compiled program.
 * @throws UsageError when the program offers no text form
 */
export function watOf(program: CliProgram): string {
  if (program.wat === undefined) throw new UsageError('this program offers no WebAssembly text; write the binary with -o OUT');
  return program.wat();
}

/** One program of an object. */
export interface CliProgramInfo {
  readonly name: string;
  readonly section: string;
  readonly type: string;
}

/** Options of CliObject.load. */
export interface CliObjectLoadOptions {
  engine: Engine;
  blinding?: boolean;
  optimize?: number;
  /** the CPU this program instance runs on (per-CPU map slot, bpf_get_smp_processor_id) */
  cpu?: number;
  /** verifier log detail kept in the program's `verification` */
  logLevel?: 0 | 1 | 2;
}

/** A loaded ELF object as the CLI uses it. */
export interface CliObject {
  readonly programs: readonly CliProgramInfo[];
  readonly maps: ReadonlyMap<string, CliMap>;
  load(nameOrSection: string, options: CliObjectLoadOptions): Promise<CliProgram>;
}

/** Options of CliApi.load and loadClassic. */
export interface CliLoadOptions {
  type?: ProgramType;
  engine?: Engine;
  blinding?: boolean;
  optimize?: number;
  /** verifier log detail kept in the program's `verification` */
  logLevel?: 0 | 1 | 2;
}

type LoadObjectFn = (bytes: Uint8Array, options?: { cpus?: number }) => CliObject | Promise<CliObject>;
type LoadClassicFn = (text: string, options?: CliLoadOptions) => CliProgram | Promise<CliProgram>;
type LoadFn = (code: Uint8Array, options?: CliLoadOptions) => Promise<CliProgram>;

/** The namespace, indexed by name (for exports that may not exist yet). */
const namespace = api as unknown as Readonly<Record<string, unknown>>;

function exported<T>(name: string): T {
  const value = namespace[name];
  if (value === undefined) throw new UsageError(`this build of ebpf-wasm does not export ${name} yet`);
  return value as T;
}

/**
 * Loads an ELF object (public `loadObject`).
 * @throws UsageError when the API does not offer it; ElfError for malformed objects
 */
export async function loadObject(bytes: Uint8Array, cpus: number): Promise<CliObject> {
  return await exported<LoadObjectFn>('loadObject')(bytes, { cpus });
}

/** Loads classic BPF text as a socket filter (public `loadClassic`). */
export async function loadClassic(text: string, options: CliLoadOptions): Promise<CliProgram> {
  return await exported<LoadClassicFn>('loadClassic')(text, options);
}

/** Loads raw code with a program type (public `load`). */
export async function loadCode(code: Uint8Array, options: CliLoadOptions): Promise<CliProgram> {
  return await (api.load as unknown as LoadFn)(code, options);
}

/** Helper names by id from the public `HelperId` table; empty when the API does not export it. */
export function helperNames(): ReadonlyMap<number, string> {
  const table = namespace['HelperId'];
  const names = new Map<number, string>();
  if (typeof table === 'object' && table !== null) {
    for (const [name, id] of Object.entries(table)) if (typeof id === 'number') names.set(id, `bpf_${name}`);
  }
  return names;
}

/** Map type names (enum bpf_map_type, as bpftool prints them), used when the API has no `mapTypeName`. */
const MAP_TYPE_NAMES: ReadonlyMap<number, string> = new Map([
  [1, 'hash'],
  [2, 'array'],
  [3, 'prog_array'],
  [4, 'perf_event_array'],
  [5, 'percpu_hash'],
  [6, 'percpu_array'],
  [7, 'stack_trace'],
  [8, 'cgroup_array'],
  [9, 'lru_hash'],
  [10, 'lru_percpu_hash'],
  [11, 'lpm_trie'],
  [12, 'array_of_maps'],
  [13, 'hash_of_maps'],
  [14, 'devmap'],
  [15, 'sockmap'],
  [16, 'cpumap'],
  [17, 'xskmap'],
  [18, 'sockhash'],
  [22, 'queue'],
  [23, 'stack'],
  [25, 'devmap_hash'],
  [27, 'ringbuf'],
  [30, 'bloom_filter'],
]);

/** The kernel name of map type `type` ("percpu_array"), or `type N` when unknown. */
export function mapTypeName(type: number): string {
  const fromApi = namespace['mapTypeName'];
  if (typeof fromApi === 'function') return String((fromApi as (t: number) => unknown)(type));
  return MAP_TYPE_NAMES.get(type) ?? `type ${type}`;
}

/** Map types whose values are per CPU (PERCPU_HASH, PERCPU_ARRAY, LRU_PERCPU_HASH). */
export const PER_CPU_MAP_TYPES: ReadonlySet<number> = new Set([5, 6, 10]);

/** Map flag BPF_F_RDONLY_PROG: programs may only read the map (.rodata). */
export const BPF_F_RDONLY_PROG = 1 << 7;
