/**
 * @fileoverview parseObject: bytes of a `clang -O2 -g -target bpf` object -> an inert, deterministic
 * ObjectSpec (programs by section and function symbol, maps, license, BTF). ELF reading is in
 * reader.ts, map definitions in maps.ts, code relocation in relocate.ts, BTF in src/btf/. Nothing here
 * depends on a runtime; the loader replaces map indexes with real map addresses later.
 */
import { type CoreRelocation, parseCoreRelocations } from '../btf/ext.js';
import { parseBtf } from '../btf/parse.js';
import type { Btf } from '../btf/types.js';
import { ElfError } from '../errors.js';
import type { ProgramType } from '../verifier/program.js';
import { collectMaps } from './maps.js';
import { decodeAscii, type ElfFile, readElf, SectionFlag, SectionType } from './reader.js';
import { type CodeSection, createLinkContext, linkProgram, readCodeSection } from './relocate.js';
import type { ObjectSpec, ProgramSpec } from './spec.js';

export type { MapRef, MapSpec, ObjectSpec, ProgramSpec } from './spec.js';

/**
 * Parses a BPF ELF object into an ObjectSpec.
 * @throws ElfError for anything malformed or unsupported (extern symbols, RELA code relocations, ...),
 *   naming the section and the file byte offset of the bad field. CO-RE relocations are not an error
 *   here: they are counted in ProgramSpec.coreRelocations (see assertNoCoreRelocations)
 * @example
 *   const spec = parseObject(readFileSync('prog.o'));
 *   spec.programs.map((p) => `${p.section}:${p.name}`); // ['xdp:xdp_count']
 */
export function parseObject(bytes: Uint8Array): ObjectSpec {
  const elf = readElf(bytes);
  const license = readLicense(elf);
  const btfSection = elf.sections.find((s) => s.name === '.BTF' && s.type === SectionType.PROGBITS);
  const btf = btfSection === undefined ? undefined : parseBtf(btfSection.data, btfSection.offset);
  const maps = collectMaps(elf, btf);
  const seen = new Set<string>();
  for (const m of maps) {
    if (seen.has(m.spec.name)) throw new ElfError(`two maps are named ${m.spec.name}`, m.spec.section, elf.sections[m.sectionIndex]?.headerOffset ?? 0);
    seen.add(m.spec.name);
  }
  const coreRelocations = readCoreRelocations(elf, btf);

  const code = new Map<number, CodeSection>();
  for (const s of elf.sections) {
    if (s.type === SectionType.PROGBITS && (s.flags & SectionFlag.EXECINSTR) !== 0 && s.size > 0) code.set(s.index, readCodeSection(elf, s));
  }
  const ctx = createLinkContext(elf, code, maps, coreRelocations);
  const programs: ProgramSpec[] = [];
  for (const c of code.values()) {
    if (c.section.name === '.text') continue;
    for (const fn of c.functions) {
      const linked = linkProgram(ctx, c, fn);
      const sectionName = c.section.name;
      programs.push({
        name: fn.name,
        section: sectionName,
        type: programTypeOf(sectionName),
        sectionType: sectionTypeOf(sectionName),
        insns: linked.insns,
        mapRefs: linked.mapRefs,
        functions: linked.functions,
        coreRelocations: linked.coreRelocations.length,
        coreRelocationDetails: linked.coreRelocations,
        license,
      });
    }
  }
  return { programs, maps: maps.map((m) => m.spec), license, ...(btf === undefined ? {} : { btf }) };
}

/**
 * Throws when the program needs CO-RE relocations, which this project does not perform.
 * @throws ElfError naming the program, its section and the first relocation (pc, kind, type, access);
 *   `offset` is the file byte offset of that relocation's `.BTF.ext` record
 */
export function assertNoCoreRelocations(program: ProgramSpec): void {
  const first = program.coreRelocationDetails[0];
  if (first === undefined) return;
  const type = first.typeName === '' ? `type ${first.typeId}` : first.typeName;
  throw new ElfError(
    `program ${program.name} needs ${program.coreRelocations} CO-RE relocation(s), which are not supported; first at pc ${first.pc}: ${first.kind} of ${type} access ${first.accessString}`,
    program.section,
    first.recordOffset,
  );
}

/** The program type of a section name, as libbpf's section definitions assign it. */
export function programTypeOf(section: string): ProgramType | 'unknown' {
  const matches = (prefix: string): boolean => section === prefix || section.startsWith(`${prefix}/`);
  if (matches('xdp') || matches('xdp.frags')) return 'xdp';
  if (matches('tc') || matches('classifier') || section.startsWith('tcx/')) return 'tc';
  if (matches('socket')) return 'socket_filter';
  return 'unknown';
}

/** The section name up to the first `/`: `classifier/ingress` -> `classifier`, `xdp.frags` -> `xdp.frags`. */
export function sectionTypeOf(section: string): string {
  const slash = section.indexOf('/');
  return slash < 0 ? section : section.slice(0, slash);
}

function readLicense(elf: ElfFile): string {
  const s = elf.sections.find((x) => x.name === 'license');
  if (s === undefined) return '';
  const end = s.data.indexOf(0);
  return decodeAscii(end < 0 ? s.data : s.data.subarray(0, end));
}

function readCoreRelocations(elf: ElfFile, btf: Btf | undefined): CoreRelocation[] {
  const ext = elf.sections.find((s) => s.name === '.BTF.ext' && s.type === SectionType.PROGBITS);
  if (ext === undefined) return [];
  if (btf === undefined) throw new ElfError('.BTF.ext needs a .BTF section, and the object has none', ext.name, ext.headerOffset);
  return parseCoreRelocations(ext.data, ext.offset, btf);
}
