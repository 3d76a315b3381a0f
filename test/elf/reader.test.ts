/**
 * @fileoverview The ELF reader and parseObject on precisely broken objects: each case corrupts one
 * field of a fixture and expects an ElfError naming the section and the file byte offset of that field.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseObject } from '../../src/elf/object.js';
import { type ElfFile, MAX_NAME_LENGTH, readElf, readString } from '../../src/elf/reader.js';
import { ElfError } from '../../src/errors.js';

const fixtureDir = join(import.meta.dirname, '..', 'fixtures', 'elf');
const original = new Uint8Array(readFileSync(join(fixtureDir, 'xdp_maps.o')));
const elf = readElf(original);

function section(file: ElfFile, name: string): NonNullable<ElfFile['sections'][number]> {
  const s = file.sections.find((x) => x.name === name);
  if (s === undefined) throw new Error(`fixture has no section ${name}`);
  return s;
}

function put32(bytes: Uint8Array, at: number, value: number): void {
  new DataView(bytes.buffer, bytes.byteOffset).setUint32(at, value >>> 0, true);
}
function put16(bytes: Uint8Array, at: number, value: number): void {
  new DataView(bytes.buffer, bytes.byteOffset).setUint16(at, value, true);
}

function errorOf(fn: () => unknown): ElfError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ElfError) return e;
    throw e;
  }
  throw new Error('expected an ElfError');
}

const xdp = section(elf, 'xdp');
const relXdp = section(elf, '.relxdp');
const symtab = section(elf, '.symtab');
const btf = section(elf, '.BTF');
const counts = elf.symbols.find((s) => s.name === 'counts');
if (counts === undefined) throw new Error('fixture has no symbol counts');

interface Case {
  name: string;
  mutate: (bytes: Uint8Array) => Uint8Array | void;
  section: string;
  offset: number;
}

const cases: Case[] = [
  { name: 'shorter than a header', mutate: (b) => b.slice(0, 40), section: '', offset: 0 },
  { name: 'bad magic', mutate: (b) => void (b[1] = 0x46), section: '', offset: 0 },
  { name: 'ELFCLASS32', mutate: (b) => void (b[4] = 1), section: '', offset: 4 },
  { name: 'big-endian', mutate: (b) => void (b[5] = 2), section: '', offset: 5 },
  { name: 'executable, not relocatable', mutate: (b) => put16(b, 16, 2), section: '', offset: 16 },
  { name: 'x86-64 machine', mutate: (b) => put16(b, 18, 62), section: '', offset: 18 },
  { name: 'section headers past the end', mutate: (b) => put32(b, 40, b.length - 64), section: '', offset: 40 },
  { name: 'huge section count', mutate: (b) => put16(b, 60, 0xffff), section: '', offset: 40 },
  { name: 'section name table index out of range', mutate: (b) => put16(b, 62, elf.sections.length), section: '', offset: 62 },
  { name: 'section header entry size', mutate: (b) => put16(b, 58, 40), section: '', offset: 58 },
  { name: 'section contents start past the end', mutate: (b) => put32(b, xdp.headerOffset + 24, b.length + 8), section: String(xdp.index), offset: xdp.headerOffset + 24 },
  { name: 'section contents run past the end', mutate: (b) => put32(b, xdp.headerOffset + 24, b.length - 8), section: String(xdp.index), offset: xdp.headerOffset + 32 },
  { name: 'section size past the end', mutate: (b) => put32(b, xdp.headerOffset + 32, b.length), section: String(xdp.index), offset: xdp.headerOffset + 32 },
  { name: 'section offset beyond 4 GiB', mutate: (b) => put32(b, xdp.headerOffset + 28, 1), section: String(xdp.index), offset: xdp.headerOffset + 24 },
  { name: 'section contents that overlap', mutate: (b) => put32(b, relXdp.headerOffset + 24, xdp.offset + 8), section: String(relXdp.index), offset: relXdp.headerOffset + 24 },
  { name: 'section name past the string table', mutate: (b) => put32(b, xdp.headerOffset, 0x7fffffff), section: String(xdp.index), offset: xdp.headerOffset },
  { name: 'symbol name past the string table', mutate: (b) => put32(b, counts.entryOffset, 0x7fffffff), section: '.symtab', offset: counts.entryOffset },
  { name: 'symbol in a missing section', mutate: (b) => put16(b, counts.entryOffset + 6, 0x1234), section: '.symtab', offset: counts.entryOffset + 6 },
  { name: 'symbol table entry size', mutate: (b) => put32(b, symtab.headerOffset + 56, 16), section: '.symtab', offset: symtab.headerOffset + 56 },
  { name: 'relocation against a missing symbol', mutate: (b) => put32(b, relXdp.offset + 12, 0xffff), section: '.relxdp', offset: relXdp.offset + 12 },
  { name: 'relocation offset off an instruction', mutate: (b) => put32(b, relXdp.offset, 0x4c), section: '.relxdp', offset: relXdp.offset },
  { name: 'relocation offset past the section', mutate: (b) => put32(b, relXdp.offset, xdp.size), section: '.relxdp', offset: relXdp.offset },
  { name: 'relocation of an unknown type', mutate: (b) => put32(b, relXdp.offset + 8, 7), section: 'xdp', offset: xdp.offset + 9 * 8 },
  { name: 'relocation section linked to the wrong table', mutate: (b) => put32(b, relXdp.headerOffset + 40, 1), section: '.relxdp', offset: relXdp.headerOffset + 40 },
  { name: 'unknown opcode', mutate: (b) => void (b[xdp.offset + 8] = 0xff), section: 'xdp', offset: xdp.offset + 8 },
  { name: 'BTF magic', mutate: (b) => put16(b, btf.offset, 0x9feb), section: '.BTF', offset: btf.offset },
  { name: 'BTF version', mutate: (b) => void (b[btf.offset + 2] = 2), section: '.BTF', offset: btf.offset + 2 },
  { name: 'BTF type section past the end', mutate: (b) => put32(b, btf.offset + 12, btf.size), section: '.BTF', offset: btf.offset + 8 },
  { name: 'BTF string section past the end', mutate: (b) => put32(b, btf.offset + 20, btf.size), section: '.BTF', offset: btf.offset + 16 },
];

describe('ElfError on broken objects', () => {
  it.each(cases)('$name', ({ mutate, section: wantSection, offset }) => {
    const bytes = original.slice();
    const out = mutate(bytes) ?? bytes;
    const error = errorOf(() => parseObject(out));
    expect(error.code).toBe('EBPF_ELF');
    expect({ section: error.section, offset: error.offset }).toEqual({ section: wantSection, offset });
  });
});

describe('readElf', () => {
  it('reads section headers and symbols of a fixture', () => {
    expect(elf.sections.map((s) => s.name).slice(0, 6)).toEqual(['', '.strtab', '.text', 'xdp', '.relxdp', '.maps']);
    expect(xdp).toMatchObject({ type: 1, flags: 0x6, size: 45 * 8 });
    expect(counts).toMatchObject({ name: 'counts', type: 1, bind: 1, sectionIndex: section(elf, '.maps').index, value: 0, size: 32 });
    expect(elf.symbols[elf.symbols.length - 1]?.name).not.toBe('');
  });

  it('rejects a name longer than MAX_NAME_LENGTH', () => {
    const data = new Uint8Array(MAX_NAME_LENGTH + 3).fill(0x61);
    data[0] = 0;
    data[data.length - 1] = 0;
    const table = { ...section(elf, '.strtab'), data };
    expect(readString(table, 2, 'x', 9)).toBe('a'.repeat(MAX_NAME_LENGTH));
    const error = errorOf(() => readString(table, 1, 'x', 9));
    expect({ section: error.section, offset: error.offset }).toEqual({ section: 'x', offset: 9 });
  });

  it('rejects an unterminated string', () => {
    const table = { ...section(elf, '.strtab'), data: new Uint8Array([0, 0x61, 0x62]) };
    const error = errorOf(() => readString(table, 1, 'x', 123));
    expect({ section: error.section, offset: error.offset }).toEqual({ section: 'x', offset: 123 });
  });
});

describe('ElfError in map definitions', () => {
  const legacy = new Uint8Array(readFileSync(join(fixtureDir, 'legacy_maps.o')));
  const legacyElf = readElf(legacy);
  const mapsSection = section(legacyElf, 'maps');
  const legacyArray = legacyElf.symbols.find((s) => s.name === 'legacy_array');
  const tail = new Uint8Array(readFileSync(join(fixtureDir, 'tailcall.o')));
  const tailElf = readElf(tail);
  const relMaps = section(tailElf, '.rel.maps');
  const tailDrop = tailElf.symbols.find((s) => s.name === 'tail_drop');
  const entry = tailElf.symbols.find((s) => s.name === 'entry');
  if (legacyArray === undefined || tailDrop === undefined || entry === undefined) throw new Error('fixture symbols missing');

  it.each([
    {
      name: 'legacy section size not a multiple of the map count',
      bytes: legacy,
      mutate: (b: Uint8Array) => put32(b, mapsSection.headerOffset + 32, 39),
      section: 'maps',
      offset: mapsSection.headerOffset + 32,
    },
    {
      name: 'legacy map symbol past its section',
      bytes: legacy,
      mutate: (b: Uint8Array) => put32(b, legacyArray.entryOffset + 8, 36),
      section: 'maps',
      offset: legacyArray.entryOffset + 8,
    },
    {
      // jumps is 48 bytes: values start at 24, so offset 48 is outside the definition
      name: 'initial value outside the values member',
      bytes: tail,
      mutate: (b: Uint8Array) => put32(b, relMaps.offset + 16, 48),
      section: '.rel.maps',
      offset: relMaps.offset + 16,
    },
    {
      name: 'initial value set twice',
      bytes: tail,
      mutate: (b: Uint8Array) => put32(b, relMaps.offset + 16, 0x18),
      section: '.rel.maps',
      offset: relMaps.offset + 16,
    },
    {
      name: 'initial value naming a map instead of a program',
      bytes: tail,
      mutate: (b: Uint8Array) => put32(b, relMaps.offset + 16 + 12, tailElf.symbols.findIndex((s) => s.name === 'jumps')),
      section: '.rel.maps',
      offset: relMaps.offset + 16 + 12,
    },
    {
      name: 'function symbol not on an instruction boundary',
      bytes: tail,
      mutate: (b: Uint8Array) => put32(b, entry.entryOffset + 8, 0x21),
      section: 'xdp',
      offset: entry.entryOffset + 8,
    },
    {
      name: 'function symbols that overlap',
      bytes: tail,
      mutate: (b: Uint8Array) => put32(b, tailDrop.entryOffset + 16, 32),
      section: 'xdp',
      offset: entry.entryOffset + 8,
    },
  ])('$name', ({ bytes, mutate, section: wantSection, offset }) => {
    const copy = bytes.slice();
    mutate(copy);
    const error = errorOf(() => parseObject(copy));
    expect({ section: error.section, offset: error.offset }).toEqual({ section: wantSection, offset });
  });
});
