/**
 * @fileoverview Reading pcap (both byte orders, micro/nano) and pcapng (both byte orders, IDB options,
 * EPB/SPB/obsolete PB, skipped blocks, several sections), the iterator, and typed errors with offsets.
 */
import { describe, expect, it } from 'vitest';
import { ErrorCode, PcapError } from '../../src/errors.js';
import { type CapturePacket, iterateCapture, MAX_RECORD_LENGTH, readCapture, writePcap } from '../../src/pcap.js';
import { customBlock, type Endian, epb, file, i64Option, idb, isb, nrb, obsoletePacket, shb, spb, u32Option } from './build-pcapng.js';

const P1 = Uint8Array.of(1, 2, 3, 4, 5);
const P2 = Uint8Array.of(0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x11, 0x22);
const P3 = new Uint8Array(61).fill(7);

/** Strips what tests do not compare. */
function summary(packet: CapturePacket): { data: number[]; timestampNs: bigint; originalLength: number; interfaceIndex: number; linkType: number } {
  return { data: [...packet.data], timestampNs: packet.timestampNs, originalLength: packet.originalLength, interfaceIndex: packet.interfaceIndex, linkType: packet.linkType };
}

function errorOf(fn: () => unknown): PcapError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(PcapError);
    expect((error as PcapError).code).toBe(ErrorCode.PCAP);
    return error as PcapError;
  }
  throw new Error('expected a PcapError');
}

/** A classic pcap header + records written field by field in the given byte order. */
function pcapBytes(endian: Endian, isNano: boolean, linkTypeField: number, records: { sec: number; frac: number; data: Uint8Array; orig?: number }[]): Uint8Array {
  const le = endian === 'le';
  const size = 24 + records.reduce((sum, r) => sum + 16 + r.data.length, 0);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setUint32(0, isNano ? 0xa1b23c4d : 0xa1b2c3d4, le);
  view.setUint16(4, 2, le);
  view.setUint16(6, 4, le);
  view.setUint32(16, 65535, le);
  view.setUint32(20, linkTypeField, le);
  let offset = 24;
  for (const r of records) {
    view.setUint32(offset, r.sec, le);
    view.setUint32(offset + 4, r.frac, le);
    view.setUint32(offset + 8, r.data.length, le);
    view.setUint32(offset + 12, r.orig ?? r.data.length, le);
    out.set(r.data, offset + 16);
    offset += 16 + r.data.length;
  }
  return out;
}

describe('classic pcap', () => {
  it.each([
    { name: 'little-endian microseconds', endian: 'le' as const, isNano: false, frac: 250_000, ns: 250_000_000n },
    { name: 'big-endian microseconds', endian: 'be' as const, isNano: false, frac: 999_999, ns: 999_999_000n },
    { name: 'little-endian nanoseconds', endian: 'le' as const, isNano: true, frac: 123_456_789, ns: 123_456_789n },
    { name: 'big-endian nanoseconds', endian: 'be' as const, isNano: true, frac: 1, ns: 1n },
  ])('$name', ({ endian, isNano, frac, ns }) => {
    const bytes = pcapBytes(endian, isNano, 1, [
      { sec: 1_700_000_000, frac, data: P1 },
      { sec: 0xffffffff, frac: 0, data: P2, orig: 1514 },
      { sec: 0, frac: 0, data: new Uint8Array(0) },
    ]);
    const capture = readCapture(bytes);
    expect(capture.format).toBe('pcap');
    expect(capture.linkType).toBe(1);
    expect(capture.interfaces).toEqual([{ linkType: 1, snapLength: 65535, timestampUnit: { numerator: isNano ? 1n : 1000n, denominator: 1n }, timestampOffsetSeconds: 0n }]);
    expect(capture.packets.map(summary)).toEqual([
      { data: [...P1], timestampNs: 1_700_000_000n * 1_000_000_000n + ns, originalLength: 5, interfaceIndex: 0, linkType: 1 },
      { data: [...P2], timestampNs: 0xffffffffn * 1_000_000_000n, originalLength: 1514, interfaceIndex: 0, linkType: 1 },
      { data: [], timestampNs: 0n, originalLength: 0, interfaceIndex: 0, linkType: 1 },
    ]);
  });

  it('masks the FCS bits out of the link-type field', () => {
    expect(readCapture(pcapBytes('le', false, 0x10000000 | 0x04000000 | 105, [])).linkType).toBe(105);
  });

  it('reads a header-only file as zero packets', () => {
    expect(readCapture(pcapBytes('be', false, 1, [])).packets).toEqual([]);
  });

  it('reads from a view that does not start at offset 0 of its buffer', () => {
    const inner = pcapBytes('be', true, 1, [{ sec: 1, frac: 2, data: P1 }]);
    const outer = new Uint8Array(inner.length + 7);
    outer.set(inner, 3);
    expect(readCapture(outer.subarray(3, 3 + inner.length)).packets.map(summary)).toEqual([{ data: [...P1], timestampNs: 1_000_000_002n, originalLength: 5, interfaceIndex: 0, linkType: 1 }]);
    const ng = file(shb('be'), idb('be', 1, 0), epb('be', 0, 9n, P2));
    const outerNg = new Uint8Array(ng.length + 5);
    outerNg.set(ng, 5);
    expect(readCapture(outerNg.subarray(5)).packets.map((p) => [...p.data])).toEqual([[...P2]]);
  });

  it('packet data are views into the input', () => {
    const bytes = pcapBytes('le', false, 1, [{ sec: 0, frac: 0, data: P1 }]);
    const [packet] = readCapture(bytes).packets;
    expect(packet?.data.buffer).toBe(bytes.buffer);
    expect(packet?.data.byteOffset).toBe(40);
  });
});

describe('pcapng', () => {
  describe.each(['le', 'be'] as const)('%s section', (endian) => {
    it('reads EPB and SPB with default microsecond resolution, skipping NRB/ISB/custom blocks', () => {
      const bytes = file(
        shb(endian, [{ code: 4, value: new TextEncoder().encode('test') }]),
        idb(endian, 1, 0),
        nrb(endian),
        epb(endian, 0, 1_700_000_000_123_456n, P1, 60, [{ code: 1, value: new TextEncoder().encode('comment') }]),
        customBlock(endian),
        spb(endian, P2),
        isb(endian, 0),
        epb(endian, 0, 0n, P3),
      );
      const capture = readCapture(bytes);
      expect(capture.format).toBe('pcapng');
      expect(capture.linkType).toBe(1);
      expect(capture.packets.map(summary)).toEqual([
        { data: [...P1], timestampNs: 1_700_000_000_123_456_000n, originalLength: 60, interfaceIndex: 0, linkType: 1 },
        { data: [...P2], timestampNs: 0n, originalLength: 8, interfaceIndex: 0, linkType: 1 },
        { data: [...P3], timestampNs: 0n, originalLength: 61, interfaceIndex: 0, linkType: 1 },
      ]);
    });

    it('applies if_tsresol (decimal and binary) and if_tsoffset per interface', () => {
      const bytes = file(
        shb(endian),
        idb(endian, 1, 65535, [{ code: 9, value: [9] }]),
        idb(endian, 101, 65535, [{ code: 9, value: [0x80 | 10] }, i64Option(endian, 14, 100n)]),
        idb(endian, 1, 65535, [{ code: 9, value: [12] }]),
        idb(endian, 1, 65535, [{ code: 9, value: [0] }, u32Option(endian, 2, 0)]),
        epb(endian, 0, 1_234_567_891n, P1),
        epb(endian, 1, 3072n, P2),
        epb(endian, 2, 5_000_001n, P1),
        epb(endian, 3, 7n, P1),
      );
      const capture = readCapture(bytes);
      expect(capture.interfaces.map((i) => i.linkType)).toEqual([1, 101, 1, 1]);
      expect(capture.packets.map((p) => [p.interfaceIndex, p.linkType, p.timestampNs])).toEqual([
        [0, 1, 1_234_567_891n],
        [1, 101, 100n * 1_000_000_000n + 3_000_000_000n], // 3072 / 1024 s + 100 s offset
        [2, 1, 5_000n], // picoseconds, floored
        [3, 1, 7_000_000_000n], // whole seconds
      ]);
    });

    it('reads obsolete packet blocks', () => {
      const bytes = file(shb(endian), idb(endian, 1, 0, [{ code: 9, value: [9] }]), obsoletePacket(endian, 0, 42n, P2));
      expect(readCapture(bytes).packets.map(summary)).toEqual([{ data: [...P2], timestampNs: 42n, originalLength: 8, interfaceIndex: 0, linkType: 1 }]);
    });

    it('truncates SPB data to the snap length', () => {
      const bytes = file(shb(endian), idb(endian, 1, 4), spb(endian, P2, 1500));
      expect(readCapture(bytes).packets.map(summary)).toEqual([{ data: [0xaa, 0xbb, 0xcc, 0xdd], timestampNs: 0n, originalLength: 1500, interfaceIndex: 0, linkType: 1 }]);
    });
  });

  it('reads several sections of different byte orders; interface indexes count over all sections', () => {
    const bytes = file(
      shb('le'),
      idb('le', 1, 0),
      epb('le', 0, 1n, P1),
      shb('be'),
      idb('be', 105, 0),
      idb('be', 1, 0),
      epb('be', 1, 2n, P2),
      epb('be', 0, 3n, P3),
    );
    const capture = readCapture(bytes);
    expect(capture.interfaces.map((i) => i.linkType)).toEqual([1, 105, 1]);
    expect(capture.packets.map((p) => [p.interfaceIndex, p.linkType, p.timestampNs, p.data.length])).toEqual([
      [0, 1, 1000n, 5],
      [2, 1, 2000n, 8],
      [1, 105, 3000n, 61],
    ]);
  });

  it('a section without interfaces has linkType -1 and no packets', () => {
    expect(readCapture(shb('le'))).toEqual({ format: 'pcapng', linkType: -1, interfaces: [], packets: [] });
  });
});

describe('iterateCapture', () => {
  it('yields what readCapture returns', () => {
    const bytes = file(shb('be'), idb('be', 1, 0), epb('be', 0, 5n, P1), spb('be', P2));
    expect([...iterateCapture(bytes)].map(summary)).toEqual(readCapture(bytes).packets.map(summary));
  });

  it('yields the packets before a corrupt tail, then throws', () => {
    const good = writePcap([{ data: P1 }, { data: P2 }], { linkType: 1 });
    const bytes = new Uint8Array(good.length + 20);
    bytes.set(good);
    new DataView(bytes.buffer).setUint32(good.length + 8, 100, true);
    const iterator = iterateCapture(bytes);
    expect(iterator.next().value?.data).toEqual(P1);
    expect(iterator.next().value?.data).toEqual(P2);
    expect(errorOf(() => iterator.next()).byteOffset).toBe(good.length);
  });

  it('streams a 1,000,000-packet capture', () => {
    const count = 1_000_000;
    const bytes = new Uint8Array(24 + count * 17);
    const view = new DataView(bytes.buffer);
    view.setUint32(0, 0xa1b2c3d4, true);
    view.setUint16(4, 2, true);
    view.setUint16(6, 4, true);
    view.setUint32(20, 1, true);
    for (let i = 0; i < count; i++) {
      const offset = 24 + i * 17;
      view.setUint32(offset, i, true);
      view.setUint32(offset + 8, 1, true);
      view.setUint32(offset + 12, 1, true);
      bytes[offset + 16] = i & 0xff;
    }
    let seen = 0;
    let sum = 0;
    for (const packet of iterateCapture(bytes)) {
      seen++;
      sum += packet.data[0] ?? 0;
    }
    expect(seen).toBe(count);
    let want = 0;
    for (let i = 0; i < count; i++) want += i & 0xff;
    expect(sum).toBe(want);
  });
});

describe('malformed files give PcapError with the byte offset', () => {
  const good = writePcap([{ data: P1 }, { data: P2 }], { linkType: 1 });
  const withU32 = (bytes: Uint8Array, offset: number, value: number, le = true): Uint8Array => {
    const copy = bytes.slice();
    new DataView(copy.buffer).setUint32(offset, value, le);
    return copy;
  };
  const ng = file(shb('le'), idb('le', 1, 0), epb('le', 0, 1n, P1));
  const ngBe = file(shb('be'), idb('be', 1, 0), epb('be', 0, 1n, P1));
  const shbLength = shb('le').length;
  const idbLength = idb('le', 1, 0).length;
  const epbAt = shbLength + idbLength;
  const epbLength = epb('le', 0, 1n, P1).length;

  it.each([
    { name: 'empty file', bytes: new Uint8Array(0), offset: 0 },
    { name: 'three bytes', bytes: Uint8Array.of(0xd4, 0xc3, 0xb2), offset: 0 },
    { name: 'bad magic', bytes: Uint8Array.of(0x7f, 0x45, 0x4c, 0x46, 0, 0, 0, 0), offset: 0 },
    { name: 'truncated pcap header', bytes: good.subarray(0, 20), offset: 0 },
    { name: 'pcap version 1', bytes: withU32(good, 4, 0x00040001), offset: 4 },
    { name: 'truncated record header', bytes: good.subarray(0, 24 + 10), offset: 24 },
    { name: 'record past the end of the file', bytes: good.subarray(0, good.length - 1), offset: 24 + 16 + 5 },
    { name: 'absurd record length', bytes: withU32(good, 24 + 8, MAX_RECORD_LENGTH + 1), offset: 24 },
    { name: 'record length 0xffffffff', bytes: withU32(good, 24 + 8, 0xffffffff), offset: 24 },
    { name: 'pcapng: bad byte-order magic', bytes: withU32(ng, 8, 0x12345678), offset: 0 },
    { name: 'pcapng: version 2', bytes: withU32(ng, 12, 0x00000002), offset: 0 },
    { name: 'pcapng: SHB shorter than 24 bytes', bytes: ng.subarray(0, 20), offset: 0 },
    { name: 'pcapng: block length not a multiple of 4', bytes: withU32(ng, shbLength + 4, idbLength + 1), offset: shbLength },
    { name: 'pcapng: block length below 12', bytes: withU32(ng, shbLength + 4, 8), offset: shbLength },
    { name: 'pcapng: block length 0', bytes: withU32(ng, shbLength + 4, 0), offset: shbLength },
    { name: 'pcapng: block past the end', bytes: ng.subarray(0, ng.length - 4), offset: epbAt },
    { name: 'pcapng: trailing length mismatch', bytes: withU32(ng, epbAt + epbLength - 4, epbLength + 4), offset: epbAt },
    { name: 'pcapng: big-endian trailing length mismatch', bytes: withU32(ngBe, epbAt + epbLength - 4, epbLength, true), offset: epbAt },
    { name: 'pcapng: truncated block header', bytes: ng.subarray(0, shbLength + 8), offset: shbLength },
    { name: 'pcapng: SHB total length below 28', bytes: file(Uint8Array.from([0x0a, 0x0d, 0x0d, 0x0a, 24, 0, 0, 0, 0x4d, 0x3c, 0x2b, 0x1a, 1, 0, 0, 0, 0, 0, 0, 0, 24, 0, 0, 0])), offset: 0 },
    { name: 'pcapng: packet for an undescribed interface', bytes: file(shb('le'), idb('le', 1, 0), epb('le', 1, 0n, P1)), offset: epbAt },
    { name: 'pcapng: packet before any interface', bytes: file(shb('be'), epb('be', 0, 0n, P1)), offset: shbLength },
    { name: 'pcapng: SPB before any interface', bytes: file(shb('le'), spb('le', P1)), offset: shbLength },
    { name: 'pcapng: EPB captured length beyond the block', bytes: withU32(ng, epbAt + 8 + 12, 9), offset: epbAt },
    { name: 'pcapng: EPB body too short', bytes: file(shb('le'), idb('le', 1, 0), Uint8Array.of(6, 0, 0, 0, 16, 0, 0, 0, 0, 0, 0, 0, 16, 0, 0, 0)), offset: epbAt },
    { name: 'pcapng: IDB body too short', bytes: file(shb('le'), Uint8Array.of(1, 0, 0, 0, 16, 0, 0, 0, 1, 0, 0, 0, 16, 0, 0, 0)), offset: shbLength },
    { name: 'pcapng: if_tsresol of length 2', bytes: file(shb('le'), idb('le', 1, 0, [{ code: 9, value: [6, 0] }])), offset: shbLength + 16 },
    { name: 'pcapng: absurd if_tsresol', bytes: file(shb('le'), idb('le', 1, 0, [{ code: 9, value: [99] }])), offset: shbLength },
    { name: 'pcapng: option past the block end', bytes: withU32(file(shb('le'), idb('le', 1, 0, [{ code: 2, value: [1, 2, 3, 4] }])), shbLength + 16, 0x00400002), offset: shbLength },
  ])('$name', ({ bytes, offset }) => {
    expect(errorOf(() => readCapture(bytes)).byteOffset).toBe(offset);
    expect(errorOf(() => [...iterateCapture(bytes)]).byteOffset).toBe(offset);
  });
});
