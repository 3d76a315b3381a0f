/**
 * @fileoverview writePcap: exact header and record bytes, micro/nanosecond timestamps, round trips
 * through readCapture (also of the mixed capture), and UsageError for values a pcap cannot hold.
 */
import { describe, expect, it } from 'vitest';
import { ErrorCode, UsageError } from '../../src/errors.js';
import { readCapture, writePcap } from '../../src/pcap.js';
import { makeMixedPackets } from '../support/make-capture.js';

describe('writePcap', () => {
  it('writes the exact little-endian microsecond layout', () => {
    const bytes = writePcap([{ data: Uint8Array.of(0xde, 0xad), timestampNs: 1_000_000_002_999n, originalLength: 60 }], { linkType: 1 });
    expect([...bytes]).toEqual([
      0xd4, 0xc3, 0xb2, 0xa1, // magic
      2, 0, 4, 0, // version 2.4
      0, 0, 0, 0, // thiszone
      0, 0, 0, 0, // sigfigs
      0x00, 0x00, 0x04, 0x00, // snaplen 262144
      1, 0, 0, 0, // Ethernet
      0xe8, 0x03, 0, 0, // 1000 s
      2, 0, 0, 0, // 2 us (2999 ns truncated)
      2, 0, 0, 0, // captured
      60, 0, 0, 0, // original
      0xde, 0xad,
    ]);
  });

  it('writes the nanosecond magic and fractions', () => {
    const bytes = writePcap([{ data: new Uint8Array(0), timestampNs: 5_123_456_789n }], { linkType: 228, nanosecond: true, snapLength: 100 });
    const view = new DataView(bytes.buffer);
    expect(view.getUint32(0, true)).toBe(0xa1b23c4d);
    expect(view.getUint32(16, true)).toBe(100);
    expect(view.getUint32(20, true)).toBe(228);
    expect(view.getUint32(24, true)).toBe(5);
    expect(view.getUint32(28, true)).toBe(123_456_789);
    expect(bytes.length).toBe(40);
  });

  it('raises the default snap length to the longest packet', () => {
    const bytes = writePcap([{ data: new Uint8Array(300_000) }], { linkType: 1 });
    expect(new DataView(bytes.buffer).getUint32(16, true)).toBe(300_000);
  });

  it.each([false, true])('round-trips the mixed capture (nanosecond %s)', (nanosecond) => {
    const packets = makeMixedPackets();
    const capture = readCapture(writePcap(packets, { linkType: 1, nanosecond }));
    expect(capture.packets.length).toBe(packets.length);
    capture.packets.forEach((packet, index) => {
      const original = packets[index];
      expect(packet.data).toEqual(original?.data);
      expect(packet.originalLength).toBe(original?.data.length);
      const ns = original?.timestampNs ?? 0n;
      expect(packet.timestampNs).toBe(nanosecond ? ns : ns - (ns % 1000n));
    });
  });

  it('accepts any iterable, including a generator', () => {
    function* gen(): Generator<{ data: Uint8Array }> {
      yield { data: Uint8Array.of(1) };
      yield { data: Uint8Array.of(2, 3) };
    }
    expect(readCapture(writePcap(gen(), { linkType: 1 })).packets.map((p) => [...p.data])).toEqual([[1], [2, 3]]);
  });

  it.each([
    { name: 'negative timestamp', packets: [{ data: Uint8Array.of(1), timestampNs: -1n }], linkType: 1 },
    { name: 'timestamp past 2106', packets: [{ data: Uint8Array.of(1), timestampNs: 0x1_0000_0000n * 1_000_000_000n }], linkType: 1 },
    { name: 'original length below captured', packets: [{ data: Uint8Array.of(1, 2), originalLength: 1 }], linkType: 1 },
    { name: 'fractional original length', packets: [{ data: Uint8Array.of(1, 2), originalLength: 2.5 }], linkType: 1 },
    { name: 'negative link type', packets: [], linkType: -1 },
    { name: 'link type beyond 26 bits', packets: [], linkType: 0x04000000 },
  ])('rejects $name with UsageError', ({ packets, linkType }) => {
    let caught: unknown;
    try {
      writePcap(packets, { linkType });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(UsageError);
    expect((caught as UsageError).code).toBe(ErrorCode.USAGE);
  });
});
