/**
 * @fileoverview The kernel helpers by id (ids from the __BPF_FUNC_MAPPER list in linux/bpf.h):
 * createKernelHelpers binds every implementation to one HelperRuntime. The simple helpers
 * (ktime_get_ns, get_prandom_u32, get_smp_processor_id) live here; the others are grouped by area
 * in maps.ts, packet.ts, ringbuf.ts and trace.ts. Prototypes for the verifier are in prototypes.ts.
 */
import { mapDeleteElem, mapLookupElem, mapLookupPercpuElem, mapPeekElem, mapPopElem, mapPushElem, mapUpdateElem, tailCall } from './maps.js';
import {
  csumDiff,
  l3CsumReplace,
  l4CsumReplace,
  redirect,
  redirectMap,
  skbLoadBytes,
  skbStoreBytes,
  xdpAdjustHead,
  xdpAdjustMeta,
  xdpAdjustTail,
  xdpLoadBytes,
  xdpStoreBytes,
} from './packet.js';
import { probeReadKernel, probeReadKernelStr } from './probe.js';
import { perfEventOutput, ringbufCommit, ringbufOutput, ringbufQuery, ringbufReserve } from './ringbuf.js';
import type { HelperRuntime, KernelHelper } from './runtime.js';
import { tracePrintk } from './trace.js';

/** Helper ids (BPF_FUNC_*) this runtime implements. */
export const HelperId = {
  map_lookup_elem: 1,
  map_update_elem: 2,
  map_delete_elem: 3,
  ktime_get_ns: 5,
  trace_printk: 6,
  get_prandom_u32: 7,
  get_smp_processor_id: 8,
  skb_store_bytes: 9,
  l3_csum_replace: 10,
  l4_csum_replace: 11,
  tail_call: 12,
  redirect: 23,
  perf_event_output: 25,
  skb_load_bytes: 26,
  csum_diff: 28,
  get_numa_node_id: 42,
  xdp_adjust_head: 44,
  redirect_map: 51,
  xdp_adjust_meta: 54,
  xdp_adjust_tail: 65,
  map_push_elem: 87,
  map_pop_elem: 88,
  map_peek_elem: 89,
  probe_read_kernel: 113,
  probe_read_kernel_str: 115,
  ktime_get_boot_ns: 125,
  ringbuf_output: 130,
  ringbuf_reserve: 131,
  ringbuf_submit: 132,
  ringbuf_discard: 133,
  ringbuf_query: 134,
  ktime_get_coarse_ns: 160,
  xdp_load_bytes: 189,
  xdp_store_bytes: 190,
  map_lookup_percpu_elem: 195,
} as const;
export type HelperName = keyof typeof HelperId;

/** bpf_ktime_get_ns(): rt.clock(), as u64 (also ktime_get_boot_ns and ktime_get_coarse_ns: one clock here). */
export function ktimeGetNs(rt: HelperRuntime): KernelHelper {
  return () => BigInt.asUintN(64, rt.clock());
}

/** bpf_get_prandom_u32(): the next u32 of rt.random. */
export function getPrandomU32(rt: HelperRuntime): KernelHelper {
  return () => BigInt(rt.random() >>> 0);
}

/** bpf_get_smp_processor_id(): rt.cpu. */
export function getSmpProcessorId(rt: HelperRuntime): KernelHelper {
  return () => BigInt(rt.cpu);
}

/** The implementation factory of each helper. */
const FACTORIES: Readonly<Record<HelperName, (rt: HelperRuntime) => KernelHelper>> = {
  map_lookup_elem: mapLookupElem,
  map_update_elem: mapUpdateElem,
  map_delete_elem: mapDeleteElem,
  ktime_get_ns: ktimeGetNs,
  trace_printk: tracePrintk,
  get_prandom_u32: getPrandomU32,
  get_smp_processor_id: getSmpProcessorId,
  skb_store_bytes: skbStoreBytes,
  l3_csum_replace: l3CsumReplace,
  l4_csum_replace: l4CsumReplace,
  tail_call: tailCall,
  redirect,
  perf_event_output: perfEventOutput,
  skb_load_bytes: skbLoadBytes,
  csum_diff: csumDiff,
  xdp_adjust_head: xdpAdjustHead,
  redirect_map: redirectMap,
  xdp_adjust_meta: xdpAdjustMeta,
  xdp_adjust_tail: xdpAdjustTail,
  map_push_elem: mapPushElem,
  map_pop_elem: mapPopElem,
  map_peek_elem: mapPeekElem,
  ringbuf_output: ringbufOutput,
  ringbuf_reserve: ringbufReserve,
  ringbuf_submit: (rt) => ringbufCommit(rt, false),
  ringbuf_discard: (rt) => ringbufCommit(rt, true),
  get_numa_node_id: () => () => 0n,
  probe_read_kernel: probeReadKernel,
  probe_read_kernel_str: probeReadKernelStr,
  ktime_get_boot_ns: ktimeGetNs,
  ringbuf_query: ringbufQuery,
  ktime_get_coarse_ns: ktimeGetNs,
  xdp_load_bytes: xdpLoadBytes,
  xdp_store_bytes: xdpStoreBytes,
  map_lookup_percpu_elem: mapLookupPercpuElem,
};

/** Every kernel helper bound to `rt`, by helper id. */
export function createKernelHelpers(rt: HelperRuntime): Map<number, KernelHelper> {
  const helpers = new Map<number, KernelHelper>();
  for (const [name, id] of Object.entries(HelperId) as [HelperName, number][]) helpers.set(id, FACTORIES[name](rt));
  return helpers;
}
