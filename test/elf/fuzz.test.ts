/**
 * @fileoverview Robustness of parseObject on mutated fixture objects: bit flips, truncation, and bogus
 * values written into the ELF header, section headers, symbols, relocations and the BTF header and
 * type records. The only rule: a result or an ElfError, never another error and never a hang.
 * Seeded; set ELF_FUZZ_SEED to replay (and ELF_FUZZ_ITERATIONS for a longer campaign); the seed and
 * iteration are printed on failure.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseObject } from '../../src/elf/object.js';
import { type ElfFile, readElf } from '../../src/elf/reader.js';
import { ElfError } from '../../src/errors.js';

const fixtureDir = join(import.meta.dirname, '..', 'fixtures', 'elf');
const fixtures = readdirSync(fixtureDir)
  .filter((f) => f.endsWith('.o'))
  .sort()
  .map((f) => ({ name: f, bytes: new Uint8Array(readFileSync(join(fixtureDir, f))) }));
const parsed = fixtures.map((f) => ({ ...f, elf: readElf(f.bytes) }));

const ITERATIONS = process.env['ELF_FUZZ_ITERATIONS'] === undefined ? 3000 : Number(process.env['ELF_FUZZ_ITERATIONS']);
const SEED = process.env['ELF_FUZZ_SEED'] === undefined ? 0x5eed_e1f : Number(process.env['ELF_FUZZ_SEED']);

/** mulberry32: a small, fast, seedable PRNG. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Mutation = (bytes: Uint8Array, elf: ElfFile, r: () => number) => Uint8Array;

const pick = <T,>(r: () => number, items: readonly T[]): T => items[Math.floor(r() * items.length)] as T;
const int = (r: () => number, n: number): number => Math.floor(r() * n);

/** A value likely to hit an edge: 0, small, near a size, all ones, or random. */
function interesting(r: () => number, near: number): number {
  return pick(r, [0, 1, 7, 8, 0x7fffffff, 0xffffffff, near, near + 1, near - 1, near * 2, int(r, 0x100000000), int(r, 256)]) >>> 0;
}

function write(bytes: Uint8Array, at: number, width: 1 | 2 | 4 | 8, value: number): void {
  if (at < 0 || at + width > bytes.length) return;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (width === 1) view.setUint8(at, value & 0xff);
  else if (width === 2) view.setUint16(at, value & 0xffff, true);
  else if (width === 4) view.setUint32(at, value >>> 0, true);
  else {
    view.setUint32(at, value >>> 0, true);
    view.setUint32(at + 4, 0, true);
  }
}

const mutations: Record<string, Mutation> = {
  bitFlips(bytes, _elf, r) {
    const out = bytes.slice();
    const n = 1 + int(r, 8);
    for (let i = 0; i < n; i++) {
      const at = int(r, out.length);
      out[at] = (out[at] ?? 0) ^ (1 << int(r, 8));
    }
    return out;
  },
  truncate(bytes, _elf, r) {
    return bytes.slice(0, int(r, bytes.length));
  },
  elfHeader(bytes, _elf, r) {
    const out = bytes.slice();
    const [at, width] = pick(r, [
      [16, 2],
      [18, 2],
      [20, 4],
      [40, 8],
      [58, 2],
      [60, 2],
      [62, 2],
      [4, 1],
      [5, 1],
    ] as const);
    write(out, at, width, interesting(r, bytes.length));
    return out;
  },
  sectionHeader(bytes, elf, r) {
    const out = bytes.slice();
    const s = pick(r, elf.sections);
    const [field, width] = pick(r, [
      [0, 4],
      [4, 4],
      [8, 8],
      [24, 8],
      [32, 8],
      [40, 4],
      [44, 4],
      [56, 8],
    ] as const);
    write(out, s.headerOffset + field, width, interesting(r, field === 24 || field === 32 ? s.size : elf.sections.length));
    return out;
  },
  symbol(bytes, elf, r) {
    const out = bytes.slice();
    const sym = pick(r, elf.symbols);
    if (sym === undefined) return out;
    const [field, width] = pick(r, [
      [0, 4],
      [4, 1],
      [6, 2],
      [8, 8],
      [16, 8],
    ] as const);
    write(out, sym.entryOffset + field, width, interesting(r, field === 6 ? elf.sections.length : sym.value));
    return out;
  },
  relocation(bytes, elf, r) {
    const out = bytes.slice();
    const rels = elf.sections.filter((s) => s.type === 9 && s.size >= 16 && !s.name.startsWith('.rel.debug'));
    if (rels.length === 0) return out;
    const rel = pick(r, rels);
    const at = rel.offset + 16 * int(r, rel.size / 16);
    const [field, width] = pick(r, [
      [0, 8],
      [8, 4],
      [12, 4],
    ] as const);
    write(out, at + field, width, interesting(r, field === 12 ? elf.symbols.length : 8));
    return out;
  },
  btfHeader(bytes, elf, r) {
    const out = bytes.slice();
    const btf = elf.sections.find((s) => s.name === pick(r, ['.BTF', '.BTF.ext']));
    if (btf === undefined) return out;
    const [field, width] = pick(r, [
      [0, 2],
      [2, 1],
      [4, 4],
      [8, 4],
      [12, 4],
      [16, 4],
      [20, 4],
      [24, 4],
      [28, 4],
    ] as const);
    write(out, btf.offset + field, width, interesting(r, btf.size));
    return out;
  },
  btfTypes(bytes, elf, r) {
    const out = bytes.slice();
    const btf = elf.sections.find((s) => s.name === '.BTF');
    if (btf === undefined || btf.size < 32) return out;
    const n = 1 + int(r, 4);
    for (let i = 0; i < n; i++) {
      // 4-byte aligned words inside the type section: name offsets, info, size/type, tails
      const at = btf.offset + 24 + 4 * int(r, (btf.size - 24) / 4);
      write(out, at, pick(r, [1, 4] as const), interesting(r, 40));
    }
    return out;
  },
  code(bytes, elf, r) {
    const out = bytes.slice();
    const code = elf.sections.filter((s) => (s.flags & 4) !== 0 && s.size >= 8);
    if (code.length === 0) return out;
    const s = pick(r, code);
    const at = s.offset + 8 * int(r, s.size / 8);
    write(out, at + pick(r, [0, 1, 4] as const), pick(r, [1, 4] as const), interesting(r, 16));
    return out;
  },
};

describe('parseObject fuzz', () => {
  it(`returns or throws ElfError on ${ITERATIONS} mutated objects (seed ${SEED})`, () => {
    const r = rng(SEED);
    const names = Object.keys(mutations);
    const outcomes = { ok: 0, elfError: 0 };
    for (let i = 0; i < ITERATIONS; i++) {
      const fixture = pick(r, parsed);
      const mutationName = pick(r, names);
      const mutate = mutations[mutationName];
      if (mutate === undefined) continue;
      let input = mutate(fixture.bytes, fixture.elf, r);
      if (r() < 0.2) input = (mutations[pick(r, names)] ?? mutate)(input, fixture.elf, r);
      try {
        parseObject(input);
        outcomes.ok++;
      } catch (e) {
        if (!(e instanceof ElfError)) {
          throw new Error(`seed ${SEED} iteration ${i} (${fixture.name}, ${mutationName}): ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`, { cause: e });
        }
        expect(typeof e.section).toBe('string');
        expect(Number.isInteger(e.offset) && e.offset >= 0 && e.offset <= input.length).toBe(true);
        outcomes.elfError++;
      }
    }
    // Both outcomes must occur, or the mutations are not reaching the parser.
    expect(outcomes.ok).toBeGreaterThan(0);
    expect(outcomes.elfError).toBeGreaterThan(0);
  });

  it('accepts every unmutated fixture', () => {
    for (const f of fixtures) expect(() => parseObject(f.bytes)).not.toThrow();
  });
});
