/**
 * @fileoverview HelperRuntime: the state kernel helpers work on (address space, map registry,
 * current CPU, packet context, clock, random source, log sink) and the signals they leave for the
 * engines (a pending tail call, a redirect target). One per loaded object; the engines call
 * beginRun() before each top-level run. Helper implementations are in the sibling files.
 *
 * Tail-call contract for the engines: after `call 12` (bpf_tail_call) returns, if
 * `rt.pendingTailCall` is set the engine abandons the current program at once (no further
 * instruction, r0 ignored), clears the request with takeTailCall() and runs the requested program
 * with r1 = `ctx` and a fresh stack; the chain's count lives in `tailCallCount`. When the field is
 * unset the tail call failed and execution continues after the call, as in the kernel.
 */
import { AddressSpace } from '../memory.js';
import type { PacketContext } from '../context.js';
import { MapRegistry } from '../maps/registry.js';
import { type BpfMap, Errno } from '../maps/common.js';
import { MapError, UsageError } from '../../src/errors.js';

/** A tail call the program asked for: run program `programId` (the prog array slot's id) on `ctx`. */
export interface TailCallRequest {
  readonly map: BpfMap;
  readonly index: number;
  readonly programId: number;
  /** the ctx pointer the program passed (r1 of the call) */
  readonly ctx: number;
}

/** Where a redirect verdict sends the packet (bpf_redirect or bpf_redirect_map). */
export type RedirectTarget =
  | { readonly kind: 'ifindex'; readonly ifindex: number; readonly flags: number }
  | { readonly kind: 'map'; readonly map: BpfMap; readonly key: number; readonly flags: number };

/** Options of a HelperRuntime; every part has a deterministic or harmless default. */
export interface HelperRuntimeOptions {
  readonly space?: AddressSpace;
  readonly registry?: MapRegistry;
  /** number of possible CPUs (default 1) */
  readonly cpus?: number;
  /** CPU the program runs on (default 0) */
  readonly cpu?: number;
  /** nanosecond clock for ktime_get_ns (default: performance.now() in ns) */
  readonly clock?: () => bigint;
  /** u32 source for get_prandom_u32 (default: a xorshift32 generator seeded with `seed`) */
  readonly random?: () => number;
  /** seed of the default random source (default 0x2545f491) */
  readonly seed?: number;
  /** receives each trace_printk line (default: discarded) */
  readonly log?: (line: string) => void;
}

/** The default seed of the random source. */
export const DEFAULT_SEED = 0x2545f491;

/** A seeded xorshift32 generator of u32 values (never yields 0). */
export function xorshift32(seed: number): () => number {
  let state = seed >>> 0 || DEFAULT_SEED;
  return () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state;
  };
}

/** State shared by the kernel helpers of one loaded object. */
export class HelperRuntime {
  readonly space: AddressSpace;
  readonly registry: MapRegistry;
  readonly cpus: number;
  /** CPU id get_smp_processor_id returns and per-CPU maps use */
  cpu: number;
  clock: () => bigint;
  random: () => number;
  log: (line: string) => void;
  /** the packet context of the current run (undefined for programs without one) */
  packet: PacketContext | undefined = undefined;
  /** set by bpf_tail_call when the target exists; see the file overview */
  pendingTailCall: TailCallRequest | undefined = undefined;
  /** tail calls taken (or attempted past the index check) in the current run, as the kernel counts */
  tailCallCount = 0;
  /** set by bpf_redirect / bpf_redirect_map when they return the redirect verdict */
  redirect: RedirectTarget | undefined = undefined;

  constructor(options: HelperRuntimeOptions = {}) {
    this.space = options.space ?? new AddressSpace();
    this.registry = options.registry ?? new MapRegistry();
    this.cpus = options.cpus ?? 1;
    this.cpu = options.cpu ?? 0;
    if (!Number.isInteger(this.cpus) || this.cpus < 1 || !Number.isInteger(this.cpu) || this.cpu < 0 || this.cpu >= this.cpus) {
      throw new UsageError(`cpu ${this.cpu} is not one of ${this.cpus} cpus`);
    }
    this.clock = options.clock ?? (() => BigInt(Math.round(performance.now() * 1e6)));
    this.random = options.random ?? xorshift32(options.seed ?? DEFAULT_SEED);
    this.log = options.log ?? (() => undefined);
  }

  /** Resets the per-run signals (tail call chain, redirect); call before each top-level run. */
  beginRun(packet?: PacketContext): void {
    this.packet = packet;
    this.pendingTailCall = undefined;
    this.tailCallCount = 0;
    this.redirect = undefined;
  }

  /** Returns and clears the pending tail call, if any. */
  takeTailCall(): TailCallRequest | undefined {
    const request = this.pendingTailCall;
    this.pendingTailCall = undefined;
    return request;
  }
}

/** A kernel helper as the engines call it: five u64 arguments, a u64 result. */
export type KernelHelper = (r1: bigint, r2: bigint, r3: bigint, r4: bigint, r5: bigint) => bigint;

/** A signed result (0, a count, or -errno) as the u64 register value programs see. */
export function toU64(value: number): bigint {
  return BigInt.asUintN(64, BigInt(value));
}

/** The low 32 bits of a register as a linear-memory address or u32 argument. */
export function u32(value: bigint): number {
  // the common case (a value already below 2^32) without allocating a bigint
  return value >= 0n && value <= 0xffff_ffffn ? Number(value) : Number(value & 0xffff_ffffn);
}

/** The low 32 bits of a register as a signed int argument. */
export function s32(value: bigint): number {
  return Number(BigInt.asIntN(32, value));
}

/**
 * The map whose header address is in `register` (a map pointer the verifier proved).
 * @throws MapError EINVAL when no map lives there (only reachable without the verifier)
 */
export function mapAt(rt: HelperRuntime, register: bigint): BpfMap {
  const map = rt.registry.byAddress(u32(register));
  if (map === undefined) throw new MapError(`no map at address 0x${register.toString(16)}`, Errno.EINVAL);
  return map;
}
