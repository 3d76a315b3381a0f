// Seeded random operation sequences on hash, LRU and LPM maps, checked against simple reference
// models (a Map with recency order; brute-force longest-prefix match). The seed is in every message.
import { describe, expect, it } from 'vitest';
import { MapError } from '../../src/errors.js';
import { xorshift32 } from '../../runtime/helpers/runtime.js';
import { createMap, Errno, MapFlag, MapType, type RingBufMap, u32Key, UpdateFlag } from '../../runtime/maps/index.js';
import { AddressSpace } from '../../runtime/memory.js';

const SEEDS = [1, 2, 3, 0xdecafbad, 12345];

function errnoOf(action: () => unknown): number {
  try {
    action();
    return 0;
  } catch (error) {
    if (error instanceof MapError) return error.errno;
    throw error;
  }
}

describe('hash and lru maps against a model', () => {
  const cases = SEEDS.flatMap((seed) => [
    { seed, type: MapType.HASH, name: `hash seed ${seed}` },
    { seed, type: MapType.LRU_HASH, name: `lru_hash seed ${seed}` },
  ]);
  it.each(cases)('$name', ({ seed, type }) => {
    const random = xorshift32(seed);
    const capacity = 8;
    const space = new AddressSpace();
    const map = createMap(space, { name: 'm', type, keySize: 4, valueSize: 4, maxEntries: capacity, flags: 0 }, { cpus: 1 });
    const keyAddr = space.alloc(4);
    const isLru = type === MapType.LRU_HASH;
    const model = new Map<number, number>(); // insertion order = recency order for the LRU
    const touch = (key: number, value: number) => {
      if (isLru) model.delete(key); // only the LRU reorders on use; a hash keeps insertion order
      model.set(key, value);
    };
    for (let step = 0; step < 2000; step++) {
      const key = random() % 16;
      const op = random() % 4;
      const where = `seed ${seed} step ${step} op ${op} key ${key}`;
      if (op === 0 || op === 1) {
        const flags = random() % 3;
        const value = random();
        let want = 0;
        if (model.has(key) && flags === UpdateFlag.NOEXIST) want = Errno.EEXIST;
        else if (!model.has(key) && flags === UpdateFlag.EXIST) want = Errno.ENOENT;
        else if (!model.has(key) && model.size === capacity && !isLru) want = Errno.E2BIG;
        expect(errnoOf(() => map.update(u32Key(key), u32Key(value), flags)), where).toBe(want);
        if (want === 0) {
          if (!model.has(key) && model.size === capacity) model.delete(model.keys().next().value!);
          touch(key, value);
        }
      } else if (op === 2) {
        const want = model.has(key) ? 0 : Errno.ENOENT;
        expect(errnoOf(() => map.delete(u32Key(key))), where).toBe(want);
        model.delete(key);
      } else {
        space.view.setUint32(keyAddr, key, true);
        const address = map.lookupAddr(keyAddr);
        expect(address === 0, where).toBe(!model.has(key));
        if (address !== 0) {
          expect(space.view.getUint32(address, true), where).toBe(model.get(key));
          if (isLru) touch(key, model.get(key)!);
        }
      }
    }
    expect(map.keys(), `seed ${seed}`).toEqual([...model.keys()].map(u32Key));
    for (const [key, value] of model) expect(map.lookup(u32Key(key)), `seed ${seed}`).toEqual(u32Key(value));
  });
});

describe('lpm trie against brute force', () => {
  it.each(SEEDS.map((seed) => ({ seed })))('seed $seed', ({ seed }) => {
    const random = xorshift32(seed);
    const map = createMap(new AddressSpace(), { name: 'lpm', type: MapType.LPM_TRIE, keySize: 8, valueSize: 4, maxEntries: 64, flags: MapFlag.NO_PREALLOC }, { cpus: 1 });
    const prefixes = new Map<string, { length: number; address: number; value: number }>();
    const mask = (address: number, length: number) => (length === 0 ? 0 : (address & (0xffff_ffff << (32 - length))) >>> 0);
    const keyOf = (length: number, address: number) => {
      const key = new Uint8Array(8);
      const view = new DataView(key.buffer);
      view.setUint32(0, length, true);
      view.setUint32(4, address >>> 0, false);
      return key;
    };
    for (let step = 0; step < 300; step++) {
      const length = random() % 33;
      // few distinct high bytes so that prefixes nest
      const address = ((random() % 4) << 30) | (random() & 0x3fff_ffff);
      const id = `${length}/${mask(address, length)}`;
      if (random() % 4 === 0) {
        const want = prefixes.has(id) ? 0 : Errno.ENOENT;
        expect(errnoOf(() => map.delete(keyOf(length, address))), `seed ${seed} step ${step}`).toBe(want);
        prefixes.delete(id);
      } else if (prefixes.has(id) || prefixes.size < 64) {
        const value = random();
        map.update(keyOf(length, address), u32Key(value));
        prefixes.set(id, { length, address: mask(address, length), value });
      }
      const probe = random() >>> 0;
      let best: { length: number; value: number } | undefined;
      for (const prefix of prefixes.values()) {
        if (mask(probe, prefix.length) === prefix.address && (best === undefined || prefix.length > best.length)) best = prefix;
      }
      expect(map.lookup(keyOf(32, probe)), `seed ${seed} step ${step} probe ${probe.toString(16)}`).toEqual(best === undefined ? undefined : u32Key(best.value));
    }
  });
});

describe('ring buffer against a model', () => {
  it.each(SEEDS.map((seed) => ({ seed })))('seed $seed', ({ seed }) => {
    const random = xorshift32(seed);
    const size = 4096;
    const ring = createMap(new AddressSpace(), { name: 'rb', type: MapType.RINGBUF, keySize: 0, valueSize: 0, maxEntries: size, flags: 0 }, { cpus: 1 }) as RingBufMap;
    const delivered: Uint8Array[] = [];
    ring.onRecord((data) => delivered.push(data));
    // model: records in reservation order with their state
    const records: { sample: number; data: Uint8Array; length: number; state: 'busy' | 'submitted' | 'discarded' }[] = [];
    let consumed = 0; // index into records of the first not yet consumed
    let used = 0;
    const expected: Uint8Array[] = [];
    let checked = 0;
    for (let step = 0; step < 3000; step++) {
      const where = `seed ${seed} step ${step}`;
      const outstanding = records.filter((r) => r.state === 'busy');
      if (outstanding.length === 0 || random() % 2 === 0) {
        const sampleSize = random() % 300;
        const length = (sampleSize + 8 + 7) & ~7;
        const sample = ring.reserve(sampleSize, 0n);
        expect(sample === 0, where).toBe(used + length > size - 1);
        if (sample !== 0) {
          const data = new Uint8Array(sampleSize).map(() => random() & 0xff);
          ring.space.u8.set(data, sample);
          records.push({ sample, data, length, state: 'busy' });
          used += length;
        }
      } else {
        const record = outstanding[random() % outstanding.length]!;
        const discard = random() % 3 === 0;
        ring.commit(record.sample, discard);
        record.state = discard ? 'discarded' : 'submitted';
        while (consumed < records.length && records[consumed]!.state !== 'busy') {
          const done = records[consumed]!;
          if (done.state === 'submitted') expected.push(done.data);
          used -= done.length;
          consumed++;
        }
        // compare lengths every step and the bytes of each record once (deep-equal of all is slow)
        expect(delivered.length, where).toBe(expected.length);
        for (; checked < delivered.length; checked++) expect(Buffer.compare(delivered[checked]!, expected[checked]!), where).toBe(0);
        expect(ring.used, where).toBe(used);
      }
    }
  });
});
