/**
 * @fileoverview `ebpf-wasm run OBJ --pcap IN`: verdict counts, the output capture read back, the
 * --maps JSON, program selection, --workers (refusal for shared maps; N=2 equal to N=1), Ctrl-C and
 * error lines. Expected numbers come from the capture itself (tcpdump agrees: 54 `ip and udp`,
 * 83 `ip and tcp` packets in mixed.pcap).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type CapturePacket, readCapture, writePcap } from '../../src/pcap.js';
import { mergeResults, type WorkerMessage } from '../../src/cli/workers.js';
import { cli, fixture, mapsJson, MIXED_PCAP, tempDir, u64At, verdicts } from './support.js';

const PERCPU_O = fixture('test/fixtures/cli/percpu.o');
const input = readCapture(new Uint8Array(readFileSync(MIXED_PCAP)));

/** What xdp_percpu (test/fixtures/cli/percpu.c) does to one packet: verdict and output bytes. */
function classify(packet: CapturePacket): { verdict: 'XDP_DROP' | 'XDP_PASS' | 'XDP_TX'; data: Uint8Array } {
  const d = packet.data;
  if (d.length < 34 || d[12] !== 0x08 || d[13] !== 0x00) return { verdict: 'XDP_PASS', data: d };
  if (d[23] === 17) return { verdict: 'XDP_DROP', data: d };
  if (d[23] !== 6) return { verdict: 'XDP_PASS', data: d };
  const swapped = d.slice();
  swapped.set(d.subarray(6, 12), 0);
  swapped.set(d.subarray(0, 6), 6);
  return { verdict: 'XDP_TX', data: swapped };
}

const classified = input.packets.map(classify);
const tally = (verdict: string): { packets: bigint; bytes: bigint } => {
  const hits = input.packets.filter((_, i) => classified[i]?.verdict === verdict);
  return { packets: BigInt(hits.length), bytes: hits.reduce((sum, p) => sum + BigInt(p.data.length), 0n) };
};

describe('run', () => {
  const temp = tempDir();
  afterAll(() => temp.remove());

  it('matches the reference classification of the capture', () => {
    expect(tally('XDP_DROP').packets).toBe(54n);
    expect(tally('XDP_TX').packets).toBe(83n);
    expect(tally('XDP_PASS').packets).toBe(163n);
  });

  it.each(['interpreter', 'jit'] as const)('counts verdicts, writes passed and transmitted packets and dumps per-CPU maps (%s)', async (engine) => {
    const out = join(temp.dir, `percpu-${engine}.pcap`);
    const result = await cli(['run', PERCPU_O, '--pcap', MIXED_PCAP, '--out', out, '--engine', engine, '--maps']);
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    const lines = result.out.split('\n');
    expect(lines[0]).toBe(`program xdp_percpu (section xdp, xdp) on ${engine}`);
    expect(lines[1]).toMatch(/^300 packets in \d+\.\d ms: .* packets\/s$/);
    expect(verdicts(result.out)).toEqual({ XDP_DROP: 54, XDP_PASS: 163, XDP_TX: 83 });
    expect(result.out).toContain(`wrote 246 packets to ${out}\n`);

    const written = readCapture(new Uint8Array(readFileSync(out)));
    const want = input.packets.flatMap((p, i) => (classified[i]?.verdict === 'XDP_DROP' ? [] : [{ data: classified[i]?.data, timestampNs: p.timestampNs }]));
    expect(written.packets.map((p) => Buffer.from(p.data).toString('hex'))).toEqual(want.map((p) => Buffer.from(p.data ?? []).toString('hex')));
    expect(written.packets.map((p) => p.timestampNs / 1000n)).toEqual(want.map((p) => p.timestampNs / 1000n));

    const maps = mapsJson(result.out);
    expect(Object.keys(maps)).toEqual(['stats', 'seen', '.rodata']);
    const stats = maps['stats'];
    expect(stats?.type).toBe('percpu_array');
    expect(stats?.entries.map((e) => e.key)).toEqual(['00000000', '01000000', '02000000', '03000000']);
    for (const [index, verdict] of [[1, 'XDP_DROP'], [2, 'XDP_PASS'], [3, 'XDP_TX']] as const) {
      const values = stats?.entries[index]?.values ?? [];
      expect(values).toHaveLength(1);
      expect(u64At(values[0] ?? '', 0)).toBe(tally(verdict).packets);
      expect(u64At(values[0] ?? '', 8)).toBe(tally(verdict).bytes);
    }
    expect(maps['seen']?.entries).toEqual([]);
  });

  it('truncates accepted socket-filter packets to r0 bytes', async () => {
    const out = join(temp.dir, 'socket.pcap');
    const result = await cli(['run', fixture('test/fixtures/elf/socket.o'), '--pcap', MIXED_PCAP, '--out', out, '--engine', 'interpreter']);
    expect(result.code).toBe(0);
    expect(result.out.split('\n')[0]).toBe('program sock_trim (section socket, socket_filter) on interpreter');
    expect(verdicts(result.out)).toEqual({ accepted: 300 });
    const written = readCapture(new Uint8Array(readFileSync(out)));
    expect(written.packets.map((p) => p.data.length)).toEqual(input.packets.map((p) => Math.min(64, p.data.length)));
    expect(written.packets.map((p) => p.originalLength)).toEqual(input.packets.map((p) => p.originalLength));
  });

  it('names tc verdicts and picks the program by --prog', async () => {
    const result = await cli(['run', fixture('test/fixtures/elf/tc.o'), '--prog', 'cls_drop_big', '--pcap', MIXED_PCAP, '--engine', 'interpreter']);
    expect(result.code).toBe(0);
    expect(result.out.split('\n')[0]).toBe('program cls_drop_big (section classifier/ingress, tc) on interpreter');
    expect(verdicts(result.out)).toEqual({ TC_ACT_OK: 300 });
  });

  it('summarises maps and applies --ctx', async () => {
    const result = await cli(['run', fixture('test/fixtures/elf/xdp_maps.o'), '--pcap', MIXED_PCAP, '--engine', 'interpreter', '--ctx', '{"ingress_ifindex": 7}', '--maps']);
    expect(result.code).toBe(0);
    // config[0] is 0 = XDP_ABORTED, which the program returns as the configured action
    expect(verdicts(result.out)).toEqual({ XDP_ABORTED: 300 });
    const counts = mapsJson(result.out)['counts'];
    expect(counts?.entries.map((e) => e.key)).toEqual(['07000000']);
    const bytes = input.packets.reduce((sum, p) => sum + BigInt(p.data.length), 0n);
    expect(u64At(counts?.entries[0]?.value ?? '', 0)).toBe(300n);
    expect(u64At(counts?.entries[0]?.value ?? '', 8)).toBe(bytes);

    const summary = await cli(['run', fixture('test/fixtures/elf/xdp_maps.o'), '--pcap', MIXED_PCAP, '--engine', 'interpreter']);
    expect(summary.out.split('maps:\n')[1]).toBe('  counts  hash   1 entries (1 non-zero)\n  config  array  4 entries (0 non-zero)\n');
  });

  it('runs a bare assembly program with --type', async () => {
    const asm = join(temp.dir, 'drop-short.s');
    writeFileSync(asm, ['r2 = *(u32 *)(r1 + 4)', 'r1 = *(u32 *)(r1 + 0)', 'r2 -= r1', 'r0 = 2', 'if r2 > 100 goto +1', 'r0 = 1', 'exit', ''].join('\n'));
    const result = await cli(['run', asm, '--type', 'xdp', '--pcap', MIXED_PCAP, '--engine', 'interpreter']);
    expect(result.err).toBe('');
    const long = input.packets.filter((p) => p.data.length > 100).length;
    expect(verdicts(result.out)).toEqual({ XDP_DROP: 300 - long, XDP_PASS: long });
    const missing = await cli(['run', asm, '--pcap', MIXED_PCAP]);
    expect(missing.code).toBe(2);
    expect(missing.err.split('\n')[0]).toBe('ebpf-wasm: a program that is not an ELF object needs --type xdp|tc|socket_filter');
  });

  it('lists the programs when --prog names none', async () => {
    const result = await cli(['run', PERCPU_O, '--prog', 'nope', '--pcap', MIXED_PCAP]);
    expect(result.code).toBe(2);
    expect(result.err.split('\n')[0]).toBe(
      "ebpf-wasm: no program 'nope' in the object; choose one of: xdp_percpu (section xdp, xdp), xdp_shared (section xdp, xdp)",
    );
  });

  it('stops at Ctrl-C with the partial summary, exit 130, and no output file', async () => {
    const stop = new AbortController();
    stop.abort();
    const out = join(temp.dir, 'never.pcap');
    const result = await cli(['run', PERCPU_O, '--pcap', MIXED_PCAP, '--out', out, '--engine', 'interpreter'], { signal: stop.signal });
    expect(result.code).toBe(130);
    expect(result.out).toContain(`verdicts:\ninterrupted after 0 packets; ${out} not written\n`);
    expect(() => readFileSync(out)).toThrow();
  });

  it('reports a malformed capture with its byte offset', async () => {
    const bytes = writePcap([{ data: new Uint8Array(60) }, { data: new Uint8Array(60) }], { linkType: 1 });
    const truncated = join(temp.dir, 'truncated.pcap');
    writeFileSync(truncated, bytes.subarray(0, bytes.length - 70));
    const result = await cli(['run', PERCPU_O, '--pcap', truncated, '--engine', 'interpreter']);
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/^ebpf-wasm: PcapError: .*\b100\b.*\n$/);
    const garbage = join(temp.dir, 'garbage.pcap');
    writeFileSync(garbage, 'not a capture at all');
    const bad = await cli(['run', PERCPU_O, '--pcap', garbage, '--engine', 'interpreter']);
    expect(bad.err).toBe('ebpf-wasm: PcapError: bad magic 0x20746f6e: not a pcap or pcapng file (at byte offset 0)\n');
  });

  it.each([
    { name: 'unknown option', argv: ['run', PERCPU_O, '--pcap', MIXED_PCAP, '--bogus', '1'], err: 'ebpf-wasm: run does not take --bogus' },
    { name: '--workers 0', argv: ['run', PERCPU_O, '--pcap', MIXED_PCAP, '--workers', '0'], err: "ebpf-wasm: --workers must be an integer 1..256, got '0'" },
    { name: 'bad --ctx', argv: ['run', PERCPU_O, '--pcap', MIXED_PCAP, '--ctx', '{'], err: /^ebpf-wasm: --ctx is not valid JSON: / },
  ])('usage error: $name', async ({ argv, err }) => {
    const result = await cli(argv);
    expect(result.code).toBe(2);
    if (typeof err === 'string') expect(result.err.split('\n')[0]).toBe(err);
    else expect(result.err).toMatch(err);
  });
});

describe('run --workers', () => {
  const temp = tempDir();
  afterAll(() => temp.remove());

  it('refuses a program that writes a shared map, naming it', async () => {
    const result = await cli(['run', PERCPU_O, '--prog', 'xdp_shared', '--pcap', MIXED_PCAP, '--workers', '2']);
    expect(result.code).toBe(1);
    expect(result.err).toBe(
      'ebpf-wasm: UsageError: --workers 2 needs every map program xdp_shared can write to be per-CPU or read-only, but map seen (hash) is shared\n',
    );
  });

  it('gives the same verdicts, output and per-CPU totals on 2 workers as on 1', async () => {
    const runs = [];
    for (const workers of [1, 2]) {
      const out = join(temp.dir, `w${workers}.pcap`);
      const result = await cli(['run', PERCPU_O, '--pcap', MIXED_PCAP, '--out', out, '--engine', 'interpreter', '--workers', String(workers), '--maps']);
      expect(result.err).toBe('');
      expect(result.code).toBe(0);
      expect(result.out.split('\n')[0]).toBe(`program xdp_percpu (section xdp, xdp) on interpreter, ${workers} worker${workers === 1 ? '' : 's'}`);
      runs.push({ result, written: readFileSync(out) });
    }
    const [one, two] = runs;
    expect(verdicts(one?.result.out ?? '')).toEqual({ XDP_DROP: 54, XDP_PASS: 163, XDP_TX: 83 });
    expect(verdicts(two?.result.out ?? '')).toEqual(verdicts(one?.result.out ?? ''));
    expect(Buffer.compare(two?.written ?? Buffer.alloc(0), one?.written ?? Buffer.alloc(1))).toBe(0);

    const stats1 = mapsJson(one?.result.out ?? '')['stats']?.entries ?? [];
    const stats2 = mapsJson(two?.result.out ?? '')['stats']?.entries ?? [];
    expect(stats2.map((e) => e.values?.length)).toEqual([2, 2, 2, 2]);
    const total = (values: readonly string[] | undefined, at: number): bigint => (values ?? []).reduce((sum, v) => sum + u64At(v, at), 0n);
    for (let key = 0; key < 4; key++) {
      expect(total(stats2[key]?.values, 0)).toBe(total(stats1[key]?.values, 0));
      expect(total(stats2[key]?.values, 8)).toBe(total(stats1[key]?.values, 8));
    }
    // packets alternate between the CPUs: CPU 0 ran the even-indexed ones
    const even = input.packets.filter((_, i) => i % 2 === 0 && classified[i]?.verdict === 'XDP_TX').length;
    expect(u64At(stats2[3]?.values?.[0] ?? '', 0)).toBe(BigInt(even));
    expect(u64At(stats2[3]?.values?.[1] ?? '', 0)).toBe(tally('XDP_TX').packets - BigInt(even));
  });

  it('merges the output packets of 2 workers in capture order', async () => {
    const count = 30_000;
    const packets = Array.from({ length: count }, (_, i) => {
      const data = new Uint8Array(60);
      data.set([0x08, 0x00], 12);
      data[14] = 0x45;
      data[23] = i % 3 === 0 ? 17 : 1; // every third one UDP (dropped), the others ICMP (passed)
      data[40] = i & 0xff;
      data[41] = (i >> 8) & 0xff;
      data[42] = i >> 16;
      return { data, timestampNs: BigInt(i) * 1000n };
    });
    const capture = join(temp.dir, 'large.pcap');
    writeFileSync(capture, writePcap(packets, { linkType: 1 }));
    const out = join(temp.dir, 'large-out.pcap');
    const result = await cli(['run', PERCPU_O, '--pcap', capture, '--out', out, '--engine', 'interpreter', '--workers', '2']);
    expect(result.err).toBe('');
    expect(verdicts(result.out)).toEqual({ XDP_DROP: 10_000, XDP_PASS: 20_000 });
    const written = readCapture(new Uint8Array(readFileSync(out)));
    const want = packets.filter((_, i) => i % 3 !== 0);
    expect(written.packets).toHaveLength(want.length);
    expect(written.packets.every((p, i) => p.timestampNs === want[i]?.timestampNs)).toBe(true);
  });

  it('merges reports too large for one spread call (300,000 outputs per worker)', () => {
    const report = (cpu: number): Extract<WorkerMessage, { kind: 'done' }> => ({
      kind: 'done',
      counts: [['XDP_PASS', 300_000]],
      packets: 300_000,
      outputs: Array.from({ length: 300_000 }, (_, i) => ({ index: 2 * i + cpu, data: new Uint8Array(0), timestampNs: 0n, originalLength: 0 })),
      linkType: 1,
      loopMs: 10 + cpu,
      startMs: 100 + cpu,
      endMs: 200 + cpu,
      interrupted: false,
      perCpu: [{ map: 'stats', entries: [[new Uint8Array([cpu, 0, 0, 0]), new Uint8Array([1])]] }],
    });
    const merged = mergeResults([report(0), report(1)], 2);
    expect(merged.packets).toBe(600_000);
    expect([...merged.counts]).toEqual([['XDP_PASS', 600_000]]);
    expect(merged.outputs).toHaveLength(600_000);
    expect(merged.outputs.every((p, i) => p.index === i)).toBe(true);
    expect([merged.loopMs, merged.startMs, merged.endMs]).toEqual([11, 100, 201]);
    expect([...(merged.perCpu.get('stats')?.keys() ?? [])]).toEqual(['00000000', '01000000']);
    expect(merged.perCpu.get('stats')?.get('01000000')?.slots).toEqual([undefined, new Uint8Array([1])]);
  });
});
