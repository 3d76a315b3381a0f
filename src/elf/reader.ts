/**
 * @fileoverview Bounds-checked ELF64 little-endian reader for BPF relocatable objects: file header,
 * section headers, string tables, the symbol table and REL relocation entries. Every field is checked
 * against the file size before use and every failure is an ElfError naming the section and the file
 * byte offset of the bad field. What the sections mean (programs, maps, BTF) is left to object.ts.
 *
 *   ELF64 header (64 bytes)            section header (64 bytes)      symbol (24 bytes)   REL (16 bytes)
 *   0  e_ident[16] 7f 'E' 'L' 'F' ...  0  sh_name u32                  0  st_name u32      0 r_offset u64
 *   16 e_type u16, e_machine u16       4  sh_type u32                  4  st_info u8       8 r_info u64
 *   20 e_version u32                   8  sh_flags u64                 5  st_other u8        (sym << 32 | type)
 *   24 e_entry, e_phoff, e_shoff u64   24 sh_offset u64, 32 sh_size    6  st_shndx u16
 *   48 e_flags u32, 52 e_ehsize u16    40 sh_link u32, 44 sh_info u32  8  st_value u64
 *   58 e_shentsize, e_shnum, e_shstrndx  48 sh_addralign, 56 sh_entsize 16 st_size u64
 */
import { ElfError } from '../errors.js';

/** EM_BPF, the machine number of eBPF objects. */
export const EM_BPF = 247;

/** Section header types used by BPF objects. */
export const SectionType = {
  NULL: 0,
  PROGBITS: 1,
  SYMTAB: 2,
  STRTAB: 3,
  RELA: 4,
  NOBITS: 8,
  REL: 9,
} as const;

/** Section header flags. */
export const SectionFlag = { WRITE: 0x1, ALLOC: 0x2, EXECINSTR: 0x4 } as const;

/** Symbol types (low nibble of st_info). */
export const SymbolType = { NOTYPE: 0, OBJECT: 1, FUNC: 2, SECTION: 3, FILE: 4 } as const;

/** Symbol bindings (high nibble of st_info). */
export const SymbolBind = { LOCAL: 0, GLOBAL: 1, WEAK: 2 } as const;

/** Special section indexes a symbol may carry in st_shndx. */
export const SpecialSection = { UNDEF: 0, LORESERVE: 0xff00, ABS: 0xfff1, COMMON: 0xfff2, XINDEX: 0xffff } as const;

/** BPF relocation types (r_info low 32 bits), as LLVM emits them. */
export const RelocationType = {
  NONE: 0,
  /** lddw: 64-bit immediate split over the two slots (maps, global data, function pointers) */
  R_BPF_64_64: 1,
  /** 64-bit absolute data (`.maps` initial values, DWARF) */
  R_BPF_64_ABS64: 2,
  /** 32-bit absolute data (DWARF, BTF) */
  R_BPF_64_ABS32: 3,
  /** 32-bit data that dynamic loaders must not touch (.BTF.ext); skipped */
  R_BPF_64_NODYLD32: 4,
  /** call imm: pc-relative bpf-to-bpf call */
  R_BPF_64_32: 10,
} as const;

const HEADER_SIZE = 64;
const SECTION_HEADER_SIZE = 64;
const SYMBOL_SIZE = 24;
const REL_SIZE = 16;
const ET_REL = 1;

/** One section header plus a view of its bytes (empty for NOBITS). */
export interface ElfSection {
  readonly index: number;
  readonly name: string;
  readonly type: number;
  readonly flags: number;
  /** file byte offset of the section's contents */
  readonly offset: number;
  readonly size: number;
  readonly link: number;
  readonly info: number;
  readonly entsize: number;
  /** file byte offset of this section's header */
  readonly headerOffset: number;
  /** the contents; empty for NOBITS sections, whose `size` is memory only */
  readonly data: Uint8Array;
}

/** One symbol table entry. */
export interface ElfSymbol {
  readonly index: number;
  readonly name: string;
  readonly type: number;
  readonly bind: number;
  readonly sectionIndex: number;
  readonly value: number;
  readonly size: number;
  /** file byte offset of the entry */
  readonly entryOffset: number;
}

/** One REL relocation entry. */
export interface ElfRelocation {
  /** byte offset inside the target section */
  readonly offset: number;
  readonly type: number;
  readonly symbol: ElfSymbol;
  /** file byte offset of the entry */
  readonly entryOffset: number;
}

/** A parsed ELF object: sections (index 0 is the null section) and the symbol table. */
export interface ElfFile {
  readonly bytes: Uint8Array;
  readonly sections: readonly ElfSection[];
  /** symbols in table order; index 0 is the null symbol. Empty when there is no symbol table */
  readonly symbols: readonly ElfSymbol[];
  /** section index of the symbol table, 0 when there is none */
  readonly symtabIndex: number;
  /** symbols by the section index they are defined in (st_shndx), in table order */
  readonly symbolsBySection: ReadonlyMap<number, readonly ElfSymbol[]>;
  /** REL and RELA sections by the index of the section they apply to (sh_info) */
  readonly relocationsFor: ReadonlyMap<number, readonly ElfSection[]>;
}

/** Little-endian field reader over the whole file that throws ElfError on any out-of-range read. */
class Cursor {
  private readonly view: DataView;

  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  private check(at: number, width: number, section: string): void {
    if (at < 0 || at + width > this.bytes.length) {
      throw new ElfError(`read of ${width} bytes at offset ${at} is past the end of the file (${this.bytes.length} bytes)`, section, at);
    }
  }

  u8(at: number, section: string): number {
    this.check(at, 1, section);
    return this.view.getUint8(at);
  }

  u16(at: number, section: string): number {
    this.check(at, 2, section);
    return this.view.getUint16(at, true);
  }

  u32(at: number, section: string): number {
    this.check(at, 4, section);
    return this.view.getUint32(at, true);
  }

  /** A u64 that must fit in 32 bits (file offsets, sizes, symbol values): larger values are errors. */
  u64small(at: number, section: string, what: string): number {
    this.check(at, 8, section);
    const hi = this.view.getUint32(at + 4, true);
    if (hi !== 0) throw new ElfError(`${what} 0x${hi.toString(16)}${this.view.getUint32(at, true).toString(16).padStart(8, '0')} does not fit in 32 bits`, section, at);
    return this.view.getUint32(at, true);
  }
}

/**
 * Longest section or symbol name accepted, in bytes. Bounds the NUL search per name, so a crafted string
 * table cannot make name reading quadratic (the kernel's own symbol limit, KSYM_NAME_LEN, is 512).
 */
export const MAX_NAME_LENGTH = 1024;

// Each string table is decoded once; names are slices of that string, which V8 shares rather than copies,
// so many overlapping names cost no more memory than the table.
const decodedTables = new WeakMap<Uint8Array, string>();

/**
 * Reads a NUL-terminated string at `index` inside a string table section.
 * @throws ElfError when the table is not SHT_STRTAB, the index is past its end, or no NUL follows
 *   within MAX_NAME_LENGTH bytes
 */
export function readString(table: ElfSection, index: number, section: string, fieldOffset: number): string {
  if (table.type !== SectionType.STRTAB) {
    throw new ElfError(`section ${table.index} used as a string table is not SHT_STRTAB`, section, table.headerOffset + 4);
  }
  if (index >= table.data.length) {
    throw new ElfError(`string index ${index} is past the end of string table ${table.index} (${table.data.length} bytes)`, section, fieldOffset);
  }
  const window = table.data.subarray(index, index + MAX_NAME_LENGTH + 1);
  const length = window.indexOf(0);
  if (length < 0) {
    const what = window.length > MAX_NAME_LENGTH ? `is longer than ${MAX_NAME_LENGTH} bytes` : 'has no terminating NUL';
    throw new ElfError(`string at index ${index} of string table ${table.index} ${what}`, section, fieldOffset);
  }
  let text = decodedTables.get(table.data);
  if (text === undefined) {
    text = decodeAscii(table.data);
    decodedTables.set(table.data, text);
  }
  return text.slice(index, index + length);
}

/** Decodes bytes as Latin-1 (section and symbol names are ASCII in practice); never throws. */
export function decodeAscii(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 4096) out += String.fromCharCode(...bytes.subarray(i, i + 4096));
  return out;
}

/**
 * Parses the header, section headers, section names and symbol table of an ELF64 LE EM_BPF object.
 * @throws ElfError on a wrong magic, class, byte order, version, type or machine, on any header field
 *   or table that points past the end of the file, and on a bad name index.
 */
export function readElf(bytes: Uint8Array): ElfFile {
  const c = new Cursor(bytes);
  if (bytes.length < HEADER_SIZE) throw new ElfError(`file of ${bytes.length} bytes is shorter than the 64-byte ELF64 header`, '', 0);
  if (bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46) throw new ElfError('bad ELF magic, expected 7f 45 4c 46', '', 0);
  if (bytes[4] !== 2) throw new ElfError(`ELF class ${bytes[4]} is not ELFCLASS64 (2)`, '', 4);
  if (bytes[5] !== 1) throw new ElfError(`ELF data encoding ${bytes[5]} is not little-endian (1)`, '', 5);
  if (bytes[6] !== 1) throw new ElfError(`ELF ident version ${bytes[6]} is not 1`, '', 6);
  const type = c.u16(16, '');
  if (type !== ET_REL) throw new ElfError(`ELF type ${type} is not a relocatable object (ET_REL = 1)`, '', 16);
  const machine = c.u16(18, '');
  if (machine !== EM_BPF) throw new ElfError(`ELF machine ${machine} is not EM_BPF (${EM_BPF})`, '', 18);
  const version = c.u32(20, '');
  if (version !== 1) throw new ElfError(`ELF version ${version} is not 1`, '', 20);
  const shoff = c.u64small(40, '', 'section header offset');
  const shentsize = c.u16(58, '');
  const shnum = c.u16(60, '');
  const shstrndx = c.u16(62, '');
  if (shnum === 0) {
    if (shoff !== 0) throw new ElfError('extended section numbering (e_shnum 0 with a section header table) is not supported', '', 60);
    throw new ElfError('object has no sections', '', 60);
  }
  if (shentsize !== SECTION_HEADER_SIZE) throw new ElfError(`section header size ${shentsize} is not ${SECTION_HEADER_SIZE}`, '', 58);
  // Bound the table by the file size before allocating anything per section.
  if (shoff > bytes.length || shnum * SECTION_HEADER_SIZE > bytes.length - shoff) {
    throw new ElfError(`section header table (${shnum} entries at offset ${shoff}) is past the end of the file (${bytes.length} bytes)`, '', 40);
  }
  if (shstrndx >= shnum) throw new ElfError(`section name table index ${shstrndx} is not below the section count ${shnum}`, '', 62);

  const raw: Omit<ElfSection, 'name'>[] = [];
  const nameIndexes: number[] = [];
  for (let index = 0; index < shnum; index++) {
    const h = shoff + index * SECTION_HEADER_SIZE;
    const where = String(index);
    const sectionType = c.u32(h + 4, where);
    const flags = c.u64small(h + 8, where, 'section flags');
    const offset = c.u64small(h + 24, where, 'section offset');
    const size = c.u64small(h + 32, where, 'section size');
    const link = c.u32(h + 40, where);
    const info = c.u32(h + 44, where);
    const entsize = c.u64small(h + 56, where, 'section entry size');
    let data: Uint8Array = new Uint8Array(0);
    if (sectionType !== SectionType.NOBITS && sectionType !== SectionType.NULL) {
      if (offset > bytes.length || size > bytes.length - offset) {
        throw new ElfError(`contents (${size} bytes at offset ${offset}) are past the end of the file (${bytes.length} bytes)`, where, h + (offset > bytes.length ? 24 : 32));
      }
      data = bytes.subarray(offset, offset + size);
    }
    nameIndexes.push(c.u32(h, where));
    raw.push({ index, type: sectionType, flags, offset, size, link, info, entsize, headerOffset: h, data });
  }
  // Section contents may not overlap: this keeps all per-section work linear in the file size.
  const placed = raw.filter((s) => s.type !== SectionType.NOBITS && s.type !== SectionType.NULL && s.size > 0).sort((a, b) => a.offset - b.offset || a.index - b.index);
  for (let i = 1; i < placed.length; i++) {
    const prev = placed[i - 1];
    const cur = placed[i];
    if (prev !== undefined && cur !== undefined && cur.offset < prev.offset + prev.size) {
      throw new ElfError(`contents at offset ${cur.offset} overlap section ${prev.index}`, String(cur.index), cur.headerOffset + 24);
    }
  }
  const shstrtab = raw[shstrndx];
  if (shstrtab === undefined || shstrtab.type !== SectionType.STRTAB) {
    throw new ElfError(`section name table ${shstrndx} is not SHT_STRTAB`, '', 62);
  }
  const nameTable: ElfSection = { ...shstrtab, name: '' };
  const sections: ElfSection[] = raw.map((s, index) => ({ ...s, name: index === 0 ? '' : readString(nameTable, nameIndexes[index] ?? 0, String(index), s.headerOffset) }));

  const symtabs = sections.filter((s) => s.type === SectionType.SYMTAB);
  if (symtabs.length > 1) throw new ElfError(`object has ${symtabs.length} symbol tables, expected at most one`, symtabs[1]?.name ?? '', symtabs[1]?.headerOffset ?? 0);
  const symtab = symtabs[0];
  const symbols = symtab === undefined ? [] : readSymbols(c, sections, symtab);
  const symbolsBySection = new Map<number, ElfSymbol[]>();
  for (const sym of symbols) {
    const list = symbolsBySection.get(sym.sectionIndex);
    if (list === undefined) symbolsBySection.set(sym.sectionIndex, [sym]);
    else list.push(sym);
  }
  const relocationsFor = new Map<number, ElfSection[]>();
  for (const s of sections) {
    if (s.type !== SectionType.REL && s.type !== SectionType.RELA) continue;
    const list = relocationsFor.get(s.info);
    if (list === undefined) relocationsFor.set(s.info, [s]);
    else list.push(s);
  }
  return { bytes, sections, symbols, symtabIndex: symtab?.index ?? 0, symbolsBySection, relocationsFor };
}

function readSymbols(c: Cursor, sections: readonly ElfSection[], symtab: ElfSection): ElfSymbol[] {
  if (symtab.entsize !== SYMBOL_SIZE) throw new ElfError(`symbol entry size ${symtab.entsize} is not ${SYMBOL_SIZE}`, symtab.name, symtab.headerOffset + 56);
  if (symtab.size % SYMBOL_SIZE !== 0) throw new ElfError(`symbol table size ${symtab.size} is not a multiple of ${SYMBOL_SIZE}`, symtab.name, symtab.headerOffset + 32);
  const strtab = sections[symtab.link];
  if (strtab === undefined || strtab.type !== SectionType.STRTAB) {
    throw new ElfError(`symbol table links to section ${symtab.link}, which is not a string table`, symtab.name, symtab.headerOffset + 40);
  }
  const count = symtab.size / SYMBOL_SIZE;
  const symbols: ElfSymbol[] = [];
  for (let index = 0; index < count; index++) {
    const at = symtab.offset + index * SYMBOL_SIZE;
    const nameIndex = c.u32(at, symtab.name);
    const info = c.u8(at + 4, symtab.name);
    const sectionIndex = c.u16(at + 6, symtab.name);
    const value = c.u64small(at + 8, symtab.name, `value of symbol ${index}`);
    const size = c.u64small(at + 16, symtab.name, `size of symbol ${index}`);
    if (sectionIndex >= sections.length && sectionIndex < SpecialSection.LORESERVE) {
      throw new ElfError(`symbol ${index} refers to section ${sectionIndex}, but there are ${sections.length}`, symtab.name, at + 6);
    }
    const name = nameIndex === 0 ? '' : readString(strtab, nameIndex, symtab.name, at);
    symbols.push({ index, name, type: info & 0xf, bind: info >> 4, sectionIndex, value, size, entryOffset: at });
  }
  return symbols;
}

/**
 * Reads the entries of a REL section, resolving each symbol index.
 * @throws ElfError when the section is not REL, does not link to the symbol table, has a bad entry size,
 *   or an entry names a symbol index outside the table.
 */
export function readRelocations(elf: ElfFile, rel: ElfSection): ElfRelocation[] {
  if (rel.type !== SectionType.REL) throw new ElfError(`section type ${rel.type} is not SHT_REL`, rel.name, rel.headerOffset + 4);
  if (rel.link !== elf.symtabIndex || elf.symtabIndex === 0) {
    throw new ElfError(`relocations link to section ${rel.link}, not the symbol table`, rel.name, rel.headerOffset + 40);
  }
  if (rel.entsize !== REL_SIZE) throw new ElfError(`relocation entry size ${rel.entsize} is not ${REL_SIZE}`, rel.name, rel.headerOffset + 56);
  if (rel.size % REL_SIZE !== 0) throw new ElfError(`relocation section size ${rel.size} is not a multiple of ${REL_SIZE}`, rel.name, rel.headerOffset + 32);
  const c = new Cursor(elf.bytes);
  const out: ElfRelocation[] = [];
  for (let at = rel.offset; at < rel.offset + rel.size; at += REL_SIZE) {
    const offset = c.u64small(at, rel.name, 'relocation offset');
    const type = c.u32(at + 8, rel.name);
    const symbolIndex = c.u32(at + 12, rel.name);
    const symbol = elf.symbols[symbolIndex];
    if (symbol === undefined) {
      throw new ElfError(`relocation refers to symbol ${symbolIndex}, but the symbol table has ${elf.symbols.length} entries`, rel.name, at + 12);
    }
    out.push({ offset, type, symbol, entryOffset: at });
  }
  return out;
}
