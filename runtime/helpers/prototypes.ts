/**
 * @fileoverview Helper prototypes: id, kernel name, argument kinds, return kind and the program
 * types that may call each helper, as the kernel's bpf_func_proto tables declare them (ids from
 * the UAPI __BPF_FUNC_MAPPER list). This is data for the verifier; the implementations live in
 * the other runtime/helpers files. Adding a helper is one row.
 */
import type { ProgramType } from '../../src/verifier/program.js';
import { MapType } from '../maps/common.js';

/** Argument kind (kernel enum bpf_arg_type). */
export type ArgKind =
  | 'ARG_ANYTHING'
  | 'ARG_CONST_MAP_PTR'
  | 'ARG_PTR_TO_MAP_KEY'
  | 'ARG_PTR_TO_MAP_VALUE'
  | 'ARG_PTR_TO_UNINIT_MAP_VALUE'
  | 'ARG_PTR_TO_MEM'
  | 'ARG_PTR_TO_MEM_OR_NULL'
  | 'ARG_PTR_TO_UNINIT_MEM'
  | 'ARG_CONST_SIZE'
  | 'ARG_CONST_SIZE_OR_ZERO'
  | 'ARG_PTR_TO_CTX'
  | 'ARG_PTR_TO_ALLOC_MEM'
  | 'ARG_CONST_ALLOC_SIZE_OR_ZERO';

/** Return kind (kernel enum bpf_return_type). */
export type RetKind = 'RET_INTEGER' | 'RET_VOID' | 'RET_PTR_TO_MAP_VALUE_OR_NULL' | 'RET_PTR_TO_ALLOC_MEM_OR_NULL';

/** Prototype of one helper. */
export interface HelperProto {
  readonly id: number;
  /** kernel name without the `bpf_` prefix */
  readonly name: string;
  /** r1.. in order; helpers take at most five */
  readonly args: readonly ArgKind[];
  readonly ret: RetKind;
  readonly programTypes: readonly ProgramType[];
  /** map types (UAPI enum bpf_map_type) the ARG_CONST_MAP_PTR argument may have; any when absent */
  readonly mapTypes?: readonly number[];
  /** true when the helper may move or resize the packet: every packet pointer is invalidated */
  readonly changesPacket?: boolean;
  /** true for helpers that release the reference of their ARG_PTR_TO_ALLOC_MEM argument */
  readonly releases?: boolean;
}

/** UAPI enum bpf_map_type values the prototypes refer to (one table, shared with runtime/maps). */
export { MapType } from '../maps/common.js';

const ALL: readonly ProgramType[] = ['raw', 'xdp', 'tc', 'socket_filter'];
const NET: readonly ProgramType[] = ['xdp', 'tc', 'socket_filter'];
const SKB: readonly ProgramType[] = ['tc', 'socket_filter'];
const QUEUE_STACK = [MapType.QUEUE, MapType.STACK];
const QUEUE_STACK_BLOOM = [MapType.QUEUE, MapType.STACK, MapType.BLOOM_FILTER];

/** Every helper the verifier knows, by id. */
export const HELPER_PROTOTYPES: readonly HelperProto[] = [
  { id: 1, name: 'map_lookup_elem', args: ['ARG_CONST_MAP_PTR', 'ARG_PTR_TO_MAP_KEY'], ret: 'RET_PTR_TO_MAP_VALUE_OR_NULL', programTypes: ALL },
  {
    id: 2,
    name: 'map_update_elem',
    args: ['ARG_CONST_MAP_PTR', 'ARG_PTR_TO_MAP_KEY', 'ARG_PTR_TO_MAP_VALUE', 'ARG_ANYTHING'],
    ret: 'RET_INTEGER',
    programTypes: ALL,
  },
  { id: 3, name: 'map_delete_elem', args: ['ARG_CONST_MAP_PTR', 'ARG_PTR_TO_MAP_KEY'], ret: 'RET_INTEGER', programTypes: ALL },
  { id: 5, name: 'ktime_get_ns', args: [], ret: 'RET_INTEGER', programTypes: ALL },
  {
    id: 6,
    name: 'trace_printk',
    args: ['ARG_PTR_TO_MEM', 'ARG_CONST_SIZE', 'ARG_ANYTHING', 'ARG_ANYTHING', 'ARG_ANYTHING'],
    ret: 'RET_INTEGER',
    programTypes: ALL,
  },
  { id: 7, name: 'get_prandom_u32', args: [], ret: 'RET_INTEGER', programTypes: ALL },
  { id: 8, name: 'get_smp_processor_id', args: [], ret: 'RET_INTEGER', programTypes: ALL },
  {
    id: 9,
    name: 'skb_store_bytes',
    args: ['ARG_PTR_TO_CTX', 'ARG_ANYTHING', 'ARG_PTR_TO_MEM', 'ARG_CONST_SIZE', 'ARG_ANYTHING'],
    ret: 'RET_INTEGER',
    programTypes: ['tc'],
    changesPacket: true,
  },
  {
    id: 10,
    name: 'l3_csum_replace',
    args: ['ARG_PTR_TO_CTX', 'ARG_ANYTHING', 'ARG_ANYTHING', 'ARG_ANYTHING', 'ARG_ANYTHING'],
    ret: 'RET_INTEGER',
    programTypes: ['tc'],
    changesPacket: true,
  },
  {
    id: 11,
    name: 'l4_csum_replace',
    args: ['ARG_PTR_TO_CTX', 'ARG_ANYTHING', 'ARG_ANYTHING', 'ARG_ANYTHING', 'ARG_ANYTHING'],
    ret: 'RET_INTEGER',
    programTypes: ['tc'],
    changesPacket: true,
  },
  {
    id: 12,
    name: 'tail_call',
    args: ['ARG_PTR_TO_CTX', 'ARG_CONST_MAP_PTR', 'ARG_ANYTHING'],
    ret: 'RET_VOID',
    programTypes: ALL,
    mapTypes: [MapType.PROG_ARRAY],
  },
  { id: 23, name: 'redirect', args: ['ARG_ANYTHING', 'ARG_ANYTHING'], ret: 'RET_INTEGER', programTypes: ['xdp', 'tc'] },
  {
    id: 25,
    name: 'perf_event_output',
    args: ['ARG_PTR_TO_CTX', 'ARG_CONST_MAP_PTR', 'ARG_ANYTHING', 'ARG_PTR_TO_MEM', 'ARG_CONST_SIZE_OR_ZERO'],
    ret: 'RET_INTEGER',
    programTypes: NET,
    mapTypes: [MapType.PERF_EVENT_ARRAY],
  },
  {
    id: 26,
    name: 'skb_load_bytes',
    args: ['ARG_PTR_TO_CTX', 'ARG_ANYTHING', 'ARG_PTR_TO_UNINIT_MEM', 'ARG_CONST_SIZE'],
    ret: 'RET_INTEGER',
    programTypes: SKB,
  },
  {
    id: 28,
    name: 'csum_diff',
    args: ['ARG_PTR_TO_MEM_OR_NULL', 'ARG_CONST_SIZE_OR_ZERO', 'ARG_PTR_TO_MEM_OR_NULL', 'ARG_CONST_SIZE_OR_ZERO', 'ARG_ANYTHING'],
    ret: 'RET_INTEGER',
    programTypes: ['xdp', 'tc'],
  },
  { id: 42, name: 'get_numa_node_id', args: [], ret: 'RET_INTEGER', programTypes: ALL },
  { id: 44, name: 'xdp_adjust_head', args: ['ARG_PTR_TO_CTX', 'ARG_ANYTHING'], ret: 'RET_INTEGER', programTypes: ['xdp'], changesPacket: true },
  {
    id: 51,
    name: 'redirect_map',
    args: ['ARG_CONST_MAP_PTR', 'ARG_ANYTHING', 'ARG_ANYTHING'],
    ret: 'RET_INTEGER',
    programTypes: ['xdp'],
    mapTypes: [MapType.DEVMAP, MapType.DEVMAP_HASH, MapType.CPUMAP, MapType.XSKMAP],
  },
  { id: 54, name: 'xdp_adjust_meta', args: ['ARG_PTR_TO_CTX', 'ARG_ANYTHING'], ret: 'RET_INTEGER', programTypes: ['xdp'], changesPacket: true },
  { id: 65, name: 'xdp_adjust_tail', args: ['ARG_PTR_TO_CTX', 'ARG_ANYTHING'], ret: 'RET_INTEGER', programTypes: ['xdp'], changesPacket: true },
  {
    id: 87,
    name: 'map_push_elem',
    args: ['ARG_CONST_MAP_PTR', 'ARG_PTR_TO_MAP_VALUE', 'ARG_ANYTHING'],
    ret: 'RET_INTEGER',
    programTypes: ALL,
    mapTypes: QUEUE_STACK_BLOOM,
  },
  { id: 88, name: 'map_pop_elem', args: ['ARG_CONST_MAP_PTR', 'ARG_PTR_TO_UNINIT_MAP_VALUE'], ret: 'RET_INTEGER', programTypes: ALL, mapTypes: QUEUE_STACK },
  // for a bloom filter the value is an input (the verifier checks it as ARG_PTR_TO_MAP_VALUE)
  { id: 89, name: 'map_peek_elem', args: ['ARG_CONST_MAP_PTR', 'ARG_PTR_TO_UNINIT_MAP_VALUE'], ret: 'RET_INTEGER', programTypes: ALL, mapTypes: QUEUE_STACK_BLOOM },
  {
    id: 113,
    name: 'probe_read_kernel',
    args: ['ARG_PTR_TO_UNINIT_MEM', 'ARG_CONST_SIZE_OR_ZERO', 'ARG_ANYTHING'],
    ret: 'RET_INTEGER',
    programTypes: ALL,
  },
  {
    id: 115,
    name: 'probe_read_kernel_str',
    args: ['ARG_PTR_TO_UNINIT_MEM', 'ARG_CONST_SIZE_OR_ZERO', 'ARG_ANYTHING'],
    ret: 'RET_INTEGER',
    programTypes: ALL,
  },
  { id: 125, name: 'ktime_get_boot_ns', args: [], ret: 'RET_INTEGER', programTypes: ALL },
  {
    id: 130,
    name: 'ringbuf_output',
    args: ['ARG_CONST_MAP_PTR', 'ARG_PTR_TO_MEM', 'ARG_CONST_SIZE_OR_ZERO', 'ARG_ANYTHING'],
    ret: 'RET_INTEGER',
    programTypes: ALL,
    mapTypes: [MapType.RINGBUF],
  },
  {
    id: 131,
    name: 'ringbuf_reserve',
    args: ['ARG_CONST_MAP_PTR', 'ARG_CONST_ALLOC_SIZE_OR_ZERO', 'ARG_ANYTHING'],
    ret: 'RET_PTR_TO_ALLOC_MEM_OR_NULL',
    programTypes: ALL,
    mapTypes: [MapType.RINGBUF],
  },
  { id: 132, name: 'ringbuf_submit', args: ['ARG_PTR_TO_ALLOC_MEM', 'ARG_ANYTHING'], ret: 'RET_VOID', programTypes: ALL, releases: true },
  { id: 133, name: 'ringbuf_discard', args: ['ARG_PTR_TO_ALLOC_MEM', 'ARG_ANYTHING'], ret: 'RET_VOID', programTypes: ALL, releases: true },
  { id: 134, name: 'ringbuf_query', args: ['ARG_CONST_MAP_PTR', 'ARG_ANYTHING'], ret: 'RET_INTEGER', programTypes: ALL, mapTypes: [MapType.RINGBUF] },
  { id: 160, name: 'ktime_get_coarse_ns', args: [], ret: 'RET_INTEGER', programTypes: ALL },
  {
    id: 189,
    name: 'xdp_load_bytes',
    args: ['ARG_PTR_TO_CTX', 'ARG_ANYTHING', 'ARG_PTR_TO_UNINIT_MEM', 'ARG_CONST_SIZE'],
    ret: 'RET_INTEGER',
    programTypes: ['xdp'],
  },
  {
    id: 190,
    name: 'xdp_store_bytes',
    args: ['ARG_PTR_TO_CTX', 'ARG_ANYTHING', 'ARG_PTR_TO_MEM', 'ARG_CONST_SIZE'],
    ret: 'RET_INTEGER',
    programTypes: ['xdp'],
  },
  {
    id: 195,
    name: 'map_lookup_percpu_elem',
    args: ['ARG_CONST_MAP_PTR', 'ARG_PTR_TO_MAP_KEY', 'ARG_ANYTHING'],
    ret: 'RET_PTR_TO_MAP_VALUE_OR_NULL',
    programTypes: ALL,
    mapTypes: [MapType.PERCPU_HASH, MapType.PERCPU_ARRAY, MapType.LRU_PERCPU_HASH],
  },
];

const BY_ID: ReadonlyMap<number, HelperProto> = new Map(HELPER_PROTOTYPES.map((p) => [p.id, p]));

/** The prototype of helper `id`, or undefined for an unknown id. */
export function helperProto(id: number): HelperProto | undefined {
  return BY_ID.get(id);
}

/**
 * Map types that only some helpers accept (kernel check_map_func_compatibility, map side): a map of
 * one of these types passed to any other helper is rejected.
 */
export const MAP_TYPE_HELPERS: ReadonlyMap<number, readonly number[]> = new Map<number, readonly number[]>([
  [MapType.PROG_ARRAY, [12]],
  [MapType.PERF_EVENT_ARRAY, [25]],
  [MapType.RINGBUF, [130, 131, 134]],
  [MapType.BLOOM_FILTER, [87, 89]],
  [MapType.ARRAY_OF_MAPS, [1]],
  [MapType.HASH_OF_MAPS, [1]],
  [MapType.QUEUE, [87, 88, 89]],
  [MapType.STACK, [87, 88, 89]],
  [MapType.DEVMAP, [1, 51]],
  [MapType.DEVMAP_HASH, [1, 51]],
  [MapType.CPUMAP, [51]],
  [MapType.XSKMAP, [1, 51]],
]);
