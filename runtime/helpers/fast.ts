/**
 * @fileoverview Optional number-typed variants of the hottest helpers whose arguments all fit in
 * 32 bits, so the JIT can import them with i32 parameters instead of paying for BigInt conversion.
 * Each argument arrives as a wasm i32 (a signed JS number holding the register's low 32 bits);
 * the result is an i32 the caller widens to the 64-bit r0 as `FAST_HELPERS[id].result` says:
 * 'pointer' and 'unsigned' zero-extend (i64.extend_i32_u), 'signed' sign-extends (i64.extend_i32_s).
 * Semantics are exactly those of the bigint helpers in the sibling files.
 */
import type { HelperRuntime } from './runtime.js';
import { Errno } from '../maps/common.js';
import { MapError } from '../../src/errors.js';
import type { BpfMap } from '../maps/common.js';

/** A helper taking the low 32 bits of r1..r5 as i32 numbers and returning an i32. */
export type FastHelper = (r1: number, r2: number, r3: number, r4: number, r5: number) => number;

/** How the i32 result of a fast helper becomes r0. */
export type FastResult = 'pointer' | 'unsigned' | 'signed';

/** The helpers that have a fast variant, with their result widening. */
export const FAST_HELPERS: Readonly<Record<number, { readonly name: string; readonly result: FastResult }>> = {
  1: { name: 'map_lookup_elem', result: 'pointer' },
  3: { name: 'map_delete_elem', result: 'signed' },
  7: { name: 'get_prandom_u32', result: 'unsigned' },
  8: { name: 'get_smp_processor_id', result: 'unsigned' },
  88: { name: 'map_pop_elem', result: 'signed' },
  89: { name: 'map_peek_elem', result: 'signed' },
  132: { name: 'ringbuf_submit', result: 'signed' },
  133: { name: 'ringbuf_discard', result: 'signed' },
};

function mapAtFast(rt: HelperRuntime, address: number): BpfMap {
  const map = rt.registry.byAddress(address >>> 0);
  if (map === undefined) throw new MapError(`no map at address 0x${(address >>> 0).toString(16)}`, Errno.EINVAL);
  return map;
}

function commit(rt: HelperRuntime, sample: number, discard: boolean): number {
  const ring = rt.registry.ringContaining(sample >>> 0);
  if (ring === undefined) throw new MapError(`ring buffer sample 0x${(sample >>> 0).toString(16)} is in no ring buffer`, Errno.EINVAL);
  ring.commit(sample >>> 0, discard);
  return 0;
}

/** The fast variants bound to `rt`, by helper id (the keys of FAST_HELPERS). */
export function createFastHelpers(rt: HelperRuntime): Map<number, FastHelper> {
  return new Map<number, FastHelper>([
    [1, (r1, r2) => mapAtFast(rt, r1).lookupAddr(r2 >>> 0, rt.cpu) | 0],
    [3, (r1, r2) => mapAtFast(rt, r1).deleteAddr(r2 >>> 0)],
    [7, () => rt.random() | 0],
    [8, () => rt.cpu],
    [88, (r1, r2) => mapAtFast(rt, r1).popAddr(r2 >>> 0)],
    [89, (r1, r2) => mapAtFast(rt, r1).peekAddr(r2 >>> 0)],
    [132, (r1) => commit(rt, r1, false)],
    [133, (r1) => commit(rt, r1, true)],
  ]);
}
