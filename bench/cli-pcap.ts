/**
 * @fileoverview Throughput of `ebpf-wasm run` on a large capture, for the README: writes a capture
 * of N 64-byte Ethernet/IPv4 packets (TCP, UDP and ICMP in turn) to the temp directory, then runs
 * test/fixtures/cli/percpu.o (xdp_percpu: parse, per-CPU counters, MAC swap on TCP) over it on the
 * interpreter and the JIT, and with --workers 1 and 2 on the JIT, printing packets/s for each.
 *
 *   npx tsx bench/cli-pcap.ts [packets]     (default 1000000)
 */
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../src/cli.js';
import { writePcap, type WritablePacket } from '../src/pcap.js';

const count = Number(process.argv[2] ?? 1_000_000);
const object = fileURLToPath(new URL('../test/fixtures/cli/percpu.o', import.meta.url));
const capture = join(tmpdir(), `ebpf-wasm-cli-bench-${process.pid}.pcap`);

/** One 64-byte frame: Ethernet + IPv4 with protocol `proto`, addresses varied by `i`. */
function frame(i: number, proto: number): Uint8Array {
  const d = new Uint8Array(64);
  d.set([0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2, 0x08, 0x00], 0);
  d.set([0x45, 0, 0, 50, (i >> 8) & 0xff, i & 0xff, 0x40, 0, 64, proto, 0, 0, 10, 0, (i >> 8) & 0xff, i & 0xff, 10, 1, 0, 1], 14);
  d.set([(i * 7) & 0xff, 0x50, 0x00, 0x50], 34);
  return d;
}

const PROTOCOLS = [6, 17, 1];
const packets: WritablePacket[] = [];
for (let i = 0; i < count; i++) packets.push({ data: frame(i, PROTOCOLS[i % 3] ?? 6), timestampNs: 1_700_000_000_000_000_000n + BigInt(i) * 1000n });
writeFileSync(capture, writePcap(packets, { linkType: 1 }));
packets.length = 0;

/** Runs the CLI and returns the "N packets in T ms: R packets/s" line. */
async function measure(argv: readonly string[]): Promise<string> {
  let out = '';
  const code = await main(argv, { out: (s) => (out += s), err: (s) => process.stderr.write(s), isTTY: false });
  if (code !== 0) throw new Error(`ebpf-wasm ${argv.join(' ')} exited with ${code}`);
  return out.split('\n')[1] ?? '';
}

try {
  const runs: [string, string[]][] = [
    ['interpreter', ['--engine', 'interpreter']],
    ['jit', ['--engine', 'jit']],
    ['jit, --workers 1', ['--engine', 'jit', '--workers', '1']],
    ['jit, --workers 2', ['--engine', 'jit', '--workers', '2']],
  ];
  console.log(`${count} packets of 64 bytes, xdp_percpu (test/fixtures/cli/percpu.o)`);
  for (const [name, extra] of runs) console.log(`${name.padEnd(18)} ${await measure(['run', object, '--pcap', capture, ...extra])}`);
} finally {
  rmSync(capture, { force: true });
}
