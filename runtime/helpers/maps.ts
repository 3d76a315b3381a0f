/**
 * @fileoverview Map helpers: map_lookup_elem (1), map_update_elem (2), map_delete_elem (3),
 * tail_call (12), map_push_elem (87), map_pop_elem (88), map_peek_elem (89),
 * map_lookup_percpu_elem (195). Keys and values are
 * linear-memory addresses; results are addresses (0 = NULL) or 0 / -errno as u64.
 */
import { MAX_TAIL_CALLS } from '../../src/isa/registers.js';
import { MapError } from '../../src/errors.js';
import { Errno } from '../maps/common.js';
import { ProgArrayMap } from '../maps/prog-array.js';
import { type HelperRuntime, type KernelHelper, mapAt, toU64, u32 } from './runtime.js';

/** bpf_map_lookup_elem(map, key): value address (the current CPU's copy for per-CPU maps) or NULL. */
export function mapLookupElem(rt: HelperRuntime): KernelHelper {
  return (r1, r2) => BigInt(mapAt(rt, r1).lookupAddr(u32(r2), rt.cpu));
}

/** bpf_map_lookup_percpu_elem(map, key, cpu): CPU `cpu`'s copy of a per-CPU map value, NULL for cpu >= cpus. */
export function mapLookupPercpuElem(rt: HelperRuntime): KernelHelper {
  return (r1, r2, r3) => {
    const map = mapAt(rt, r1);
    if (r3 >= BigInt(map.cpus)) return 0n;
    return BigInt(map.lookupAddr(u32(r2), Number(r3)));
  };
}

/** bpf_map_update_elem(map, key, value, flags): 0 or -errno. */
export function mapUpdateElem(rt: HelperRuntime): KernelHelper {
  return (r1, r2, r3, r4) => {
    const flags = r4 > 0xffff_ffffn ? -1 : Number(r4);
    return toU64(mapAt(rt, r1).updateAddr(u32(r2), u32(r3), flags, rt.cpu));
  };
}

/** bpf_map_delete_elem(map, key): 0 or -errno. */
export function mapDeleteElem(rt: HelperRuntime): KernelHelper {
  return (r1, r2) => toU64(mapAt(rt, r1).deleteAddr(u32(r2)));
}

/** bpf_map_push_elem(map, value, flags): 0 or -errno. */
export function mapPushElem(rt: HelperRuntime): KernelHelper {
  return (r1, r2, r3) => toU64(mapAt(rt, r1).pushAddr(u32(r2), r3 > 0xffff_ffffn ? -1 : Number(r3)));
}

/** bpf_map_pop_elem(map, value): 0 or -errno (ENOENT when empty). */
export function mapPopElem(rt: HelperRuntime): KernelHelper {
  return (r1, r2) => toU64(mapAt(rt, r1).popAddr(u32(r2)));
}

/** bpf_map_peek_elem(map, value): 0 or -errno (ENOENT when empty). */
export function mapPeekElem(rt: HelperRuntime): KernelHelper {
  return (r1, r2) => toU64(mapAt(rt, r1).peekAddr(u32(r2)));
}

/**
 * bpf_tail_call(ctx, prog_array, index): on success sets rt.pendingTailCall (see runtime.ts for the
 * engine contract). Failure (index out of range, more than MAX_TAIL_CALLS in the chain, empty slot)
 * leaves it unset and the program continues. Checks in the kernel interpreter's order: the count is
 * incremented before the slot is read.
 */
export function tailCall(rt: HelperRuntime): KernelHelper {
  return (r1, r2, r3) => {
    const map = mapAt(rt, r2);
    if (!(map instanceof ProgArrayMap)) throw new MapError(`tail call through map ${map.name}, which is not a program array`, Errno.EINVAL);
    const index = u32(r3);
    if (index >= map.maxEntries) return 0n;
    if (rt.tailCallCount >= MAX_TAIL_CALLS) return 0n;
    rt.tailCallCount++;
    const programId = map.program(index);
    if (programId === undefined) return 0n;
    rt.pendingTailCall = { map, index, programId, ctx: u32(r1) };
    return 0n;
  };
}
