/**
 * @fileoverview loadClassic: every tcpdump expression in test/fixtures/cbpf/expected.json, compiled
 * by tcpdump -ddd, run over test/fixtures/pcap/mixed.pcap as a socket filter on both engines, must
 * accept exactly as many packets as tcpdump counted (skb->len = the packet's original length).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadClassic, type Engine } from 'ebpf-wasm';
import { readCapture } from '../../src/pcap.js';

const CBPF = new URL('../fixtures/cbpf/', import.meta.url);
const expected = JSON.parse(readFileSync(new URL('expected.json', CBPF), 'utf8')) as {
  capture: string;
  expressions: { name: string; expr: string; program: string; matches: number }[];
};
const capture = readCapture(readFileSync(new URL('../fixtures/pcap/mixed.pcap', import.meta.url)));
const ENGINES: readonly Engine[] = ['interpreter', 'jit'];

describe.each(ENGINES)('%s', (engine) => {
  it.each(expected.expressions)('$name ($expr): $matches matches', async ({ program, matches }) => {
    const filter = await loadClassic(readFileSync(new URL(program, CBPF), 'utf8'), { engine });
    let accepted = 0;
    for (const packet of capture.packets) {
      if (filter.run(packet.data, { len: packet.originalLength }).r0 !== 0n) accepted++;
    }
    expect(accepted).toBe(matches);
  });
});
