/**
 * @fileoverview The page's bundled examples: two assembly programs (one per syntax), a classic BPF
 * program as `tcpdump -ddd` prints it, and a small seeded capture built in memory with writePcap.
 * Pure data and byte building, no DOM: the end-to-end test imports it to compute the expected
 * verdicts in Node with the same library API the page uses.
 */
import { LINKTYPE_ETHERNET, writePcap, type WritablePacket } from '../src/pcap.js';

/** One bundled example program. */
export interface ExampleProgram {
  /** button label */
  readonly label: string;
  /** what the example shows */
  readonly description: string;
  /** how `text` is read */
  readonly kind: 'assembly' | 'classic';
  readonly text: string;
  /** load the generated capture with it */
  readonly hasCapture: boolean;
  /** input memory (hex) for a single run and for the benchmark when no capture is loaded */
  readonly memoryHex: string;
  /** meaning of the r0 values, shown beside the verdict counts */
  readonly verdicts?: ReadonlyMap<bigint, string>;
}

/** FNV-1a over the input memory, in the LLVM syntax llvm-objdump prints (r1 = data, r2 = length). */
export const FNV1A_LLVM = `; FNV-1a (64-bit) over the input memory: r1 = data, r2 = length
	r0 = -3750763034362895579 ll
	if r2 == 0 goto +8
	r3 = 1099511628211 ll
LBB0_2:
	r4 = *(u8 *)(r1 + 0)
	r0 ^= r4
	r0 *= r3
	r1 += 1
	r2 += -1
	if r2 != 0 goto -6
	exit
`;

/**
 * A packet classifier in the conformance syntax: r1 = Ethernet frame, r2 = its length.
 * Verdicts: 0 truncated, 1 ARP, 2 IPv6, 3 other ethertype, 4 TCP, 5 UDP, 6 ICMP, 7 other IPv4,
 * 8 TCP to port 80 or 443 (web), 9 UDP to port 53 (DNS).
 */
export const CLASSIFIER_ASM = `# packet classifier: r1 = frame, r2 = length, r0 = verdict
    mov %r0, 0
    jlt %r2, 14, out             # shorter than an Ethernet header
    ldxh %r3, [%r1+12]
    be16 %r3                     # ethertype in host order
    mov %r0, 1
    jeq %r3, 0x0806, out         # ARP
    mov %r0, 2
    jeq %r3, 0x86dd, out         # IPv6
    mov %r0, 3
    jne %r3, 0x0800, out         # anything else but IPv4
    mov %r0, 0
    jlt %r2, 34, out             # truncated IPv4 header
    ldxb %r4, [%r1+14]
    and %r4, 0x0f
    lsh %r4, 2                   # IPv4 header length in bytes
    ldxb %r5, [%r1+23]           # protocol
    mov %r0, 6
    jeq %r5, 1, out              # ICMP
    mov %r0, 7
    jeq %r5, 6, l4
    jne %r5, 17, out             # other IPv4 protocol
l4:
    mov %r6, %r4
    add %r6, 18                  # 14 + ihl + 4: end of the destination port
    mov %r0, 0
    jgt %r6, %r2, out            # truncated transport header
    mov %r7, %r1
    add %r7, %r4
    ldxh %r8, [%r7+16]           # destination port (14 + ihl + 2)
    be16 %r8
    jeq %r5, 17, udp
    mov %r0, 8
    jeq %r8, 80, out
    jeq %r8, 443, out
    mov %r0, 4
    ja out
udp:
    mov %r0, 9
    jeq %r8, 53, out
    mov %r0, 5
out:
    exit
`;

/** \`tcpdump -ddd 'tcp port 80'\` (tcpdump 4.99 / libpcap 1.10, Ethernet). */
export const TCP_PORT_80_DDD = `20
40 0 0 12
21 0 6 34525
48 0 0 20
21 0 15 6
40 0 0 54
21 12 0 80
40 0 0 56
21 10 11 80
21 0 10 2048
48 0 0 23
21 0 8 6
40 0 0 20
69 6 0 8191
177 0 0 14
72 0 0 14
21 2 0 80
72 0 0 16
21 0 1 80
6 0 0 262144
6 0 0 0
`;

/** Labels of the classifier's verdicts (r0 values). */
export const CLASSIFIER_VERDICTS: ReadonlyMap<bigint, string> = new Map([
  [0n, 'truncated'],
  [1n, 'ARP'],
  [2n, 'IPv6'],
  [3n, 'other ethertype'],
  [4n, 'TCP'],
  [5n, 'UDP'],
  [6n, 'ICMP'],
  [7n, 'other IPv4'],
  [8n, 'TCP web (80/443)'],
  [9n, 'UDP DNS (53)'],
]);

/** The bundled examples, in button order. */
export const EXAMPLES: readonly ExampleProgram[] = [
  {
    label: 'Packet classifier + capture',
    description: 'conformance-syntax assembly run on every packet of a generated capture',
    kind: 'assembly',
    text: CLASSIFIER_ASM,
    hasCapture: true,
    memoryHex: '',
    verdicts: CLASSIFIER_VERDICTS,
  },
  {
    label: 'FNV-1a hash',
    description: 'LLVM-syntax assembly hashing 4 KiB of input memory',
    kind: 'assembly',
    text: FNV1A_LLVM,
    hasCapture: false,
    memoryHex: 'repeat 4096',
  },
  {
    label: "tcpdump 'tcp port 80'",
    description: 'classic BPF (tcpdump -ddd) translated to eBPF, run on the generated capture',
    kind: 'classic',
    text: TCP_PORT_80_DDD,
    hasCapture: true,
    memoryHex: '',
  },
];

/** A small deterministic generator (mulberry32), so the example capture is the same on every load. */
function makeRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Internet checksum (RFC 1071) of an IPv4 header. */
function ipv4Checksum(bytes: Uint8Array, start: number, length: number): number {
  let sum = 0;
  for (let i = 0; i < length; i += 2) sum += ((bytes[start + i] ?? 0) << 8) | (bytes[start + i + 1] ?? 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** Ethernet + IPv4 + transport header (+ payload) with the given protocol and ports. */
function ipv4Frame(random: () => number, protocol: number, sourcePort: number, destinationPort: number, payload: number): Uint8Array {
  const transport = protocol === 6 ? 20 : protocol === 17 ? 8 : protocol === 1 ? 8 : 4;
  const frame = new Uint8Array(14 + 20 + transport + payload);
  const view = new DataView(frame.buffer);
  frame.set([0x02, 0, 0, 0, 0, 0x01, 0x02, 0, 0, 0, 0, 0x02]);
  view.setUint16(12, 0x0800);
  view.setUint8(14, 0x45);
  view.setUint16(16, 20 + transport + payload);
  view.setUint16(18, Math.floor(random() * 0x10000));
  view.setUint8(22, 64);
  view.setUint8(23, protocol);
  frame.set([10, 0, 0, 1 + Math.floor(random() * 4)], 26);
  frame.set([192, 168, Math.floor(random() * 4), 1 + Math.floor(random() * 250)], 30);
  view.setUint16(24, ipv4Checksum(frame, 14, 20));
  if (protocol === 6 || protocol === 17) {
    view.setUint16(34, sourcePort);
    view.setUint16(36, destinationPort);
  }
  if (protocol === 6) view.setUint8(46, 0x50);
  if (protocol === 17) view.setUint16(38, 8 + payload);
  if (protocol === 1) view.setUint8(34, 8);
  for (let i = 54; i < frame.length; i++) frame[i] = Math.floor(random() * 256);
  return frame;
}

/** An Ethernet frame of another ethertype with a filler body. */
function otherFrame(random: () => number, ethertype: number, body: number): Uint8Array {
  const frame = new Uint8Array(14 + body);
  frame.set([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0, 0, 0, 0, 0x03]);
  new DataView(frame.buffer).setUint16(12, ethertype);
  for (let i = 14; i < frame.length; i++) frame[i] = Math.floor(random() * 256);
  return frame;
}

/** The packets of the example capture: a seeded mix of TCP, UDP, ICMP, ARP, IPv6 and runts. */
export function makeExamplePackets(count = 240, seed = 0x5eed): Uint8Array[] {
  const random = makeRandom(seed);
  const packets: Uint8Array[] = [];
  const tcpPorts = [80, 443, 22, 8080, 25];
  const udpPorts = [53, 123, 5353, 4789];
  for (let i = 0; i < count; i++) {
    const pick = random();
    const port = (ports: readonly number[]): number => ports[Math.floor(random() * ports.length)] ?? 0;
    const payload = Math.floor(random() * 200);
    if (pick < 0.4) packets.push(ipv4Frame(random, 6, 1024 + Math.floor(random() * 60000), port(tcpPorts), payload));
    else if (pick < 0.65) packets.push(ipv4Frame(random, 17, 1024 + Math.floor(random() * 60000), port(udpPorts), payload));
    else if (pick < 0.75) packets.push(ipv4Frame(random, 1, 0, 0, payload));
    else if (pick < 0.8) packets.push(ipv4Frame(random, 47, 0, 0, payload));
    else if (pick < 0.87) packets.push(otherFrame(random, 0x0806, 28));
    else if (pick < 0.95) packets.push(otherFrame(random, 0x86dd, 40 + payload));
    else if (pick < 0.98) packets.push(otherFrame(random, 0x88cc, 30));
    else packets.push(otherFrame(random, 0x0800, Math.floor(random() * 12)));
  }
  return packets;
}

/** The example capture as a classic pcap file (Ethernet, microsecond timestamps 1 ms apart). */
export function makeExampleCapture(count = 240, seed = 0x5eed): Uint8Array {
  const start = 1_700_000_000_000_000_000n;
  const packets: WritablePacket[] = makeExamplePackets(count, seed).map((data, index) => ({
    data,
    timestampNs: start + BigInt(index) * 1_000_000n,
  }));
  return writePcap(packets, { linkType: LINKTYPE_ETHERNET });
}

/** Input memory for `repeat N`: N bytes of a fixed pattern (i * 31 + 7 mod 256). */
export function makePatternMemory(length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = (i * 31 + 7) & 0xff;
  return bytes;
}
