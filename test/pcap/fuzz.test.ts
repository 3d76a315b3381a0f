/**
 * @fileoverview Seeded mutation fuzzing of the capture reader: mutated pcap and pcapng files (both
 * byte orders) must give a result or a PcapError inside the file, never another exception or a hang.
 */
import { describe, expect, it } from 'vitest';
import { PcapError } from '../../src/errors.js';
import { iterateCapture, writePcap } from '../../src/pcap.js';
import { Rng, makeMixedPackets } from '../support/make-capture.js';
import { customBlock, epb, file, i64Option, idb, isb, nrb, obsoletePacket, shb, spb } from './build-pcapng.js';

const SEEDS = [1, 2, 3, 0xc0ffee, 0x5eed];
const ROUNDS_PER_SEED = 600;

function corpus(): { name: string; bytes: Uint8Array }[] {
  const packets = makeMixedPackets(7, 12);
  const ng = (endian: 'le' | 'be'): Uint8Array =>
    file(
      shb(endian),
      idb(endian, 1, 0, [{ code: 9, value: [9] }, i64Option(endian, 14, 5n)]),
      nrb(endian),
      epb(endian, 0, 12345n, packets[0]?.data ?? new Uint8Array(0)),
      spb(endian, packets[1]?.data ?? new Uint8Array(0)),
      isb(endian, 0),
      customBlock(endian),
      obsoletePacket(endian, 0, 99n, packets[2]?.data ?? new Uint8Array(0)),
      shb(endian === 'le' ? 'be' : 'le'),
      idb(endian === 'le' ? 'be' : 'le', 105, 128),
      epb(endian === 'le' ? 'be' : 'le', 0, 1n, packets[3]?.data ?? new Uint8Array(0)),
    );
  return [
    { name: 'pcap micro', bytes: writePcap(packets, { linkType: 1 }) },
    { name: 'pcap nano', bytes: writePcap(packets.slice(0, 4), { linkType: 1, nanosecond: true }) },
    { name: 'pcapng le', bytes: ng('le') },
    { name: 'pcapng be', bytes: ng('be') },
  ];
}

const INTERESTING_U32 = [0, 1, 3, 4, 11, 12, 13, 16, 24, 28, 0x7fffffff, 0x80000000, 0xfffffffc, 0xffffffff, 0x0a0d0d0a, 0x1a2b3c4d];

/** One random mutation: byte flips, a 32-bit field overwrite, truncation, insertion or deletion. */
function mutate(rng: Rng, input: Uint8Array): Uint8Array {
  const bytes = input.slice();
  switch (rng.below(6)) {
    case 0: {
      const flips = 1 + rng.below(4);
      for (let i = 0; i < flips; i++) bytes[rng.below(bytes.length)] = rng.next() & 0xff;
      return bytes;
    }
    case 1: {
      const offset = rng.below(Math.max(1, bytes.length - 4)) & ~3;
      if (offset + 4 <= bytes.length) new DataView(bytes.buffer).setUint32(offset, rng.pick(INTERESTING_U32), rng.below(2) === 0);
      return bytes;
    }
    case 2:
      return bytes.subarray(0, rng.below(bytes.length + 1));
    case 3: {
      const at = rng.below(bytes.length + 1);
      const extra = rng.bytes(1 + rng.below(8));
      const out = new Uint8Array(bytes.length + extra.length);
      out.set(bytes.subarray(0, at));
      out.set(extra, at);
      out.set(bytes.subarray(at), at + extra.length);
      return out;
    }
    case 4: {
      const at = rng.below(bytes.length);
      const count = 1 + rng.below(8);
      const out = new Uint8Array(Math.max(0, bytes.length - count));
      out.set(bytes.subarray(0, at));
      out.set(bytes.subarray(at + count).subarray(0, out.length - at), at);
      return out;
    }
    default: {
      // aligned length fields are the interesting ones in pcapng: hit one with a near value
      const offset = rng.below(Math.max(1, bytes.length >>> 2)) * 4;
      if (offset + 4 <= bytes.length) {
        const view = new DataView(bytes.buffer);
        const le = rng.below(2) === 0;
        view.setUint32(offset, (view.getUint32(offset, le) + rng.pick([-8, -4, -1, 1, 4, 8])) >>> 0, le);
      }
      return bytes;
    }
  }
}

describe('capture reader fuzz', () => {
  const inputs = corpus();
  it.each(SEEDS)('seed %d: result or PcapError inside the file', (seed) => {
    const rng = new Rng(seed);
    const failures: string[] = [];
    let results = 0;
    let errors = 0;
    for (let round = 0; round < ROUNDS_PER_SEED; round++) {
      const input = rng.pick(inputs);
      let bytes = mutate(rng, input.bytes);
      if (rng.below(3) === 0) bytes = mutate(rng, bytes);
      try {
        let count = 0;
        for (const packet of iterateCapture(bytes)) {
          count++;
          if (packet.data.length > bytes.length || count > bytes.length) throw new Error('impossible packet');
        }
        results++;
      } catch (error) {
        if (error instanceof PcapError && error.byteOffset >= 0 && error.byteOffset <= bytes.length) {
          errors++;
          continue;
        }
        failures.push(`seed ${seed} round ${round} (${input.name}): ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
        if (failures.length >= 5) break;
      }
    }
    expect(failures, `fuzz seed ${seed}`).toEqual([]);
    // the mutations must exercise both outcomes, or the test proves little
    expect(results, `fuzz seed ${seed}: results`).toBeGreaterThan(ROUNDS_PER_SEED / 10);
    expect(errors, `fuzz seed ${seed}: errors`).toBeGreaterThan(ROUNDS_PER_SEED / 10);
  });
});
