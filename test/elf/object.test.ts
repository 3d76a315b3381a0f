/**
 * @fileoverview parseObject on the clang-built fixtures in test/fixtures/elf (C source next to each
 * object, rebuilt by build.sh): program names, types and sections, map definitions, map references,
 * relocated call offsets and lddw fields, license, and CO-RE / extern reporting.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decode } from '../../src/decode.js';
import { encode } from '../../src/encode.js';
import { assertNoCoreRelocations, type MapSpec, parseObject, programTypeOf, sectionTypeOf } from '../../src/elf/object.js';
import { readElf } from '../../src/elf/reader.js';
import { ElfError } from '../../src/errors.js';
import { Opcode, PseudoSrc } from '../../src/isa/opcodes.js';

const fixtureDir = join(import.meta.dirname, '..', 'fixtures', 'elf');
const load = (name: string): Uint8Array => new Uint8Array(readFileSync(join(fixtureDir, name)));

interface WantProgram {
  name: string;
  section: string;
  type: string;
  sectionType: string;
  insnCount: number;
  functions: { name: string; pc: number }[];
  mapRefs: { pc: number; map: string; kind: 'map' | 'value'; offset: number }[];
  /** pc -> expected imm of the local call (src 1) there */
  calls?: Record<number, number>;
  coreRelocations?: number;
}

interface WantObject {
  file: string;
  license: string;
  maps: MapSpec[];
  programs: WantProgram[];
}

const noInit = (m: Omit<MapSpec, 'section'> & { section?: string }): MapSpec => ({ section: '.maps', ...m });

const cases: WantObject[] = [
  {
    file: 'xdp_maps.o',
    license: 'GPL',
    maps: [
      noInit({ name: 'counts', type: 1, keySize: 4, valueSize: 16, maxEntries: 16, flags: 0 }),
      noInit({ name: 'config', type: 2, keySize: 4, valueSize: 8, maxEntries: 4, flags: 0x80 }),
    ],
    programs: [
      {
        name: 'xdp_count',
        section: 'xdp',
        type: 'xdp',
        sectionType: 'xdp',
        insnCount: 45,
        functions: [{ name: 'xdp_count', pc: 0 }],
        mapRefs: [
          { pc: 9, map: 'counts', kind: 'map', offset: 0 },
          { pc: 15, map: 'config', kind: 'map', offset: 0 },
          { pc: 35, map: 'counts', kind: 'map', offset: 0 },
        ],
      },
    ],
  },
  {
    file: 'map_types.o',
    license: 'Dual MIT/GPL',
    maps: [
      noInit({ name: 'routes', type: 11, keySize: 8, valueSize: 4, maxEntries: 255, flags: 1 }),
      noInit({ name: 'stats', type: 6, keySize: 4, valueSize: 24, maxEntries: 8, flags: 0 }),
      noInit({ name: 'flows', type: 5, keySize: 8, valueSize: 2, maxEntries: 32, flags: 0, pinning: 1, numaNode: 0 }),
      noInit({ name: 'events', type: 27, keySize: 0, valueSize: 0, maxEntries: 4096, flags: 0 }),
    ],
    programs: [
      {
        name: 'xdp_route',
        section: 'xdp.frags',
        type: 'xdp',
        sectionType: 'xdp.frags',
        insnCount: 48,
        functions: [{ name: 'xdp_route', pc: 0 }],
        mapRefs: [
          { pc: 9, map: 'routes', kind: 'map', offset: 0 },
          { pc: 15, map: 'stats', kind: 'map', offset: 0 },
          { pc: 21, map: 'flows', kind: 'map', offset: 0 },
          { pc: 34, map: 'events', kind: 'map', offset: 0 },
        ],
      },
    ],
  },
  {
    file: 'bloom.o',
    license: 'GPL',
    maps: [noInit({ name: 'bloom', type: 30, keySize: 0, valueSize: 4, maxEntries: 64, flags: 0, mapExtra: 5 })],
    programs: [
      {
        name: 'bloom_check',
        section: 'xdp',
        type: 'xdp',
        sectionType: 'xdp',
        insnCount: 12,
        functions: [{ name: 'bloom_check', pc: 0 }],
        mapRefs: [{ pc: 4, map: 'bloom', kind: 'map', offset: 0 }],
      },
    ],
  },
  {
    file: 'tc.o',
    license: 'GPL',
    maps: [],
    programs: [
      { name: 'tc_mark', section: 'tc', type: 'tc', sectionType: 'tc', insnCount: 4, functions: [{ name: 'tc_mark', pc: 0 }], mapRefs: [] },
      {
        name: 'cls_drop_big',
        section: 'classifier/ingress',
        type: 'tc',
        sectionType: 'classifier',
        insnCount: 6,
        functions: [{ name: 'cls_drop_big', pc: 0 }],
        mapRefs: [],
      },
    ],
  },
  {
    file: 'socket.o',
    license: 'BSD',
    maps: [],
    programs: [{ name: 'sock_trim', section: 'socket', type: 'socket_filter', sectionType: 'socket', insnCount: 4, functions: [{ name: 'sock_trim', pc: 0 }], mapRefs: [] }],
  },
  {
    file: 'tailcall.o',
    license: 'GPL',
    maps: [
      noInit({
        name: 'jumps',
        type: 3,
        keySize: 4,
        valueSize: 4,
        maxEntries: 4,
        flags: 0,
        initialSlots: [
          { index: 0, program: 'tail_pass' },
          { index: 2, program: 'tail_drop' },
        ],
      }),
    ],
    programs: [
      { name: 'tail_pass', section: 'xdp', type: 'xdp', sectionType: 'xdp', insnCount: 2, functions: [{ name: 'tail_pass', pc: 0 }], mapRefs: [] },
      { name: 'tail_drop', section: 'xdp', type: 'xdp', sectionType: 'xdp', insnCount: 2, functions: [{ name: 'tail_drop', pc: 0 }], mapRefs: [] },
      {
        name: 'entry',
        section: 'xdp',
        type: 'xdp',
        sectionType: 'xdp',
        insnCount: 7,
        functions: [{ name: 'entry', pc: 0 }],
        mapRefs: [{ pc: 2, map: 'jumps', kind: 'map', offset: 0 }],
      },
    ],
  },
  {
    file: 'global_data.o',
    license: 'GPL',
    maps: [
      { name: '.data', type: 2, keySize: 4, valueSize: 12, maxEntries: 1, flags: 0, initialValue: new Uint8Array([7, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0]), readonly: false, section: '.data' },
      {
        name: '.rodata',
        type: 2,
        keySize: 4,
        valueSize: 15,
        maxEntries: 1,
        flags: 0x80,
        // limit = 100, scale = 2, then the bpf_printk format "big %u"
        initialValue: new Uint8Array([100, 0, 0, 0, 2, 0, 0, 0, ...new TextEncoder().encode('big %u'), 0]),
        readonly: true,
        section: '.rodata',
      },
      { name: '.bss', type: 2, keySize: 4, valueSize: 16, maxEntries: 1, flags: 0, initialValue: new Uint8Array(16), readonly: false, section: '.bss' },
    ],
    programs: [
      {
        name: 'xdp_globals',
        section: 'xdp',
        type: 'xdp',
        sectionType: 'xdp',
        insnCount: 38,
        functions: [{ name: 'xdp_globals', pc: 0 }],
        mapRefs: [
          { pc: 2, map: '.data', kind: 'value', offset: 0 }, // counter
          { pc: 7, map: '.rodata', kind: 'value', offset: 4 }, // scale
          { pc: 10, map: '.data', kind: 'value', offset: 8 }, // second
          { pc: 16, map: '.rodata', kind: 'value', offset: 0 }, // limit
          { pc: 20, map: '.bss', kind: 'value', offset: 0 }, // misses
          { pc: 25, map: '.rodata', kind: 'value', offset: 8 }, // section symbol + imm 8: the format string
          { pc: 31, map: '.bss', kind: 'value', offset: 8 }, // hits
        ],
      },
    ],
  },
  {
    file: 'subprog.o',
    license: 'GPL',
    maps: [],
    programs: [
      {
        name: 'first',
        section: 'xdp',
        type: 'xdp',
        sectionType: 'xdp',
        insnCount: 5 + 4 + 4,
        functions: [
          { name: 'first', pc: 0 },
          { name: 'checksum', pc: 5 },
          { name: 'mix', pc: 9 },
        ],
        mapRefs: [],
        calls: { 2: 5 - 3, 6: 9 - 7 },
      },
      {
        name: 'second',
        section: 'xdp',
        type: 'xdp',
        sectionType: 'xdp',
        insnCount: 10 + 4 + 3 + 4,
        functions: [
          { name: 'second', pc: 0 },
          { name: 'checksum', pc: 10 },
          { name: 'only_second', pc: 14 },
          { name: 'mix', pc: 17 },
        ],
        mapRefs: [],
        calls: { 3: 10 - 4, 6: 14 - 7, 11: 17 - 12 },
      },
    ],
  },
  {
    file: 'legacy_maps.o',
    license: 'GPL',
    maps: [
      { name: 'legacy_hash', type: 1, keySize: 4, valueSize: 8, maxEntries: 64, flags: 0, section: 'maps' },
      { name: 'legacy_array', type: 2, keySize: 4, valueSize: 16, maxEntries: 2, flags: 0, section: 'maps' },
    ],
    programs: [
      {
        name: 'legacy',
        section: 'socket/legacy',
        type: 'socket_filter',
        sectionType: 'socket',
        insnCount: 23,
        functions: [{ name: 'legacy', pc: 0 }],
        mapRefs: [
          { pc: 6, map: 'legacy_hash', kind: 'map', offset: 0 },
          { pc: 12, map: 'legacy_array', kind: 'map', offset: 0 },
        ],
      },
    ],
  },
  {
    file: 'loop.o',
    license: 'GPL',
    maps: [],
    programs: [{ name: 'xdp_sum', section: 'xdp', type: 'xdp', sectionType: 'xdp', insnCount: 18, functions: [{ name: 'xdp_sum', pc: 0 }], mapRefs: [] }],
  },
  {
    file: 'map_in_map.o',
    license: 'GPL',
    maps: [
      noInit({ name: 'inner_a', type: 2, keySize: 4, valueSize: 4, maxEntries: 8, flags: 0 }),
      noInit({
        name: 'outer',
        type: 12,
        keySize: 4,
        valueSize: 4,
        maxEntries: 2,
        flags: 0,
        innerMap: noInit({ name: 'outer.inner', type: 2, keySize: 4, valueSize: 4, maxEntries: 8, flags: 0 }),
        initialMapSlots: [{ index: 1, map: 'inner_a' }],
      }),
    ],
    programs: [
      {
        name: 'outer_lookup',
        section: 'tc',
        type: 'tc',
        sectionType: 'tc',
        insnCount: 17,
        functions: [{ name: 'outer_lookup', pc: 0 }],
        mapRefs: [{ pc: 4, map: 'outer', kind: 'map', offset: 0 }],
      },
    ],
  },
  {
    file: 'callback.o',
    license: 'GPL',
    maps: [
      {
        name: '.rodata.str1.1',
        type: 2,
        keySize: 4,
        valueSize: 18,
        maxEntries: 1,
        flags: 0x80,
        initialValue: new TextEncoder().encode('long packet\0short\0'),
        readonly: true,
        section: '.rodata.str1.1',
      },
    ],
    programs: [
      {
        name: 'strs',
        section: 'socket',
        type: 'socket_filter',
        sectionType: 'socket',
        insnCount: 22,
        functions: [
          { name: 'strs', pc: 0 },
          { name: 'count_cb', pc: 20 },
        ],
        mapRefs: [
          { pc: 1, map: '.rodata.str1.1', kind: 'value', offset: 0 },
          { pc: 4, map: '.rodata.str1.1', kind: 'value', offset: 12 },
        ],
      },
    ],
  },
  {
    file: 'core.o',
    license: 'GPL',
    maps: [],
    programs: [
      {
        name: 'needs_core',
        section: 'kprobe/do_nothing',
        type: 'unknown',
        sectionType: 'kprobe',
        insnCount: 11,
        functions: [{ name: 'needs_core', pc: 0 }],
        mapRefs: [],
        coreRelocations: 1,
      },
      { name: 'plain', section: 'xdp', type: 'xdp', sectionType: 'xdp', insnCount: 2, functions: [{ name: 'plain', pc: 0 }], mapRefs: [] },
    ],
  },
];

describe('parseObject on fixtures', () => {
  describe.each(cases)('$file', (want) => {
    const spec = parseObject(load(want.file));

    it('has the license', () => {
      expect(spec.license).toBe(want.license);
      for (const p of spec.programs) expect(p.license).toBe(want.license);
    });

    it('has the maps', () => {
      expect(spec.maps).toEqual(want.maps);
    });

    it('has the programs', () => {
      expect(spec.programs.map((p) => p.name)).toEqual(want.programs.map((p) => p.name));
      spec.programs.forEach((p, i) => {
        const w = want.programs[i];
        expect(w).toBeDefined();
        if (w === undefined) return;
        expect({ section: p.section, type: p.type, sectionType: p.sectionType, insnCount: p.insns.length, functions: p.functions, coreRelocations: p.coreRelocations }).toEqual({
          section: w.section,
          type: w.type,
          sectionType: w.sectionType,
          insnCount: w.insnCount,
          functions: w.functions,
          coreRelocations: w.coreRelocations ?? 0,
        });
        expect(p.mapRefs).toEqual(w.mapRefs);
      });
    });

    it('encodes lddw map references in the fd_array convention', () => {
      for (const p of spec.programs) {
        for (const ref of p.mapRefs) {
          const lo = p.insns[ref.pc];
          const hi = p.insns[ref.pc + 1];
          const index = spec.maps.findIndex((m) => m.name === ref.map);
          expect(lo?.op).toBe(Opcode.LDDW);
          expect(lo?.src).toBe(ref.kind === 'map' ? PseudoSrc.MAP_IDX : PseudoSrc.MAP_IDX_VALUE);
          expect(lo?.imm).toBe(index);
          expect(hi?.imm).toBe(ref.offset);
        }
        // Every other lddw is a plain constant or a function pointer.
        p.insns.forEach((insn, pc) => {
          if (insn.op !== Opcode.LDDW || p.mapRefs.some((r) => r.pc === pc)) return;
          expect([PseudoSrc.IMM64, PseudoSrc.FUNC]).toContain(insn.src);
        });
      }
    });

    it('fixes up local calls', () => {
      for (const p of spec.programs) {
        const w = want.programs.find((x) => x.name === p.name);
        const localCalls: Record<number, number> = {};
        p.insns.forEach((insn, pc) => {
          if (insn.op === Opcode.CALL && insn.src === 1) localCalls[pc] = insn.imm;
        });
        expect(localCalls).toEqual(w?.calls ?? {});
      }
    });

    it('produces instructions that encode and decode back unchanged', () => {
      for (const p of spec.programs) expect(decode(encode(p.insns))).toEqual(p.insns);
    });

    it('is deterministic', () => {
      const again = parseObject(load(want.file));
      expect(again.programs).toEqual(spec.programs);
      expect(again.maps).toEqual(spec.maps);
    });
  });
});

describe('relocated instruction details', () => {
  it('points the bpf_loop callback lddw at the appended subprogram', () => {
    const p = parseObject(load('callback.o')).programs[0];
    const lddw = p?.insns[11];
    expect(lddw).toEqual({ op: Opcode.LDDW, dst: 2, src: PseudoSrc.FUNC, off: 0, imm: 20 - 12 });
  });

  it('keeps every unrelocated slot of the entry function as clang wrote it', () => {
    const bytes = load('subprog.o');
    const p = parseObject(bytes).programs.find((x) => x.name === 'second');
    // `second` is at byte 0x28 of section xdp (llvm-objdump), 10 slots long.
    const xdp = readElf(bytes).sections.find((s) => s.name === 'xdp');
    const original = decode(xdp?.data.subarray(0x28, 0x28 + 80) ?? new Uint8Array(0));
    expect(original.length).toBe(10);
    const relocated = new Set([3, 6]);
    original.forEach((insn, pc) => {
      if (!relocated.has(pc)) expect(p?.insns[pc]).toEqual(insn);
    });
  });

  it('leaves the .rodata format string pointer at section offset 8', () => {
    const p = parseObject(load('global_data.o')).programs[0];
    expect(p?.insns.slice(25, 27)).toEqual([
      { op: Opcode.LDDW, dst: 1, src: PseudoSrc.MAP_IDX_VALUE, off: 0, imm: 1 },
      { op: 0, dst: 0, src: 0, off: 0, imm: 8 },
    ]);
  });
});

describe('inert output', () => {
  it('copies global data out of a Node Buffer instead of aliasing it', () => {
    const buffer = readFileSync(join(fixtureDir, 'global_data.o'));
    const spec = parseObject(buffer);
    const before = Array.from(spec.maps[0]?.initialValue ?? []);
    buffer.fill(0xaa);
    expect(Array.from(spec.maps[0]?.initialValue ?? [])).toEqual(before);
    expect(before[0]).toBe(7);
  });

  it('gives each program its own instruction array', () => {
    const [first, second] = parseObject(load('subprog.o')).programs;
    expect(first?.insns).not.toBe(second?.insns);
  });
});

describe('unsupported features', () => {
  it('reports CO-RE relocations per program', () => {
    const spec = parseObject(load('core.o'));
    const [needsCore, plain] = spec.programs;
    expect(needsCore?.coreRelocationDetails).toEqual([
      { section: 'kprobe/do_nothing', insnOffset: 24, pc: 3, typeId: 2, typeName: 'task_like', accessString: '0:1', kind: 'field_byte_offset', recordOffset: expect.any(Number) as number },
    ]);
    expect(() => assertNoCoreRelocations(plain ?? needsCore!)).not.toThrow();
    let error: unknown;
    try {
      assertNoCoreRelocations(needsCore!);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ElfError);
    expect((error as ElfError).section).toBe('kprobe/do_nothing');
    expect((error as ElfError).message).toContain('needs_core');
    expect((error as ElfError).message).toContain('field_byte_offset');
  });

  // Objects in bad/ compile but must be rejected; each error names its section and the word that matters.
  it.each([
    { file: 'bad/extern.o', section: 'xdp', mentions: 'extern LINUX_KERNEL_VERSION' },
    { file: 'bad/key_conflict.o', section: '.maps', mentions: 'key_size 8 disagrees with key type size 4' },
    { file: 'bad/unknown_member.o', section: '.maps', mentions: 'unknown member colour' },
  ])('rejects $file', ({ file, section, mentions }) => {
    let error: unknown;
    try {
      parseObject(load(file));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ElfError);
    expect((error as ElfError).section).toBe(section);
    expect((error as ElfError).message).toContain(mentions);
  });
});

describe('section names', () => {
  it.each([
    { section: 'xdp', type: 'xdp', sectionType: 'xdp' },
    { section: 'xdp/devmap', type: 'xdp', sectionType: 'xdp' },
    { section: 'xdp.frags', type: 'xdp', sectionType: 'xdp.frags' },
    { section: 'xdp.frags/cpumap', type: 'xdp', sectionType: 'xdp.frags' },
    { section: 'xdpfoo', type: 'unknown', sectionType: 'xdpfoo' },
    { section: 'tc', type: 'tc', sectionType: 'tc' },
    { section: 'tc/ingress', type: 'tc', sectionType: 'tc' },
    { section: 'classifier', type: 'tc', sectionType: 'classifier' },
    { section: 'classifier/egress', type: 'tc', sectionType: 'classifier' },
    { section: 'tcx/ingress', type: 'tc', sectionType: 'tcx' },
    { section: 'socket', type: 'socket_filter', sectionType: 'socket' },
    { section: 'socket/1', type: 'socket_filter', sectionType: 'socket' },
    { section: 'kprobe/sys_open', type: 'unknown', sectionType: 'kprobe' },
    { section: 'tracepoint/syscalls/sys_enter_open', type: 'unknown', sectionType: 'tracepoint' },
  ])('$section', ({ section, type, sectionType }) => {
    expect(programTypeOf(section)).toBe(type);
    expect(sectionTypeOf(section)).toBe(sectionType);
  });
});
