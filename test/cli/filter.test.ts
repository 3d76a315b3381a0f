/**
 * @fileoverview `ebpf-wasm filter`: classic BPF from tcpdump -ddd over the 300-packet capture must
 * match exactly as many packets as tcpdump itself did (test/fixtures/cbpf/expected.json), on both
 * engines; --out writes the matched packets, `-` reads the program from stdin.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readCapture } from '../../src/pcap.js';
import { cli, fixture, MIXED_PCAP, tempDir } from './support.js';

interface Expected {
  readonly packets: number;
  readonly expressions: readonly { readonly name: string; readonly expr: string; readonly program: string; readonly matches: number }[];
}

const expected = JSON.parse(readFileSync(fixture('test/fixtures/cbpf/expected.json'), 'utf8')) as Expected;
const NAMES = ['tcp-port-80', 'host', 'vlan-100-tcp', 'ip6-tcp-443', 'tcp-syn', 'ip-fragments', 'udp-dns', 'len-gt-100'];
const cases = expected.expressions.filter((e) => NAMES.includes(e.name));

describe('filter', () => {
  const temp = tempDir();
  afterAll(() => temp.remove());

  it('covers the chosen expressions', () => {
    expect(cases.map((c) => c.name).sort()).toEqual([...NAMES].sort());
  });

  it.each(cases.flatMap((c) => (['interpreter', 'jit'] as const).map((engine) => ({ ...c, engine }))))(
    '$name ($expr) on $engine',
    async ({ program, matches, engine }) => {
      const result = await cli(['filter', '--cbpf', fixture(`test/fixtures/cbpf/${program}`), '--pcap', MIXED_PCAP, '--engine', engine]);
      expect(result.err).toBe('');
      expect(result.code).toBe(0);
      expect(result.out.trimEnd().split('\n').at(-1)).toBe(`matched ${matches} of ${expected.packets} packets`);
    },
  );

  it('writes the matched packets with --out', async () => {
    const out = join(temp.dir, 'tcp80.pcap');
    const result = await cli(['filter', '--cbpf', fixture('test/fixtures/cbpf/tcp-port-80.ddd'), '--pcap', MIXED_PCAP, '--out', out, '--engine', 'interpreter']);
    expect(result.code).toBe(0);
    expect(result.out).toContain(`wrote 13 packets to ${out}\n`);
    const written = readCapture(new Uint8Array(readFileSync(out)));
    const input = readCapture(new Uint8Array(readFileSync(MIXED_PCAP)));
    expect(written.packets).toHaveLength(13);
    expect(written.linkType).toBe(input.linkType);
    // every written packet is an input packet, unchanged, in capture order
    let from = 0;
    for (const packet of written.packets) {
      const at = input.packets.findIndex((p, i) => i >= from && Buffer.from(p.data).equals(Buffer.from(packet.data)));
      expect(at).toBeGreaterThanOrEqual(from);
      expect((input.packets[at]?.timestampNs ?? -1n) / 1000n).toBe(packet.timestampNs / 1000n);
      from = at + 1;
    }
  });

  it.each([
    { name: 'no --cbpf', argv: ['filter', '--pcap', MIXED_PCAP], code: 2, err: 'ebpf-wasm: filter needs --cbpf FILE (or - for stdin)' },
    { name: 'no --pcap', argv: ['filter', '--cbpf', 'x'], code: 2, err: 'ebpf-wasm: filter needs --pcap IN' },
    { name: 'bad engine', argv: ['filter', '--cbpf', 'x', '--pcap', 'y', '--engine', 'fast'], code: 2, err: "ebpf-wasm: --engine must be interpreter or jit, got 'fast'" },
  ])('usage error: $name', async ({ argv, code, err }) => {
    const result = await cli(argv);
    expect(result.code).toBe(code);
    expect(result.err.split('\n')[0]).toBe(err);
  });

  it('reports a malformed classic program as a CbpfError', async () => {
    const bad = join(temp.dir, 'bad.ddd');
    writeFileSync(bad, '2\n6 0 0 65535\n');
    const result = await cli(['filter', '--cbpf', bad, '--pcap', MIXED_PCAP]);
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/^ebpf-wasm: CbpfError: .*\n$/);
  });
});
