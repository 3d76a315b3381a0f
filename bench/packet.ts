/**
 * @fileoverview The benchmark input: a deterministic Ethernet/IPv4/TCP packet (ACK to port 8080 from
 * 192.168.1.7) padded with pseudo-random payload, so the parse program takes its longest path.
 */

/** A `length`-byte packet, identical on every call. */
export function makeBenchPacket(length: number): Uint8Array {
  const p = new Uint8Array(length);
  let seed = 0x12345678;
  for (let i = 0; i < length; i++) {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    p[i] = seed & 0xff;
  }
  const header = [
    // Ethernet: dst, src, type IPv4
    0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2, 0x08, 0x00,
    // IPv4: v4 ihl5, tos, total length, id, flags/frag 0, ttl, proto TCP, csum, src, dst
    0x45, 0, (length - 14) >> 8, (length - 14) & 0xff, 0, 1, 0x40, 0, 64, 6, 0, 0, 192, 168, 1, 7, 192, 168, 2, 9,
    // TCP: sport 40000, dport 8080, seq, ack, data offset 5, flags ACK, window, csum, urg
    0x9c, 0x40, 0x1f, 0x90, 0, 0, 0, 1, 0, 0, 0, 1, 0x50, 0x10, 0xff, 0xff, 0, 0, 0, 0,
  ];
  p.set(header.slice(0, length));
  return p;
}
