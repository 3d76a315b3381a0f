/**
 * @fileoverview PacketProgram.runBatch against run(): for every program of the C fixtures in
 * test/fixtures/programs (tail calls, adjust_head/tail/meta, map updates, ring buffers included),
 * on both engines, a batch gives the verdicts and leaves the maps exactly as one run() per packet
 * does on a fresh copy of the object. The packets vary in length and kind, so that a run after a
 * longer packet or a moved data pointer would show stale bytes if the buffer were not cleared.
 * PacketContext.load's partial clearing (only the window earlier runs could write) is checked
 * directly: after moved pointers, writes and invalidate(), the frame outside the packet is zero.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type BpfObject, type Engine, loadObject } from 'ebpf-wasm';
import { PacketContext, XDP_FRAME_TAILROOM } from '../../runtime/context.js';
import { QueueStackMap } from '../../runtime/maps/queue-stack.js';
import { RingBufMap } from '../../runtime/maps/ringbuf.js';
import { AddressSpace } from '../../runtime/memory.js';
import { arpPacket, ipv4Packet } from './packets.js';

const FIXTURES = new URL('../fixtures/programs/', import.meta.url);
const FILES = ['xdp_count.o', 'packet.o', 'features.o'] as const;
const ENGINES: readonly Engine[] = ['interpreter', 'jit'];
/** map types whose state is not a key/value table (prog array, perf event array, ring buffer) */
const OPAQUE_TYPES = new Set([3, 4, 27]);

/** The packets of every batch: varied protocols and lengths, a runt and an oversized frame. */
function packets(): Uint8Array[] {
  return [
    ipv4Packet({ dport: 53 }),
    ipv4Packet({ dport: 9, payload: 200 }),
    ipv4Packet({ proto: 6, dport: 80, payload: 3 }),
    ipv4Packet({ proto: 1, payload: 60 }),
    arpPacket(),
    new Uint8Array(10),
    ipv4Packet({ payload: 1400 }),
    ipv4Packet({ proto: 6, sport: 7, dport: 7, payload: 40 }),
    ipv4Packet({ payload: 0 }),
    ipv4Packet({ dport: 9 }),
  ];
}

/** ctx inputs to batch under (each batch uses one) per context type: tail_entry dispatches on rx_queue_index. */
const CTX_INPUTS = {
  xdp: [undefined, { rx_queue_index: 1 }, { rx_queue_index: 2 }, { rx_queue_index: 3 }],
  skb: [undefined, { mark: 5, priority: 2 }, { cb: [1, 2, 3] }],
} as const;

/** Everything observable in the object's maps, as plain arrays. */
function mapState(obj: BpfObject): unknown {
  const out: unknown[] = [];
  for (const [name, map] of obj.maps) {
    if (map instanceof RingBufMap) out.push([name, map.drain()]);
    else if (map instanceof QueueStackMap) out.push([name, map.values()]);
    else if (!OPAQUE_TYPES.has(map.type)) out.push([name, map.entries()]);
  }
  return out;
}

/** Verdicts as runBatch reports them: the low 32 bits of r0, signed. */
function verdict(r0: bigint): number {
  return Number(BigInt.asIntN(32, r0));
}

const CASES = FILES.flatMap((file) =>
  loadObject(readFileSync(new URL(file, FIXTURES))).programs.map((p) => ({ file, program: p.name, ctxInputs: p.type === 'xdp' ? CTX_INPUTS.xdp : CTX_INPUTS.skb })),
);

describe.each(ENGINES)('%s', (engine) => {
  it.each(CASES)('$file: $program gives the verdicts and maps of run()', async ({ file, program, ctxInputs }) => {
    const bytes = readFileSync(new URL(file, FIXTURES));
    const single = loadObject(bytes, { seed: 7, clock: () => 1000n });
    const batched = loadObject(bytes, { seed: 7, clock: () => 1000n });
    const one = await single.load(program, { engine });
    const many = await batched.load(program, { engine });
    const input = packets();
    for (const ctx of ctxInputs) {
      const want = input.map((packet) => verdict(one.run(packet, ctx).r0));
      expect([...many.runBatch(input, ctx)]).toEqual(want);
    }
    expect(mapState(batched)).toEqual(mapState(single));
  });
});

describe('runBatch after a program that moved the packet', () => {
  it.each(ENGINES)('%s: a later batch sees a clean headroom and tailroom', async (engine) => {
    const bytes = readFileSync(new URL('packet.o', FIXTURES));
    const single = loadObject(bytes);
    const batched = loadObject(bytes);
    const order = ['xdp_push', 'xdp_meta', 'xdp_trim', 'xdp_swap'] as const;
    const input = packets();
    const want: number[][] = [];
    const got: number[][] = [];
    for (const name of order) {
      const one = await single.load(name, { engine });
      const many = await batched.load(name, { engine });
      want.push(input.map((packet) => verdict(one.run(packet).r0)));
      got.push([...many.runBatch(input)]);
    }
    expect(got).toEqual(want);
    // the packet contents after the last run agree too
    const last = await single.load('xdp_push', { engine });
    const lastBatched = await batched.load('xdp_push', { engine });
    lastBatched.runBatch(input);
    expect(lastBatched.run(input[0]!).data).toEqual(last.run(input[0]!).data);
  });
});

describe('PacketContext.load clears what earlier runs could write', () => {
  /** The frame's bytes outside [data, data_end) that are not zero. */
  function strayBytes(space: AddressSpace, context: PacketContext): number {
    let count = 0;
    for (let a = context.bufferStart; a < context.frameEnd + XDP_FRAME_TAILROOM; a++) {
      if ((a < context.data || a >= context.dataEnd) && space.u8[a] !== 0) count++;
    }
    return count;
  }

  it.each(['xdp', 'tc'] as const)('%s: moved pointers, a longer packet, invalidate()', (type) => {
    const space = new AddressSpace();
    const context = new PacketContext(space, type);
    context.load(new Uint8Array(300).fill(0xaa));
    // adjust_head -16, adjust_meta -8 and adjust_tail +40, each window written
    context.data -= 16;
    context.dataMeta = context.data - 8;
    context.dataEnd += 40;
    space.u8.fill(0xbb, context.dataMeta, context.dataEnd);
    context.load(new Uint8Array(10).fill(1));
    expect([strayBytes(space, context), context.dataEnd - context.data]).toEqual([0, 10]);
    // a write anywhere in the buffer, declared by invalidate()
    space.u8.fill(0xcc, context.bufferStart, context.bufferStart + 8);
    space.u8.fill(0xcc, context.frameEnd, context.frameEnd + 8);
    context.invalidate();
    context.load(new Uint8Array(20).fill(2));
    expect([strayBytes(space, context), [...space.u8.subarray(context.data, context.dataEnd)]]).toEqual([0, new Array<number>(20).fill(2)]);
  });
});
