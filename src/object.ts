/**
 * @fileoverview loadObject: an ELF object -> a live BpfObject (one address space holding all its
 * maps, global data initialised from the sections; nothing runs yet), whose programs load on
 * either engine by function or section name. Parsing is src/elf/; the runtime, helpers, packet
 * contexts and the run loop are src/packet-program.ts.
 */
import { assertNoCoreRelocations, type MapSpec, parseObject, type ObjectSpec, type ProgramSpec } from './elf/object.js';
import type { MapInfo } from './verifier/dataflow.js';
import { MapError, UsageError } from './errors.js';
import { PseudoSrc } from './isa/opcodes.js';
import type { ProgramType } from './verifier/program.js';
import {
  isPacketType,
  mapAddress,
  ObjectRuntime,
  PacketProgram,
  type PacketLoadOptions,
  type RuntimeOptions,
} from './packet-program.js';
import { createMap } from '../runtime/maps/index.js';
import { type BpfMap, Errno, MapType } from '../runtime/maps/common.js';
import { MapOfMaps } from '../runtime/maps/map-of-maps.js';
import { ProgArrayMap } from '../runtime/maps/prog-array.js';
import type { MapRegistry } from '../runtime/maps/registry.js';
import type { AddressSpace } from '../runtime/memory.js';

/** What the verifier needs to know of a map spec. */
function mapInfo(spec: MapSpec): MapInfo {
  return {
    type: spec.type,
    keySize: spec.keySize,
    valueSize: spec.valueSize,
    maxEntries: spec.maxEntries,
    flags: spec.flags,
    ...(spec.readonly === undefined ? {} : { readonly: spec.readonly }),
    ...(spec.innerMap === undefined ? {} : { innerMap: mapInfo(spec.innerMap) }),
  };
}

/** Options of loadObject. */
export type LoadObjectOptions = RuntimeOptions;

/** A program of an object as listed before loading. */
export interface ObjectProgramInfo {
  /** entry function symbol */
  readonly name: string;
  /** ELF section */
  readonly section: string;
  /** program type from the section name ('unknown' ones cannot be loaded) */
  readonly type: ProgramType | 'unknown';
}

/** A loaded packet program of an object (see PacketProgram for run / runBatch). */
export type ObjectProgram = PacketProgram;

/** Map types whose linear memory holds bookkeeping: created before the span (see packet-program.ts). */
const OUTSIDE_SPAN: ReadonlySet<number> = new Set([MapType.RINGBUF, MapType.QUEUE, MapType.STACK]);

/** A parsed, relocated object with live maps; programs are loaded on demand. */
export class BpfObject {
  /** entry programs in ELF order */
  readonly programs: readonly ObjectProgramInfo[];
  /** live maps by name (global data maps are `.data`, `.rodata`, `.bss`, ...) */
  readonly maps: ReadonlyMap<string, BpfMap>;
  /** the license string */
  readonly license: string;
  /** the object's runtime (address space, env, helper runtime) */
  readonly runtime: ObjectRuntime;
  private readonly spec: ObjectSpec;
  private readonly mapList: readonly BpfMap[];
  /** engine key -> program index -> program being loaded or loaded */
  private readonly loaded = new Map<string, Map<number, Promise<PacketProgram | undefined>>>();
  /** engine key -> program index -> loaded program (for tail calls, which resolve synchronously) */
  private readonly ready = new Map<string, Map<number, PacketProgram>>();

  /** Use loadObject. */
  constructor(spec: ObjectSpec, options: LoadObjectOptions) {
    this.spec = spec;
    this.license = spec.license;
    this.programs = spec.programs.map((p) => ({ name: p.name, section: p.section, type: p.type }));
    const live: (BpfMap | undefined)[] = new Array<BpfMap | undefined>(spec.maps.length).fill(undefined);
    const mapOptions = { cpus: options.cpus ?? 1, resolveMap: (reference: number): BpfMap | undefined => this.runtime.registry.byAddress(reference) };
    const create = (space: AddressSpace, registry: MapRegistry, outside: boolean): void => {
      spec.maps.forEach((mapSpec, i) => {
        if (OUTSIDE_SPAN.has(mapSpec.type) !== outside) return;
        const map = createMap(space, mapSpec, mapOptions);
        registry.register(map);
        live[i] = map;
      });
    };
    this.runtime = new ObjectRuntime(options, (space, registry) => create(space, registry, true));
    create(this.runtime.space, this.runtime.registry, false);
    this.mapList = live.map((m) => m!);
    this.maps = new Map(this.mapList.map((m) => [m.name, m]));
    spec.maps.forEach((mapSpec, i) => {
      const map = this.mapList[i]!;
      for (const slot of mapSpec.initialSlots ?? []) {
        if (map instanceof ProgArrayMap) map.setProgram(slot.index, this.programId(slot.program));
      }
      for (const slot of mapSpec.initialMapSlots ?? []) {
        const inner = this.maps.get(slot.map);
        if (map instanceof MapOfMaps && inner !== undefined) {
          const key = new Uint8Array(4);
          new DataView(key.buffer).setUint32(0, slot.index, true);
          map.setInner(key, inner);
        }
      }
    });
  }

  /**
   * The id tail calls use for program `name` (function or section name): what a PROG_ARRAY slot
   * holds, e.g. `maps.get('jmp')!.update(u32Key(0), u32Key(obj.programId('next')))`.
   * @throws UsageError for an unknown name
   */
  programId(name: string): number {
    return this.indexOf(name) + 1;
  }

  /**
   * Puts program `programName` into slot `index` of PROG_ARRAY `mapName` (null empties the slot).
   * @throws UsageError for unknown names or a map that is not a program array; MapError E2BIG
   */
  setTailCall(mapName: string, index: number, programName: string | null): void {
    const map = this.maps.get(mapName);
    if (!(map instanceof ProgArrayMap)) throw new UsageError(`map ${mapName} is not a program array of this object`);
    const key = new Uint8Array(4);
    new DataView(key.buffer).setUint32(0, index >>> 0, true);
    if (programName === null) {
      try {
        map.delete(key);
      } catch (error) {
        if (!(error instanceof MapError && error.errno === Errno.ENOENT)) throw error;
      }
      return;
    }
    map.setProgram(index, this.programId(programName));
  }

  /**
   * Loads program `name` (entry function or section name) on an engine. Programs of the same type
   * in the object are loaded on that engine too (tail-call targets), each at most once per engine
   * and options.
   * @throws UsageError (unknown name, unsupported type), ElfError (CO-RE), VerifierError, JitError
   */
  async load(name: string, options: PacketLoadOptions = {}): Promise<ObjectProgram> {
    const index = this.indexOf(name);
    const spec = this.spec.programs[index]!;
    assertNoCoreRelocations(spec);
    const type = spec.type;
    if (!isPacketType(type)) throw new UsageError(`program ${spec.name} in section ${spec.section} has type ${type}, which cannot be loaded (expected xdp, tc or socket_filter)`);
    const key = engineKey(options);
    const program = await this.prepare(key, index, options, true);
    // tail-call targets: every other program of the same type that loads
    await Promise.all(this.spec.programs.map((p, i) => (i !== index && p.type === type ? this.prepare(key, i, options, false) : undefined)));
    return program!;
  }

  private async prepare(key: string, index: number, options: PacketLoadOptions, isRequested: boolean): Promise<PacketProgram | undefined> {
    let byIndex = this.loaded.get(key);
    if (byIndex === undefined) {
      byIndex = new Map();
      this.loaded.set(key, byIndex);
      this.ready.set(key, new Map());
    }
    let pending = byIndex.get(index);
    if (pending === undefined) {
      pending = this.build(index, options).then((program) => {
        this.ready.get(key)!.set(index, program);
        return program;
      });
      byIndex.set(index, pending);
      // a failed load may be retried (and reported) later
      pending.catch(() => byIndex.delete(index));
    }
    if (isRequested) return pending;
    return pending.catch(() => undefined);
  }

  private async build(index: number, options: PacketLoadOptions): Promise<PacketProgram> {
    const spec: ProgramSpec = this.spec.programs[index]!;
    assertNoCoreRelocations(spec);
    if (!isPacketType(spec.type)) throw new UsageError(`program ${spec.name} has type ${spec.type}`);
    const key = engineKey(options);
    const type = spec.type;
    const infos = this.spec.maps.map(mapInfo);
    return PacketProgram.create(
      this.runtime,
      spec.insns,
      { name: spec.name, section: spec.section, type },
      options,
      {
        infos,
        addressOf: (src, mapIndex, offset, pc) => {
          const map = this.mapList[mapIndex];
          if (map === undefined || (src !== PseudoSrc.MAP_IDX && src !== PseudoSrc.MAP_IDX_VALUE)) {
            throw new UsageError(`program ${spec.name}: lddw at pc ${pc} refers to map ${mapIndex} with src ${src}, which the object does not define`);
          }
          return mapAddress(map, src === PseudoSrc.MAP_IDX_VALUE, offset, pc);
        },
      },
      (programId) => {
        const target = this.ready.get(key)?.get(programId - 1);
        return target !== undefined && target.type === type ? target : undefined;
      },
    );
  }

  private indexOf(name: string): number {
    let index = this.spec.programs.findIndex((p) => p.name === name);
    if (index < 0) index = this.spec.programs.findIndex((p) => p.section === name);
    if (index < 0) throw new UsageError(`object has no program or section named ${name}; it has ${this.programs.map((p) => `${p.section}:${p.name}`).join(', ')}`);
    return index;
  }
}

/** The cache key of a program's engine and options. */
function engineKey(options: PacketLoadOptions): string {
  return `${options.engine ?? 'interpreter'}/${options.verifier ?? 'dataflow'}/${options.optimize ?? '-'}/${String(options.blinding ?? '-')}/${options.cpu ?? 0}`;
}

/**
 * Parses an ELF object, creates its maps in one address space (global data initialised from the
 * section bytes, PROG_ARRAY slots from `.values`) and returns the live object; nothing runs.
 * @example
 *   const obj = loadObject(readFileSync('xdp.o'));
 *   const xdp = await obj.load('xdp_count', { engine: 'jit' });
 *   xdp.run(packet).r0; // 2n (XDP_PASS)
 * @throws ElfError (malformed object), MapError (a map the runtime cannot create)
 */
export function loadObject(bytes: Uint8Array, options: LoadObjectOptions = {}): BpfObject {
  if (!(bytes instanceof Uint8Array)) throw new UsageError('loadObject takes the object file bytes as a Uint8Array');
  return new BpfObject(parseObject(bytes), options);
}
