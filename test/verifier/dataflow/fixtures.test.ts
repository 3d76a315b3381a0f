/**
 * @fileoverview The data-flow verifier on clang-compiled objects: every program of the ELF fixtures
 * (test/fixtures/elf) and the benchmark programs (bench/programs, raw type) is accepted, or rejected
 * with the expected rule.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseObject } from '../../../src/elf/object.js';
import { isMemoryAccess } from '../../../src/isa/instruction.js';
import type { ProgramSpec } from '../../../src/elf/spec.js';
import type { ProgramType, VerifiedProgram } from '../../../src/verifier/program.js';
import { verifyDataflow, type DataflowOptions } from '../../../src/verifier/dataflow.js';

const FIXTURES = new URL('../../fixtures/elf/', import.meta.url);
const BENCH = new URL('../../../bench/programs/', import.meta.url);

function toVerified(p: ProgramSpec, type: ProgramType): VerifiedProgram {
  const checkedAccess = new Uint8Array(p.insns.length);
  p.insns.forEach((insn, pc) => {
    if (isMemoryAccess(insn)) checkedAccess[pc] = 1;
  });
  return { type, insns: p.insns, functions: p.functions.map((f) => f.pc), checkedAccess, helperIds: [] };
}

interface FixtureCase {
  readonly file: string;
  readonly program: string;
  /** undefined: accepted; otherwise the rejection reason */
  readonly reject?: string;
  readonly options?: Partial<DataflowOptions>;
}

const CASES: readonly FixtureCase[] = [
  { file: 'bloom.o', program: 'bloom_check' },
  { file: 'callback.o', program: 'strs', reject: 'callback functions (lddw src 4) are not supported' },
  { file: 'core.o', program: 'plain' },
  { file: 'global_data.o', program: 'xdp_globals' },
  { file: 'legacy_maps.o', program: 'legacy' },
  { file: 'loop.o', program: 'xdp_sum' },
  { file: 'map_in_map.o', program: 'outer_lookup' },
  { file: 'map_types.o', program: 'xdp_route' },
  { file: 'socket.o', program: 'sock_trim' },
  { file: 'subprog.o', program: 'first' },
  { file: 'subprog.o', program: 'second' },
  { file: 'tailcall.o', program: 'entry' },
  { file: 'tailcall.o', program: 'tail_pass' },
  { file: 'tc.o', program: 'tc_mark' },
  { file: 'tc.o', program: 'cls_drop_big' },
  { file: 'xdp_maps.o', program: 'xdp_count' },
];

function load(dir: URL, file: string, program: string): { spec: ProgramSpec; maps: ReturnType<typeof parseObject>['maps'] } {
  const object = parseObject(readFileSync(new URL(file, dir)));
  const spec = object.programs.find((p) => p.name === program);
  if (spec === undefined) throw new Error(`${file} has no program ${program}`);
  return { spec, maps: object.maps };
}

describe('verifyDataflow on ELF fixtures', () => {
  it.each(CASES)('$file $program', ({ file, program, reject }) => {
    const { spec, maps } = load(FIXTURES, file, program);
    const type = spec.type === 'unknown' ? 'raw' : spec.type;
    const verify = (): unknown => verifyDataflow(toVerified(spec, type), { type, maps });
    if (reject === undefined) expect(verify).not.toThrow();
    else expect(verify).toThrow(reject);
  });
});

describe('verifyDataflow on the benchmark programs (raw type)', () => {
  it.each([
    { file: 'parse.o', fallback: false, limit: 1000 },
    { file: 'xorshift.o', fallback: false, limit: 300_000 },
    { file: 'checksum.o', fallback: true, limit: 20_000 },
    { file: 'fnv1a.o', fallback: true, limit: 20_000 },
  ])('$file', ({ file, fallback, limit }) => {
    const { spec, maps } = load(BENCH, file, file.replace('.o', ''));
    const result = verifyDataflow(toVerified(spec, 'raw'), { type: 'raw', maps, complexityLimit: limit, onComplexityLimit: 'check-at-run-time' });
    expect(result.stats.fallback).toBe(fallback);
  });
});
