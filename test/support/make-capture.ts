/**
 * @fileoverview Deterministic synthetic capture for classic-BPF tests: ~300 varied Ethernet frames
 * (IPv4/IPv6/ARP/VLAN/QinQ, TCP with many flag and port combinations, UDP incl. DNS, ICMP, IPv4
 * fragments and options, HTTP GET payloads, broadcast and multicast, odd ethertypes, many lengths).
 * test/fixtures/cbpf/build.ts writes it to test/fixtures/pcap/mixed.pcap; tests only read that file.
 */
import { type WritablePacket, LINKTYPE_ETHERNET, writePcap } from '../../src/pcap.js';

/** Seed used for the committed fixture. */
export const MIXED_CAPTURE_SEED = 0x5eed_cb9f;

/** Number of packets in the mixed capture. */
export const MIXED_CAPTURE_COUNT = 300;

/** Small seeded PRNG (xorshift32); the same seed always gives the same sequence. */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0 || 1;
  }

  /** Next 32-bit unsigned value. */
  next(): number {
    let x = this.state;
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    this.state = x;
    return x;
  }

  /** Integer in [0, n). */
  below(n: number): number {
    return this.next() % n;
  }

  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T {
    const item = items[this.below(items.length)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  }

  /** `count` random bytes. */
  bytes(count: number): Uint8Array {
    const out = new Uint8Array(count);
    for (let i = 0; i < count; i++) out[i] = this.next() & 0xff;
    return out;
  }
}

function concat(...parts: readonly Uint8Array[]): Uint8Array {
  const total = parts.reduce((sum, part) => sum + part.length, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

function u16(value: number): Uint8Array {
  return Uint8Array.of((value >>> 8) & 0xff, value & 0xff);
}

function ipv4Bytes(text: string): Uint8Array {
  return Uint8Array.from(text.split('.').map(Number));
}

function ipv6Bytes(text: string): Uint8Array {
  const [head = '', tail = ''] = text.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === '' ? [] : tail.split(':');
  const groups = [...headGroups, ...new Array<string>(8 - headGroups.length - tailGroups.length).fill('0'), ...tailGroups];
  return concat(...groups.map((group) => u16(parseInt(group, 16))));
}

function checksum(bytes: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < bytes.length; i += 2) sum += ((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** Ethernet header (+ optional 802.1Q / QinQ tags) around a payload. */
function ethernet(dst: Uint8Array, src: Uint8Array, etherType: number, payload: Uint8Array, tags: readonly { tpid: number; tci: number }[] = []): Uint8Array {
  const tagBytes = tags.map((tag) => concat(u16(tag.tpid), u16(tag.tci)));
  return concat(dst, src, ...tagBytes, u16(etherType), payload);
}

interface Ipv4Options {
  readonly ttl?: number;
  readonly id?: number;
  readonly moreFragments?: boolean;
  readonly dontFragment?: boolean;
  readonly fragmentOffset?: number;
  readonly options?: Uint8Array;
  readonly tos?: number;
}

function ipv4(src: string, dst: string, protocol: number, payload: Uint8Array, opts: Ipv4Options = {}): Uint8Array {
  const options = opts.options ?? new Uint8Array(0);
  const headerLength = 20 + options.length;
  const header = new Uint8Array(headerLength);
  header[0] = 0x40 | (headerLength / 4);
  header[1] = opts.tos ?? 0;
  header.set(u16(headerLength + payload.length), 2);
  header.set(u16(opts.id ?? 0x1234), 4);
  const flags = (opts.moreFragments === true ? 0x2000 : 0) | (opts.dontFragment === true ? 0x4000 : 0) | ((opts.fragmentOffset ?? 0) & 0x1fff);
  header.set(u16(flags), 6);
  header[8] = opts.ttl ?? 64;
  header[9] = protocol;
  header.set(ipv4Bytes(src), 12);
  header.set(ipv4Bytes(dst), 16);
  header.set(options, 20);
  header.set(u16(checksum(header)), 10);
  return concat(header, payload);
}

function ipv6(src: string, dst: string, nextHeader: number, payload: Uint8Array, hopLimit = 64): Uint8Array {
  const header = new Uint8Array(40);
  header[0] = 0x60;
  header.set(u16(payload.length), 4);
  header[6] = nextHeader;
  header[7] = hopLimit;
  header.set(ipv6Bytes(src), 8);
  header.set(ipv6Bytes(dst), 24);
  return concat(header, payload);
}

/** TCP flag bits (byte 13 of the header). */
const TcpFlag = { FIN: 0x01, SYN: 0x02, RST: 0x04, PSH: 0x08, ACK: 0x10, URG: 0x20 } as const;

function tcp(srcPort: number, dstPort: number, flags: number, payload: Uint8Array, withOptions = false): Uint8Array {
  const options = withOptions ? Uint8Array.of(0x02, 0x04, 0x05, 0xb4, 0x01, 0x01, 0x04, 0x02) : new Uint8Array(0);
  const header = new Uint8Array(20 + options.length);
  header.set(u16(srcPort), 0);
  header.set(u16(dstPort), 2);
  header.set([0, 0, 0x10, 0x00], 4);
  header.set([0, 0, 0, 0], 8);
  header[12] = ((header.length / 4) << 4) & 0xf0;
  header[13] = flags;
  header.set(u16(0xffff), 14);
  header.set(options, 20);
  return concat(header, payload);
}

function udp(srcPort: number, dstPort: number, payload: Uint8Array): Uint8Array {
  return concat(u16(srcPort), u16(dstPort), u16(8 + payload.length), u16(0), payload);
}

function dnsQuery(rng: Rng, name: string): Uint8Array {
  const labels = name.split('.').map((label) => concat(Uint8Array.of(label.length), new TextEncoder().encode(label)));
  return concat(u16(rng.below(0x10000)), u16(0x0100), u16(1), u16(0), u16(0), u16(0), ...labels, Uint8Array.of(0), u16(1), u16(1));
}

function icmpEcho(type: number, payload: Uint8Array): Uint8Array {
  const body = concat(Uint8Array.of(type, 0, 0, 0), u16(0x4242), u16(1), payload);
  body.set(u16(checksum(body)), 2);
  return body;
}

function arp(op: number, senderMac: Uint8Array, senderIp: string, targetIp: string): Uint8Array {
  return concat(u16(1), u16(0x0800), Uint8Array.of(6, 4), u16(op), senderMac, ipv4Bytes(senderIp), new Uint8Array(6), ipv4Bytes(targetIp));
}

const MAC_A = Uint8Array.of(0x02, 0x00, 0x00, 0x00, 0x00, 0x01);
const MAC_B = Uint8Array.of(0x02, 0x00, 0x00, 0x00, 0x00, 0x02);
const MAC_C = Uint8Array.of(0x00, 0x1b, 0x21, 0x3c, 0x4d, 0x5e);
const MAC_BROADCAST = Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff);
const MAC_MULTICAST_V4 = Uint8Array.of(0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb);
const MAC_MULTICAST_V6 = Uint8Array.of(0x33, 0x33, 0x00, 0x00, 0x00, 0x01);

const V4_HOSTS = ['10.0.0.1', '10.0.0.2', '10.1.2.3', '10.200.0.9', '192.168.1.10', '192.168.1.20', '192.168.77.5', '172.16.0.5', '1.2.3.4', '8.8.8.8', '93.184.216.34', '203.0.113.7'];
const V6_HOSTS = ['2001:db8::1', '2001:db8::2', 'fe80::1', 'fe80::abcd', '2001:4860::8888', 'ff02::1'];
const TCP_PORTS = [80, 443, 22, 8080, 25, 1500, 1999, 2000, 2001, 3306, 49152, 51515, 65535];
const UDP_PORTS = [53, 123, 161, 5353, 514, 1024, 1900, 40000, 60001];
const TCP_FLAG_SETS = [
  TcpFlag.SYN,
  TcpFlag.SYN | TcpFlag.ACK,
  TcpFlag.ACK,
  TcpFlag.PSH | TcpFlag.ACK,
  TcpFlag.FIN | TcpFlag.ACK,
  TcpFlag.RST,
  TcpFlag.RST | TcpFlag.ACK,
  TcpFlag.URG | TcpFlag.ACK | TcpFlag.PSH,
  0,
];
const TTLS = [1, 32, 63, 64, 64, 64, 65, 128, 255];

function padding(rng: Rng): Uint8Array {
  const sizes = [0, 0, 4, 16, 33, 60, 100, 200, 512, 1000, 1400];
  return rng.bytes(rng.pick(sizes));
}

function tcpPacket(rng: Rng): Uint8Array {
  const srcPort = rng.pick(TCP_PORTS);
  const dstPort = rng.pick(TCP_PORTS);
  const flags = rng.pick(TCP_FLAG_SETS);
  const isHttp = (dstPort === 80 || dstPort === 8080) && rng.below(2) === 0;
  const payload = isHttp ? new TextEncoder().encode('GET /index.html HTTP/1.1\r\nHost: example\r\n\r\n') : padding(rng);
  return tcp(srcPort, dstPort, flags, payload, rng.below(3) === 0);
}

function udpPacket(rng: Rng): Uint8Array {
  if (rng.below(2) === 0) {
    const query = dnsQuery(rng, rng.pick(['example.com', 'a.b.c.d.example.org', 'x.test']));
    return rng.below(2) === 0 ? udp(40000 + rng.below(20000), 53, query) : udp(53, 40000 + rng.below(20000), query);
  }
  return udp(rng.pick(UDP_PORTS), rng.pick(UDP_PORTS), padding(rng));
}

/** One IPv4 packet of a random kind (TCP, UDP, ICMP, fragment, with options, other protocol). */
function ipv4Packet(rng: Rng): Uint8Array {
  const src = rng.pick(V4_HOSTS);
  const dst = rng.pick(V4_HOSTS);
  const ttl = rng.pick(TTLS);
  const kind = rng.below(20);
  if (kind < 9) return ipv4(src, dst, 6, tcpPacket(rng), { ttl, dontFragment: rng.below(2) === 0 });
  if (kind < 14) return ipv4(src, dst, 17, udpPacket(rng), { ttl });
  if (kind < 16) return ipv4(src, dst, 1, icmpEcho(rng.pick([0, 8, 3, 11]), padding(rng)), { ttl });
  if (kind < 18) {
    // fragments: first (MF, offset 0, carries the TCP/UDP header) or later (offset != 0, no header)
    const isFirst = rng.below(2) === 0;
    const protocol = rng.pick([6, 17]);
    const payload = isFirst ? (protocol === 6 ? tcpPacket(rng) : udpPacket(rng)) : rng.bytes(8 + rng.below(600));
    return ipv4(src, dst, protocol, payload, { ttl, id: rng.below(0x10000), moreFragments: isFirst || rng.below(2) === 0, fragmentOffset: isFirst ? 0 : 1 + rng.below(400) });
  }
  if (kind < 19) {
    const options = Uint8Array.of(0x94, 0x04, 0x00, 0x00); // router alert
    const protocol = rng.pick([6, 17]);
    return ipv4(src, dst, protocol, protocol === 6 ? tcpPacket(rng) : udpPacket(rng), { ttl, options });
  }
  return ipv4(src, dst, rng.pick([2, 47, 89]), padding(rng), { ttl });
}

function ipv6Packet(rng: Rng): Uint8Array {
  const src = rng.pick(V6_HOSTS.filter((host) => host !== 'ff02::1'));
  const dst = rng.pick(V6_HOSTS);
  const kind = rng.below(8);
  if (kind < 3) return ipv6(src, dst, 6, tcpPacket(rng));
  if (kind < 5) return ipv6(src, dst, 17, udpPacket(rng));
  if (kind < 6) return ipv6(src, dst, 58, icmpEcho(128, padding(rng)));
  if (kind < 7) {
    // hop-by-hop extension header (8 bytes, PadN) in front of TCP
    const hopByHop = Uint8Array.of(6, 0, 1, 4, 0, 0, 0, 0);
    return ipv6(src, dst, 0, concat(hopByHop, tcpPacket(rng)));
  }
  return ipv6(src, dst, 59, padding(rng));
}

/** One frame of the mixed capture. */
function makeFrame(rng: Rng): Uint8Array {
  const kind = rng.below(100);
  const srcMac = rng.pick([MAC_A, MAC_B, MAC_C]);
  const unicast = rng.pick([MAC_A, MAC_B, MAC_C]);
  if (kind < 55) {
    const dstMac = rng.below(12) === 0 ? MAC_MULTICAST_V4 : rng.below(20) === 0 ? MAC_BROADCAST : unicast;
    return ethernet(dstMac, srcMac, 0x0800, ipv4Packet(rng));
  }
  if (kind < 70) return ethernet(rng.below(6) === 0 ? MAC_MULTICAST_V6 : unicast, srcMac, 0x86dd, ipv6Packet(rng));
  if (kind < 77) {
    const op = rng.pick([1, 2]);
    return ethernet(op === 1 ? MAC_BROADCAST : unicast, srcMac, 0x0806, arp(op, srcMac, rng.pick(V4_HOSTS), rng.pick(V4_HOSTS)));
  }
  if (kind < 92) {
    const vid = rng.pick([100, 100, 200, 4095, 1]);
    const tci = (rng.below(8) << 13) | vid;
    const tags = rng.below(4) === 0 ? [{ tpid: 0x88a8, tci: rng.pick([10, 20]) }, { tpid: 0x8100, tci }] : [{ tpid: 0x8100, tci }];
    const isV6 = rng.below(4) === 0;
    return ethernet(unicast, srcMac, isV6 ? 0x86dd : 0x0800, isV6 ? ipv6Packet(rng) : ipv4Packet(rng), tags);
  }
  if (kind < 96) return ethernet(MAC_BROADCAST, srcMac, rng.pick([0x88cc, 0x8863, 0x9000]), padding(rng));
  // runts and short frames: loads past the end must reject, not crash
  const short = rng.below(3);
  if (short === 0) return ethernet(unicast, srcMac, 0x0800, Uint8Array.of(0x45, 0x00));
  if (short === 1) return ethernet(unicast, srcMac, 0x86dd, new Uint8Array(10));
  return rng.bytes(10);
}

/** The packets of the mixed capture (1 ms apart, starting 2024-01-01T00:00:00Z). */
export function makeMixedPackets(seed = MIXED_CAPTURE_SEED, count = MIXED_CAPTURE_COUNT): WritablePacket[] {
  const rng = new Rng(seed);
  const start = 1_704_067_200n * 1_000_000_000n;
  const packets: WritablePacket[] = [];
  for (let index = 0; index < count; index++) {
    packets.push({ data: makeFrame(rng), timestampNs: start + BigInt(index) * 1_000_000n + BigInt(rng.below(1000)) * 1000n });
  }
  return packets;
}

/** The mixed capture as classic pcap bytes (Ethernet, microsecond timestamps). */
export function makeMixedCapture(seed = MIXED_CAPTURE_SEED, count = MIXED_CAPTURE_COUNT): Uint8Array {
  return writePcap(makeMixedPackets(seed, count), { linkType: LINKTYPE_ETHERNET });
}
