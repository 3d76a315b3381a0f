/**
 * @fileoverview The verifier's soundness oracle, shared by test/verifier/soundness.test.ts and the
 * fuzz campaign (`--mode soundness`): a precisely checked interpreter for XDP programs (every access
 * checked against the regions the program may really touch: the stack, the xdp_md fields one at a
 * time, the packet [data_meta, data_end) as the ctx says now, and the map values that lookups
 * returned in this run), and `checkProgram`, which verifies one generated program and, when it is
 * accepted, runs it on random packets through the precise check, the normal interpreter and
 * optionally the JIT.
 */
import { RuntimeError, VerifierError } from '../../src/errors.js';
import { execute } from '../../src/interpreter.js';
import type { Insn } from '../../src/isa/instruction.js';
import { PseudoSrc } from '../../src/isa/opcodes.js';
import { mapAddress, ObjectRuntime, PacketProgram, type MapTable, type PacketLoadOptions } from '../../src/packet-program.js';
import type { VerifiedProgram } from '../../src/verifier/program.js';
import type { Region } from '../../runtime/env.js';
import { type BpfMap, createMap, u32Key } from '../../runtime/maps/index.js';
import { HelperId } from '../../runtime/helpers/kernel.js';
import { GEN_MAPS, generatePacketProgram, rng } from './gen-packet-program.js';

/** bytes of struct xdp_md */
const XDP_MD_SIZE = 24;

/** An object runtime with the generator's maps, filled identically each time. */
export interface Harness {
  readonly runtime: ObjectRuntime;
  readonly table: MapTable;
}

/** A fresh harness: an xdp object runtime with GEN_MAPS created and filled. */
export function makeHarness(): Harness {
  const runtime = new ObjectRuntime({ seed: 7, clock: () => 1_000_000n });
  const maps: BpfMap[] = GEN_MAPS.map((spec) => {
    const map = createMap(runtime.space, { name: spec.name, type: spec.type, keySize: spec.keySize, valueSize: spec.valueSize, maxEntries: spec.maxEntries, flags: 0 }, { cpus: 1 });
    runtime.registry.register(map);
    for (const key of spec.presentKeys) map.update(u32Key(key), new Uint8Array(spec.valueSize).fill(key + 1));
    return map;
  });
  const table: MapTable = {
    infos: GEN_MAPS.map((spec) => ({ type: spec.type, keySize: spec.keySize, valueSize: spec.valueSize, maxEntries: spec.maxEntries, flags: 0 })),
    addressOf: (src, index, offset, pc) => mapAddress(maps[index]!, src === PseudoSrc.MAP_IDX_VALUE, offset, pc),
  };
  return { runtime, table };
}

/** What a run left: the verdict and the packet. */
export interface Outcome {
  readonly r0: bigint;
  readonly data: Uint8Array;
}

/**
 * The precisely checked interpreter on a harness of its own: `run` executes a copy of the program
 * with every access checked against the precise regions (see the file overview); helper memory
 * arguments go through the same check (the runtime's guards call env.isAccessible). The packet
 * region is what the runtime set (not what the ctx holds, which a wrongly accepted write could
 * change), and a run that leaves the xdp_md bytes changed fails too (XDP may not write its ctx).
 */
export class PreciseRunner {
  private readonly harness = makeHarness();
  private readonly values: Region[] = [];
  /** [data_meta, data_end) as the runtime last set it (at load, and after the xdp_adjust_* helpers) */
  private readonly packet: Region = { start: 0, end: 0 };
  /** the xdp_md bytes as the runtime last set them: a program may not write them */
  private ctxBytes = new Uint8Array(XDP_MD_SIZE);
  private checked: VerifiedProgram | undefined;

  constructor() {
    const { runtime } = this.harness;
    const env = runtime.env;
    const context = runtime.context('xdp');
    const lookup = env.helpers.get(1)!;
    const values = this.values;
    // map_lookup_elem: the value it returns becomes a region for the rest of the run
    env.helpers.set(1, (r1, r2, r3, r4, r5) => {
      const result = BigInt(lookup(r1, r2, r3, r4, r5));
      const map = runtime.registry.byAddress(Number(r1));
      if (result !== 0n && map !== undefined) values.push({ start: Number(result), end: Number(result) + map.valueSize });
      return result;
    });
    // the packet helpers move data / data_meta / data_end: the packet region follows them
    for (const id of [HelperId.xdp_adjust_head, HelperId.xdp_adjust_meta, HelperId.xdp_adjust_tail]) {
      const inner = env.helpers.get(id);
      if (inner === undefined) continue;
      env.helpers.set(id, (r1, r2, r3, r4, r5) => {
        const result = inner(r1, r2, r3, r4, r5);
        this.capturePacket();
        return result;
      });
    }
    const stack = env.stack;
    const packet = this.packet;
    env.isAccessible = (address: number, size: number): boolean => {
      const end = address + size;
      if (address >= stack.start && end <= stack.end) return true;
      const ctx = context.ctxAddr;
      // one xdp_md field (4 bytes) at a time
      if (address >= ctx && end <= ctx + XDP_MD_SIZE) return (address - ctx) >> 2 === (end - 1 - ctx) >> 2;
      if (address >= packet.start && end <= packet.end) return true;
      return values.some((v) => address >= v.start && end <= v.end);
    };
  }

  /** Remembers the packet region and the ctx bytes the runtime has just set. */
  private capturePacket(): void {
    const context = this.harness.runtime.context('xdp');
    this.packet.start = context.dataMeta;
    this.packet.end = context.dataEnd;
    this.ctxBytes = context.space.u8.slice(context.ctxAddr, context.ctxAddr + XDP_MD_SIZE);
  }

  /** Loads `insns` with `verifier`; undefined when refused. */
  async load(insns: readonly Insn[], verifier: 'dataflow' | 'structural'): Promise<PacketProgram | undefined> {
    const { runtime, table } = this.harness;
    try {
      const program = await PacketProgram.create(runtime, insns, { name: '', section: '', type: 'xdp' }, { verifier }, table, () => undefined);
      this.checked = { ...program.verified, checkedAccess: new Uint8Array(program.verified.insns.length).fill(1) };
      return program;
    } catch (error) {
      if (error instanceof VerifierError) return undefined;
      throw error;
    }
  }

  /** Runs the loaded program on `packet` with every access checked precisely. */
  run(packet: Uint8Array): Outcome {
    const { runtime } = this.harness;
    const { env, guard, rt } = runtime;
    const context = runtime.context('xdp');
    context.invalidate();
    context.load(packet);
    this.capturePacket();
    guard.context = context;
    guard.capture();
    rt.beginRun(context);
    runtime.coverSpan();
    env.stopRequested = false;
    this.values.length = 0;
    // garbage in the stack: a proven program never reads a byte it did not write
    env.space.u8.fill(0xa5, env.stack.start, env.stack.end);
    try {
      const r0 = execute(this.checked!, env, BigInt(context.ctxAddr), 0n);
      const ctxNow = env.space.u8.subarray(context.ctxAddr, context.ctxAddr + XDP_MD_SIZE);
      const written = ctxNow.findIndex((byte, i) => byte !== this.ctxBytes[i]);
      if (written >= 0) throw new RuntimeError(`the program wrote xdp_md byte ${written}`, -1, 'out-of-bounds');
      return { r0: BigInt.asUintN(64, r0), data: context.readPacket() };
    } finally {
      guard.restore();
    }
  }
}

/** Loads `insns` on a fresh harness with `options` (throws VerifierError when refused). */
export async function loadPlain(insns: readonly Insn[], options: PacketLoadOptions): Promise<PacketProgram> {
  const { runtime, table } = makeHarness();
  return PacketProgram.create(runtime, insns, { name: '', section: '', type: 'xdp' }, options, table, () => undefined);
}

/** A packet of 0..100 random bytes. */
export function randomPacket(next: () => number): Uint8Array {
  const length = Math.floor(next() * 101);
  return Uint8Array.from({ length }, () => Math.floor(next() * 256));
}

/** Bytes as lowercase hex. */
export const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

/** What checkProgram found for one generated program. */
export interface ProgramCheck {
  readonly accepted: boolean;
  /** snippet kinds of the program (`!` = mutated) */
  readonly shape: readonly string[];
  /** packets run */
  readonly runs: number;
  /** one line per violation or engine difference, naming the program seed and the packet */
  readonly failures: string[];
}

/**
 * Generates the program of `programSeed`; when the data-flow verifier accepts it, runs it on
 * `packets` random packets through the precise check and the normal interpreter (and the JIT when
 * `jit` is set): any fault of the precise check or any difference in r0 or the packet is a failure.
 */
export async function checkProgram(programSeed: number, options: { packets: number; jit: boolean; context?: string }): Promise<ProgramCheck> {
  const r = rng(programSeed);
  const { insns, shape } = generatePacketProgram(r);
  const precise = new PreciseRunner();
  if ((await precise.load(insns, 'dataflow')) === undefined) return { accepted: false, shape, runs: 0, failures: [] };
  const plain = await loadPlain(insns, { engine: 'interpreter' });
  const jit = options.jit ? await loadPlain(insns, { engine: 'jit' }) : undefined;
  const failures: string[] = [];
  let runs = 0;
  for (let p = 0; p < options.packets; p++) {
    const packet = randomPacket(r);
    runs++;
    const where = `program seed ${programSeed}${options.context === undefined ? '' : ` (${options.context})`}, shape ${shape.join(',')}, packet ${hex(packet)}`;
    let expected: Outcome;
    try {
      expected = precise.run(packet);
    } catch (error) {
      if (!(error instanceof RuntimeError)) throw error;
      failures.push(`${where}: precise check: ${error.kind} at pc ${error.pc}: ${error.message}`);
      break;
    }
    for (const [name, program] of [['interpreter', plain], ['jit', jit]] as const) {
      if (program === undefined) continue;
      const got = program.run(packet);
      if (got.r0 !== expected.r0 || hex(got.data) !== hex(expected.data)) {
        failures.push(`${where}: ${name} gave r0 ${got.r0} data ${hex(got.data)}, precise run r0 ${expected.r0} data ${hex(expected.data)}`);
      }
    }
  }
  return { accepted: true, shape, runs, failures };
}
