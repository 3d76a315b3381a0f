/**
 * @fileoverview Packet builders for the object tests: Ethernet + IPv4 + UDP/TCP/ICMP frames with
 * correct checksums, and an independent RFC 1071 checksum to verify programs' rewrites.
 */

/** Options of `ipv4Packet`. */
export interface PacketSpec {
  readonly proto?: 1 | 6 | 17;
  readonly src?: readonly [number, number, number, number];
  readonly dst?: readonly [number, number, number, number];
  readonly sport?: number;
  readonly dport?: number;
  readonly payload?: number;
  readonly srcMac?: readonly number[];
  readonly dstMac?: readonly number[];
}

/** The 16-bit one's complement sum of `bytes` (big-endian words), folded, not complemented. */
function onesSum(bytes: Uint8Array, initial = 0): number {
  let sum = initial;
  for (let i = 0; i < bytes.length; i += 2) sum += (bytes[i]! << 8) | (bytes[i + 1] ?? 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

/** RFC 1071 checksum of `bytes`: 0 when bytes already include a correct checksum field. */
export function checksum(bytes: Uint8Array, initial = 0): number {
  return ~onesSum(bytes, initial) & 0xffff;
}

/** Checksum of an IPv4 TCP/UDP segment (pseudo header + segment); 0 when the segment's checksum is right. */
export function l4Checksum(packet: Uint8Array): number {
  const ip = packet.subarray(14, 34);
  const segment = packet.subarray(34, 14 + ((ip[2]! << 8) | ip[3]!));
  const pseudo = new Uint8Array(12);
  pseudo.set(ip.subarray(12, 20), 0);
  pseudo[9] = ip[9]!;
  pseudo[10] = segment.length >> 8;
  pseudo[11] = segment.length & 0xff;
  return checksum(segment, onesSum(pseudo));
}

/** An Ethernet/IPv4 frame with a UDP, TCP or ICMP header and `payload` bytes 0, 1, 2, ... */
export function ipv4Packet(spec: PacketSpec = {}): Uint8Array {
  const proto = spec.proto ?? 17;
  const l4Length = proto === 6 ? 20 : 8;
  const payload = spec.payload ?? 18;
  const total = 20 + l4Length + payload;
  const p = new Uint8Array(14 + total);
  p.set(spec.dstMac ?? [0x02, 0, 0, 0, 0, 0x01], 0);
  p.set(spec.srcMac ?? [0x02, 0, 0, 0, 0, 0x02], 6);
  p.set([0x08, 0x00], 12);
  p.set([0x45, 0, total >> 8, total & 0xff, 0x12, 0x34, 0, 0, 64, proto, 0, 0], 14);
  p.set(spec.src ?? [10, 0, 0, 1], 26);
  p.set(spec.dst ?? [10, 0, 0, 2], 30);
  const ipCheck = checksum(p.subarray(14, 34));
  p[24] = ipCheck >> 8;
  p[25] = ipCheck & 0xff;
  const l4 = 34;
  const sport = spec.sport ?? 0x1234;
  const dport = spec.dport ?? 53;
  if (proto !== 1) p.set([sport >> 8, sport & 0xff, dport >> 8, dport & 0xff], l4);
  if (proto === 17) p.set([(8 + payload) >> 8, (8 + payload) & 0xff], l4 + 4);
  if (proto === 6) p[l4 + 12] = 0x50;
  if (proto === 1) p[l4] = 8;
  for (let i = 0; i < payload; i++) p[l4 + l4Length + i] = i & 0xff;
  if (proto === 1) {
    const c = checksum(p.subarray(l4));
    p[l4 + 2] = c >> 8;
    p[l4 + 3] = c & 0xff;
  } else {
    const c = l4Checksum(p);
    const at = proto === 6 ? l4 + 16 : l4 + 6;
    p[at] = c >> 8;
    p[at + 1] = c & 0xff;
  }
  return p;
}

/** A frame of `length` bytes with an ARP ethertype (not IPv4). */
export function arpPacket(length = 42): Uint8Array {
  const p = new Uint8Array(length);
  p.set([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0, 0, 0, 0, 0x03, 0x08, 0x06], 0);
  return p;
}

/** The little-endian u32 at `offset`. */
export function u32At(bytes: Uint8Array, offset = 0): number {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(offset, true);
}

/** The little-endian u64 at `offset`. */
export function u64At(bytes: Uint8Array, offset = 0): bigint {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(offset, true);
}
