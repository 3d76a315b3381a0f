/**
 * @fileoverview Program return values of packet programs as a network engineer reads them: XDP
 * actions (enum xdp_action), tc actions (TC_ACT_* of linux/pkt_cls.h) and socket-filter results
 * (0 drops, n keeps the first n bytes), which packets go on to the output capture, and the verdict
 * tally a run prints.
 */
import type { ProgramType } from '../index.js';

/** XDP action names by value (enum xdp_action). */
const XDP_NAMES = ['XDP_ABORTED', 'XDP_DROP', 'XDP_PASS', 'XDP_TX', 'XDP_REDIRECT'] as const;

/** TC action names by value + 1 (TC_ACT_UNSPEC is -1). */
const TC_NAMES = [
  'TC_ACT_UNSPEC',
  'TC_ACT_OK',
  'TC_ACT_RECLASSIFY',
  'TC_ACT_SHOT',
  'TC_ACT_PIPE',
  'TC_ACT_STOLEN',
  'TC_ACT_QUEUED',
  'TC_ACT_REPEAT',
  'TC_ACT_REDIRECT',
  'TC_ACT_TRAP',
] as const;

/** Socket-filter verdicts. */
const SOCKET_NAMES = ['accepted', 'dropped'] as const;

/** Program types whose verdicts this file names. */
export type PacketType = Exclude<ProgramType, 'raw'>;

/** The name of return value `r0` for a program of `type` (`r0=N` for values without a name). */
export function verdictName(type: PacketType, r0: bigint): string {
  switch (type) {
    case 'xdp': {
      const name = r0 < BigInt(XDP_NAMES.length) ? XDP_NAMES[Number(r0)] : undefined;
      return name ?? `r0=${r0}`;
    }
    case 'tc': {
      const action = BigInt.asIntN(32, r0);
      const name = action >= -1n && action < BigInt(TC_NAMES.length - 1) ? TC_NAMES[Number(action) + 1] : undefined;
      return name ?? `r0=${action}`;
    }
    case 'socket_filter':
      return BigInt.asUintN(32, r0) === 0n ? 'dropped' : 'accepted';
    default: {
      const unknown: never = type;
      throw new Error(`unknown program type ${String(unknown)}`);
    }
  }
}

/** The order verdicts are printed in: named ones in enum order, then the others as they come. */
export function verdictOrder(type: PacketType): readonly string[] {
  switch (type) {
    case 'xdp':
      return XDP_NAMES;
    case 'tc':
      return TC_NAMES;
    case 'socket_filter':
      return SOCKET_NAMES;
    default: {
      const unknown: never = type;
      throw new Error(`unknown program type ${String(unknown)}`);
    }
  }
}

/**
 * The bytes of a packet that go on: XDP_PASS and XDP_TX, TC_ACT_OK, and accepted socket-filter
 * packets truncated to r0 bytes (as the kernel trims what the socket receives); undefined otherwise.
 */
export function passedBytes(type: PacketType, r0: bigint, data: Uint8Array): Uint8Array | undefined {
  switch (type) {
    case 'xdp':
      return r0 === 2n || r0 === 3n ? data : undefined;
    case 'tc':
      return BigInt.asIntN(32, r0) === 0n ? data : undefined;
    case 'socket_filter': {
      const keep = BigInt.asUintN(32, r0);
      if (keep === 0n) return undefined;
      return keep < BigInt(data.length) ? data.subarray(0, Number(keep)) : data;
    }
    default: {
      const unknown: never = type;
      throw new Error(`unknown program type ${String(unknown)}`);
    }
  }
}

/** Verdict counts by name. */
export type VerdictCounts = Map<string, number>;

/** Adds `other` into `into`. */
export function mergeCounts(into: VerdictCounts, other: Iterable<[string, number]>): void {
  for (const [name, count] of other) into.set(name, (into.get(name) ?? 0) + count);
}

/** The counts as [name, count] rows in print order (named verdicts first, zero counts left out). */
export function orderedCounts(type: PacketType, counts: VerdictCounts): [string, number][] {
  const order = verdictOrder(type);
  const rows: [string, number][] = [];
  for (const name of order) {
    const count = counts.get(name);
    if (count !== undefined && count > 0) rows.push([name, count]);
  }
  const others = [...counts.entries()].filter(([name, count]) => !order.includes(name) && count > 0);
  others.sort(([a], [b]) => a.localeCompare(b));
  return [...rows, ...others];
}
