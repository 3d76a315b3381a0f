/**
 * @fileoverview Output-channel helpers: perf_event_output (25), ringbuf_output (130),
 * ringbuf_reserve (131), ringbuf_submit (132), ringbuf_discard (133), ringbuf_query (134). Records reach JavaScript
 * through the maps' onRecord callbacks or drain() (runtime/maps/perf-event-array.ts, ringbuf.ts).
 */
import { MapError } from '../../src/errors.js';
import { Errno } from '../maps/common.js';
import { PerfEventArrayMap } from '../maps/perf-event-array.js';
import { RINGBUF_WAKEUP_FLAGS, RingBufMap } from '../maps/ringbuf.js';
import { type HelperRuntime, type KernelHelper, mapAt, toU64, u32 } from './runtime.js';

/** perf_event_output flags: the slot index (BPF_F_CURRENT_CPU = all ones) and the ctx bytes to append. */
export const BPF_F_INDEX_MASK = 0xffff_ffffn;
export const BPF_F_CURRENT_CPU = BPF_F_INDEX_MASK;
export const BPF_F_CTXLEN_MASK = 0xfffffn << 32n;

function ringAt(rt: HelperRuntime, register: bigint): RingBufMap {
  const map = mapAt(rt, register);
  if (!(map instanceof RingBufMap)) throw new MapError(`map ${map.name} is not a ring buffer`, Errno.EINVAL);
  return map;
}

/**
 * bpf_perf_event_output(ctx, map, flags, data, size): one record of the `size` bytes at `data`,
 * followed (for packet programs) by the first (flags >> 32) & 0xfffff packet bytes; 0 or -errno
 * (EINVAL flags, EFAULT ctx length beyond the packet, E2BIG / ENOENT / EOPNOTSUPP from the slot).
 */
export function perfEventOutput(rt: HelperRuntime): KernelHelper {
  return (_r1, r2, r3, r4, r5) => {
    const map = mapAt(rt, r2);
    if (!(map instanceof PerfEventArrayMap)) throw new MapError(`map ${map.name} is not a perf event array`, Errno.EINVAL);
    const packet = rt.packet;
    const allowed = packet === undefined ? BPF_F_INDEX_MASK : BPF_F_INDEX_MASK | BPF_F_CTXLEN_MASK;
    if ((r3 & ~allowed) !== 0n) return toU64(-Errno.EINVAL);
    const contextLength = Number((r3 & BPF_F_CTXLEN_MASK) >> 32n);
    if (packet !== undefined && contextLength > packet.length) return toU64(-Errno.EFAULT);
    const index = (r3 & BPF_F_INDEX_MASK) === BPF_F_CURRENT_CPU ? rt.cpu : u32(r3);
    const data = u32(r4);
    const size = u32(r5);
    const record = new Uint8Array(size + contextLength);
    record.set(rt.space.u8.subarray(data, data + size));
    if (packet !== undefined && contextLength > 0) record.set(rt.space.u8.subarray(packet.data, packet.data + contextLength), size);
    return toU64(map.output(index, rt.cpu, record));
  };
}

/** bpf_ringbuf_output(ringbuf, data, size, flags): 0, -EAGAIN when full, -EINVAL for unknown flags. */
export function ringbufOutput(rt: HelperRuntime): KernelHelper {
  return (r1, r2, r3, r4) => {
    const ring = ringAt(rt, r1);
    if ((r4 & ~BigInt(RINGBUF_WAKEUP_FLAGS)) !== 0n) return toU64(-Errno.EINVAL);
    return toU64(ring.output(u32(r2), u32(r3)));
  };
}

/** bpf_ringbuf_reserve(ringbuf, size, flags): address of `size` bytes, or NULL (no room, flags != 0). */
export function ringbufReserve(rt: HelperRuntime): KernelHelper {
  return (r1, r2, r3) => {
    const ring = ringAt(rt, r1);
    if (r2 > 0xffff_ffffn) return 0n;
    return BigInt(ring.reserve(Number(r2), r3));
  };
}

/** bpf_ringbuf_query(ringbuf, flags): available data, ring size, consumer or producer position; 0 for other flags. */
export function ringbufQuery(rt: HelperRuntime): KernelHelper {
  return (r1, r2) => {
    const ring = ringAt(rt, r1);
    switch (r2) {
      case 0n:
        return BigInt(ring.used);
      case 1n:
        return BigInt(ring.maxEntries);
      case 2n:
        return BigInt(ring.consumerPosition);
      case 3n:
        return BigInt(ring.producerPosition);
      default:
        return 0n;
    }
  };
}

/** bpf_ringbuf_submit (discard = false) or bpf_ringbuf_discard (true)(sample, flags). */
export function ringbufCommit(rt: HelperRuntime, discard: boolean): KernelHelper {
  return (r1) => {
    const sample = u32(r1);
    const ring = rt.registry.ringContaining(sample);
    if (ring === undefined) throw new MapError(`ring buffer sample 0x${sample.toString(16)} is in no ring buffer`, Errno.EINVAL);
    ring.commit(sample, discard);
    return 0n;
  };
}
