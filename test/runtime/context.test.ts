// Context layouts against the UAPI header (a gcc-built offsetof dump committed next to this file),
// the kernel's is_valid_access rules, and packet setup / read-back.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { AddressSpace } from '../../runtime/memory.js';
import {
  contextAccess,
  type ContextProgramType,
  PacketContext,
  SK_BUFF_FIELDS,
  SK_BUFF_SIZE,
  setupSkb,
  setupXdp,
  XDP_MD_FIELDS,
  XDP_MD_SIZE,
  XDP_PACKET_HEADROOM,
} from '../../runtime/context.js';

/** struct -> field -> [offset, size] from fixtures/uapi-offsets.txt (see uapi-offsets.c). */
function uapiLayout(): Map<string, Map<string, [number, number]>> {
  const text = readFileSync(new URL('./fixtures/uapi-offsets.txt', import.meta.url), 'utf8');
  const layout = new Map<string, Map<string, [number, number]>>();
  for (const line of text.trim().split('\n')) {
    const [struct, field, offset, size] = line.split(' ');
    if (struct === 'helper' || struct === 'map_type') continue;
    if (!layout.has(struct!)) layout.set(struct!, new Map());
    layout.get(struct!)!.set(field!, [Number(offset), Number(size ?? '0')]);
  }
  return layout;
}

describe('UAPI layouts', () => {
  const layout = uapiLayout();
  const tables = [
    { struct: '__sk_buff', fields: SK_BUFF_FIELDS, size: SK_BUFF_SIZE },
    { struct: 'xdp_md', fields: XDP_MD_FIELDS, size: XDP_MD_SIZE },
  ];
  it.each(tables)('$struct offsets and sizes match linux/bpf.h', ({ struct, fields, size }) => {
    const want = layout.get(struct)!;
    expect(want.get('sizeof')![0]).toBe(size);
    const have = new Map<string, [number, number]>();
    for (const field of fields) {
      const base = field.name.replace(/\[\d+\]$/, '');
      const entry = have.get(base);
      if (entry === undefined) have.set(base, [field.offset, field.size]);
      else entry[1] = field.offset + field.size - entry[0];
    }
    want.delete('sizeof');
    expect(Object.fromEntries(have)).toEqual(Object.fromEntries(want));
  });
});

describe('contextAccess (is_valid_access)', () => {
  const cases: { type: ContextProgramType; offset: number; size: number; isWrite: boolean; want: string | undefined }[] = [
    // xdp: 4-byte reads only
    { type: 'xdp', offset: 0, size: 4, isWrite: false, want: 'data' },
    { type: 'xdp', offset: 4, size: 4, isWrite: false, want: 'data_end' },
    { type: 'xdp', offset: 8, size: 4, isWrite: false, want: 'data_meta' },
    { type: 'xdp', offset: 16, size: 4, isWrite: false, want: 'rx_queue_index' },
    { type: 'xdp', offset: 20, size: 4, isWrite: false, want: undefined },
    { type: 'xdp', offset: 0, size: 8, isWrite: false, want: undefined },
    { type: 'xdp', offset: 12, size: 2, isWrite: false, want: undefined },
    { type: 'xdp', offset: 12, size: 4, isWrite: true, want: undefined },
    { type: 'xdp', offset: 24, size: 4, isWrite: false, want: undefined },
    { type: 'xdp', offset: 2, size: 4, isWrite: false, want: undefined },
    // tc
    { type: 'tc', offset: 0, size: 4, isWrite: false, want: 'len' },
    { type: 'tc', offset: 0, size: 4, isWrite: true, want: undefined },
    { type: 'tc', offset: 8, size: 4, isWrite: true, want: 'mark' },
    { type: 'tc', offset: 8, size: 2, isWrite: true, want: undefined },
    { type: 'tc', offset: 10, size: 2, isWrite: false, want: 'mark' },
    { type: 'tc', offset: 11, size: 1, isWrite: false, want: 'mark' },
    { type: 'tc', offset: 9, size: 2, isWrite: false, want: undefined },
    { type: 'tc', offset: 12, size: 4, isWrite: true, want: 'queue_mapping' },
    { type: 'tc', offset: 16, size: 2, isWrite: false, want: 'protocol' },
    { type: 'tc', offset: 32, size: 4, isWrite: true, want: 'priority' },
    { type: 'tc', offset: 44, size: 4, isWrite: true, want: 'tc_index' },
    { type: 'tc', offset: 48, size: 8, isWrite: true, want: 'cb[0]' },
    { type: 'tc', offset: 64, size: 4, isWrite: true, want: 'cb[4]' },
    { type: 'tc', offset: 64, size: 8, isWrite: false, want: undefined },
    { type: 'tc', offset: 66, size: 1, isWrite: true, want: 'cb[4]' },
    { type: 'tc', offset: 68, size: 4, isWrite: true, want: undefined },
    { type: 'tc', offset: 72, size: 4, isWrite: true, want: 'tc_classid' },
    { type: 'tc', offset: 76, size: 4, isWrite: false, want: 'data' },
    { type: 'tc', offset: 76, size: 2, isWrite: false, want: undefined },
    { type: 'tc', offset: 80, size: 4, isWrite: false, want: 'data_end' },
    { type: 'tc', offset: 88, size: 4, isWrite: false, want: undefined },
    { type: 'tc', offset: 140, size: 4, isWrite: false, want: 'data_meta' },
    { type: 'tc', offset: 144, size: 8, isWrite: false, want: undefined },
    { type: 'tc', offset: 152, size: 8, isWrite: true, want: 'tstamp' },
    { type: 'tc', offset: 152, size: 4, isWrite: false, want: undefined },
    { type: 'tc', offset: 160, size: 4, isWrite: false, want: 'wire_len' },
    { type: 'tc', offset: 168, size: 8, isWrite: false, want: 'sk' },
    { type: 'tc', offset: 168, size: 8, isWrite: true, want: undefined },
    { type: 'tc', offset: 180, size: 1, isWrite: false, want: undefined },
    { type: 'tc', offset: 182, size: 2, isWrite: false, want: undefined },
    { type: 'tc', offset: 184, size: 8, isWrite: false, want: 'hwtstamp' },
    { type: 'tc', offset: 184, size: 8, isWrite: true, want: undefined },
    { type: 'tc', offset: 192, size: 4, isWrite: false, want: undefined },
    { type: 'tc', offset: -4, size: 4, isWrite: false, want: undefined },
    // socket filters: cb writes only, no direct packet access, no tc_classid
    { type: 'socket_filter', offset: 0, size: 4, isWrite: false, want: 'len' },
    { type: 'socket_filter', offset: 8, size: 4, isWrite: true, want: undefined },
    { type: 'socket_filter', offset: 52, size: 4, isWrite: true, want: 'cb[1]' },
    { type: 'socket_filter', offset: 72, size: 4, isWrite: false, want: undefined },
    { type: 'socket_filter', offset: 76, size: 4, isWrite: false, want: undefined },
    { type: 'socket_filter', offset: 80, size: 4, isWrite: false, want: undefined },
    { type: 'socket_filter', offset: 140, size: 4, isWrite: false, want: undefined },
    { type: 'socket_filter', offset: 152, size: 8, isWrite: false, want: undefined },
    { type: 'socket_filter', offset: 160, size: 4, isWrite: false, want: undefined },
    { type: 'socket_filter', offset: 164, size: 4, isWrite: false, want: 'gso_segs' },
    { type: 'socket_filter', offset: 184, size: 8, isWrite: false, want: undefined },
    { type: 'socket_filter', offset: 168, size: 8, isWrite: false, want: 'sk' },
    { type: 'socket_filter', offset: 44, size: 4, isWrite: false, want: 'tc_index' },
  ];
  it.each(cases)('$type $size bytes at $offset write=$isWrite -> $want', ({ type, offset, size, isWrite, want }) => {
    expect(contextAccess(type, offset, size, isWrite)?.name).toBe(want);
  });
});

describe('packet contexts', () => {
  const packet = new Uint8Array([...new Array<number>(12).fill(0xaa), 0x08, 0x00, 1, 2, 3, 4]);

  it('xdp_md points at the packet after 256 bytes of headroom', () => {
    const space = new AddressSpace();
    const ctx = setupXdp(space, packet, { rx_queue_index: 3 });
    const fields = ctx.readFields();
    expect(fields['data']).toBe(ctx.bufferStart + XDP_PACKET_HEADROOM);
    expect(fields['data_end']).toBe(ctx.bufferStart + XDP_PACKET_HEADROOM + packet.length);
    expect(fields['data_meta']).toBe(fields['data']);
    expect(fields['ingress_ifindex']).toBe(1);
    expect(fields['rx_queue_index']).toBe(3);
    expect(ctx.readPacket()).toEqual(packet);
    expect(ctx.readMeta()).toEqual(new Uint8Array(0));
    expect(ctx.frameEnd).toBe(ctx.bufferStart + 4096 - 320);
    expect(space.view.getUint32(ctx.ctxAddr, true)).toBe(ctx.data);
  });

  it('__sk_buff has len, protocol as a __be16 load, data pointers and input fields', () => {
    const space = new AddressSpace();
    const ctx = setupSkb(space, packet, 'tc', { mark: 7, cb: [1, 2], tstamp: 5n });
    const fields = ctx.readFields();
    expect(fields['len']).toBe(packet.length);
    expect(fields['protocol']).toBe(0x0008);
    expect(fields['mark']).toBe(7);
    expect(fields['cb']).toEqual([1, 2, 0, 0, 0]);
    expect(fields['tstamp']).toBe(5n);
    expect(fields['wire_len']).toBe(packet.length);
    expect(fields['data_end'] as number).toBe((fields['data'] as number) + packet.length);
    expect(ctx.readPacket()).toEqual(packet);
  });

  it('reloading reuses the buffer and resets the ctx', () => {
    const space = new AddressSpace();
    const ctx = new PacketContext(space, 'tc');
    ctx.load(packet, { mark: 1 });
    const start = ctx.bufferStart;
    ctx.load(new Uint8Array(20));
    expect(ctx.bufferStart).toBe(start);
    expect(ctx.readFields()['mark']).toBe(0);
    expect(ctx.length).toBe(20);
    ctx.load(new Uint8Array(5000));
    expect(ctx.bufferStart).not.toBe(start);
    expect(ctx.frameEnd - ctx.bufferStart).toBe(8192 - 320);
  });

  it('rejects unknown input fields and frames too small', () => {
    const space = new AddressSpace();
    expect(() => setupXdp(space, packet, { mark: 1 })).toThrow(UsageError);
    expect(() => setupSkb(space, packet, 'tc', { cb: [1, 2, 3, 4, 5, 6] })).toThrow(UsageError);
    expect(() => setupXdp(space, packet, {}, { frameSize: 256 })).toThrow(UsageError);
  });
});
