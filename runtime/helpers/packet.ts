/**
 * @fileoverview Packet helpers: skb_store_bytes (9), l3_csum_replace (10), l4_csum_replace (11),
 * redirect (23), skb_load_bytes (26), csum_diff (28), xdp_adjust_head (44), redirect_map (51),
 * xdp_adjust_meta (54), xdp_adjust_tail (65), plus the RFC 1071 one's complement arithmetic they
 * use, written after the kernel's csum_add/csum_sub/csum_fold/csum16_add.
 *
 * Byte order: checksums and the from/to values are handled as the program holds them, i.e. as
 * little-endian loads of network-order bytes. One's complement sums commute with byte swapping, so
 * this gives the same bytes in the packet as the kernel's big-endian view.
 * The packet is rt.packet (a PacketContext); skbs here are never CHECKSUM_PARTIAL, so
 * BPF_F_PSEUDO_HDR changes nothing (the kernel ignores it too unless the skb is CHECKSUM_PARTIAL).
 */
import { ETH_HLEN, type PacketContext, TcAction, XDP_FRAME_SIZE, XdpAction } from '../context.js';
import { UsageError } from '../../src/errors.js';
import { Errno } from '../maps/common.js';
import { RedirectMap } from '../maps/redirect.js';
import { type HelperRuntime, type KernelHelper, mapAt, s32, toU64, u32 } from './runtime.js';

/** Flags of skb_store_bytes. */
export const BPF_F_RECOMPUTE_CSUM = 1n;
export const BPF_F_INVALIDATE_HASH = 2n;
/** Flags of l3/l4_csum_replace: the size of the changed field in the low 4 bits, then modifiers. */
export const BPF_F_HDR_FIELD_MASK = 0xfn;
export const BPF_F_PSEUDO_HDR = 1n << 4n;
export const BPF_F_MARK_MANGLED_0 = 1n << 5n;
export const BPF_F_MARK_ENFORCE = 1n << 6n;
export const BPF_F_IPV6 = 1n << 7n;
/** Flag of bpf_redirect for skbs: deliver to the ingress path. */
export const BPF_F_INGRESS = 1n;
/** Flags of redirect_map. */
export const BPF_F_BROADCAST = 1n << 3n;
export const BPF_F_EXCLUDE_INGRESS = 1n << 4n;
/** Checksum value written instead of 0 when BPF_F_MARK_MANGLED_0 is set (CSUM_MANGLED_0). */
export const CSUM_MANGLED_0 = 0xffff;
/** Largest metadata area xdp_adjust_meta allows (kernel 6.1 xdp_metalen_invalid). */
export const XDP_META_MAX = 32;
/** Bytes csum_diff can diff at once (sizeof the kernel's scratch diff buffer = MAX_BPF_STACK). */
export const CSUM_DIFF_MAX = 512;

// ---- one's complement arithmetic (32-bit __wsum and 16-bit __sum16) ----

/** csum_add: 32-bit one's complement addition with end-around carry. */
export function csumAdd(a: number, b: number): number {
  const sum = (a >>> 0) + (b >>> 0);
  return sum > 0xffff_ffff ? (sum - 0xffff_ffff) >>> 0 : sum;
}

/** csum_sub: a + ~b. */
export function csumSub(a: number, b: number): number {
  return csumAdd(a, ~b >>> 0);
}

/** csum_fold: folds a 32-bit sum to 16 bits and complements it. */
export function csumFold(sum: number): number {
  let s = sum >>> 0;
  s = (s & 0xffff) + (s >>> 16);
  s = (s & 0xffff) + (s >>> 16);
  return ~s & 0xffff;
}

/** csum16_add: 16-bit one's complement addition with end-around carry. */
export function csum16Add(a: number, b: number): number {
  const sum = (a & 0xffff) + (b & 0xffff);
  return (sum & 0xffff) + (sum >>> 16);
}

/** csum_replace2: the checksum after a 16-bit field changed from `from` to `to`. */
export function csumReplace2(check: number, from: number, to: number): number {
  return ~csum16Add(csum16Add(~check & 0xffff, ~from & 0xffff), to) & 0xffff;
}

/** csum_replace4: the checksum after a 32-bit field changed from `from` to `to` (~ of the unfolded u32, as the kernel). */
export function csumReplace4(check: number, from: number, to: number): number {
  return csumFold(csumAdd(csumSub(~(check & 0xffff) >>> 0, from), to));
}

/** csum_replace_by_diff: the checksum after adding a 32-bit diff (from csum_diff). */
export function csumReplaceByDiff(check: number, diff: number): number {
  return csumFold(csumAdd(diff, ~(check & 0xffff) >>> 0));
}

/**
 * csum_partial over `bytes` (a multiple of 4 long) as x86-64 computes it: the one's complement sum
 * of the little-endian 32-bit words plus `seed`, as an unfolded 32-bit value.
 */
export function csumPartial(bytes: Uint8Array, seed: number): number {
  let sum = seed >>> 0;
  for (let i = 0; i + 4 <= bytes.length; i += 4) {
    sum += (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24)) >>> 0;
  }
  while (sum > 0xffff_ffff) sum = (sum % 0x1_0000_0000) + Math.floor(sum / 0x1_0000_0000);
  return sum;
}

/** RFC 1071 Internet checksum of `bytes` (big-endian 16-bit words), the value to store in a header. */
export function internetChecksum(bytes: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < bytes.length; i += 2) sum += (bytes[i]! << 8) | (bytes[i + 1] ?? 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

// ---- helpers ----

/** The packet of the current run. @throws UsageError when the run has none (the verifier prevents it) */
function packetOf(rt: HelperRuntime): PacketContext {
  if (rt.packet === undefined) throw new UsageError('packet helper called without a packet context (HelperRuntime.beginRun(packet))');
  return rt.packet;
}

/** bpf_try_make_writable: the packet holds `end` bytes from data. */
function hasBytes(packet: PacketContext, end: number): boolean {
  return end <= packet.length;
}

/** bpf_skb_store_bytes(skb, offset, from, len, flags): 0 or -errno. */
export function skbStoreBytes(rt: HelperRuntime): KernelHelper {
  return (_r1, r2, r3, r4, r5) => {
    const packet = packetOf(rt);
    if ((r5 & ~(BPF_F_RECOMPUTE_CSUM | BPF_F_INVALIDATE_HASH)) !== 0n) return toU64(-Errno.EINVAL);
    const offset = u32(r2);
    const length = u32(r4);
    if (offset > 0x7fff_ffff) return toU64(-Errno.EFAULT);
    if (!hasBytes(packet, offset + length)) return toU64(-Errno.EFAULT);
    const from = u32(r3);
    rt.space.u8.copyWithin(packet.data + offset, from, from + length);
    if ((r5 & BPF_F_INVALIDATE_HASH) !== 0n && packet.isSkb) packet.setField('hash', 0);
    return 0n;
  };
}

/** bpf_skb_load_bytes(skb, offset, to, len): 0, or -EFAULT with `to` zeroed. */
export function skbLoadBytes(rt: HelperRuntime): KernelHelper {
  return (_r1, r2, r3, r4) => {
    const packet = packetOf(rt);
    const offset = u32(r2);
    const to = u32(r3);
    const length = u32(r4);
    if (offset > 0x7fff_ffff || !hasBytes(packet, offset + length)) {
      rt.space.u8.fill(0, to, to + length);
      return toU64(-Errno.EFAULT);
    }
    rt.space.u8.copyWithin(to, packet.data + offset, packet.data + offset + length);
    return 0n;
  };
}

/** The shared checks of l3/l4_csum_replace: the checksum's address, or -errno. */
function checksumAddress(packet: PacketContext, offset: number): number {
  if (offset > 0xffff || (offset & 1) !== 0) return -Errno.EFAULT;
  if (!hasBytes(packet, offset + 2)) return -Errno.EFAULT;
  return packet.data + offset;
}

/** bpf_l3_csum_replace(skb, offset, from, to, flags): 0 or -errno. */
export function l3CsumReplace(rt: HelperRuntime): KernelHelper {
  return (_r1, r2, r3, r4, r5) => {
    const packet = packetOf(rt);
    if ((r5 & ~BPF_F_HDR_FIELD_MASK) !== 0n) return toU64(-Errno.EINVAL);
    const address = checksumAddress(packet, u32(r2));
    if (address < 0) return toU64(address);
    const view = rt.space.view;
    const check = view.getUint16(address, true);
    let updated: number;
    switch (Number(r5 & BPF_F_HDR_FIELD_MASK)) {
      case 0:
        if (r3 !== 0n) return toU64(-Errno.EINVAL);
        updated = csumReplaceByDiff(check, u32(r4));
        break;
      case 2:
        updated = csumReplace2(check, Number(r3 & 0xffffn), Number(r4 & 0xffffn));
        break;
      case 4:
        updated = csumReplace4(check, u32(r3), u32(r4));
        break;
      default:
        return toU64(-Errno.EINVAL);
    }
    view.setUint16(address, updated, true);
    return 0n;
  };
}

/**
 * bpf_l4_csum_replace(skb, offset, from, to, flags): 0 or -errno. BPF_F_MARK_MANGLED_0 leaves a zero
 * checksum alone (UDP: no checksum) unless BPF_F_MARK_ENFORCE, and writes CSUM_MANGLED_0 for a
 * result of 0. Field size 2 goes through the 4-byte replace, as inet_proto_csum_replace2 does.
 */
export function l4CsumReplace(rt: HelperRuntime): KernelHelper {
  return (_r1, r2, r3, r4, r5) => {
    const packet = packetOf(rt);
    const allowed = BPF_F_MARK_MANGLED_0 | BPF_F_MARK_ENFORCE | BPF_F_PSEUDO_HDR | BPF_F_HDR_FIELD_MASK | BPF_F_IPV6;
    if ((r5 & ~allowed) !== 0n) return toU64(-Errno.EINVAL);
    const address = checksumAddress(packet, u32(r2));
    if (address < 0) return toU64(address);
    const isMangledZero = (r5 & BPF_F_MARK_MANGLED_0) !== 0n;
    const isEnforced = (r5 & BPF_F_MARK_ENFORCE) !== 0n;
    const view = rt.space.view;
    const check = view.getUint16(address, true);
    if (isMangledZero && !isEnforced && check === 0) return 0n;
    let updated: number;
    switch (Number(r5 & BPF_F_HDR_FIELD_MASK)) {
      case 0:
        if (r3 !== 0n) return toU64(-Errno.EINVAL);
        updated = csumReplaceByDiff(check, u32(r4));
        break;
      case 2:
        updated = csumReplace4(check, Number(r3 & 0xffffn), Number(r4 & 0xffffn));
        break;
      case 4:
        updated = csumReplace4(check, u32(r3), u32(r4));
        break;
      default:
        return toU64(-Errno.EINVAL);
    }
    if (isMangledZero && updated === 0) updated = CSUM_MANGLED_0;
    view.setUint16(address, updated, true);
    return 0n;
  };
}

/**
 * bpf_csum_diff(from, from_size, to, to_size, seed): csum_partial of the complemented `from` words
 * followed by the `to` words, seeded; -EINVAL when a size is not a multiple of 4 or they exceed 512.
 */
export function csumDiff(rt: HelperRuntime): KernelHelper {
  return (r1, r2, r3, r4, r5) => {
    const fromSize = u32(r2);
    const toSize = u32(r4);
    if (r2 > 0xffff_ffffn || r4 > 0xffff_ffffn || ((fromSize | toSize) & 3) !== 0 || fromSize + toSize > CSUM_DIFF_MAX) return toU64(-Errno.EINVAL);
    const diff = new Uint8Array(fromSize + toSize);
    const u8 = rt.space.u8;
    const from = u32(r1);
    for (let i = 0; i < fromSize; i++) diff[i] = ~u8[from + i]! & 0xff;
    diff.set(u8.subarray(u32(r3), u32(r3) + toSize), fromSize);
    return BigInt(csumPartial(diff, u32(r5)));
  };
}

/** bpf_xdp_adjust_head(xdp, offset): moves data (and the metadata with it); 0 or -EINVAL. */
export function xdpAdjustHead(rt: HelperRuntime): KernelHelper {
  return (_r1, r2) => {
    const packet = packetOf(rt);
    const offset = s32(r2);
    const metaLength = packet.data - packet.dataMeta;
    const dataStart = packet.bufferStart + XDP_FRAME_SIZE + metaLength;
    const data = packet.data + offset;
    if (data < dataStart || data > packet.dataEnd - ETH_HLEN) return toU64(-Errno.EINVAL);
    if (metaLength !== 0) rt.space.u8.copyWithin(packet.dataMeta + offset, packet.dataMeta, packet.data);
    packet.dataMeta += offset;
    packet.data = data;
    return 0n;
  };
}

/** bpf_xdp_adjust_meta(xdp, offset): moves data_meta; 0, -EINVAL (out of range) or -EACCES (bad length). */
export function xdpAdjustMeta(rt: HelperRuntime): KernelHelper {
  return (_r1, r2) => {
    const packet = packetOf(rt);
    const meta = packet.dataMeta + s32(r2);
    const metaLength = packet.data - meta;
    if (meta < packet.bufferStart + XDP_FRAME_SIZE || meta > packet.data) return toU64(-Errno.EINVAL);
    if ((metaLength & 3) !== 0 || metaLength > XDP_META_MAX) return toU64(-Errno.EACCES);
    packet.dataMeta = meta;
    return 0n;
  };
}

/**
 * bpf_xdp_adjust_tail(xdp, offset): moves data_end within [data + ETH_HLEN, frame end - tailroom];
 * grown bytes are zeroed; 0 or -EINVAL.
 */
export function xdpAdjustTail(rt: HelperRuntime): KernelHelper {
  return (_r1, r2) => {
    const packet = packetOf(rt);
    const offset = s32(r2);
    const dataEnd = packet.dataEnd + offset;
    if (dataEnd > packet.frameEnd) return toU64(-Errno.EINVAL);
    if (dataEnd < packet.data + ETH_HLEN) return toU64(-Errno.EINVAL);
    if (offset > 0) rt.space.u8.fill(0, packet.dataEnd, dataEnd);
    packet.dataEnd = dataEnd;
    return 0n;
  };
}

/**
 * bpf_xdp_load_bytes(xdp, offset, buf, len): 0, -EFAULT (offset or len over 0xffff) or -EINVAL
 * (beyond the packet); the buffer is left alone on failure, as in the kernel.
 */
export function xdpLoadBytes(rt: HelperRuntime): KernelHelper {
  return (_r1, r2, r3, r4) => {
    const packet = packetOf(rt);
    const offset = u32(r2);
    const length = u32(r4);
    if (offset > 0xffff || length > 0xffff) return toU64(-Errno.EFAULT);
    if (offset + length > packet.length) return toU64(-Errno.EINVAL);
    rt.space.u8.copyWithin(u32(r3), packet.data + offset, packet.data + offset + length);
    return 0n;
  };
}

/** bpf_xdp_store_bytes(xdp, offset, buf, len): 0, -EFAULT or -EINVAL as xdp_load_bytes. */
export function xdpStoreBytes(rt: HelperRuntime): KernelHelper {
  return (_r1, r2, r3, r4) => {
    const packet = packetOf(rt);
    const offset = u32(r2);
    const length = u32(r4);
    if (offset > 0xffff || length > 0xffff) return toU64(-Errno.EFAULT);
    if (offset + length > packet.length) return toU64(-Errno.EINVAL);
    rt.space.u8.copyWithin(packet.data + offset, u32(r3), u32(r3) + length);
    return 0n;
  };
}

/**
 * bpf_redirect(ifindex, flags): for XDP, XDP_REDIRECT (XDP_ABORTED when flags are set); for skbs,
 * TC_ACT_REDIRECT (TC_ACT_SHOT for flags other than BPF_F_INGRESS). Records rt.redirect.
 */
export function redirect(rt: HelperRuntime): KernelHelper {
  return (r1, r2) => {
    const isXdp = rt.packet?.type === 'xdp';
    if (isXdp ? r2 !== 0n : (r2 & ~BPF_F_INGRESS) !== 0n) return toU64(isXdp ? XdpAction.ABORTED : TcAction.SHOT);
    rt.redirect = { kind: 'ifindex', ifindex: u32(r1), flags: Number(r2) };
    return toU64(isXdp ? XdpAction.REDIRECT : TcAction.REDIRECT);
  };
}

/**
 * bpf_redirect_map(map, key, flags): XDP_REDIRECT when `key` is present in the map (recorded in
 * rt.redirect), otherwise the fallback verdict in the low 2 bits of flags; XDP_ABORTED for unknown
 * flags. BPF_F_BROADCAST redirects even without an element, as the kernel does.
 */
export function redirectMap(rt: HelperRuntime): KernelHelper {
  return (r1, r2, r3) => {
    const map = mapAt(rt, r1);
    const actionMask = 3n;
    if ((r3 & ~(actionMask | BPF_F_BROADCAST | BPF_F_EXCLUDE_INGRESS)) !== 0n) return toU64(XdpAction.ABORTED);
    const key = u32(r2);
    const isPresent = map instanceof RedirectMap ? map.hasTarget(key) : hasElement(map, key);
    if (!isPresent && (r3 & BPF_F_BROADCAST) === 0n) return r3 & actionMask;
    rt.redirect = { kind: 'map', map, key, flags: Number(r3 & (BPF_F_BROADCAST | BPF_F_EXCLUDE_INGRESS)) };
    return toU64(XdpAction.REDIRECT);
  };
}

/** True when a map of another type has an element under u32 key `key` (only reachable without the verifier). */
function hasElement(map: { lookup(key: Uint8Array): Uint8Array | undefined; keySize: number }, key: number): boolean {
  if (map.keySize !== 4) return false;
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, key, true);
  return map.lookup(bytes) !== undefined;
}
