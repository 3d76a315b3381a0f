/**
 * @fileoverview `verify`, `disasm`, `maps`, `test-run`, `wasm`, `bench` and the general CLI
 * behaviour (usage errors exit 2, other errors one line and exit 1), on the committed ELF fixtures
 * and small assembly programs.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli, fixture, MIXED_PCAP, tempDir } from './support.js';

const temp = tempDir();
afterAll(() => temp.remove());

/** Writes `lines` as an assembly file in the temp directory. */
function asmFile(name: string, lines: readonly string[]): string {
  const path = join(temp.dir, name);
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
}

describe('verify', () => {
  it.each([
    { name: 'raw program', argv: () => ['verify', asmFile('ok.s', ['r0 = 1', 'exit'])], out: 'accepted\n  insns: 2\n  functions: 1\n  helpers: none\n  processed 2 insns, max_states_per_insn 1 total_states 1 peak_states 1 pruned 0\n' },
    { name: 'xdp program', argv: () => ['verify', asmFile('ok-xdp.s', ['r0 = 2', 'exit']), '--type', 'xdp'], out: 'accepted\n  insns: 2\n  functions: 1\n  helpers: none\n  processed 2 insns, max_states_per_insn 1 total_states 1 peak_states 1 pruned 0\n' },
    {
      name: 'object, every program',
      argv: () => ['verify', fixture('test/fixtures/elf/tc.o')],
      out:
        'tc_mark (section tc, tc): accepted\n  insns: 4\n  functions: 1\n  helpers: none\n  processed 4 insns, max_states_per_insn 1 total_states 1 peak_states 1 pruned 0\n' +
        'cls_drop_big (section classifier/ingress, tc): accepted\n  insns: 6\n  functions: 1\n  helpers: none\n  processed 8 insns, max_states_per_insn 1 total_states 3 peak_states 3 pruned 0\n',
    },
    {
      name: 'object, --prog',
      argv: () => ['verify', fixture('test/fixtures/elf/subprog.o'), '--prog', 'second'],
      out: 'second (section xdp, xdp): accepted\n  insns: 21\n  functions: 4\n  helpers: none\n  processed 21 insns, max_states_per_insn 1 total_states 7 peak_states 7 pruned 0\n',
    },
  ])('accepts: $name', async ({ argv, out }) => {
    const result = await cli(argv());
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    expect(result.out).toBe(out);
  });

  it.each([
    {
      name: 'jump out of range',
      argv: () => ['verify', asmFile('bad.s', ['goto +5', 'exit'])],
      err: 'ebpf-wasm: VerifierError: jump out of range from insn 0 to 6 at pc 0 ((05) goto +5)\n',
    },
    {
      name: 'bad context access (xdp)',
      argv: () => ['verify', asmFile('bad-ctx.s', ['r0 = *(u32 *)(r1 + 200)', 'exit']), '--type', 'xdp', '--log'],
      err: 'ebpf-wasm: VerifierError: invalid bpf_context access off=200 size=4 at pc 0 (w0 = *(u32 *)(r1 + 200))\n',
    },
  ])('rejects with exit 1: $name', async ({ argv, err }) => {
    const result = await cli(argv());
    expect(result.code).toBe(1);
    expect(result.err).toBe(err);
  });

  it('refuses --prog for a bare program and a bad --type', async () => {
    const path = asmFile('ok2.s', ['r0 = 1', 'exit']);
    const prog = await cli(['verify', path, '--prog', 'x']);
    expect([prog.code, prog.err.split('\n')[0]]).toEqual([2, 'ebpf-wasm: --prog is for ELF objects']);
    const type = await cli(['verify', path, '--type', 'kprobe']);
    expect([type.code, type.err.split('\n')[0]]).toEqual([2, "ebpf-wasm: --type must be one of raw, xdp, tc, socket_filter, got 'kprobe'"]);
  });
});

describe('disasm', () => {
  it('annotates map loads of an object with the map names', async () => {
    const result = await cli(['disasm', fixture('test/fixtures/elf/xdp_maps.o')]);
    expect(result.code).toBe(0);
    const lines = result.out.split('\n');
    expect(lines[0]).toBe('xdp_count (section xdp, xdp):');
    expect(lines[1]).toBe('       0:\tr8 = r1');
    expect(lines.filter((l) => l.includes('; map ')).map((l) => l.replace(/= \d+ ll/, '= ADDR ll'))).toEqual([
      '       9:\tr1 = ADDR ll\t; map counts',
      '      15:\tr1 = ADDR ll\t; map config',
      '      35:\tr1 = ADDR ll\t; map counts',
    ]);
    expect(lines.at(-2)).toBe('      44:\texit');
  });

  it('names global data maps with the offset into their value', async () => {
    const result = await cli(['disasm', fixture('test/fixtures/elf/global_data.o')]);
    const comments = result.out.split('\n').flatMap((l) => /; (.*)$/.exec(l)?.[1] ?? []);
    expect(comments.slice(0, 3)).toEqual(['map .data + 0', 'map .rodata + 4', 'map .data + 8']);
  });

  it('disassembles a bare program as before', async () => {
    const result = await cli(['disasm', asmFile('two.s', ['r0 = 1', 'exit'])]);
    expect(result.out).toBe('r0 = 1\nexit\n');
  });
});

describe('maps', () => {
  it.each([
    {
      file: 'test/fixtures/elf/map_types.o',
      out: [
        'name    type          key  value  max_entries  flags',
        'routes  lpm_trie      8    4      255          0x1',
        'stats   percpu_array  4    24     8            0x0',
        'flows   percpu_hash   8    2      32           0x0',
        'events  ringbuf       0    0      4096         0x0',
      ],
    },
    {
      file: 'test/fixtures/elf/global_data.o',
      out: [
        'name     type   key  value  max_entries  flags',
        '.data    array  4    12     1            0x0',
        '.rodata  array  4    15     1            0x80',
        '.bss     array  4    16     1            0x0',
      ],
    },
    { file: 'test/fixtures/elf/socket.o', out: ['no maps'] },
  ])('lists $file', async ({ file, out }) => {
    const result = await cli(['maps', fixture(file)]);
    expect(result.code).toBe(0);
    expect(result.out).toBe(out.join('\n') + '\n');
  });

  it('refuses a file that is not an object', async () => {
    const path = asmFile('not-elf.s', ['exit']);
    const result = await cli(['maps', path]);
    expect([result.code, result.err.split('\n')[0]]).toEqual([2, `ebpf-wasm: ${path} is not an ELF object`]);
  });
});

describe('test-run', () => {
  const TCP = '00112233445566778899aabb08004500001400000000400600000a0000010a000002';

  it.each(['interpreter', 'jit'] as const)('prints retval, data out and duration (%s)', async (engine) => {
    const result = await cli(['test-run', fixture('test/fixtures/cli/percpu.o'), '--prog', 'xdp_percpu', '--data', TCP, '--engine', engine, '--repeat', '3']);
    expect(result.err).toBe('');
    const lines = result.out.split('\n');
    expect(lines[0]).toBe('retval: 3 (XDP_TX)');
    // XDP_TX: source and destination MAC swapped
    expect(lines[1]).toBe(`data_out: 66778899aabb001122334455${TCP.slice(24)}`);
    expect(lines[2]).toMatch(/^duration: \d+ ns\/run \(average of 3 runs\)$/);
    expect(lines.length).toBe(4);
  });

  it('prints the ctx after the run when --ctx is given', async () => {
    const result = await cli(['test-run', fixture('test/fixtures/elf/tc.o'), '--prog', 'tc_mark', '--data', '0011', '--ctx', '{"mark":1}', '--engine', 'interpreter']);
    const lines = result.out.split('\n');
    expect(lines[0]).toBe('retval: 0 (TC_ACT_OK)');
    expect(lines[1]).toBe('data_out: 0011');
    expect(JSON.parse(lines[2]?.replace(/^ctx_out: /, '') ?? '')).toMatchObject({ mark: 42, len: 2 });
  });

  it.each([
    { name: 'no --data', argv: ['test-run', 'x.o'], err: 'ebpf-wasm: test-run needs --data HEX' },
    { name: 'bad hex', argv: ['test-run', 'x.o', '--data', 'xyz'], err: "ebpf-wasm: --data expects hex bytes, got 'xyz'" },
    { name: 'bad --repeat', argv: ['test-run', 'x.o', '--data', '00', '--repeat', '0'], err: "ebpf-wasm: --repeat must be an integer 1..100000000, got '0'" },
  ])('usage error: $name', async ({ argv, err }) => {
    const result = await cli(argv);
    expect([result.code, result.err.split('\n')[0]]).toEqual([2, err]);
  });
});

describe('bench', () => {
  it('measures both engines and writes an SVG chart', async () => {
    const svg = join(temp.dir, 'bench.svg');
    const result = await cli(['bench', fixture('test/fixtures/cli/percpu.o'), '--pcap', MIXED_PCAP, '--svg', svg, '--min-ms', '0']);
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    const lines = result.out.split('\n');
    expect(lines[0]).toMatch(/^engine\s+packets\s+time \(ms\)\s+packets\/s\s+ns\/packet$/);
    expect(lines[1]).toMatch(/^interpreter\s+300\s/);
    expect(lines[2]).toMatch(/^jit\s+300\s/);
    expect(lines[3]).toMatch(/^speed-up \(jit \/ interpreter\): \d+\.\d\dx$/);
    expect(lines[4]).toBe(`wrote ${svg}`);
    const chart = readFileSync(svg, 'utf8');
    expect(chart.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(chart.match(/<rect /g)).toHaveLength(3);
    expect(chart).toContain('>interpreter</text>');
    expect(chart).toContain('>jit</text>');
  });
});

describe('wasm', () => {
  it('writes the JIT binary of an object program', async () => {
    const out = join(temp.dir, 'sock.wasm');
    const result = await cli(['wasm', fixture('test/fixtures/elf/socket.o'), '-o', out]);
    expect(result.code).toBe(0);
    expect([...readFileSync(out).subarray(0, 4)]).toEqual([0x00, 0x61, 0x73, 0x6d]);
  });

  it('prints the text of a raw program', async () => {
    const result = await cli(['wasm', asmFile('w.s', ['r0 = 1', 'exit']), '--wat']);
    expect(result.code).toBe(0);
    expect(result.out.startsWith('(module')).toBe(true);
  });
});

describe('run (raw program)', () => {
  it.each(['interpreter', 'jit'] as const)('prints r0 of a raw program on input memory (%s)', async (engine) => {
    const path = asmFile(`sum-${engine}.s`, ['r0 = *(u8 *)(r1 + 0)', 'r2 = *(u8 *)(r1 + 1)', 'r0 += r2', 'exit']);
    const result = await cli(['run', path, '--mem', '0a 0b', '--engine', engine]);
    expect(result).toEqual({ code: 0, out: '0x15\n', err: '' });
  });
});

describe('asm', () => {
  it('assembles to raw instructions that disasm reads back', async () => {
    const out = join(temp.dir, 'two.bin');
    const result = await cli(['asm', asmFile('asm.s', ['r0 = 1', 'exit']), '-o', out]);
    expect(result).toEqual({ code: 0, out: '', err: '' });
    expect(readFileSync(out).toString('hex')).toBe('b7000000010000009500000000000000');
    expect((await cli(['disasm', out])).out).toBe('r0 = 1\nexit\n');
  });
});

describe('command line', () => {
  it.each([
    { name: 'no command', argv: [], code: 2 },
    { name: 'help', argv: ['help'], code: 0 },
    { name: '--help', argv: ['run', '--help'], code: 0 },
  ])('prints the usage: $name', async ({ argv, code }) => {
    const result = await cli(argv);
    expect(result.code).toBe(code);
    expect(result.out.split('\n')[0]).toBe('usage: ebpf-wasm <command> [options]');
  });

  it.each([
    { name: 'unknown command', argv: ['frobnicate'], code: 2, err: "ebpf-wasm: unknown command 'frobnicate'\nrun 'ebpf-wasm help' for usage\n" },
    { name: 'missing value', argv: ['run', 'x', '--pcap'], code: 2, err: "ebpf-wasm: --pcap needs a value\nrun 'ebpf-wasm help' for usage\n" },
    {
      name: 'object without a capture',
      argv: ['run', fixture('test/fixtures/elf/socket.o')],
      code: 2,
      err: "ebpf-wasm: run OBJ needs --pcap IN (for one packet: test-run OBJ --data HEX)\nrun 'ebpf-wasm help' for usage\n",
    },
    { name: 'missing file', argv: ['maps', '/nonexistent/x.o'], code: 1, err: "ebpf-wasm: ENOENT: no such file or directory, open '/nonexistent/x.o'\n" },
    { name: 'malformed object', argv: ['maps', fixture('test/fixtures/cbpf/tcp-port-80.ddd')], code: 2, err: `ebpf-wasm: ${fixture('test/fixtures/cbpf/tcp-port-80.ddd')} is not an ELF object\nrun 'ebpf-wasm help' for usage\n` },
  ])('$name', async ({ argv, code, err }) => {
    const result = await cli(argv);
    expect(result.code).toBe(code);
    expect(result.err).toBe(err);
  });

  it('reports a truncated ELF object as an ElfError on one line', async () => {
    const bytes = readFileSync(fixture('test/fixtures/elf/socket.o'));
    const path = join(temp.dir, 'cut.o');
    writeFileSync(path, bytes.subarray(0, 100));
    const result = await cli(['maps', path]);
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/^ebpf-wasm: ElfError: [^\n]+\n$/);
  });
});
