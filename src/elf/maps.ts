/**
 * @fileoverview Map definitions of an ELF object: BTF-defined maps in `.maps` (read from the `.maps`
 * DATASEC), legacy `struct bpf_map_def` entries in `maps`, and global data sections (.data, .rodata*,
 * .bss*) as single-entry ARRAY maps. Initial PROG_ARRAY / map-in-map slots come from `.rel.maps`.
 * Instruction relocations against these maps are applied in relocate.ts.
 */
import { BtfKind, type Btf, type BtfType } from '../btf/types.js';
import { ElfError } from '../errors.js';
import { type ElfFile, type ElfSection, type ElfSymbol, readRelocations, RelocationType, SectionFlag, SectionType, SymbolType } from './reader.js';
import type { MapSpec } from './spec.js';

/** BPF_MAP_TYPE_* values this file needs by name (linux/bpf.h). */
export const MapType = {
  HASH: 1,
  ARRAY: 2,
  PROG_ARRAY: 3,
  ARRAY_OF_MAPS: 12,
  HASH_OF_MAPS: 13,
} as const;

/** BPF_F_RDONLY_PROG: the program may only read the map (set on .rodata maps, as libbpf does). */
export const BPF_F_RDONLY_PROG = 1 << 7;

/** Largest global data section turned into a map (the kernel's KMALLOC_MAX_SIZE for array values). */
export const MAX_DATA_SECTION_SIZE = 1 << 22;

/** A map together with where it sits in the ELF, for relocation lookups. */
export interface PlacedMap {
  readonly spec: MapSpec;
  readonly sectionIndex: number;
  /** byte offset of the definition (or 0 for data sections) inside the section */
  readonly offset: number;
  /** byte length of the definition (or the section size for data sections) */
  readonly size: number;
  readonly isData: boolean;
  /** BTF maps with `values`: byte offset of that member inside the definition */
  readonly valuesOffset?: number;
}

/** True for section names libbpf treats as global data. */
export function isDataSectionName(name: string): boolean {
  return name === '.data' || name.startsWith('.data.') || name === '.rodata' || name.startsWith('.rodata.') || name === '.bss' || name.startsWith('.bss.');
}

/** Most bytes of global data (all data sections together) one object may have. */
export const MAX_TOTAL_DATA_SIZE = 1 << 26;

/**
 * Reads every map of the object, in ObjectSpec.maps order.
 * @throws ElfError on malformed definitions, duplicated map or data sections, and oversized data
 */
export function collectMaps(elf: ElfFile, btf: Btf | undefined): PlacedMap[] {
  const out: PlacedMap[] = [];
  const seen = new Set<string>();
  const once = (s: ElfSection): void => {
    if (seen.has(s.name)) throw new ElfError('a second section has this name', s.name, s.headerOffset);
    seen.add(s.name);
  };
  for (const s of elf.sections) {
    if (s.name === 'maps' && s.type === SectionType.PROGBITS) {
      once(s);
      out.push(...legacyMaps(elf, s));
    }
  }
  for (const s of elf.sections) {
    if (s.name === '.maps' && s.type === SectionType.PROGBITS) {
      once(s);
      out.push(...btfMaps(elf, s, btf));
    }
  }
  let totalData = 0;
  for (const s of elf.sections) {
    if (!isDataSectionName(s.name) || (s.flags & SectionFlag.ALLOC) === 0) continue;
    once(s);
    totalData += s.size;
    if (totalData > MAX_TOTAL_DATA_SIZE) throw new ElfError(`global data sections exceed ${MAX_TOTAL_DATA_SIZE} bytes together`, s.name, s.headerOffset + 32);
    const map = dataMap(s);
    if (map !== undefined) out.push(map);
  }
  return out;
}

function dataMap(s: ElfSection): PlacedMap | undefined {
  if (s.type !== SectionType.PROGBITS && s.type !== SectionType.NOBITS) return undefined;
  if (s.size === 0) return undefined;
  if (s.size > MAX_DATA_SECTION_SIZE) throw new ElfError(`global data section of ${s.size} bytes is larger than ${MAX_DATA_SECTION_SIZE}`, s.name, s.headerOffset + 32);
  const isReadonly = s.name.startsWith('.rodata');
  // A copy, never a view: the caller may reuse its buffer (Buffer#slice would alias it).
  const initialValue = s.type === SectionType.NOBITS ? new Uint8Array(s.size) : new Uint8Array(s.data);
  const spec: MapSpec = {
    name: s.name,
    type: MapType.ARRAY,
    keySize: 4,
    valueSize: s.size,
    maxEntries: 1,
    flags: isReadonly ? BPF_F_RDONLY_PROG : 0,
    initialValue,
    readonly: isReadonly,
    section: s.name,
  };
  return { spec, sectionIndex: s.index, offset: 0, size: s.size, isData: true };
}

/** Named symbols defined in `section`, sorted by value then name. */
function symbolsIn(elf: ElfFile, section: ElfSection): ElfSymbol[] {
  return (elf.symbolsBySection.get(section.index) ?? [])
    .filter((sym) => sym.type !== SymbolType.SECTION && sym.type !== SymbolType.FILE && sym.name !== '')
    .sort((a, b) => a.value - b.value || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

// struct bpf_map_def { u32 type, key_size, value_size, max_entries, map_flags; } — longer entries keep
// their extra fields (pinning, inner map ids of other loaders) unread, as libbpf does.
const LEGACY_FIELDS = ['type', 'keySize', 'valueSize', 'maxEntries', 'flags'] as const;

function legacyMaps(elf: ElfFile, s: ElfSection): PlacedMap[] {
  const symbols = symbolsIn(elf, s);
  if (symbols.length === 0) return [];
  if (s.size % symbols.length !== 0) {
    throw new ElfError(`section size ${s.size} is not a multiple of the ${symbols.length} map definitions`, s.name, s.headerOffset + 32);
  }
  const entrySize = s.size / symbols.length;
  if (entrySize < 4 || entrySize % 4 !== 0) throw new ElfError(`map definition size ${entrySize} is not a positive multiple of 4`, s.name, s.headerOffset + 32);
  const view = new DataView(s.data.buffer, s.data.byteOffset, s.data.byteLength);
  return symbols.map((sym) => {
    if (sym.value % 4 !== 0 || sym.value + entrySize > s.size) {
      throw new ElfError(`map ${sym.name} at offset ${sym.value} does not fit a ${entrySize}-byte definition in ${s.size} bytes`, s.name, sym.entryOffset + 8);
    }
    const fields = { type: 0, keySize: 0, valueSize: 0, maxEntries: 0, flags: 0 };
    LEGACY_FIELDS.forEach((field, i) => {
      if (i * 4 < entrySize) fields[field] = view.getUint32(sym.value + i * 4, true);
    });
    return { spec: { name: sym.name, ...fields, section: s.name }, sectionIndex: s.index, offset: sym.value, size: entrySize, isData: false };
  });
}

/** The integer members of a BTF map definition, encoded as `int (*name)[value]`. */
const INT_FIELDS = ['type', 'max_entries', 'map_flags', 'key_size', 'value_size', 'pinning', 'numa_node', 'map_extra'] as const;
type IntField = (typeof INT_FIELDS)[number];

interface BtfMapDef {
  ints: Partial<Record<IntField, number>>;
  keyType?: number;
  valueType?: number;
  /** offset in bytes of the `values` member, and what its elements point to */
  values?: { byteOffset: number; inner?: BtfMapDef; isFunction: boolean };
}

function btfMaps(elf: ElfFile, s: ElfSection, btf: Btf | undefined): PlacedMap[] {
  const section = s.name;
  if (btf === undefined) throw new ElfError('BTF-defined maps need a .BTF section, and the object has none', section, s.headerOffset);
  const datasec = btf.findDatasec('.maps');
  if (datasec === undefined) throw new ElfError('.BTF has no DATASEC named .maps', section, s.headerOffset);
  const symbols = new Map<string, ElfSymbol>();
  for (const sym of symbolsIn(elf, s)) if (!symbols.has(sym.name)) symbols.set(sym.name, sym);
  const placed: PlacedMap[] = [];
  for (const v of datasec.vars) {
    const variable = btf.typeById(v.type, 'DATASEC .maps');
    if (variable === undefined || variable.kind !== BtfKind.VAR) {
      throw new ElfError(`DATASEC .maps entry refers to type ${v.type}, which is not a VAR`, section, s.headerOffset);
    }
    const name = variable.name;
    const sym = symbols.get(name);
    if (sym === undefined) throw new ElfError(`map ${name} has no symbol in the section`, section, s.headerOffset);
    const def = parseDefinition(btf, variable.type, name, section, sym, 0);
    // A definition with `values` initialisers is longer than its struct (the array is flexible): the
    // symbol size covers both.
    const size = Math.max(btf.sizeOf(variable.type, `map ${name}`), sym.size);
    if (sym.value > s.size || size > s.size - sym.value) {
      throw new ElfError(`map ${name} (${size} bytes at offset ${sym.value}) does not fit in the section (${s.size} bytes)`, section, sym.entryOffset + 8);
    }
    const spec = toSpec(btf, def, name, section, sym);
    const valuesOffset = def.values?.byteOffset;
    placed.push({ spec, sectionIndex: s.index, offset: sym.value, size, isData: false, ...(valuesOffset === undefined ? {} : { valuesOffset }) });
  }
  placed.sort((a, b) => a.offset - b.offset);
  for (let i = 1; i < placed.length; i++) {
    const prev = placed[i - 1];
    const cur = placed[i];
    if (prev !== undefined && cur !== undefined && cur.offset < prev.offset + prev.size) {
      throw new ElfError(`map ${cur.spec.name} at offset ${cur.offset} overlaps map ${prev.spec.name}`, section, s.headerOffset);
    }
  }
  return applyInitialValues(elf, s, placed);
}

function parseDefinition(btf: Btf, typeId: number, name: string, section: string, sym: ElfSymbol, depth: number): BtfMapDef {
  const context = `map ${name}`;
  const fail = (message: string): never => {
    throw new ElfError(`${context}: ${message}`, section, sym.entryOffset);
  };
  const struct = btf.skipModifiers(typeId, context);
  if (struct === undefined || struct.kind !== BtfKind.STRUCT) return fail('definition is not a struct');
  const def: BtfMapDef = { ints: {} };
  const seen = new Set<string>();
  for (const member of struct.members) {
    const field = member.name;
    if (seen.has(field)) return fail(`member ${field === '' ? '(anonymous)' : field} appears twice`);
    seen.add(field);
    if ((INT_FIELDS as readonly string[]).includes(field)) {
      def.ints[field as IntField] = intField(btf, member.type, context, field) ?? fail(`member ${field} is not a pointer to an array or a one-value enum`);
    } else if (field === 'key' || field === 'value') {
      const ptr = btf.skipModifiers(member.type, context);
      if (ptr === undefined || ptr.kind !== BtfKind.PTR) return fail(`member ${field} is not a pointer`);
      if (field === 'key') def.keyType = ptr.type;
      else def.valueType = ptr.type;
    } else if (field === 'values') {
      if (depth > 0) return fail('inner map definitions may not have values');
      const array = btf.skipModifiers(member.type, context);
      if (array === undefined || array.kind !== BtfKind.ARRAY) return fail('member values is not an array');
      const ptr = btf.skipModifiers(array.type, context);
      if (ptr === undefined || ptr.kind !== BtfKind.PTR) return fail('elements of values are not pointers');
      const target: BtfType | undefined = btf.skipModifiers(ptr.type, context);
      if (member.bitOffset % 8 !== 0) return fail('member values is not byte aligned');
      if (target !== undefined && target.kind === BtfKind.FUNC_PROTO) {
        def.values = { byteOffset: member.bitOffset / 8, isFunction: true };
      } else if (target !== undefined && target.kind === BtfKind.STRUCT) {
        def.values = { byteOffset: member.bitOffset / 8, inner: parseDefinition(btf, ptr.type, `${name}.inner`, section, sym, depth + 1), isFunction: false };
      } else {
        return fail('values must point to a function prototype or an inner map definition');
      }
    } else {
      return fail(`unknown member ${field === '' ? '(anonymous)' : field}`);
    }
  }
  return def;
}

/**
 * `int (*name)[N]` (libbpf's __uint) -> N; an anonymous enum with one enumerator (libbpf's __ulong, used
 * for map_extra) -> its value when it fits in 53 bits; undefined for any other shape.
 */
function intField(btf: Btf, typeId: number, context: string, field: string): number | undefined {
  const ptr = btf.skipModifiers(typeId, `${context} member ${field}`);
  if (ptr !== undefined && (ptr.kind === BtfKind.ENUM || ptr.kind === BtfKind.ENUM64)) {
    const only = ptr.values.length === 1 ? ptr.values[0] : undefined;
    if (only === undefined || only.value < 0n || only.value > BigInt(Number.MAX_SAFE_INTEGER)) return undefined;
    return Number(only.value);
  }
  if (ptr === undefined || ptr.kind !== BtfKind.PTR) return undefined;
  const array = btf.typeById(ptr.type, `${context} member ${field}`);
  if (array === undefined || array.kind !== BtfKind.ARRAY) return undefined;
  return array.nelems;
}

function toSpec(btf: Btf, def: BtfMapDef, name: string, section: string, sym: ElfSymbol): MapSpec {
  const fail = (message: string): never => {
    throw new ElfError(`map ${name}: ${message}`, section, sym.entryOffset);
  };
  const { ints } = def;
  const type = ints.type ?? fail('definition has no type');
  let keySize = ints.key_size ?? 0;
  let valueSize = ints.value_size ?? 0;
  if (def.keyType !== undefined) {
    const size = def.keyType === 0 ? 0 : btf.sizeOf(def.keyType, `map ${name} key`);
    if (ints.key_size !== undefined && ints.key_size !== size) fail(`key_size ${ints.key_size} disagrees with key type size ${size}`);
    keySize = size;
  }
  if (def.valueType !== undefined) {
    const size = def.valueType === 0 ? 0 : btf.sizeOf(def.valueType, `map ${name} value`);
    if (ints.value_size !== undefined && ints.value_size !== size) fail(`value_size ${ints.value_size} disagrees with value type size ${size}`);
    valueSize = size;
  }
  let innerMap: MapSpec | undefined;
  if (def.values !== undefined) {
    const isMapInMap = type === MapType.ARRAY_OF_MAPS || type === MapType.HASH_OF_MAPS;
    if (def.values.isFunction && type !== MapType.PROG_ARRAY) fail('values of function pointers need a PROG_ARRAY map');
    if (!def.values.isFunction && !isMapInMap) fail('values of inner maps need an ARRAY_OF_MAPS or HASH_OF_MAPS map');
    if (def.valueType !== undefined || (ints.value_size !== undefined && ints.value_size !== 4)) fail('value type or size given together with values');
    valueSize = 4;
    if (def.values.inner !== undefined) innerMap = toSpec(btf, def.values.inner, `${name}.inner`, section, sym);
  }
  return {
    name,
    type,
    keySize,
    valueSize,
    maxEntries: ints.max_entries ?? 0,
    flags: ints.map_flags ?? 0,
    ...(innerMap === undefined ? {} : { innerMap }),
    ...(ints.pinning === undefined ? {} : { pinning: ints.pinning }),
    ...(ints.numa_node === undefined ? {} : { numaNode: ints.numa_node }),
    ...(ints.map_extra === undefined ? {} : { mapExtra: ints.map_extra }),
    section,
  };
}

/** The map whose definition contains byte `offset` (binary search; `placed` is sorted by offset). */
function containing(placed: readonly PlacedMap[], offset: number): PlacedMap | undefined {
  let lo = 0;
  let hi = placed.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const m = placed[mid];
    if (m !== undefined && m.offset + m.size <= offset) lo = mid + 1;
    else hi = mid;
  }
  const m = placed[lo];
  return m !== undefined && m.offset <= offset && offset < m.offset + m.size ? m : undefined;
}

/** Applies `.rel.maps` (R_BPF_64_ABS64 in `values`) as initial PROG_ARRAY / map-in-map slots. */
function applyInitialValues(elf: ElfFile, s: ElfSection, placed: PlacedMap[]): PlacedMap[] {
  const rels = (elf.relocationsFor.get(s.index) ?? []).filter((r) => r.type === SectionType.REL);
  const slots = new Map<PlacedMap, { index: number; target: string; isProgram: boolean }[]>();
  for (const rel of rels) {
    for (const r of readRelocations(elf, rel)) {
      if (r.type === RelocationType.NONE) continue;
      if (r.type !== RelocationType.R_BPF_64_ABS64 && r.type !== RelocationType.R_BPF_64_ABS32) {
        throw new ElfError(`relocation type ${r.type} is not allowed in ${s.name}`, rel.name, r.entryOffset + 8);
      }
      const owner = containing(placed, r.offset);
      const valuesOffset = owner?.valuesOffset;
      if (owner === undefined || valuesOffset === undefined || r.offset - owner.offset < valuesOffset || (r.offset - owner.offset - valuesOffset) % 8 !== 0) {
        throw new ElfError(`relocation at offset ${r.offset} is not inside the values of a map`, rel.name, r.entryOffset);
      }
      const index = (r.offset - owner.offset - valuesOffset) / 8;
      if (index >= owner.spec.maxEntries) {
        throw new ElfError(`initial value index ${index} of map ${owner.spec.name} is not below max_entries ${owner.spec.maxEntries}`, rel.name, r.entryOffset);
      }
      const sym = r.symbol;
      const targetSection = elf.sections[sym.sectionIndex];
      const isProgram = owner.spec.type === MapType.PROG_ARRAY;
      if (isProgram) {
        if (sym.type !== SymbolType.FUNC || targetSection === undefined || (targetSection.flags & SectionFlag.EXECINSTR) === 0 || targetSection.name === '.text') {
          throw new ElfError(`initial value of ${owner.spec.name}[${index}] refers to ${sym.name || `symbol ${sym.index}`}, which is not a program`, rel.name, r.entryOffset + 12);
        }
      } else if (sym.sectionIndex !== s.index || containing(placed, sym.value)?.offset !== sym.value) {
        throw new ElfError(`initial value of ${owner.spec.name}[${index}] refers to ${sym.name || `symbol ${sym.index}`}, which is not a map in ${s.name}`, rel.name, r.entryOffset + 12);
      }
      const list = slots.get(owner) ?? [];
      if (list.some((x) => x.index === index)) throw new ElfError(`initial value of ${owner.spec.name}[${index}] is set twice`, rel.name, r.entryOffset);
      list.push({ index, target: sym.name, isProgram });
      slots.set(owner, list);
    }
  }
  return placed.map((m) => {
    const spec = m.spec;
    const list = (slots.get(m) ?? []).sort((a, b) => a.index - b.index);
    if (list.length === 0) return { ...m, spec };
    const isProgram = list[0]?.isProgram === true;
    const withSlots: MapSpec = isProgram
      ? { ...spec, initialSlots: list.map((x) => ({ index: x.index, program: x.target })) }
      : { ...spec, initialMapSlots: list.map((x) => ({ index: x.index, map: x.target })) };
    return { ...m, spec: withSlots };
  });
}
