/**
 * @fileoverview End-to-end tests of loadObject on the C fixtures in test/fixtures/programs: verdicts,
 * output packets, ctx fields and map contents, each on the interpreter and on the JIT.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type BpfObject, loadObject, u32Key, XdpAction, TcAction, type Engine } from 'ebpf-wasm';
import { PerfEventArrayMap } from '../../runtime/maps/perf-event-array.js';
import { QueueStackMap } from '../../runtime/maps/queue-stack.js';
import { RingBufMap } from '../../runtime/maps/ringbuf.js';
import { arpPacket, checksum, ipv4Packet, l4Checksum, u32At, u64At } from './packets.js';

const FIXTURES = new URL('../fixtures/programs/', import.meta.url);
const ENGINES: readonly Engine[] = ['interpreter', 'jit'];

function object(name: string, options: Parameters<typeof loadObject>[1] = {}): BpfObject {
  return loadObject(readFileSync(new URL(name, FIXTURES)), options);
}

function u32(value: number): Uint8Array {
  return u32Key(value);
}

describe.each(ENGINES)('%s', (engine) => {
  it('xdp_count: verdicts, HASH and PERCPU_ARRAY contents', async () => {
    const obj = object('xdp_count.o', { cpus: 2 });
    expect(obj.programs).toEqual([{ name: 'xdp_count', section: 'xdp', type: 'xdp' }]);
    const xdp = await obj.load('xdp_count', { engine });
    const packets = [ipv4Packet({ dport: 53 }), ipv4Packet({ dport: 9 }), ipv4Packet({ proto: 6, dport: 80 }), ipv4Packet({ proto: 1 }), arpPacket(), new Uint8Array(10)];
    const verdicts = xdp.runBatch(packets);
    expect([...verdicts]).toEqual([XdpAction.PASS, XdpAction.DROP, XdpAction.PASS, XdpAction.PASS, XdpAction.PASS, XdpAction.DROP]);
    // one more run on CPU 1
    expect(xdp.run(ipv4Packet({ dport: 9 }), undefined, { cpu: 1 }).r0).toBe(BigInt(XdpAction.DROP));
    const counts = new Map(obj.maps.get('proto_counts')!.entries().map(([k, v]) => [u32At(k), u64At(v)]));
    expect(counts).toEqual(new Map([[17, 3n], [6, 1n], [1, 1n]]));
    const totals = obj.maps.get('totals')!;
    expect(totals.lookupPerCpu(u32(0))!.map((v) => u64At(v))).toEqual([6n, 1n]);
    const bytes = packets.reduce((sum, p) => sum + p.length, 0);
    expect(totals.lookupPerCpu(u32(1))!.map((v) => u64At(v))).toEqual([BigInt(bytes), BigInt(packets[1]!.length)]);
  });

  it('xdp_swap: XDP_TX with the MAC addresses swapped', async () => {
    const xdp = await object('packet.o').load('xdp_swap', { engine });
    const input = ipv4Packet();
    const { r0, data } = xdp.run(input);
    expect(r0).toBe(BigInt(XdpAction.TX));
    const want = input.slice();
    want.set(input.subarray(6, 12), 0);
    want.set(input.subarray(0, 6), 6);
    expect(data).toEqual(want);
    expect(xdp.run(new Uint8Array(8)).r0).toBe(BigInt(XdpAction.ABORTED));
  });

  it('xdp_push / xdp_trim / xdp_meta: adjust_head, adjust_tail, adjust_meta', async () => {
    const obj = object('packet.o');
    const input = ipv4Packet({ payload: 40 });
    const push = await obj.load('xdp_push', { engine });
    const pushed = push.run(input);
    expect(pushed.r0).toBe(BigInt(XdpAction.PASS));
    expect(pushed.data).toEqual(new Uint8Array([0xde, 0xad, 0xbe, 0xef, ...input]));
    expect((pushed.ctx['data_end'] as number) - (pushed.ctx['data'] as number)).toBe(input.length + 4);

    const trim = await obj.load('xdp_trim', { engine });
    const trimmed = trim.run(input);
    expect(trimmed.r0).toBe(BigInt(XdpAction.PASS));
    expect(trimmed.data).toEqual(input.slice(14, 34));

    const meta = await obj.load('xdp_meta', { engine });
    const withMeta = meta.run(input);
    expect(withMeta.r0).toBe(BigInt(XdpAction.PASS));
    expect(withMeta.data).toEqual(input);
    expect([u32At(withMeta.meta, 0), u32At(withMeta.meta, 4)]).toEqual([input.length, 0x4d455441]);
  });

  it.each([
    { name: 'udp', proto: 17 as const },
    { name: 'tcp', proto: 6 as const },
  ])('tc_nat ($name): mark, store_bytes and correct l3/l4 checksums', async ({ proto }) => {
    const tc = await object('packet.o').load('tc_nat', { engine });
    const input = ipv4Packet({ proto, payload: 23 });
    expect(checksum(input.subarray(14, 34))).toBe(0);
    expect(l4Checksum(input)).toBe(0);
    const { r0, data, ctx } = tc.run(input);
    expect(r0).toBe(BigInt(TcAction.OK));
    expect(ctx['mark']).toBe(0x42);
    expect([...data.subarray(30, 34)]).toEqual([10, 9, 8, 7]);
    expect(checksum(data.subarray(14, 34))).toBe(0);
    expect(l4Checksum(data)).toBe(0);
    // everything but the address and the two checksums is unchanged
    const l4Check = proto === 6 ? 50 : 40;
    for (let i = 0; i < input.length; i++) {
      if ((i >= 30 && i < 34) || i === 24 || i === 25 || i === l4Check || i === l4Check + 1) continue;
      expect(data[i], `byte ${i}`).toBe(input[i]);
    }
  });

  it('socket_udp: skb_load_bytes and skb->len', async () => {
    const socket = await object('packet.o').load('socket_udp', { engine });
    expect(socket.type).toBe('socket_filter');
    const udp = ipv4Packet();
    expect(socket.run(udp).r0).toBe(BigInt(udp.length));
    expect(socket.run(ipv4Packet({ proto: 6 })).r0).toBe(0n);
    expect(socket.run(arpPacket()).r0).toBe(0n);
  });

  it('tail calls: initial slots, setTailCall, empty slots and the 33-call limit', async () => {
    const obj = object('features.o');
    const entry = await obj.load('tail_entry', { engine });
    const hits = obj.maps.get('hits')!;
    const hitCounts = (): bigint[] => [0, 1, 2].map((i) => u64At(hits.lookup(u32(i))!));
    expect(entry.run(ipv4Packet(), { rx_queue_index: 1 }).r0).toBe(BigInt(XdpAction.TX));
    expect(hitCounts()).toEqual([1n, 1n, 0n]);
    expect(entry.run(ipv4Packet(), { rx_queue_index: 0 }).r0).toBe(BigInt(XdpAction.DROP));
    expect(entry.run(ipv4Packet(), { rx_queue_index: 3 }).r0).toBe(BigInt(XdpAction.DROP));
    expect(hitCounts()).toEqual([3n, 1n, 0n]);
    obj.setTailCall('jumps', 3, 'tail_second');
    expect(entry.run(ipv4Packet(), { rx_queue_index: 3 }).r0).toBe(BigInt(XdpAction.TX));
    expect(entry.run(ipv4Packet(), { rx_queue_index: 2 }).r0).toBe(BigInt(XdpAction.PASS));
    // entry -> loop is tail call 1; loop -> loop 2..33; the 34th fails and the last loop returns
    expect(hitCounts()).toEqual([5n, 2n, 33n]);
    obj.setTailCall('jumps', 1, null);
    expect(entry.run(ipv4Packet(), { rx_queue_index: 1 }).r0).toBe(BigInt(XdpAction.DROP));
    // the JS map API takes program ids
    obj.maps.get('jumps')!.update(u32(1), u32(obj.programId('tail_second')));
    expect(entry.run(ipv4Packet(), { rx_queue_index: 1 }).r0).toBe(BigInt(XdpAction.TX));
  });

  it('global data, subprograms and a bounded loop', async () => {
    const obj = object('features.o');
    const prog = await obj.load('globals', { engine });
    expect(u64At(obj.maps.get('.data')!.lookup(u32(0))!)).toBe(5n);
    expect(u32At(obj.maps.get('.rodata')!.lookup(u32(0))!)).toBe(3);
    const input = ipv4Packet({ payload: 60 });
    expect(prog.run(input).r0).toBe(BigInt(XdpAction.PASS));
    expect(prog.run(input).r0).toBe(BigInt(XdpAction.PASS));
    expect(u64At(obj.maps.get('.data')!.lookup(u32(0))!)).toBe(7n);
    const sum = input.subarray(0, 64).reduce((a, b) => a + b, 0);
    expect(u32At(obj.maps.get('.bss')!.lookup(u32(0))!)).toBe(sum * 3);
    prog.run(new Uint8Array([1, 2, 3]));
    expect(u32At(obj.maps.get('.bss')!.lookup(u32(0))!)).toBe(18);
  });

  it('LPM_TRIE: longest prefix wins', async () => {
    const obj = object('features.o');
    const prog = await obj.load('lpm_route', { engine });
    const routes = obj.maps.get('routes')!;
    const key = (prefix: number, a: number, b: number, c: number, d: number): Uint8Array => new Uint8Array([prefix, 0, 0, 0, a, b, c, d]);
    routes.update(key(8, 10, 0, 0, 0), u32(XdpAction.DROP));
    routes.update(key(24, 10, 0, 0, 0), u32(XdpAction.TX));
    expect(prog.run(ipv4Packet({ dst: [10, 0, 0, 2] })).r0).toBe(BigInt(XdpAction.TX));
    expect(prog.run(ipv4Packet({ dst: [10, 1, 2, 3] })).r0).toBe(BigInt(XdpAction.DROP));
    expect(prog.run(ipv4Packet({ dst: [192, 168, 1, 1] })).r0).toBe(BigInt(XdpAction.PASS));
  });

  it('QUEUE and STACK', async () => {
    const obj = object('features.o');
    const prog = await obj.load('queue_stack', { engine });
    const tokens = obj.maps.get('tokens')!;
    tokens.push(u32(7));
    tokens.push(u32(8));
    const lengths = [60, 61, 62, 63, 64];
    const verdicts = lengths.map((n) => prog.run(new Uint8Array(n)).r0);
    expect(verdicts).toEqual([8n, 7n, 0n, 0n, 0n]);
    // a queue of 4 pushed with BPF_EXIST drops its oldest element
    const queue = obj.maps.get('lengths') as QueueStackMap;
    expect(queue.values().map((v) => u32At(v))).toEqual([61, 62, 63, 64]);
  });

  it('RINGBUF: ringbuf_output and reserve/submit; PERF_EVENT_ARRAY output', async () => {
    const obj = object('features.o');
    const prog = await obj.load('ring', { engine });
    const input = ipv4Packet();
    expect(prog.run(input).r0).toBe(BigInt(XdpAction.PASS));
    const records = (obj.maps.get('events') as RingBufMap).drain();
    expect(records.map((r) => [u32At(r), [...r.subarray(4, 8)]])).toEqual([
      [input.length, [...input.subarray(0, 4)]],
      [input.length + 1000, [...input.subarray(0, 4)]],
    ]);
    const perf = await obj.load('perf_out', { engine });
    expect(perf.run(input).r0).toBe(BigInt(XdpAction.PASS));
    const events = (obj.maps.get('perf') as PerfEventArrayMap).drain();
    expect(events.length).toBe(1);
    expect([...events[0]!.data]).toEqual([...u32(input.length), ...input.subarray(0, 6)]);
  });

  it('LRU_HASH evicts the least recently used entry', async () => {
    const obj = object('features.o');
    const prog = await obj.load('lru', { engine });
    for (const src of [[1, 1, 1, 1], [2, 2, 2, 2], [1, 1, 1, 1], [3, 3, 3, 3]] as const) prog.run(ipv4Packet({ src }));
    const entries = obj.maps.get('recent')!.entries().map(([k, v]) => [[...k], u32At(v)]);
    expect(entries).toEqual([
      [[1, 1, 1, 1], 2],
      [[3, 3, 3, 3], 1],
    ]);
  });

  it('redirect_map through a DEVMAP', async () => {
    const obj = object('features.o');
    const prog = await obj.load('redirect', { engine });
    obj.maps.get('ports')!.update(u32(2), u32(5));
    const redirected = prog.run(ipv4Packet({ dstMac: [2, 0, 0, 0, 0, 2] }));
    expect(redirected.r0).toBe(BigInt(XdpAction.REDIRECT));
    expect(redirected.redirect).toMatchObject({ kind: 'map', key: 2, map: obj.maps.get('ports') });
    const dropped = prog.run(ipv4Packet({ dstMac: [2, 0, 0, 0, 0, 3] }));
    expect(dropped.r0).toBe(BigInt(XdpAction.DROP));
    expect(dropped.redirect).toBeUndefined();
  });
});
