/**
 * @fileoverview The ELF loader's fixtures (test/fixtures/elf) through loadObject: every packet
 * program that needs no CO-RE relocation and no unsupported feature loads and runs on both engines;
 * a CO-RE program and a bpf_loop callback (lddw src 4) are refused with typed errors.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ElfError, loadObject, UsageError, VerifierError, type Engine } from 'ebpf-wasm';
import { ipv4Packet } from './packets.js';

const ELF = new URL('../fixtures/elf/', import.meta.url);
const ENGINES: readonly Engine[] = ['interpreter', 'jit'];

const LOADABLE = [
  { file: 'bloom.o', program: 'bloom_check' },
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
  { file: 'tc.o', program: 'tc_mark' },
  { file: 'tc.o', program: 'cls_drop_big' },
  { file: 'xdp_maps.o', program: 'xdp_count' },
];

describe.each(ENGINES)('%s', (engine) => {
  it.each(LOADABLE)('$file: $program loads and both engines agree', async ({ file, program }) => {
    const bytes = readFileSync(new URL(file, ELF));
    const results = [];
    for (const e of ['interpreter', engine] as const) {
      const obj = loadObject(bytes);
      const prog = await obj.load(program, { engine: e });
      const run = prog.run(ipv4Packet({ payload: 30 }));
      results.push({ r0: run.r0, data: run.data, maps: [...obj.maps.values()].map((m) => (m.type === 3 || m.type === 4 || m.type === 27 || m.type === 12 || m.type === 13 ? [] : m.entries())) });
    }
    expect(results[1]).toEqual(results[0]);
  });

  it('a CO-RE program gives ElfError at load', async () => {
    const obj = loadObject(readFileSync(new URL('core.o', ELF)));
    expect(obj.programs.find((p) => p.name === 'needs_core')).toEqual({ name: 'needs_core', section: 'kprobe/do_nothing', type: 'unknown' });
    await expect(obj.load('needs_core', { engine })).rejects.toBeInstanceOf(ElfError);
  });

  it('a bpf_loop callback (lddw src 4) gives VerifierError', async () => {
    const obj = loadObject(readFileSync(new URL('callback.o', ELF)));
    await expect(obj.load('strs', { engine })).rejects.toBeInstanceOf(VerifierError);
  });

  it('unknown names give UsageError', async () => {
    const obj = loadObject(readFileSync(new URL('tc.o', ELF)));
    await expect(obj.load('nope', { engine })).rejects.toBeInstanceOf(UsageError);
    expect(await obj.load('classifier/ingress', { engine })).toMatchObject({ name: 'cls_drop_big', type: 'tc' });
  });
});
