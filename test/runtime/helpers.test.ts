// Kernel helpers called directly through their bigint signatures on a real AddressSpace.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MapError, UsageError } from '../../src/errors.js';
import { MAX_TAIL_CALLS } from '../../src/isa/registers.js';
import { type PacketContext, setupSkb, setupXdp, TcAction, XdpAction } from '../../runtime/context.js';
import { createFastHelpers, FAST_HELPERS } from '../../runtime/helpers/fast.js';
import { createKernelHelpers, HelperId, type HelperName } from '../../runtime/helpers/kernel.js';
import { csumAdd, csumFold, csumPartial, csumReplace2, csumReplace4, internetChecksum } from '../../runtime/helpers/packet.js';
import { HelperRuntime, type HelperRuntimeOptions, xorshift32 } from '../../runtime/helpers/runtime.js';
import { formatTrace } from '../../runtime/helpers/trace.js';
import { createMap, Errno, MapFlag, type MapOfMaps, MapType, type MapSpec, type PerfEventArrayMap, type ProgArrayMap, type RingBufMap, u32Key } from '../../runtime/maps/index.js';

const U64 = (1n << 64n) - 1n;
const neg = (errno: number) => BigInt.asUintN(64, BigInt(-errno));

class Harness {
  readonly rt: HelperRuntime;
  readonly helpers: ReturnType<typeof createKernelHelpers>;
  readonly lines: string[] = [];

  constructor(options: HelperRuntimeOptions = {}) {
    this.rt = new HelperRuntime({ log: (line) => this.lines.push(line), ...options });
    this.helpers = createKernelHelpers(this.rt);
  }

  get space() {
    return this.rt.space;
  }

  call(name: HelperName, ...args: (number | bigint)[]): bigint {
    const fn = this.helpers.get(HelperId[name])!;
    const [r1 = 0n, r2 = 0n, r3 = 0n, r4 = 0n, r5 = 0n] = args.map((a) => BigInt.asUintN(64, BigInt(a)));
    return fn(r1, r2, r3, r4, r5);
  }

  map(spec: Partial<MapSpec> & { type: number }) {
    const map = createMap(this.space, { name: 'm', keySize: 4, valueSize: 4, maxEntries: 4, flags: 0, ...spec }, { cpus: this.rt.cpus });
    this.rt.registry.register(map);
    return map;
  }

  put(bytes: Uint8Array | number[]): number {
    const data = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
    const address = this.space.alloc(Math.max(data.length, 1));
    this.space.u8.set(data, address);
    return address;
  }

  bytes(address: number | bigint, length: number): Uint8Array {
    return this.space.u8.slice(Number(address), Number(address) + length);
  }

  cstring(text: string): number {
    return this.put([...Buffer.from(text, 'latin1'), 0]);
  }

  usePacket(packet: PacketContext): PacketContext {
    this.rt.beginRun(packet);
    return packet;
  }
}

describe('helper table', () => {
  it('ids and map types match linux/bpf.h (gcc-built dump in fixtures/uapi-offsets.txt)', () => {
    const lines = readFileSync(new URL('./fixtures/uapi-offsets.txt', import.meta.url), 'utf8').trim().split('\n');
    const helpers = Object.fromEntries(lines.filter((l) => l.startsWith('helper ')).map((l) => [l.split(' ')[1]!, Number(l.split(' ')[2])]));
    expect(helpers).toEqual({ ...HelperId });
    const mapTypes = Object.fromEntries(lines.filter((l) => l.startsWith('map_type ')).map((l) => [l.split(' ')[1]!, Number(l.split(' ')[2])]));
    expect(mapTypes).toEqual({ ...MapType });
  });

  it('binds every listed id', () => {
    const h = new Harness();
    expect([...h.helpers.keys()]).toEqual(Object.values(HelperId));
    expect(HelperId).toMatchObject({ map_lookup_elem: 1, tail_call: 12, redirect_map: 51, xdp_adjust_tail: 65, ringbuf_discard: 133 });
  });
});

describe('map helpers', () => {
  it('lookup returns an address whose bytes are the value; update and delete through addresses', () => {
    const h = new Harness();
    const map = h.map({ type: MapType.HASH });
    const key = h.put(u32Key(5));
    expect(h.call('map_lookup_elem', map.address, key)).toBe(0n);
    expect(h.call('map_update_elem', map.address, key, h.put([1, 2, 3, 4]), 0)).toBe(0n);
    const value = h.call('map_lookup_elem', map.address, key);
    expect(value).not.toBe(0n);
    expect(h.bytes(value, 4)).toEqual(new Uint8Array([1, 2, 3, 4]));
    h.space.u8[Number(value)] = 9;
    expect(map.lookup(u32Key(5))).toEqual(new Uint8Array([9, 2, 3, 4]));
    expect(h.call('map_update_elem', map.address, key, h.put([0, 0, 0, 0]), 1)).toBe(neg(Errno.EEXIST));
    expect(h.call('map_update_elem', map.address, key, h.put([0, 0, 0, 0]), 1n << 40n)).toBe(neg(Errno.EINVAL));
    expect(h.call('map_delete_elem', map.address, key)).toBe(0n);
    expect(h.call('map_delete_elem', map.address, key)).toBe(neg(Errno.ENOENT));
  });

  it('per-cpu lookups see the current cpu copy', () => {
    const h = new Harness({ cpus: 2, cpu: 1 });
    const map = h.map({ type: MapType.PERCPU_ARRAY, maxEntries: 1, valueSize: 8 });
    const value = new Uint8Array(16);
    value[0] = 10;
    value[8] = 11;
    map.update(u32Key(0), value);
    const address = h.call('map_lookup_elem', map.address, h.put(u32Key(0)));
    expect(h.space.u8[Number(address)]).toBe(11);
    expect(h.call('get_smp_processor_id')).toBe(1n);
  });

  it('push, pop and peek', () => {
    const h = new Harness();
    const queue = h.map({ type: MapType.QUEUE, keySize: 0, maxEntries: 2 });
    const out = h.space.alloc(4);
    expect(h.call('map_pop_elem', queue.address, out)).toBe(neg(Errno.ENOENT));
    expect(h.call('map_push_elem', queue.address, h.put([1, 0, 0, 0]), 0)).toBe(0n);
    expect(h.call('map_push_elem', queue.address, h.put([2, 0, 0, 0]), 0)).toBe(0n);
    expect(h.call('map_push_elem', queue.address, h.put([3, 0, 0, 0]), 0)).toBe(neg(Errno.E2BIG));
    expect(h.call('map_push_elem', queue.address, h.put([3, 0, 0, 0]), 2)).toBe(0n);
    expect(h.call('map_peek_elem', queue.address, out)).toBe(0n);
    expect(h.space.u8[out]).toBe(2);
    expect(h.call('map_pop_elem', queue.address, out)).toBe(0n);
    expect(h.space.u8[out]).toBe(2);
    expect(h.call('map_pop_elem', queue.address, out)).toBe(0n);
    expect(h.space.u8[out]).toBe(3);
  });

  it('a register that is not a map header throws MapError', () => {
    const h = new Harness();
    expect(() => h.call('map_lookup_elem', 0x1234, 0)).toThrow(MapError);
  });
});

describe('tail_call', () => {
  it('sets pendingTailCall for an occupied slot, counting attempts like the kernel', () => {
    const h = new Harness();
    const progs = h.map({ type: MapType.PROG_ARRAY }) as ProgArrayMap;
    progs.setProgram(1, 42);
    h.rt.beginRun();
    expect(h.call('tail_call', 0x5000, progs.address, 7)).toBe(0n);
    expect(h.rt.pendingTailCall).toBeUndefined();
    expect(h.rt.tailCallCount).toBe(0);
    h.call('tail_call', 0x5000, progs.address, 0);
    expect(h.rt.pendingTailCall).toBeUndefined();
    expect(h.rt.tailCallCount).toBe(1);
    h.call('tail_call', 0x5000, progs.address, 1);
    expect(h.rt.takeTailCall()).toEqual({ map: progs, index: 1, programId: 42, ctx: 0x5000 });
    expect(h.rt.pendingTailCall).toBeUndefined();
    expect(h.rt.tailCallCount).toBe(2);
  });

  it('stops after MAX_TAIL_CALLS', () => {
    const h = new Harness();
    const progs = h.map({ type: MapType.PROG_ARRAY }) as ProgArrayMap;
    progs.setProgram(0, 1);
    h.rt.beginRun();
    for (let i = 0; i < MAX_TAIL_CALLS; i++) {
      h.call('tail_call', 0, progs.address, 0);
      expect(h.rt.takeTailCall()?.programId).toBe(1);
    }
    h.call('tail_call', 0, progs.address, 0);
    expect(h.rt.pendingTailCall).toBeUndefined();
    h.rt.beginRun();
    h.call('tail_call', 0, progs.address, 0);
    expect(h.rt.pendingTailCall?.programId).toBe(1);
  });

  it('throws for a map that is not a program array', () => {
    const h = new Harness();
    const map = h.map({ type: MapType.ARRAY });
    expect(() => h.call('tail_call', 0, map.address, 0)).toThrow(MapError);
  });
});

describe('simple helpers', () => {
  it('ktime_get_ns uses the injected clock; prandom is seeded', () => {
    let now = 1000n;
    const h = new Harness({ clock: () => (now += 5n), seed: 7 });
    expect(h.call('ktime_get_ns')).toBe(1005n);
    expect(h.call('ktime_get_ns')).toBe(1010n);
    const expected = xorshift32(7);
    expect(h.call('get_prandom_u32')).toBe(BigInt(expected()));
    expect(h.call('get_prandom_u32')).toBe(BigInt(expected()));
    const again = new Harness({ seed: 7 });
    expect(again.call('get_prandom_u32')).toBe(BigInt(xorshift32(7)()));
  });
});

describe('trace_printk', () => {
  const cases: { name: string; format: string; args: bigint[]; want: string | number; strings?: string[] }[] = [
    { name: 'plain text', format: 'hello\n', args: [], want: 'hello\n' },
    { name: '%d negative', format: 'v=%d', args: [0xffff_ffffn], want: 'v=-1' },
    { name: '%d uses 32 bits', format: '%d', args: [0x1_0000_0005n], want: '5' },
    { name: '%i', format: '%i', args: [42n], want: '42' },
    { name: '%u', format: '%u', args: [0xffff_ffffn], want: '4294967295' },
    { name: '%x %X', format: '%x %X', args: [0xabcn, 0xabcn], want: 'abc ABC' },
    { name: '%lld', format: '%lld', args: [U64], want: '-1' },
    { name: '%llu', format: '%llu', args: [U64], want: '18446744073709551615' },
    { name: '%llx', format: '%llx', args: [0x1234_5678_9abc_def0n], want: '123456789abcdef0' },
    { name: '%ld', format: '%ld', args: [1n << 40n], want: '1099511627776' },
    { name: 'width and zero pad', format: '[%5d][%-4u][%08x][%05d]', args: [42n, 7n, 0xbeefn], want: -Errno.EINVAL },
    { name: 'width flags', format: '[%5d][%-4u][%08x]', args: [42n, 7n, 0xbeefn], want: '[   42][7   ][0000beef]' },
    { name: 'zero pad negative', format: '%05d', args: [BigInt.asUintN(64, -42n)], want: '-0042' },
    { name: '%c', format: '%c%c', args: [0x41n, 0x42n], want: 'AB' },
    { name: '%%', format: '100%%', args: [], want: '100%' },
    { name: '%p', format: '%p', args: [0x1000n], want: '0000000000001000' },
    { name: '%px', format: '%px!', args: [0xffn], want: '00000000000000ff!' },
    { name: '%s', format: 'name=%s', args: [], strings: ['eth0'], want: 'name=eth0' },
    { name: '%s NULL', format: '[%s]', args: [0n], want: '[]' },
    { name: 'too many conversions', format: '%d %d %d %d', args: [1n, 2n, 3n], want: -Errno.EINVAL },
    { name: 'unknown conversion', format: '%f', args: [1n], want: -Errno.EINVAL },
    { name: 'precision unsupported', format: '%.2d', args: [1n], want: -Errno.EINVAL },
    { name: 'non-printable byte', format: 'a\x01b', args: [], want: -Errno.EINVAL },
  ];
  it.each(cases)('$name', ({ format, args, want, strings }) => {
    const h = new Harness();
    const stringArgs = (strings ?? []).map((s) => BigInt(h.cstring(s)));
    const fmt = h.cstring(format);
    const size = format.length + 1;
    const r = h.call('trace_printk', fmt, size, ...[...stringArgs, ...args]);
    if (typeof want === 'number') {
      expect(r).toBe(neg(-want));
      expect(h.lines).toEqual([]);
    } else {
      expect(r).toBe(BigInt(want.length));
      expect(h.lines).toEqual([want]);
    }
  });

  it('the format must be NUL-terminated within its size', () => {
    const h = new Harness();
    const fmt = h.cstring('abc');
    expect(h.call('trace_printk', fmt, 3)).toBe(neg(Errno.EINVAL));
    expect(formatTrace(h.space.u8, new Uint8Array(0), [])).toBe(-Errno.EINVAL);
  });

  it('%pI4 and %pI6 read addresses from memory', () => {
    const h = new Harness();
    const v4 = h.put([192, 168, 1, 2]);
    const v6 = h.put([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    h.call('trace_printk', h.cstring('%pI4 %pi4 %pI6'), 15, v4, v4, v6);
    expect(h.lines).toEqual(['192.168.1.2 192.168.001.002 2001:0db8:0000:0000:0000:0000:0000:0001']);
  });
});

// RFC 1071 / the classic IPv4 header example: checksum 0xb861 over
// 4500 0073 0000 4000 4011 0000 c0a8 0001 c0a8 00c7.
const IPV4_HEADER = [0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7];
const ETH = [...new Array<number>(12).fill(0), 0x08, 0x00];

describe('checksum arithmetic', () => {
  it('internetChecksum matches the hand-computed IPv4 example', () => {
    const header = new Uint8Array(IPV4_HEADER);
    header[10] = 0;
    header[11] = 0;
    expect(internetChecksum(header)).toBe(0xb861);
    expect(internetChecksum(new Uint8Array(IPV4_HEADER))).toBe(0);
  });

  const folds: { name: string; value: number; want: number }[] = [
    { name: 'zero', value: 0, want: 0xffff },
    { name: 'carry folds twice', value: 0xffff_ffff, want: 0 },
    { name: 'halves add', value: 0x0001_fffe, want: 0 },
    { name: 'plain', value: 0x1234, want: 0xedcb },
  ];
  it.each(folds)('csum_fold $name', ({ value, want }) => expect(csumFold(value)).toBe(want));

  it('csum_add wraps the carry around; csumPartial sums little-endian words', () => {
    expect(csumAdd(0xffff_ffff, 1)).toBe(1);
    expect(csumAdd(0x8000_0000, 0x8000_0000)).toBe(1);
    expect(csumPartial(new Uint8Array([1, 2, 3, 4]), 0)).toBe(0x0403_0201);
    expect(csumPartial(new Uint8Array([0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0]), 0)).toBe(2);
    expect(csumPartial(new Uint8Array(0), 0x1234)).toBe(0x1234);
  });

  it('csum_replace2/4 match recomputing (TTL decrement and address rewrite)', () => {
    const header = new Uint8Array(IPV4_HEADER);
    const view = new DataView(header.buffer);
    const check = view.getUint16(10, true);
    const oldWord = view.getUint16(8, true);
    header[8] = 0x3f;
    const newWord = view.getUint16(8, true);
    const updated = csumReplace2(check, oldWord, newWord);
    header[10] = 0;
    header[11] = 0;
    expect(updated).toBe(new DataView(new Uint8Array([internetChecksum(header) >> 8, internetChecksum(header) & 0xff]).buffer).getUint16(0, true));
    const fresh = new Uint8Array(IPV4_HEADER);
    const freshView = new DataView(fresh.buffer);
    const oldAddress = freshView.getUint32(16, true);
    fresh.set([10, 0, 0, 1], 16);
    const newAddress = freshView.getUint32(16, true);
    const replaced = csumReplace4(freshView.getUint16(10, true), oldAddress, newAddress);
    fresh[10] = 0;
    fresh[11] = 0;
    const want = internetChecksum(fresh);
    expect(replaced).toBe(((want & 0xff) << 8) | (want >> 8));
  });
});

describe('packet helpers', () => {
  function skbHarness(bytes: number[]) {
    const h = new Harness();
    const ctx = h.usePacket(setupSkb(h.space, new Uint8Array(bytes)));
    return { h, ctx };
  }
  const checkOf = (ctx: PacketContext) => (ctx.readPacket()[24]! << 8) | ctx.readPacket()[25]!;

  it('skb_load_bytes copies or zeroes with EFAULT', () => {
    const { h, ctx } = skbHarness([...ETH, ...IPV4_HEADER]);
    const to = h.space.alloc(8);
    expect(h.call('skb_load_bytes', ctx.ctxAddr, 14, to, 4)).toBe(0n);
    expect(h.bytes(to, 4)).toEqual(new Uint8Array([0x45, 0, 0, 0x73]));
    h.space.u8.fill(0x55, to, to + 8);
    expect(h.call('skb_load_bytes', ctx.ctxAddr, 30, to, 8)).toBe(neg(Errno.EFAULT));
    expect(h.bytes(to, 8)).toEqual(new Uint8Array(8));
    expect(h.call('skb_load_bytes', ctx.ctxAddr, 0x8000_0000, to, 1)).toBe(neg(Errno.EFAULT));
    h.rt.beginRun();
    expect(() => h.call('skb_load_bytes', ctx.ctxAddr, 0, to, 1)).toThrow(UsageError);
  });

  it('skb_store_bytes writes, checks flags and bounds, invalidates the hash', () => {
    const { h, ctx } = skbHarness([...ETH, ...IPV4_HEADER]);
    ctx.setField('hash', 0x1234);
    const from = h.put([1, 2, 3]);
    expect(h.call('skb_store_bytes', ctx.ctxAddr, 0, from, 3, 0)).toBe(0n);
    expect(ctx.readPacket().slice(0, 3)).toEqual(new Uint8Array([1, 2, 3]));
    expect(ctx.readFields()['hash']).toBe(0x1234);
    expect(h.call('skb_store_bytes', ctx.ctxAddr, 32, from, 3, 0)).toBe(neg(Errno.EFAULT));
    expect(h.call('skb_store_bytes', ctx.ctxAddr, 0, from, 3, 4)).toBe(neg(Errno.EINVAL));
    expect(h.call('skb_store_bytes', ctx.ctxAddr, 31, from, 3, 2)).toBe(0n);
    expect(ctx.readFields()['hash']).toBe(0);
  });

  it('csum_diff + l3_csum_replace(flags 0) rewrites the destination address like a recompute', () => {
    const { h, ctx } = skbHarness([...ETH, ...IPV4_HEADER]);
    const oldAddress = h.put([0xc0, 0xa8, 0x00, 0xc7]);
    const newAddress = h.put([10, 0, 0, 1]);
    const diff = h.call('csum_diff', oldAddress, 4, newAddress, 4, 0);
    expect(h.call('skb_store_bytes', ctx.ctxAddr, 30, newAddress, 4, 0)).toBe(0n);
    expect(h.call('l3_csum_replace', ctx.ctxAddr, 24, 0, diff, 0)).toBe(0n);
    const header = ctx.readPacket().slice(14);
    expect(internetChecksum(header)).toBe(0);
    header[10] = 0;
    header[11] = 0;
    expect(checkOf(ctx)).toBe(internetChecksum(header));
  });

  it('l3_csum_replace with sizes 2 and 4', () => {
    const { h, ctx } = skbHarness([...ETH, ...IPV4_HEADER]);
    const view = h.space.view;
    const ttlWord = view.getUint16(ctx.data + 22, true);
    view.setUint8(ctx.data + 22, 0x3f);
    expect(h.call('l3_csum_replace', ctx.ctxAddr, 24, ttlWord, view.getUint16(ctx.data + 22, true), 2)).toBe(0n);
    expect(internetChecksum(ctx.readPacket().slice(14))).toBe(0);
    const oldSource = view.getUint32(ctx.data + 26, true);
    h.space.u8.set([172, 16, 9, 9], ctx.data + 26);
    expect(h.call('l3_csum_replace', ctx.ctxAddr, 24, oldSource, view.getUint32(ctx.data + 26, true), 4)).toBe(0n);
    expect(internetChecksum(ctx.readPacket().slice(14))).toBe(0);
  });

  const l3Errors: { name: string; offset: number; from: bigint; flags: bigint; errno: number }[] = [
    { name: 'odd offset', offset: 25, from: 0n, flags: 2n, errno: Errno.EFAULT },
    { name: 'offset past the packet', offset: 34, from: 0n, flags: 2n, errno: Errno.EFAULT },
    { name: 'offset over 0xffff', offset: 0x10000, from: 0n, flags: 2n, errno: Errno.EFAULT },
    { name: 'size 3', offset: 24, from: 0n, flags: 3n, errno: Errno.EINVAL },
    { name: 'diff mode with from', offset: 24, from: 1n, flags: 0n, errno: Errno.EINVAL },
    { name: 'unknown flag', offset: 24, from: 0n, flags: 0x12n, errno: Errno.EINVAL },
  ];
  it.each(l3Errors)('l3_csum_replace $name', ({ offset, from, flags, errno }) => {
    const { h, ctx } = skbHarness([...ETH, ...IPV4_HEADER]);
    const before = ctx.readPacket();
    expect(h.call('l3_csum_replace', ctx.ctxAddr, offset, from, 1, flags)).toBe(neg(errno));
    expect(ctx.readPacket()).toEqual(before);
  });

  it('l4_csum_replace: mangled zero, enforce, pseudo header flag accepted', () => {
    // UDP checksum at packet offset 40 (eth 14 + ip 20 + 6)
    const udp = [0x30, 0x39, 0x00, 0x35, 0x00, 0x08, 0x00, 0x00];
    const { h, ctx } = skbHarness([...ETH, ...IPV4_HEADER, ...udp]);
    const mangled = 1n << 5n;
    const enforce = 1n << 6n;
    const pseudo = 1n << 4n;
    // checksum 0 with MARK_MANGLED_0 stays 0 (UDP without checksum)
    expect(h.call('l4_csum_replace', ctx.ctxAddr, 40, 0x1234, 0x1235, 4n | mangled | pseudo)).toBe(0n);
    expect(h.space.view.getUint16(ctx.data + 40, true)).toBe(0);
    // enforced: computed as usual; ~(~0 - 0x1234 + 0x1235) = 0xfffe in the LE view
    expect(h.call('l4_csum_replace', ctx.ctxAddr, 40, 0x1234, 0x1235, 4n | mangled | enforce)).toBe(0n);
    expect(h.space.view.getUint16(ctx.data + 40, true)).toBe(0xfffe);
    // a result of 0 is written as 0xffff with MARK_MANGLED_0
    h.space.view.setUint16(ctx.data + 40, 0x0001, true);
    expect(h.call('l4_csum_replace', ctx.ctxAddr, 40, 0, 1, 2n | mangled)).toBe(0n);
    expect(h.space.view.getUint16(ctx.data + 40, true)).toBe(0xffff);
    expect(h.call('l4_csum_replace', ctx.ctxAddr, 40, 0, 1, 2n | (1n << 8n))).toBe(neg(Errno.EINVAL));
  });

  const diffs: { name: string; from: number[]; to: number[]; seed: number; want: bigint | number }[] = [
    { name: 'push 4 bytes', from: [], to: [1, 2, 3, 4], seed: 0, want: 0x0403_0201n },
    { name: 'pull 4 bytes', from: [1, 2, 3, 4], to: [], seed: 0, want: 0xfbfc_fdfen },
    { name: 'diff equal words cancels', from: [1, 2, 3, 4], to: [1, 2, 3, 4], seed: 0, want: 0xffff_ffffn },
    { name: 'seeded', from: [], to: [1, 0, 0, 0], seed: 0xffff_ffff, want: 1n },
    { name: 'size not a multiple of 4', from: [1, 2], to: [], seed: 0, want: -Errno.EINVAL },
    { name: 'more than 512 bytes', from: new Array<number>(260).fill(0), to: new Array<number>(256).fill(0), seed: 0, want: -Errno.EINVAL },
  ];
  it.each(diffs)('csum_diff $name', ({ from, to, seed, want }) => {
    const h = new Harness();
    const r = h.call('csum_diff', from.length === 0 ? 0 : h.put(from), from.length, to.length === 0 ? 0 : h.put(to), to.length, seed);
    expect(r).toBe(typeof want === 'number' ? neg(-want) : want);
  });
});

describe('xdp helpers', () => {
  const packet = new Uint8Array([...ETH, ...IPV4_HEADER]);
  function xdpHarness() {
    const h = new Harness();
    const ctx = h.usePacket(setupXdp(h.space, packet));
    return { h, ctx };
  }

  const heads: { name: string; offset: number; errno?: number; length: number }[] = [
    { name: 'pop 14 bytes', offset: 14, length: 20 },
    { name: 'push 20 bytes', offset: -20, length: 54 },
    { name: 'push to the xdp_frame limit', offset: -(256 - 40), length: 34 + 216 },
    { name: 'push into xdp_frame', offset: -(256 - 39), errno: Errno.EINVAL, length: 34 },
    { name: 'leave less than ETH_HLEN', offset: 21, errno: Errno.EINVAL, length: 34 },
  ];
  it.each(heads)('xdp_adjust_head $name', ({ offset, errno, length }) => {
    const { h, ctx } = xdpHarness();
    const data = ctx.data;
    expect(h.call('xdp_adjust_head', ctx.ctxAddr, offset)).toBe(errno === undefined ? 0n : neg(errno));
    expect(ctx.length).toBe(length);
    if (errno === undefined) {
      expect(ctx.data).toBe(data + offset);
      expect(h.space.view.getUint32(ctx.ctxAddr, true)).toBe(data + offset);
      if (offset > 0) expect(ctx.readPacket()).toEqual(packet.slice(offset));
      else expect(ctx.readPacket().slice(-offset)).toEqual(packet);
    }
  });

  it('xdp_adjust_meta then adjust_head moves the metadata along', () => {
    const { h, ctx } = xdpHarness();
    expect(h.call('xdp_adjust_meta', ctx.ctxAddr, -8)).toBe(0n);
    expect(ctx.data - ctx.dataMeta).toBe(8);
    h.space.u8.set([1, 2, 3, 4, 5, 6, 7, 8], ctx.dataMeta);
    expect(h.call('xdp_adjust_head', ctx.ctxAddr, 14)).toBe(0n);
    expect(ctx.readMeta()).toEqual(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]));
    expect(ctx.readPacket()).toEqual(packet.slice(14));
    expect(h.call('xdp_adjust_meta', ctx.ctxAddr, -2)).toBe(neg(Errno.EACCES));
    expect(h.call('xdp_adjust_meta', ctx.ctxAddr, -28)).toBe(neg(Errno.EACCES));
    expect(h.call('xdp_adjust_meta', ctx.ctxAddr, -24)).toBe(0n);
    expect(h.call('xdp_adjust_meta', ctx.ctxAddr, 33)).toBe(neg(Errno.EINVAL));
    expect(h.call('xdp_adjust_meta', ctx.ctxAddr, 32)).toBe(0n);
    expect(ctx.readMeta()).toEqual(new Uint8Array(0));
  });

  const tails: { name: string; offset: number; errno?: number; length: number }[] = [
    { name: 'shrink', offset: -10, length: 24 },
    { name: 'shrink below ETH_HLEN', offset: -21, errno: Errno.EINVAL, length: 34 },
    { name: 'grow zeroes', offset: 100, length: 134 },
    { name: 'grow to the frame limit', offset: 4096 - 320 - 256 - 34, length: 4096 - 320 - 256 },
    { name: 'grow past the frame limit', offset: 4096 - 320 - 256 - 33, errno: Errno.EINVAL, length: 34 },
  ];
  it.each(tails)('xdp_adjust_tail $name', ({ offset, errno, length }) => {
    const { h, ctx } = xdpHarness();
    h.space.u8.fill(0x77, ctx.dataEnd, ctx.dataEnd + 200);
    expect(h.call('xdp_adjust_tail', ctx.ctxAddr, offset)).toBe(errno === undefined ? 0n : neg(errno));
    expect(ctx.length).toBe(length);
    if (errno === undefined && offset > 0) expect(ctx.readPacket().slice(34, 134)).toEqual(new Uint8Array(100));
  });

  it('redirect: xdp and tc verdicts, flags', () => {
    const { h } = xdpHarness();
    expect(h.call('redirect', 3, 0)).toBe(BigInt(XdpAction.REDIRECT));
    expect(h.rt.redirect).toEqual({ kind: 'ifindex', ifindex: 3, flags: 0 });
    expect(h.call('redirect', 3, 1)).toBe(BigInt(XdpAction.ABORTED));
    const tc = new Harness();
    tc.usePacket(setupSkb(tc.space, packet));
    expect(tc.call('redirect', 4, 1)).toBe(BigInt(TcAction.REDIRECT));
    expect(tc.rt.redirect).toEqual({ kind: 'ifindex', ifindex: 4, flags: 1 });
    expect(tc.call('redirect', 4, 2)).toBe(BigInt(TcAction.SHOT));
  });

  it('redirect_map: present key, fallback action, bad flags', () => {
    const { h } = xdpHarness();
    const map = h.map({ type: MapType.HASH });
    map.update(u32Key(2), u32Key(9));
    expect(h.call('redirect_map', map.address, 2, 0)).toBe(BigInt(XdpAction.REDIRECT));
    expect(h.rt.redirect).toEqual({ kind: 'map', map, key: 2, flags: 0 });
    expect(h.call('redirect_map', map.address, 3, XdpAction.PASS)).toBe(BigInt(XdpAction.PASS));
    expect(h.call('redirect_map', map.address, 2, 1n << 6n)).toBe(BigInt(XdpAction.ABORTED));
    const devmap = h.map({ type: MapType.DEVMAP });
    devmap.update(u32Key(1), u32Key(4));
    expect(h.call('redirect_map', devmap.address, 1, XdpAction.DROP)).toBe(BigInt(XdpAction.REDIRECT));
    expect(h.rt.redirect).toEqual({ kind: 'map', map: devmap, key: 1, flags: 0 });
    expect(h.call('redirect_map', devmap.address, 0, XdpAction.DROP)).toBe(BigInt(XdpAction.DROP));
    expect(h.call('redirect_map', devmap.address, 0, 1n << 3n)).toBe(BigInt(XdpAction.REDIRECT));
    expect(h.rt.redirect).toEqual({ kind: 'map', map: devmap, key: 0, flags: 8 });
  });
});

describe('output helpers', () => {
  it('ringbuf reserve/submit/discard/output', () => {
    const h = new Harness();
    const ring = h.map({ type: MapType.RINGBUF, keySize: 0, valueSize: 0, maxEntries: 4096 }) as RingBufMap;
    const a = h.call('ringbuf_reserve', ring.address, 4, 0);
    const b = h.call('ringbuf_reserve', ring.address, 4, 0);
    expect(h.call('ringbuf_reserve', ring.address, 4, 1)).toBe(0n);
    h.space.u8.set([1, 1, 1, 1], Number(a));
    h.space.u8.set([2, 2, 2, 2], Number(b));
    expect(h.call('ringbuf_discard', a, 0)).toBe(0n);
    expect(h.call('ringbuf_submit', b, 0)).toBe(0n);
    expect(h.call('ringbuf_output', ring.address, h.put([3, 3]), 2, 0)).toBe(0n);
    expect(h.call('ringbuf_output', ring.address, h.put([3, 3]), 2, 4)).toBe(neg(Errno.EINVAL));
    expect(ring.drain()).toEqual([new Uint8Array([2, 2, 2, 2]), new Uint8Array([3, 3])]);
    expect(() => h.call('ringbuf_submit', 0x10, 0)).toThrow(MapError);
  });

  it('perf_event_output with current cpu and appended packet bytes', () => {
    const h = new Harness({ cpus: 2, cpu: 1 });
    const perf = h.map({ type: MapType.PERF_EVENT_ARRAY, maxEntries: 0 }) as PerfEventArrayMap;
    const ctx = h.usePacket(setupXdp(h.space, new Uint8Array([...ETH, 0xde, 0xad])));
    const data = h.put([7, 8]);
    const current = 0xffff_ffffn;
    expect(h.call('perf_event_output', ctx.ctxAddr, perf.address, current | (3n << 32n), data, 2)).toBe(0n);
    expect(h.call('perf_event_output', ctx.ctxAddr, perf.address, 1, data, 2)).toBe(0n);
    expect(h.call('perf_event_output', ctx.ctxAddr, perf.address, 0, data, 2)).toBe(neg(Errno.EOPNOTSUPP));
    expect(h.call('perf_event_output', ctx.ctxAddr, perf.address, 5, data, 2)).toBe(neg(Errno.E2BIG));
    expect(h.call('perf_event_output', ctx.ctxAddr, perf.address, current | (100n << 32n), data, 2)).toBe(neg(Errno.EFAULT));
    expect(h.call('perf_event_output', ctx.ctxAddr, perf.address, current | (1n << 60n), data, 2)).toBe(neg(Errno.EINVAL));
    expect(perf.drain()).toEqual([
      { cpu: 1, data: new Uint8Array([7, 8, 0, 0, 0]) },
      { cpu: 1, data: new Uint8Array([7, 8]) },
    ]);
    h.rt.beginRun();
    expect(h.call('perf_event_output', 0, perf.address, current | (3n << 32n), data, 2)).toBe(neg(Errno.EINVAL));
  });

  it('map-in-map: the outer lookup yields a map pointer the helpers accept', () => {
    const h = new Harness();
    const inner = h.map({ type: MapType.HASH });
    inner.update(u32Key(3), u32Key(33));
    const outer = createMap(h.space, { name: 'outer', type: MapType.ARRAY_OF_MAPS, keySize: 4, valueSize: 4, maxEntries: 1, flags: 0, innerMap: { name: 'inner', type: MapType.HASH, keySize: 4, valueSize: 4, maxEntries: 4, flags: 0 } }, { cpus: 1 });
    h.rt.registry.register(outer);
    (outer as MapOfMaps).setInner(u32Key(0), inner);
    const innerPointer = h.call('map_lookup_elem', outer.address, h.put(u32Key(0)));
    expect(innerPointer).toBe(BigInt(inner.address));
    const value = h.call('map_lookup_elem', innerPointer, h.put(u32Key(3)));
    expect(h.bytes(value, 4)).toEqual(u32Key(33));
  });

  it('bloom filter push and peek from programs', () => {
    const h = new Harness();
    const bloom = h.map({ type: MapType.BLOOM_FILTER, keySize: 0 });
    expect(h.call('map_peek_elem', bloom.address, h.put([1, 2, 3, 4]))).toBe(neg(Errno.ENOENT));
    expect(h.call('map_push_elem', bloom.address, h.put([1, 2, 3, 4]), 0)).toBe(0n);
    expect(h.call('map_peek_elem', bloom.address, h.put([1, 2, 3, 4]))).toBe(0n);
  });

  it('lpm lookups from programs', () => {
    const h = new Harness();
    const lpm = h.map({ type: MapType.LPM_TRIE, keySize: 8, flags: MapFlag.NO_PREALLOC });
    lpm.update(new Uint8Array([8, 0, 0, 0, 10, 0, 0, 0]), u32Key(1));
    const found = h.call('map_lookup_elem', lpm.address, h.put([32, 0, 0, 0, 10, 9, 9, 9]));
    expect(h.bytes(found, 4)).toEqual(u32Key(1));
  });
});

describe('more helpers', () => {
  it('xdp_load_bytes / xdp_store_bytes', () => {
    const h = new Harness();
    const ctx = h.usePacket(setupXdp(h.space, new Uint8Array([...ETH, 1, 2, 3, 4])));
    const buf = h.put([9, 9, 9, 9]);
    expect(h.call('xdp_load_bytes', ctx.ctxAddr, 14, buf, 4)).toBe(0n);
    expect(h.bytes(buf, 4)).toEqual(new Uint8Array([1, 2, 3, 4]));
    expect(h.call('xdp_load_bytes', ctx.ctxAddr, 15, buf, 4)).toBe(neg(Errno.EINVAL));
    expect(h.call('xdp_load_bytes', ctx.ctxAddr, 0x10000, buf, 4)).toBe(neg(Errno.EFAULT));
    expect(h.call('xdp_store_bytes', ctx.ctxAddr, 0, h.put([7, 7]), 2)).toBe(0n);
    expect(ctx.readPacket().slice(0, 3)).toEqual(new Uint8Array([7, 7, 0]));
    expect(h.call('xdp_store_bytes', ctx.ctxAddr, 17, buf, 2)).toBe(neg(Errno.EINVAL));
  });

  it('probe_read_kernel and probe_read_kernel_str', () => {
    const h = new Harness();
    const dst = h.put(new Array<number>(8).fill(0x55));
    const src = h.put([104, 105, 0, 7, 7]);
    expect(h.call('probe_read_kernel', dst, 5, src)).toBe(0n);
    expect(h.bytes(dst, 5)).toEqual(new Uint8Array([104, 105, 0, 7, 7]));
    expect(h.call('probe_read_kernel', dst, 4, 16)).toBe(neg(Errno.EFAULT));
    expect(h.bytes(dst, 5)).toEqual(new Uint8Array([0, 0, 0, 0, 7]));
    expect(h.call('probe_read_kernel_str', dst, 8, src)).toBe(3n);
    expect(h.bytes(dst, 3)).toEqual(new Uint8Array([104, 105, 0]));
    expect(h.call('probe_read_kernel_str', dst, 2, src)).toBe(2n);
    expect(h.bytes(dst, 2)).toEqual(new Uint8Array([104, 0]));
    expect(h.call('probe_read_kernel_str', dst, 0, src)).toBe(0n);
    expect(h.call('probe_read_kernel_str', dst, 4, 0)).toBe(neg(Errno.EFAULT));
    expect(h.call('probe_read_kernel', dst, 4, h.space.u8.length - 2)).toBe(neg(Errno.EFAULT));
  });

  it('ringbuf_query, map_lookup_percpu_elem, numa node, boot clock', () => {
    const h = new Harness({ cpus: 2, clock: () => 77n });
    const ring = h.map({ type: MapType.RINGBUF, keySize: 0, valueSize: 0, maxEntries: 8192 }) as RingBufMap;
    h.call('ringbuf_reserve', ring.address, 10, 0);
    expect(h.call('ringbuf_query', ring.address, 0)).toBe(24n);
    expect(h.call('ringbuf_query', ring.address, 1)).toBe(8192n);
    expect(h.call('ringbuf_query', ring.address, 2)).toBe(0n);
    expect(h.call('ringbuf_query', ring.address, 3)).toBe(24n);
    expect(h.call('ringbuf_query', ring.address, 9)).toBe(0n);
    const percpu = h.map({ type: MapType.PERCPU_HASH });
    percpu.update(u32Key(1), new Uint8Array([1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0]));
    const key = h.put(u32Key(1));
    expect(h.space.u8[Number(h.call('map_lookup_percpu_elem', percpu.address, key, 1))]).toBe(2);
    expect(h.call('map_lookup_percpu_elem', percpu.address, key, 2)).toBe(0n);
    expect(h.call('get_numa_node_id')).toBe(0n);
    expect(h.call('ktime_get_boot_ns')).toBe(77n);
    expect(h.call('ktime_get_coarse_ns')).toBe(77n);
  });
});

describe('fast helpers', () => {
  it('agree with the bigint helpers', () => {
    const h = new Harness({ seed: 3, cpus: 2, cpu: 1 });
    const fast = createFastHelpers(h.rt);
    expect([...fast.keys()]).toEqual(Object.keys(FAST_HELPERS).map(Number));
    const map = h.map({ type: MapType.HASH });
    map.update(u32Key(1), u32Key(10));
    const key = h.put(u32Key(1));
    expect(fast.get(1)!(map.address, key, 0, 0, 0)).toBe(Number(h.call('map_lookup_elem', map.address, key)));
    expect(fast.get(8)!(0, 0, 0, 0, 0)).toBe(1);
    expect(fast.get(7)!(0, 0, 0, 0, 0) >>> 0).toBe(xorshift32(3)());
    expect(fast.get(3)!(map.address, key, 0, 0, 0)).toBe(0);
    expect(fast.get(3)!(map.address, key, 0, 0, 0)).toBe(-Errno.ENOENT);
    expect(fast.get(1)!(map.address, key, 0, 0, 0)).toBe(0);
    const queue = h.map({ type: MapType.STACK, keySize: 0 });
    queue.push(u32Key(5));
    const out = h.space.alloc(4);
    expect(fast.get(89)!(queue.address, out, 0, 0, 0)).toBe(0);
    expect(fast.get(88)!(queue.address, out, 0, 0, 0)).toBe(0);
    expect(fast.get(88)!(queue.address, out, 0, 0, 0)).toBe(-Errno.ENOENT);
    const ring = h.map({ type: MapType.RINGBUF, keySize: 0, valueSize: 0, maxEntries: 4096 }) as RingBufMap;
    fast.get(132)!(ring.reserve(1, 0n), 0, 0, 0, 0);
    fast.get(133)!(ring.reserve(1, 0n), 0, 0, 0, 0);
    expect(ring.drain().length).toBe(1);
    expect(() => fast.get(1)!(0x10, key, 0, 0, 0)).toThrow(MapError);
  });

  it('the runtime rejects a cpu outside its cpu count', () => {
    expect(() => new HelperRuntime({ cpus: 2, cpu: 2 })).toThrow(UsageError);
  });
});
