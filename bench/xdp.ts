/**
 * @fileoverview XDP benchmark (`npx tsx bench/xdp.ts`): the parse-and-count program of
 * test/fixtures/programs/xdp_count.o (HASH + PERCPU_ARRAY updates per packet) run with runBatch over
 * 64-byte packets (a mix of UDP, TCP and ICMP), packets per second on the interpreter and the JIT.
 * Prints a table and writes bench/xdp-results.json. Absolute numbers are for one machine and run.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadObject, type Engine } from '../src/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const BATCH = 1024;
const PACKET_SIZE = 64;

/** A 64-byte Ethernet/IPv4 frame of protocol `proto` with destination port `port` (UDP/TCP). */
function packet(proto: number, port: number, seed: number): Uint8Array {
  const p = new Uint8Array(PACKET_SIZE);
  p.set([0x02, 0, 0, 0, 0, 0x01, 0x02, 0, 0, 0, 0, 0x02, 0x08, 0x00], 0);
  p.set([0x45, 0, 0, PACKET_SIZE - 14, 0, 0, 0, 0, 64, proto, 0, 0, 10, 0, (seed >> 8) & 0xff, seed & 0xff, 10, 0, 0, 2], 14);
  p.set([0x12, 0x34, port >> 8, port & 0xff], 34);
  return p;
}

function makePackets(): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < BATCH; i++) {
    const kind = i % 4;
    out.push(packet(kind === 0 ? 6 : kind === 3 ? 1 : 17, kind === 2 ? 9 : 53, i));
  }
  return out;
}

interface EngineResult {
  engine: Engine;
  packetsPerSecond: number;
  nsPerPacket: number;
  batches: number;
}

async function measure(engine: Engine, packets: Uint8Array[]): Promise<EngineResult> {
  const obj = loadObject(readFileSync(join(root, 'test/fixtures/programs/xdp_count.o')));
  const xdp = await obj.load('xdp_count', { engine });
  // warm-up (lets V8 tier up the interpreter loop or the wasm module)
  const warmUntil = performance.now() + 300;
  while (performance.now() < warmUntil) xdp.runBatch(packets);
  const samples: number[] = [];
  let batches = 0;
  for (let s = 0; s < 5; s++) {
    const start = performance.now();
    let n = 0;
    while (performance.now() - start < 300) {
      xdp.runBatch(packets);
      n++;
    }
    batches += n;
    samples.push((performance.now() - start) / (n * packets.length));
  }
  samples.sort((a, b) => a - b);
  const msPerPacket = samples[Math.floor(samples.length / 2)]!;
  return { engine, packetsPerSecond: Math.round(1000 / msPerPacket), nsPerPacket: Math.round(msPerPacket * 1e6), batches };
}

const packets = makePackets();
const results: EngineResult[] = [];
for (const engine of ['interpreter', 'jit'] as const) results.push(await measure(engine, packets));
for (const r of results) console.log(`${r.engine.padEnd(12)} ${r.packetsPerSecond.toLocaleString('en-US').padStart(12)} packets/s  ${r.nsPerPacket} ns/packet`);
const output = {
  program: 'test/fixtures/programs/xdp_count.o:xdp_count',
  packetSize: PACKET_SIZE,
  batch: BATCH,
  mode: 'runBatch (one engine entry per packet, loop in JavaScript)',
  node: process.version,
  results,
};
writeFileSync(join(here, 'xdp-results.json'), `${JSON.stringify(output, null, 2)}\n`);
console.log(`wrote ${join('bench', 'xdp-results.json')}`);
