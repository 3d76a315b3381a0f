/**
 * @fileoverview BTF parsing on hand-built sections (one record of every kind, sizes through typedefs,
 * modifiers and arrays, loops and malformed records) and on the fixtures' .BTF / .BTF.ext sections.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCoreRelocations } from '../../src/btf/ext.js';
import { parseBtf } from '../../src/btf/parse.js';
import { type Btf, BtfKind, kindName } from '../../src/btf/types.js';
import { readElf } from '../../src/elf/reader.js';
import { ElfError } from '../../src/errors.js';

/** Builds a .BTF section: types are [kind, vlen, kindFlag, nameOff, sizeOrType, ...tail words]. */
function buildBtf(strings: string[], types: number[][]): Uint8Array {
  const strBytes: number[] = [0];
  for (const s of strings) strBytes.push(...new TextEncoder().encode(s), 0);
  const words: number[] = [];
  for (const [kind = 0, vlen = 0, kindFlag = 0, nameOff = 0, sizeOrType = 0, ...tail] of types) {
    words.push(nameOff, ((kindFlag << 31) | (kind << 24) | vlen) >>> 0, sizeOrType, ...tail);
  }
  const typeLen = words.length * 4;
  const out = new Uint8Array(24 + typeLen + strBytes.length);
  const view = new DataView(out.buffer);
  view.setUint16(0, 0xeb9f, true);
  view.setUint8(2, 1);
  view.setUint32(4, 24, true);
  view.setUint32(8, 0, true);
  view.setUint32(12, typeLen, true);
  view.setUint32(16, typeLen, true);
  view.setUint32(20, strBytes.length, true);
  words.forEach((w, i) => view.setUint32(24 + i * 4, w >>> 0, true));
  out.set(strBytes, 24 + typeLen);
  return out;
}

/** Offset of `name` in the string section built from `strings`. */
function off(strings: string[], name: string): number {
  let at = 1;
  for (const s of strings) {
    if (s === name) return at;
    at += s.length + 1;
  }
  throw new Error(`no string ${name}`);
}

const S = ['int', 'p', 'arr', 'pair', 'a', 'b', 'color', 'RED', 'fwd', 'u32', 'fn', 'x', 'var', '.data', 'double', 'tag', 'big', 'K', 'un'];
const o = (name: string): number => off(S, name);

// One record of each kind; ids in comments.
const ALL_KINDS: number[][] = [
  [BtfKind.INT, 0, 0, o('int'), 4, (1 << 24) | 32], // 1 int: signed, 32 bits
  [BtfKind.PTR, 0, 0, 0, 1], // 2 int *
  [BtfKind.ARRAY, 0, 0, 0, 0, 1, 1, 10], // 3 int[10]
  [BtfKind.STRUCT, 2, 0, o('pair'), 48, o('a'), 1, 0, o('b'), 3, 64], // 4 struct pair { int a; int b[10]; } (padded)
  [BtfKind.UNION, 1, 0, o('un'), 4, o('a'), 1, 0], // 5 union un { int a; }
  [BtfKind.ENUM, 1, 0, o('color'), 4, o('RED'), 0xffffffff], // 6 enum color { RED = -1 }
  [BtfKind.FWD, 0, 1, o('fwd'), 0], // 7 union fwd;
  [BtfKind.TYPEDEF, 0, 0, o('u32'), 1], // 8 typedef int u32
  [BtfKind.VOLATILE, 0, 0, 0, 8], // 9 volatile u32
  [BtfKind.CONST, 0, 0, 0, 9], // 10 const volatile u32
  [BtfKind.RESTRICT, 0, 0, 0, 2], // 11 int * restrict
  [BtfKind.FUNC_PROTO, 1, 0, 0, 1, o('x'), 2], // 12 int (int *x)
  [BtfKind.FUNC, 1, 0, o('fn'), 12], // 13 global fn
  [BtfKind.VAR, 0, 0, o('var'), 10, 1], // 14 var (global)
  [BtfKind.DATASEC, 1, 0, o('.data'), 4, 14, 0, 4], // 15 .data { var at 0, 4 bytes }
  [BtfKind.FLOAT, 0, 0, o('double'), 8], // 16 double
  [BtfKind.DECL_TAG, 0, 0, o('tag'), 13, 0xffffffff], // 17 tag on fn, component -1
  [BtfKind.TYPE_TAG, 0, 0, o('tag'), 2], // 18 int __tag *
  [BtfKind.ENUM64, 1, 1, o('big'), 8, o('K'), 0x00000001, 0x80000000], // 19 unsigned enum big { K = 2^63 + 1 }
  [BtfKind.ARRAY, 0, 0, 0, 0, 10, 1, 3], // 20 const volatile u32[3]
  [BtfKind.ARRAY, 0, 0, 0, 0, 20, 1, 2], // 21 const volatile u32[2][3]
];

const parse = (bytes: Uint8Array): Btf => parseBtf(bytes, 1000);

function errorOf(fn: () => unknown): ElfError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ElfError) return e;
    throw e;
  }
  throw new Error('expected an ElfError');
}

describe('parseBtf', () => {
  const btf = parse(buildBtf(S, ALL_KINDS));

  it('parses one record of every kind', () => {
    expect(btf.count).toBe(ALL_KINDS.length + 1);
    expect(btf.types[0]).toBeUndefined();
    expect(btf.types.slice(1, 20)).toEqual([
      { id: 1, name: 'int', kind: BtfKind.INT, size: 4, encoding: 1, bitOffset: 0, bits: 32 },
      { id: 2, name: '', kind: BtfKind.PTR, type: 1 },
      { id: 3, name: '', kind: BtfKind.ARRAY, type: 1, indexType: 1, nelems: 10 },
      {
        id: 4,
        name: 'pair',
        kind: BtfKind.STRUCT,
        size: 48,
        members: [
          { name: 'a', type: 1, bitOffset: 0, bitfieldSize: 0 },
          { name: 'b', type: 3, bitOffset: 64, bitfieldSize: 0 },
        ],
      },
      { id: 5, name: 'un', kind: BtfKind.UNION, size: 4, members: [{ name: 'a', type: 1, bitOffset: 0, bitfieldSize: 0 }] },
      { id: 6, name: 'color', kind: BtfKind.ENUM, size: 4, isSigned: true, values: [{ name: 'RED', value: -1n }] },
      { id: 7, name: 'fwd', kind: BtfKind.FWD, isUnion: true },
      { id: 8, name: 'u32', kind: BtfKind.TYPEDEF, type: 1 },
      { id: 9, name: '', kind: BtfKind.VOLATILE, type: 8 },
      { id: 10, name: '', kind: BtfKind.CONST, type: 9 },
      { id: 11, name: '', kind: BtfKind.RESTRICT, type: 2 },
      { id: 12, name: '', kind: BtfKind.FUNC_PROTO, returnType: 1, params: [{ name: 'x', type: 2 }] },
      { id: 13, name: 'fn', kind: BtfKind.FUNC, type: 12, linkage: 1 },
      { id: 14, name: 'var', kind: BtfKind.VAR, type: 10, linkage: 1 },
      { id: 15, name: '.data', kind: BtfKind.DATASEC, size: 4, vars: [{ type: 14, offset: 0, size: 4 }] },
      { id: 16, name: 'double', kind: BtfKind.FLOAT, size: 8 },
      { id: 17, name: 'tag', kind: BtfKind.DECL_TAG, type: 13, componentIndex: -1 },
      { id: 18, name: 'tag', kind: BtfKind.TYPE_TAG, type: 2 },
      { id: 19, name: 'big', kind: BtfKind.ENUM64, size: 8, isSigned: false, values: [{ name: 'K', value: (1n << 63n) + 1n }] },
    ]);
  });

  it.each([
    { id: 1, size: 4 },
    { id: 2, size: 8 },
    { id: 3, size: 40 },
    { id: 4, size: 48 },
    { id: 5, size: 4 },
    { id: 6, size: 4 },
    { id: 8, size: 4 },
    { id: 10, size: 4 },
    { id: 11, size: 8 },
    { id: 14, size: 4 },
    { id: 16, size: 8 },
    { id: 18, size: 8 },
    { id: 19, size: 8 },
    { id: 20, size: 12 },
    { id: 21, size: 24 },
  ])('sizeOf type $id is $size', ({ id, size }) => {
    expect(btf.sizeOf(id, 'test')).toBe(size);
  });

  it.each([0, 7, 12, 13])('sizeOf type %i is an error', (id) => {
    expect(() => btf.sizeOf(id, 'test')).toThrow(ElfError);
  });

  it('skips typedefs and modifiers', () => {
    expect(btf.skipModifiers(10, 'test')?.id).toBe(1);
    expect(btf.skipModifiers(18, 'test')?.id).toBe(2);
    expect(btf.skipModifiers(0, 'test')).toBeUndefined();
    expect(btf.findDatasec('.data')?.id).toBe(15);
    expect(btf.findDatasec('.maps')).toBeUndefined();
  });

  it('names every kind', () => {
    expect(Object.values(BtfKind).map(kindName)).toEqual([
      'int', 'ptr', 'array', 'struct', 'union', 'enum', 'fwd', 'typedef', 'volatile', 'const', 'restrict',
      'func', 'func_proto', 'var', 'datasec', 'float', 'decl_tag', 'type_tag', 'enum64',
    ]);
  });

  it('detects typedef loops', () => {
    const loop = parse(buildBtf(['a', 'b'], [
      [BtfKind.TYPEDEF, 0, 0, 1, 2],
      [BtfKind.TYPEDEF, 0, 0, 3, 1],
    ]));
    expect(errorOf(() => loop.skipModifiers(1, 'test')).section).toBe('.BTF');
    expect(errorOf(() => loop.sizeOf(1, 'test')).section).toBe('.BTF');
  });

  it('rejects array sizes that overflow', () => {
    const huge = parse(buildBtf(['int'], [
      [BtfKind.INT, 0, 0, 1, 4, 32],
      [BtfKind.ARRAY, 0, 0, 0, 0, 1, 1, 0xffffffff],
      [BtfKind.ARRAY, 0, 0, 0, 0, 2, 1, 0xffffffff],
    ]));
    expect(() => huge.sizeOf(3, 'test')).toThrow(ElfError);
  });
});

describe('parseBtf errors', () => {
  const good = buildBtf(S, ALL_KINDS);
  const typeLen = new DataView(good.buffer).getUint32(12, true);
  const cases: { name: string; bytes: () => Uint8Array; offset: number }[] = [
    { name: 'too short', bytes: () => good.slice(0, 10), offset: 0 },
    { name: 'bad magic', bytes: () => withWord(good, 0, 0x9feb, 2), offset: 0 },
    { name: 'bad version', bytes: () => withWord(good, 2, 2, 1), offset: 2 },
    { name: 'header length too small', bytes: () => withWord(good, 4, 8, 4), offset: 4 },
    { name: 'header length past the end', bytes: () => withWord(good, 4, good.length + 1, 4), offset: 4 },
    { name: 'type section past the end', bytes: () => withWord(good, 12, good.length, 4), offset: 8 },
    { name: 'string section past the end', bytes: () => withWord(good, 20, good.length, 4), offset: 16 },
    { name: 'unaligned type section', bytes: () => withWord(good, 8, 2, 4), offset: 8 },
    { name: 'unknown kind', bytes: () => withWord(good, 24 + 4, 20 << 24, 4), offset: 24 + 4 },
    { name: 'bad name offset', bytes: () => withWord(good, 24, 0xfffff, 4), offset: 24 },
    // the last record (an array) loses the last word of its 12-byte tail
    { name: 'truncated record', bytes: () => withWord(good, 12, typeLen - 4, 4), offset: 24 + typeLen - 12 },
    // record 2 (ptr) starts after the 16-byte int record; the error names the record
    { name: 'type id out of range', bytes: () => withWord(good, 24 + 16 + 8, 999, 4), offset: 24 + 16 },
  ];

  it.each(cases)('$name', ({ bytes, offset }) => {
    const error = errorOf(() => parse(bytes()));
    expect({ section: error.section, offset: error.offset }).toEqual({ section: '.BTF', offset: 1000 + offset });
  });
});

function withWord(bytes: Uint8Array, at: number, value: number, width: 1 | 2 | 4): Uint8Array {
  const out = bytes.slice();
  const view = new DataView(out.buffer);
  if (width === 1) view.setUint8(at, value);
  else if (width === 2) view.setUint16(at, value, true);
  else view.setUint32(at, value >>> 0, true);
  return out;
}

describe('fixture BTF', () => {
  const bytes = new Uint8Array(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'elf', 'core.o')));
  const elf = readElf(bytes);
  const btfSection = elf.sections.find((s) => s.name === '.BTF');
  const extSection = elf.sections.find((s) => s.name === '.BTF.ext');

  it('parses .BTF and the CO-RE records of .BTF.ext', () => {
    if (btfSection === undefined || extSection === undefined) throw new Error('core.o lacks .BTF or .BTF.ext');
    const btf = parseBtf(btfSection.data, btfSection.offset);
    const task = btf.types.find((t) => t?.name === 'task_like');
    expect(task?.kind).toBe(BtfKind.STRUCT);
    expect(btf.sizeOf(task?.id ?? 0, 'test')).toBe(8);
    const relos = parseCoreRelocations(extSection.data, extSection.offset, btf);
    expect(relos.map(({ recordOffset: _recordOffset, ...r }) => r)).toEqual([
      { section: 'kprobe/do_nothing', insnOffset: 24, typeId: task?.id, typeName: 'task_like', accessString: '0:1', kind: 'field_byte_offset' },
    ]);
  });

  it('rejects a .BTF.ext with a bad magic', () => {
    if (btfSection === undefined || extSection === undefined) throw new Error('core.o lacks .BTF or .BTF.ext');
    const btf = parseBtf(btfSection.data, btfSection.offset);
    const error = errorOf(() => parseCoreRelocations(withWord(extSection.data, 0, 0, 2), extSection.offset, btf));
    expect({ section: error.section, offset: error.offset }).toEqual({ section: '.BTF.ext', offset: extSection.offset });
  });
});
