/**
 * @fileoverview Program contexts: the UAPI layouts of struct xdp_md and struct __sk_buff (offsets
 * from linux/bpf.h, checked by test/runtime/context.test.ts against a gcc-built offsetof dump), the
 * kernel's is_valid_access rules per program type as data (the verifier reads XDP_MD_FIELDS,
 * SK_BUFF_FIELDS and contextAccess), verdict constants, and PacketContext: a packet buffer with
 * XDP_PACKET_HEADROOM bytes of headroom and some tailroom plus the ctx struct, both in linear memory.
 *
 *   buffer: start                 data_meta  data          data_end                 end
 *           |<- headroom (256) ->|<- meta ->|<- packet ->|<- tailroom ............->|
 *
 * The ctx struct itself is the source of truth for data / data_end / data_meta (u32 addresses
 * here); programs cannot write those fields, helpers that move the packet rewrite them. Rewriting
 * ctx accesses to kernel-internal structures is not needed: the UAPI struct is what lives in memory.
 */
import { UsageError } from '../src/errors.js';
import type { ProgramType } from '../src/verifier/program.js';
import type { AddressSpace } from './memory.js';

/** Bytes of headroom before the packet (XDP_PACKET_HEADROOM). */
export const XDP_PACKET_HEADROOM = 256;
/** Bytes at the end of an XDP frame reserved for skb_shared_info (SKB_DATA_ALIGN(sizeof), x86_64). */
export const XDP_FRAME_TAILROOM = 320;
/** sizeof(struct xdp_frame): adjust_meta may not move data_meta into it. */
export const XDP_FRAME_SIZE = 40;
/** Default XDP frame size (one page, as most drivers use). */
export const XDP_DEFAULT_FRAME = 4096;
/** Ethernet header length (ETH_HLEN): adjust_head/tail keep at least this much packet. */
export const ETH_HLEN = 14;

/** XDP verdicts (enum xdp_action). */
export const XdpAction = { ABORTED: 0, DROP: 1, PASS: 2, TX: 3, REDIRECT: 4 } as const;
/** TC verdicts (TC_ACT_*, linux/pkt_cls.h). */
export const TcAction = {
  UNSPEC: -1,
  OK: 0,
  RECLASSIFY: 1,
  SHOT: 2,
  PIPE: 3,
  STOLEN: 4,
  QUEUED: 5,
  REPEAT: 6,
  REDIRECT: 7,
  TRAP: 8,
} as const;

/** sizeof(struct xdp_md). */
export const XDP_MD_SIZE = 24;
/** sizeof(struct __sk_buff). */
export const SK_BUFF_SIZE = 192;

/** What a ctx field holds, as the verifier types the loaded register. */
export type ContextFieldKind = 'scalar' | 'packet' | 'packet_end' | 'packet_meta' | 'socket';

/** The program types that have a packet context. */
export type ContextProgramType = Exclude<ProgramType, 'raw'>;

/** One field of a context struct and who may access it. */
export interface ContextField {
  /** UAPI name; array members are split per element: cb[0]..cb[4], remote_ip6[0].. */
  readonly name: string;
  readonly offset: number;
  /** bytes */
  readonly size: number;
  /** program types that may read the field */
  readonly readable: readonly ContextProgramType[];
  /** program types that may write the field */
  readonly writable: readonly ContextProgramType[];
  /** register type a full-size load gives */
  readonly kind: ContextFieldKind;
}

/** struct xdp_md (linux/bpf.h); xdp_is_valid_access: 4-byte aligned reads only, no writes. */
export const XDP_MD_FIELDS: readonly ContextField[] = [
  { name: 'data', offset: 0, size: 4, readable: ['xdp'], writable: [], kind: 'packet' },
  { name: 'data_end', offset: 4, size: 4, readable: ['xdp'], writable: [], kind: 'packet_end' },
  { name: 'data_meta', offset: 8, size: 4, readable: ['xdp'], writable: [], kind: 'packet_meta' },
  { name: 'ingress_ifindex', offset: 12, size: 4, readable: ['xdp'], writable: [], kind: 'scalar' },
  { name: 'rx_queue_index', offset: 16, size: 4, readable: ['xdp'], writable: [], kind: 'scalar' },
  // readable only by BPF_XDP_DEVMAP programs, which this runtime does not have
  { name: 'egress_ifindex', offset: 20, size: 4, readable: [], writable: [], kind: 'scalar' },
];

const TC: ContextProgramType[] = ['tc'];
const SKB: ContextProgramType[] = ['tc', 'socket_filter'];
const NONE: ContextProgramType[] = [];

function skbField(
  name: string,
  offset: number,
  size: number,
  readable: ContextProgramType[],
  writable: ContextProgramType[],
  kind: ContextFieldKind = 'scalar',
): ContextField {
  return { name, offset, size, readable, writable, kind };
}

/**
 * struct __sk_buff (linux/bpf.h) with the access rules of tc_cls_act_is_valid_access (tc) and
 * sk_filter_is_valid_access (socket_filter), both on top of bpf_skb_is_valid_access.
 */
export const SK_BUFF_FIELDS: readonly ContextField[] = [
  skbField('len', 0, 4, SKB, NONE),
  skbField('pkt_type', 4, 4, SKB, NONE),
  skbField('mark', 8, 4, SKB, TC),
  skbField('queue_mapping', 12, 4, SKB, TC),
  skbField('protocol', 16, 4, SKB, NONE),
  skbField('vlan_present', 20, 4, SKB, NONE),
  skbField('vlan_tci', 24, 4, SKB, NONE),
  skbField('vlan_proto', 28, 4, SKB, NONE),
  skbField('priority', 32, 4, SKB, TC),
  skbField('ingress_ifindex', 36, 4, SKB, NONE),
  skbField('ifindex', 40, 4, SKB, NONE),
  skbField('tc_index', 44, 4, SKB, TC),
  skbField('cb[0]', 48, 4, SKB, SKB),
  skbField('cb[1]', 52, 4, SKB, SKB),
  skbField('cb[2]', 56, 4, SKB, SKB),
  skbField('cb[3]', 60, 4, SKB, SKB),
  skbField('cb[4]', 64, 4, SKB, SKB),
  skbField('hash', 68, 4, SKB, NONE),
  skbField('tc_classid', 72, 4, TC, TC),
  skbField('data', 76, 4, TC, NONE, 'packet'),
  skbField('data_end', 80, 4, TC, NONE, 'packet_end'),
  skbField('napi_id', 84, 4, SKB, NONE),
  // family .. local_port: sk_skb programs only
  skbField('family', 88, 4, NONE, NONE),
  skbField('remote_ip4', 92, 4, NONE, NONE),
  skbField('local_ip4', 96, 4, NONE, NONE),
  skbField('remote_ip6[0]', 100, 4, NONE, NONE),
  skbField('remote_ip6[1]', 104, 4, NONE, NONE),
  skbField('remote_ip6[2]', 108, 4, NONE, NONE),
  skbField('remote_ip6[3]', 112, 4, NONE, NONE),
  skbField('local_ip6[0]', 116, 4, NONE, NONE),
  skbField('local_ip6[1]', 120, 4, NONE, NONE),
  skbField('local_ip6[2]', 124, 4, NONE, NONE),
  skbField('local_ip6[3]', 128, 4, NONE, NONE),
  skbField('remote_port', 132, 4, NONE, NONE),
  skbField('local_port', 136, 4, NONE, NONE),
  skbField('data_meta', 140, 4, TC, NONE, 'packet_meta'),
  // flow_keys: flow dissector programs only
  skbField('flow_keys', 144, 8, NONE, NONE),
  skbField('tstamp', 152, 8, TC, TC),
  skbField('wire_len', 160, 4, TC, NONE),
  skbField('gso_segs', 164, 4, SKB, NONE),
  skbField('sk', 168, 8, SKB, NONE, 'socket'),
  skbField('gso_size', 176, 4, SKB, NONE),
  // tstamp_type (u8 at 180) needs BPF_F_TSTAMP-aware programs; 181..183 is padding
  skbField('tstamp_type', 180, 1, NONE, NONE),
  skbField('hwtstamp', 184, 8, TC, NONE),
];

/** The field table of a program type's context (XDP_MD_FIELDS or SK_BUFF_FIELDS). */
export function contextFields(type: ContextProgramType): readonly ContextField[] {
  switch (type) {
    case 'xdp':
      return XDP_MD_FIELDS;
    case 'tc':
    case 'socket_filter':
      return SK_BUFF_FIELDS;
    default: {
      const unknown: never = type;
      throw new UsageError(`no context for program type ${String(unknown)}`);
    }
  }
}

/** sizeof the context struct of a program type. */
export function contextSize(type: ContextProgramType): number {
  return type === 'xdp' ? XDP_MD_SIZE : SK_BUFF_SIZE;
}

/**
 * The kernel's is_valid_access for a `size`-byte load or store at ctx + `offset`: the field it
 * touches, or undefined when the access is refused. Rules: the access is aligned to its size; xdp_md
 * allows only 4-byte reads; in __sk_buff, cb[] takes any aligned access inside cb (8 bytes too),
 * data/data_end/data_meta need exactly 4 bytes, tstamp/hwtstamp/sk exactly 8, other fields allow
 * narrow reads (1, 2 or 4 bytes inside the field) and 4-byte writes.
 */
export function contextAccess(type: ContextProgramType, offset: number, size: number, isWrite: boolean): ContextField | undefined {
  if (size !== 1 && size !== 2 && size !== 4 && size !== 8) return undefined;
  if (offset < 0 || offset % size !== 0 || offset + size > contextSize(type)) return undefined;
  const fields = contextFields(type);
  const field = fields.find((f) => offset >= f.offset && offset < f.offset + f.size);
  if (field === undefined) return undefined;
  if (!(isWrite ? field.writable : field.readable).includes(type)) return undefined;
  if (type === 'xdp') return size === 4 ? field : undefined;
  if (field.name.startsWith('cb[')) return offset + size <= 68 ? field : undefined;
  switch (field.kind) {
    case 'packet':
    case 'packet_end':
    case 'packet_meta':
      return size === 4 ? field : undefined;
    case 'socket':
      return size === 8 ? field : undefined;
    case 'scalar':
      if (field.size === 8) return size === 8 ? field : undefined;
      if (isWrite) return size === field.size ? field : undefined;
      return offset + size <= field.offset + field.size ? field : undefined;
    default: {
      const unknown: never = field.kind;
      throw new UsageError(`unknown context field kind ${String(unknown)}`);
    }
  }
}

/** Initial values of ctx fields by UAPI name (cb as an array of up to 5 u32). */
export type ContextInput = Readonly<Record<string, number | bigint | readonly number[]>>;

/** Placement options of a packet buffer. */
export interface PacketOptions {
  /** XDP frame size (data_hard_start .. frame end); default max(4096, headroom + packet + 320 rounded up to a page) */
  readonly frameSize?: number;
}

/**
 * A packet and its ctx struct in linear memory, reusable across runs (load() copies a new packet in,
 * growing the buffer only when it is too small). Helpers find the packet through this object.
 */
export class PacketContext {
  readonly space: AddressSpace;
  readonly type: ContextProgramType;
  /** address of the ctx struct (r1 at program entry) */
  readonly ctxAddr: number;
  /** buffer start (data_hard_start) */
  bufferStart = 0;
  /** end of the usable frame: adjust_tail may grow data_end up to here */
  frameEnd = 0;
  private capacity = 0;
  /**
   * [dirtyStart, dirtyEnd): the only buffer bytes that may be nonzero, so that load() zeroes just
   * them instead of the whole frame. Every window [data_meta, data_end) the ctx has shown lies inside
   * (the pointer setters widen it); invalidate() widens it to the whole buffer after code that may
   * write anywhere (a program whose accesses were not proven, a user helper).
   */
  private dirtyStart = 0;
  private dirtyEnd = 0;

  constructor(space: AddressSpace, type: ContextProgramType) {
    this.space = space;
    this.type = type;
    this.ctxAddr = space.alloc(contextSize(type), 8);
  }

  /** True for __sk_buff contexts (tc, socket_filter). */
  get isSkb(): boolean {
    return this.type !== 'xdp';
  }

  private get dataOffset(): number {
    return this.isSkb ? 76 : 0;
  }
  private get dataEndOffset(): number {
    return this.isSkb ? 80 : 4;
  }
  private get dataMetaOffset(): number {
    return this.isSkb ? 140 : 8;
  }

  /** Address of the first packet byte (ctx data). */
  get data(): number {
    return this.space.view.getUint32(this.ctxAddr + this.dataOffset, true);
  }
  set data(address: number) {
    this.space.view.setUint32(this.ctxAddr + this.dataOffset, address, true);
    this.touch(address);
  }

  /** Address one past the last packet byte (ctx data_end). */
  get dataEnd(): number {
    return this.space.view.getUint32(this.ctxAddr + this.dataEndOffset, true);
  }
  set dataEnd(address: number) {
    this.space.view.setUint32(this.ctxAddr + this.dataEndOffset, address, true);
    this.touch(address);
    if (this.isSkb) this.space.view.setUint32(this.ctxAddr, address - this.data, true);
  }

  /** Address of the metadata area start (ctx data_meta; equal to data when there is none). */
  get dataMeta(): number {
    return this.space.view.getUint32(this.ctxAddr + this.dataMetaOffset, true);
  }
  set dataMeta(address: number) {
    this.space.view.setUint32(this.ctxAddr + this.dataMetaOffset, address, true);
    this.touch(address);
  }

  /** Widens the dirty window to cover `address` (a new data pointer). */
  private touch(address: number): void {
    if (address < this.dirtyStart) this.dirtyStart = address;
    if (address > this.dirtyEnd) this.dirtyEnd = address;
  }

  /**
   * Declares that the whole buffer may have been written (the next load() zeroes all of it): for
   * runs of code that may write outside the packet window the ctx showed, such as a program whose
   * accesses were only checked against the object's span.
   */
  invalidate(): void {
    this.dirtyStart = this.bufferStart;
    this.dirtyEnd = this.bufferStart + this.capacity;
  }

  /** Packet length (data_end - data). */
  get length(): number {
    return this.dataEnd - this.data;
  }

  /**
   * Copies `packet` into the buffer after the headroom, zeroes the ctx and fills it: data pointers,
   * and for __sk_buff len, protocol (the Ethernet type as the kernel's __be16 load sees it),
   * wire_len, ingress_ifindex/ifindex (default 1); then applies `input` (UAPI field names).
   * Every type sees the packet from its link-layer header, socket filters included (as on an
   * AF_PACKET socket, which tcpdump-style filters expect; BPF_PROG_TEST_RUN would strip the
   * Ethernet header for socket filters).
   * @throws UsageError for an unknown field in `input` or a frame too small for the packet
   */
  load(packet: Uint8Array, input: ContextInput = {}, options: PacketOptions = {}): void {
    const needed = XDP_PACKET_HEADROOM + packet.length + XDP_FRAME_TAILROOM;
    const frame = options.frameSize ?? Math.max(XDP_DEFAULT_FRAME, Math.ceil(needed / XDP_DEFAULT_FRAME) * XDP_DEFAULT_FRAME);
    if (frame < needed) throw new UsageError(`frame size ${frame} cannot hold a ${packet.length}-byte packet with headroom and tailroom`);
    if (frame > this.capacity) {
      // alloc zeroes the new buffer
      this.bufferStart = this.space.alloc(frame, 64);
      this.capacity = frame;
    } else if (this.dirtyEnd > this.dirtyStart) {
      // the whole frame reads as zero again: only the dirty window can hold anything else
      this.space.u8.fill(0, this.dirtyStart, this.dirtyEnd);
    }
    const u8 = this.space.u8;
    const data = this.bufferStart + XDP_PACKET_HEADROOM;
    const dataEnd = data + packet.length;
    u8.set(packet, data);
    this.dirtyStart = data;
    this.dirtyEnd = dataEnd;
    this.frameEnd = this.bufferStart + frame - XDP_FRAME_TAILROOM;
    u8.fill(0, this.ctxAddr, this.ctxAddr + contextSize(this.type));
    const view = this.space.view;
    const base = this.ctxAddr;
    view.setUint32(base + this.dataOffset, data, true);
    view.setUint32(base + this.dataEndOffset, dataEnd, true);
    view.setUint32(base + this.dataMetaOffset, data, true);
    if (this.isSkb) view.setUint32(base, packet.length, true);
    if (this.isSkb) {
      view.setUint32(this.ctxAddr + 16, packet.length >= 14 ? packet[12]! | (packet[13]! << 8) : 0, true);
      view.setUint32(this.ctxAddr + 36, 1, true);
      view.setUint32(this.ctxAddr + 40, 1, true);
      view.setUint32(this.ctxAddr + 160, packet.length, true);
    } else {
      view.setUint32(this.ctxAddr + 12, 1, true);
    }
    for (const name in input) {
      if (Object.hasOwn(input, name)) this.setField(name, input[name]!);
    }
  }

  /** Writes ctx field `name` (UAPI name; "cb" takes an array). @throws UsageError for unknown names */
  setField(name: string, value: number | bigint | readonly number[]): void {
    const view = this.space.view;
    if (name === 'cb' && this.isSkb) {
      if (typeof value !== 'object' || value.length > 5) throw new UsageError('ctx field cb takes an array of at most 5 numbers');
      value.forEach((entry, i) => view.setUint32(this.ctxAddr + 48 + 4 * i, entry >>> 0, true));
      return;
    }
    const field = contextFields(this.type).find((f) => f.name === name);
    if (field === undefined || typeof value === 'object') throw new UsageError(`ctx has no settable field ${name}`);
    const address = this.ctxAddr + field.offset;
    if (field.size === 8) view.setBigUint64(address, BigInt.asUintN(64, BigInt(value)), true);
    else if (field.size === 4) view.setUint32(address, Number(BigInt.asUintN(32, BigInt(value))), true);
    else view.setUint8(address, Number(BigInt.asUintN(8, BigInt(value))));
  }

  /** The ctx fields after a run: u32 fields as numbers, u64 fields as bigints, cb as an array. */
  readFields(): Record<string, number | bigint | number[]> {
    const view = this.space.view;
    const out: Record<string, number | bigint | number[]> = {};
    for (const field of contextFields(this.type)) {
      const address = this.ctxAddr + field.offset;
      if (field.name.startsWith('cb[')) continue;
      if (field.size === 8) out[field.name] = view.getBigUint64(address, true);
      else if (field.size === 4) out[field.name] = view.getUint32(address, true);
      else out[field.name] = view.getUint8(address);
    }
    if (this.isSkb) out['cb'] = [0, 1, 2, 3, 4].map((i) => view.getUint32(this.ctxAddr + 48 + 4 * i, true));
    return out;
  }

  /** A copy of the packet bytes [data, data_end) as they are now (possibly moved or resized). */
  readPacket(): Uint8Array {
    return this.space.u8.slice(this.data, this.dataEnd);
  }

  /** A copy of the metadata bytes [data_meta, data). */
  readMeta(): Uint8Array {
    return this.space.u8.slice(this.dataMeta, this.data);
  }
}

/** Allocates an XDP context in `space` and loads `packet` into it. */
export function setupXdp(space: AddressSpace, packet: Uint8Array, input?: ContextInput, options?: PacketOptions): PacketContext {
  const context = new PacketContext(space, 'xdp');
  context.load(packet, input, options);
  return context;
}

/** Allocates an __sk_buff context (tc or socket_filter) in `space` and loads `packet` into it. */
export function setupSkb(space: AddressSpace, packet: Uint8Array, type: 'tc' | 'socket_filter' = 'tc', input?: ContextInput, options?: PacketOptions): PacketContext {
  const context = new PacketContext(space, type);
  context.load(packet, input, options);
  return context;
}
