/**
 * @fileoverview Packet programs (xdp, tc, socket_filter) on an object runtime: one address space,
 * ExecEnv and HelperRuntime shared by an object's programs and maps, the packet contexts, guarded
 * kernel helpers, the LD_ABS/LD_IND rewrite, map-address resolution of lddw, and the run loop that
 * follows tail calls. The public entry points are src/object.ts (ELF objects) and src/index.ts
 * (`load` with a packet type).
 *
 * Memory layout of an object (what programs may touch is one span; bookkeeping lies outside it):
 *
 *   NULL_GUARD | ring buffers, queue/stack slots | ExecEnv: stack, check block, input reserve |
 *              ^ outside the span (bookkeeping)    (stack: a region of its own; the rest unreachable)
 *   | ctx structs, map headers and values, packet buffers (allocated on demand at the top) ...
 *   ^ span start = space.top after the ExecEnv ............................. span end = space.top
 *
 * Map headers inside the span are never read back by the runtime (maps keep their state in
 * JavaScript), so a stray write there changes nothing but the program's own view. Until the
 * data-flow verifier proves accesses, every access is checked against the stack and the span
 * (ExecEnv.input, which both engines already check). Ring buffer samples are handed to programs as
 * shadows inside the span (see guardHelper).
 */
import { JitError, RuntimeError, UsageError, VerifierError } from './errors.js';
import { branchTarget, type Insn, isBranch, makeInsn } from './isa/instruction.js';
import { AluOp, CallSrc, Class, CLASS_MASK, JmpOp, Mode, MODE_MASK, Opcode, PseudoSrc, Size, SIZE_MASK, Source } from './isa/opcodes.js';
import { execute } from './interpreter.js';
import type { CompiledProgram, CompileProgram, Engine, JitOptions } from './program.js';
import { describeInsn, verifyStructure } from './verifier/cfg.js';
import { type DataflowStats, type MapInfo, verifyDataflow } from './verifier/dataflow.js';
import { DEFAULT_LOOP_BUDGET, type ProgramType, type VerifiedProgram } from './verifier/program.js';
import { type ContextInput, type ContextProgramType, PacketContext } from '../runtime/context.js';
import { ExecEnv, type HelperFn } from '../runtime/env.js';
import { createFastHelpers, FAST_HELPERS, type FastHelper } from '../runtime/helpers/fast.js';
import { createKernelHelpers, HelperId } from '../runtime/helpers/kernel.js';
import { helperProto } from '../runtime/helpers/prototypes.js';
import { HelperRuntime, type KernelHelper, type RedirectTarget, s32, toU64, u32 } from '../runtime/helpers/runtime.js';
import type { BpfMap } from '../runtime/maps/common.js';
import { MapRegistry } from '../runtime/maps/registry.js';
import { AddressSpace } from '../runtime/memory.js';

/**
 * Private helper ids of the LD_ABS / LD_IND rewrite: LEGACY_LOAD_HELPER + size (1, 2 or 4) reads
 * `size` bytes of the packet at s32(r2) in network byte order, or returns -1 when out of bounds.
 */
export const LEGACY_LOAD_HELPER = 0x7fff_ff00;

/** Options of an object runtime. */
export interface RuntimeOptions {
  /** possible CPUs: per-CPU maps keep this many copies (default 1) */
  readonly cpus?: number;
  /** seed of get_prandom_u32 */
  readonly seed?: number;
  /** nanosecond clock of ktime_get_ns */
  readonly clock?: () => bigint;
  /** receives trace_printk lines */
  readonly log?: (line: string) => void;
  /**
   * helpers by id, called with five u64 bigints; an id that is also a kernel helper replaces the
   * kernel implementation (passing the id is the explicit override)
   */
  readonly helpers?: Readonly<Record<number, HelperFn>>;
}

/** A ring buffer sample reserved in the current run: the program writes a shadow copy inside the span. */
interface ReservedRecord {
  /** the address the program got (inside the span) */
  readonly shadow: number;
  /** the sample in the ring's data area (outside the span) */
  readonly sample: number;
  readonly size: number;
}

/**
 * Scratch memory inside the span for ring buffer samples: reset at each top-level run, grown by a
 * new allocation at the top of the space when full (the old one stays unused inside the span).
 */
class RecordArena {
  private base = 0;
  private capacity = 0;
  private used = 0;

  constructor(private readonly space: AddressSpace) {}

  /** `size` zeroed bytes, 8-aligned. */
  take(size: number): number {
    const length = (size + 7) & ~7;
    if (this.used + length > this.capacity) {
      this.capacity = Math.max(4096, 2 * this.capacity, length);
      this.base = this.space.alloc(this.capacity, 8);
      this.used = 0;
    }
    const address = this.base + this.used;
    this.used += length;
    this.space.u8.fill(0, address, address + size);
    return address;
  }

  reset(): void {
    this.used = 0;
  }
}

/** The data pointers of a packet context as the runtime last set them (programs may not write them). */
class ContextGuard {
  context: PacketContext | undefined = undefined;
  private data = 0;
  private dataEnd = 0;
  private dataMeta = 0;
  private length = 0;

  /** Remembers the current data pointers of `context` (after a load or a trusted helper). */
  capture(): void {
    const c = this.context;
    if (c === undefined) return;
    this.data = c.data;
    this.dataEnd = c.dataEnd;
    this.dataMeta = c.dataMeta;
    if (c.isSkb) this.length = c.space.view.getUint32(c.ctxAddr, true);
  }

  /** Writes the remembered pointers back, undoing any program write to the read-only ctx fields. */
  restore(): void {
    const c = this.context;
    if (c === undefined) return;
    const view = c.space.view;
    const base = c.ctxAddr;
    if (c.isSkb) {
      view.setUint32(base + 76, this.data, true);
      view.setUint32(base + 80, this.dataEnd, true);
      view.setUint32(base + 140, this.dataMeta, true);
      view.setUint32(base, this.length, true);
    } else {
      view.setUint32(base, this.data, true);
      view.setUint32(base + 4, this.dataEnd, true);
      view.setUint32(base + 8, this.dataMeta, true);
    }
  }
}

/** Address space, env, helper runtime and packet contexts shared by the programs of one object. */
export class ObjectRuntime {
  readonly space: AddressSpace;
  readonly registry: MapRegistry;
  readonly env: ExecEnv;
  readonly rt: HelperRuntime;
  readonly guard = new ContextGuard();
  /** ring buffer samples reserved in the current run */
  readonly records: ReservedRecord[] = [];
  /** where reserved samples are written by the program (see ringbuf_reserve in guardHelper) */
  readonly arena: RecordArena;
  /** the current run's tail-call resolver (set by PacketProgram for the duration of a run) */
  tailCallResolver: TailCallResolver | undefined = undefined;
  private readonly contexts = new Map<ContextProgramType, PacketContext>();

  /**
   * Creates the runtime. `beforeSpan` runs before the stack is allocated: it creates the maps whose
   * linear memory holds bookkeeping (ring buffers, queue/stack slots), so they lie outside the span.
   */
  constructor(options: RuntimeOptions = {}, beforeSpan?: (space: AddressSpace, registry: MapRegistry) => void) {
    this.space = new AddressSpace();
    this.registry = new MapRegistry();
    beforeSpan?.(this.space, this.registry);
    this.env = new ExecEnv({ space: this.space, helpers: new Map() });
    this.spanStart = this.space.top;
    this.arena = new RecordArena(this.space);
    this.rt = new HelperRuntime({
      space: this.space,
      registry: this.registry,
      cpus: options.cpus ?? 1,
      ...(options.seed === undefined ? {} : { seed: options.seed }),
      ...(options.clock === undefined ? {} : { clock: options.clock }),
      ...(options.log === undefined ? {} : { log: options.log }),
    });
    this.installHelpers(options.helpers);
    installTailCalls(this);
  }

  /**
   * Makes the env's input region the span [spanStart, space.top) (everything allocated after the
   * ExecEnv; see the file overview); rewrites the check block only when the top moved. The region
   * stays set between runs: this env belongs to the object and runs nothing else.
   */
  coverSpan(): void {
    const top = this.space.top;
    if (top === this.spanEnd) return;
    this.env.setInputRegion(this.spanStart, top);
    this.spanEnd = top;
  }

  /** The packet context of `type`, created on first use (inside the span). */
  context(type: ContextProgramType): PacketContext {
    let context = this.contexts.get(type);
    if (context === undefined) {
      context = new PacketContext(this.space, type);
      this.contexts.set(type, context);
    }
    return context;
  }

  /**
   * Start of the span of memory programs may touch: the first address after everything the ExecEnv
   * allocated (its stack is a region of its own; its check block must stay out of reach).
   */
  readonly spanStart: number;
  private spanEnd = 0;

  /** true when the options installed helpers of their own (they may write anywhere in the span) */
  hasUserHelpers = false;

  private installHelpers(user: Readonly<Record<number, HelperFn>> | undefined): void {
    const helpers = this.env.helpers;
    for (const [id, fn] of createKernelHelpers(this.rt)) helpers.set(id, this.guardHelper(id, fn));
    for (const size of [1, 2, 4]) helpers.set(LEGACY_LOAD_HELPER + size, this.guardHelper(-1, legacyLoad(this.rt, size)));
    this.installFastHelpers();
    if (user === undefined) return;
    for (const [key, fn] of Object.entries(user)) {
      const id = Number(key);
      if (!/^\d+$/.test(key) || !Number.isSafeInteger(id) || id > 0x7fff_ffff) throw new UsageError(`helper id '${key}' is not an integer in 0..${0x7fff_ffff}`);
      if (typeof fn !== 'function') throw new UsageError(`helper ${id} is not a function`);
      helpers.set(id, fn);
      this.env.fastHelpers.delete(id);
      this.hasUserHelpers = true;
    }
  }

  /**
   * Registers the number-typed variants of runtime/helpers/fast.ts for the JIT (ExecEnv.fastHelpers),
   * with the same argument guards as guardHelper, for the helpers whose guards only check map keys and
   * values (the ring buffer commit helpers keep their shadow bookkeeping on the bigint path).
   */
  private installFastHelpers(): void {
    const env = this.env;
    const registry = this.registry;
    for (const [id, fn] of createFastHelpers(this.rt)) {
      const generic = env.helpers.get(id);
      const proto = helperProto(id);
      const info = FAST_HELPERS[id];
      if (generic === undefined || proto === undefined || info === undefined) continue;
      if (id === HelperId.ringbuf_submit || id === HelperId.ringbuf_discard) continue;
      const checks: ((a1: number, a2: number) => void)[] = [];
      let supported = true;
      proto.args.forEach((kind, i) => {
        if (kind === 'ARG_ANYTHING' || kind === 'ARG_CONST_MAP_PTR') return;
        if (i === 1 && (kind === 'ARG_PTR_TO_MAP_KEY' || kind === 'ARG_PTR_TO_MAP_VALUE' || kind === 'ARG_PTR_TO_UNINIT_MAP_VALUE')) {
          checks.push((a1, a2) => {
            const map = registry.byAddress(a1 >>> 0);
            if (map === undefined) return; // the helper itself rejects a bad map pointer
            const size = kind === 'ARG_PTR_TO_MAP_KEY' ? map.keySize : map.valueSize;
            if (size === 0 || env.isAccessible(a2 >>> 0, size)) return;
            checkRange(env, id, i, BigInt(a2 >>> 0), BigInt(size));
          });
          return;
        }
        supported = false;
      });
      if (!supported) continue;
      const check = checks[0];
      const guarded: FastHelper =
        check === undefined
          ? fn
          : (r1, r2, r3, r4, r5) => {
              check(r1, r2);
              return fn(r1, r2, r3, r4, r5);
            };
      env.fastHelpers.set(id, { fn: guarded, arity: proto.args.length, result: info.result, generic });
    }
  }

  /**
   * Wraps a kernel helper: memory arguments must lie in the program's regions (the verifier's
   * check_helper_mem_access, done at run time), ring buffer reservations are tracked, and helpers
   * that read the packet through the ctx see the runtime's data pointers, not a program's writes.
   */
  private guardHelper(id: number, fn: KernelHelper): KernelHelper {
    const env = this.env;
    const registry = this.registry;
    const guard = this.guard;
    const proto = helperProto(id);
    const checks: ((args: readonly bigint[]) => void)[] = [];
    const args = proto?.args ?? [];
    args.forEach((kind, i) => {
      const sizeKind = args[i + 1];
      const hasSize = sizeKind === 'ARG_CONST_SIZE' || sizeKind === 'ARG_CONST_SIZE_OR_ZERO';
      switch (kind) {
        case 'ARG_PTR_TO_MEM':
        case 'ARG_PTR_TO_UNINIT_MEM':
        case 'ARG_PTR_TO_MEM_OR_NULL':
          if (!hasSize) break;
          checks.push((a) => {
            if (kind === 'ARG_PTR_TO_MEM_OR_NULL' && a[i] === 0n) return;
            checkRange(env, id, i, a[i]!, a[i + 1]!);
          });
          break;
        case 'ARG_PTR_TO_MAP_KEY':
        case 'ARG_PTR_TO_MAP_VALUE':
        case 'ARG_PTR_TO_UNINIT_MAP_VALUE':
          checks.push((a) => {
            const map = registry.byAddress(u32(a[0]!));
            if (map === undefined) return; // the helper itself rejects a bad map pointer
            checkRangeOf(env, id, i, a[i]!, kind === 'ARG_PTR_TO_MAP_KEY' ? map.keySize : map.valueSize);
          });
          break;
        case 'ARG_ANYTHING':
        case 'ARG_CONST_MAP_PTR':
        case 'ARG_CONST_SIZE':
        case 'ARG_CONST_SIZE_OR_ZERO':
        case 'ARG_PTR_TO_CTX':
        case 'ARG_PTR_TO_ALLOC_MEM':
        case 'ARG_CONST_ALLOC_SIZE_OR_ZERO':
          break;
        default: {
          const unknown: never = kind;
          throw new UsageError(`unknown helper argument kind ${String(unknown)}`);
        }
      }
    });
    const usesContext = id < 0 || args.includes('ARG_PTR_TO_CTX');
    const records = this.records;
    const arena = this.arena;
    const space = this.space;
    if (id === HelperId.ringbuf_reserve) {
      // the sample lies in the ring's data area, outside the span, among the ring's record headers:
      // the program gets a shadow inside the span, copied into the sample at submit or discard
      return (r1, r2, r3, r4, r5) => {
        const sample = fn(r1, r2, r3, r4, r5);
        if (sample === 0n) return 0n;
        const size = Number(r2);
        const shadow = arena.take(size);
        // the arena may have grown at the top of the space: widen the span to cover it
        this.coverSpan();
        records.push({ shadow, sample: Number(sample), size });
        return BigInt(shadow);
      };
    }
    if (id === HelperId.ringbuf_submit || id === HelperId.ringbuf_discard) {
      return (r1, r2, r3, r4, r5) => {
        const index = r1 < 0x1_0000_0000n ? records.findIndex((record) => record.shadow === Number(r1)) : -1;
        const record = records[index];
        if (record === undefined) throw new RuntimeError(`helper ${id}: 0x${r1.toString(16)} is not a ring buffer sample reserved in this run`, -1, 'out-of-bounds');
        records.splice(index, 1);
        space.u8.copyWithin(record.sample, record.shadow, record.shadow + record.size);
        return fn(BigInt(record.sample), r2, r3, r4, r5);
      };
    }
    if (checks.length === 0 && !usesContext) return fn;
    // one argument array per helper, refilled at each call (helpers do not re-enter themselves)
    const a: bigint[] = [0n, 0n, 0n, 0n, 0n];
    return (r1, r2, r3, r4, r5) => {
      if (checks.length > 0) {
        a[0] = r1;
        a[1] = r2;
        a[2] = r3;
        a[3] = r4;
        a[4] = r5;
        for (const check of checks) check(a);
      }
      if (!usesContext) return fn(r1, r2, r3, r4, r5);
      guard.restore();
      const result = fn(r1, r2, r3, r4, r5);
      guard.capture();
      return result;
    };
  }
}

/** Throws unless [pointer, pointer + size) is memory the program may touch. */
function checkRange(env: ExecEnv, id: number, argument: number, pointer: bigint, size: bigint): void {
  if (size === 0n) return;
  if (pointer >= 0x1_0000_0000n || size >= 0x1_0000_0000n || !env.isAccessible(Number(pointer), Number(size))) {
    throw new RuntimeError(`helper ${id}: argument r${argument + 1} (${size} bytes at 0x${pointer.toString(16)}) is outside the program's memory`, -1, 'out-of-bounds');
  }
}

/** checkRange for a size known as a number (map key and value sizes): no bigint on the passing path. */
function checkRangeOf(env: ExecEnv, id: number, argument: number, pointer: bigint, size: number): void {
  if (size === 0) return;
  if (pointer < 0x1_0000_0000n && env.isAccessible(Number(pointer), size)) return;
  checkRange(env, id, argument, pointer, BigInt(size));
}

/** The LD_ABS/LD_IND helper of one size: the big-endian packet bytes at s32(r2), or -1 (u64) when out of bounds. */
function legacyLoad(rt: HelperRuntime, size: number): KernelHelper {
  return (_r1, r2) => {
    const packet = rt.packet;
    const offset = s32(r2);
    if (packet === undefined || offset < 0 || offset + size > packet.length) return toU64(-1);
    const address = packet.data + offset;
    const view = rt.space.view;
    return BigInt(size === 1 ? view.getUint8(address) : size === 2 ? view.getUint16(address, false) : view.getUint32(address, false));
  };
}

/**
 * Rewrites each LD_ABS / LD_IND into a call of the legacy-load helper, as the kernel's
 * bpf_gen_ld_abs does, so that both engines read the packet (not the raw input):
 *
 *   r2 = imm            (IND: r2 = src; w2 += imm)
 *   call LEGACY_LOAD_HELPER + size
 *   if r0 s>= 0 goto +2
 *   r0 = 0
 *   exit                out of bounds ends the program with 0
 *
 * r1-r5 are clobbered (the kernel scratches them too). Jumps are re-targeted; `pcMap` gives the
 * new pc of each old one. Like the kernel, refuses LD_ABS in programs with bpf-to-bpf calls.
 * @throws VerifierError for LD_ABS mixed with calls, or a jump that no longer fits in 16 bits
 */
export function rewriteLegacyLoads(insns: readonly Insn[]): { insns: Insn[]; pcMap: Int32Array } {
  const n = insns.length;
  const isLegacy = (insn: Insn): boolean => (insn.op & CLASS_MASK) === Class.LD && ((insn.op & MODE_MASK) === Mode.ABS || (insn.op & MODE_MASK) === Mode.IND);
  let first = -1;
  for (let pc = 0; pc < n; pc++) {
    if (isLegacy(insns[pc]!)) {
      first = pc;
      break;
    }
  }
  if (first < 0) return { insns: insns.slice(), pcMap: Int32Array.from(insns, (_insn, pc) => pc) };
  for (let pc = 0; pc < n; pc++) {
    const insn = insns[pc]!;
    if ((insn.op === Opcode.CALL && insn.src === CallSrc.LOCAL) || (insn.op === Opcode.LDDW && insn.src === PseudoSrc.FUNC)) {
      throw new VerifierError(first, describeInsn(insns, first), 'BPF_LD_[ABS|IND] instructions cannot be mixed with bpf-to-bpf calls');
    }
  }
  const newPc = new Int32Array(n + 1);
  let count = 0;
  for (let pc = 0; pc < n; pc++) {
    newPc[pc] = count;
    const insn = insns[pc]!;
    count += isLegacy(insn) ? ((insn.op & MODE_MASK) === Mode.IND ? 6 : 5) : 1;
  }
  newPc[n] = count;
  const out: Insn[] = [];
  let isSecondHalf = false;
  for (let pc = 0; pc < n; pc++) {
    const insn = insns[pc]!;
    if (isSecondHalf) {
      out.push(insn);
      isSecondHalf = false;
      continue;
    }
    if (insn.op === Opcode.LDDW) isSecondHalf = true;
    if (isLegacy(insn)) {
      const size = (insn.op & SIZE_MASK) === Size.B ? 1 : (insn.op & SIZE_MASK) === Size.H ? 2 : 4;
      if ((insn.op & MODE_MASK) === Mode.IND) {
        out.push(makeInsn(Class.ALU64 | AluOp.MOV | Source.X, 2, insn.src), makeInsn(Class.ALU | AluOp.ADD | Source.K, 2, 0, 0, insn.imm));
      } else {
        out.push(makeInsn(Class.ALU64 | AluOp.MOV | Source.K, 2, 0, 0, insn.imm));
      }
      out.push(
        makeInsn(Opcode.CALL, 0, CallSrc.HELPER, 0, LEGACY_LOAD_HELPER + size),
        makeInsn(Class.JMP | JmpOp.JSGE | Source.K, 0, 0, 2, 0),
        makeInsn(Class.ALU64 | AluOp.MOV | Source.K, 0, 0, 0, 0),
        makeInsn(Opcode.EXIT),
      );
      continue;
    }
    if (isBranch(insn)) {
      const target = branchTarget(insn, pc);
      const at = out.length;
      const delta = (newPc[target] ?? count) - (at + 1);
      if (insn.op === Opcode.JA32) {
        out.push({ ...insn, imm: delta });
      } else {
        if (delta < -0x8000 || delta > 0x7fff) throw new VerifierError(pc, describeInsn(insns, pc), `jump offset ${delta} does not fit after the LD_ABS rewrite`);
        out.push({ ...insn, off: delta });
      }
      continue;
    }
    out.push(insn);
  }
  return { insns: out, pcMap: newPc.subarray(0, n) };
}

/** A resolved lddw target: a map header (src MAP_IDX / MAP_FD) or an address inside a map value. */
export type MapAddressOf = (src: number, index: number, offset: number, pc: number) => number;

/**
 * Replaces map lddws (src MAP_IDX 5 / MAP_IDX_VALUE 6, MAP_FD 1 / MAP_VALUE 2) by plain 64-bit
 * immediates holding the addresses `addressOf` gives, so that the engines stay map-agnostic.
 * @throws VerifierError for another pseudo src
 */
export function resolveMapLoads(insns: readonly Insn[], addressOf: MapAddressOf | undefined): Insn[] {
  const out = insns.slice();
  for (let pc = 0; pc + 1 < out.length; pc++) {
    const insn = out[pc]!;
    if (insn.op !== Opcode.LDDW) continue;
    const high = out[pc + 1]!;
    if (insn.src !== PseudoSrc.IMM64) {
      const isMap = insn.src === PseudoSrc.MAP_IDX || insn.src === PseudoSrc.MAP_FD;
      const isValue = insn.src === PseudoSrc.MAP_IDX_VALUE || insn.src === PseudoSrc.MAP_VALUE;
      if ((!isMap && !isValue) || addressOf === undefined) {
        throw new VerifierError(pc, describeInsn(insns, pc), `lddw with pseudo src ${insn.src} is not supported here`);
      }
      const address = addressOf(insn.src, insn.imm, isValue ? high.imm : 0, pc);
      out[pc] = { ...insn, src: 0, imm: address | 0 };
      out[pc + 1] = { ...high, imm: 0 };
    }
    pc++;
  }
  return out;
}

/** The maps a program's lddws refer to by index: what the verifier knows of them, and their addresses. */
export interface MapTable {
  readonly infos: readonly MapInfo[];
  readonly addressOf: MapAddressOf;
}

/** Options of one packet program. */
export interface PacketLoadOptions {
  /**
   * 'dataflow' (default): the structural pass and the data-flow verifier (kernel rules; proven
   * accesses run unchecked); 'structural': the structural pass only, every access checked at run time
   */
  readonly verifier?: 'dataflow' | 'structural';
  readonly engine?: Engine;
  readonly optimize?: number;
  readonly blinding?: boolean;
  /** CPU the program runs on (default 0): per-CPU maps and get_smp_processor_id use it */
  readonly cpu?: number;
  /** the kernel's unprivileged rules (no pointer leaks, no pointer subtraction, 4,096 insns) */
  readonly unprivileged?: boolean;
  /** verifier log detail kept in `verification.log`: 0 none (default), 1 branches, 2 every insn */
  readonly logLevel?: 0 | 1 | 2;
  /**
   * back-edge budget for programs whose termination was not proven ('structural' verifier);
   * default DEFAULT_LOOP_BUDGET
   */
  readonly loopBudget?: number;
}

/** What the verifier said of a program: its log and counters (undefined for 'structural'). */
export interface Verification {
  readonly log: string;
  readonly stats: DataflowStats;
}

/** The outcome of one run of a packet program. */
export interface PacketRunResult {
  /** the verdict: r0 as an unsigned 64-bit value */
  readonly r0: bigint;
  /** the packet after the run ([data, data_end), moved or resized by adjust_head/adjust_tail) */
  readonly data: Uint8Array;
  /** the ctx fields after the run (UAPI names; u64 fields as bigint, cb as an array) */
  readonly ctx: Record<string, number | bigint | number[]>;
  /** the metadata area [data_meta, data) after the run (xdp_adjust_meta) */
  readonly meta: Uint8Array;
  /** where bpf_redirect / bpf_redirect_map sent the packet, when the verdict is a redirect */
  readonly redirect: RedirectTarget | undefined;
}

/** Options of one run. */
export interface PacketRunOptions {
  /** CPU for this run (default: the program's) */
  readonly cpu?: number;
}

/** Loads binaryen and the JIT lazily (the interpreter path never imports them). */
export async function importJit(): Promise<CompileProgram> {
  try {
    const { compileProgram } = await import('../jit/compile.js');
    return compileProgram;
  } catch (error) {
    throw new JitError(`the jit engine is not available: ${error instanceof Error ? error.message : String(error)}`, -1, { cause: error });
  }
}

/** Resolves a tail call's program id to a program ready on the same engine, if any. */
export type TailCallResolver = (programId: number) => PacketProgram | undefined;

/** A packet program (xdp, tc or socket_filter) loaded on one engine of an object runtime. */
export class PacketProgram {
  /** entry function name ('' when loaded from raw code) */
  readonly name: string;
  /** ELF section ('' when loaded from raw code) */
  readonly section: string;
  readonly type: ContextProgramType;
  readonly engine: Engine;
  /** the verified program the engines run (maps resolved, LD_ABS rewritten) */
  readonly verified: VerifiedProgram;
  /** the program's CPU (per-CPU maps, get_smp_processor_id) */
  readonly cpu: number;
  /** true when the data-flow verifier accepted the program (not only the structural pass) */
  readonly isProven: boolean;
  /** the data-flow verifier's log and statistics; undefined with the 'structural' verifier */
  readonly verification: Verification | undefined;
  private readonly runtime: ObjectRuntime;
  private readonly exec: (r1: bigint) => bigint;
  private readonly compiled: CompiledProgram | undefined;
  private readonly resolveTailCall: TailCallResolver;

  private constructor(
    init: {
      name: string;
      section: string;
      type: ContextProgramType;
      engine: Engine;
      verified: VerifiedProgram;
      cpu: number;
      isProven: boolean;
      verification: Verification | undefined;
    },
    runtime: ObjectRuntime,
    exec: (r1: bigint) => bigint,
    compiled: CompiledProgram | undefined,
    resolveTailCall: TailCallResolver,
  ) {
    this.name = init.name;
    this.section = init.section;
    this.type = init.type;
    this.engine = init.engine;
    this.verified = init.verified;
    this.cpu = init.cpu;
    this.isProven = init.isProven;
    this.verification = init.verification;
    this.runtime = runtime;
    this.exec = exec;
    this.compiled = compiled;
    this.resolveTailCall = resolveTailCall;
  }

  /** The WebAssembly binary of a JIT program; undefined for the interpreter. */
  get wasm(): Uint8Array | undefined {
    return this.compiled?.wasm;
  }

  /**
   * The WebAssembly text of a JIT program.
   * @throws UsageError for an interpreted program
   */
  wat(): string {
    if (this.compiled === undefined) throw new UsageError(`wat() needs the jit engine, this program runs on the ${this.engine}`);
    return this.compiled.wat();
  }

  /**
   * Verifies `insns` (structural pass, then the data-flow pass unless options.verifier is
   * 'structural'), prepares them for the engines (map lddws resolved through `maps`, LD_ABS
   * rewritten, the verifier's run-time-check marks carried over) and builds the engine.
   * @throws VerifierError, JitError, UsageError
   */
  static async create(
    runtime: ObjectRuntime,
    insns: readonly Insn[],
    info: { name: string; section: string; type: ContextProgramType },
    options: PacketLoadOptions,
    maps: MapTable | undefined,
    resolveTailCall: TailCallResolver,
  ): Promise<PacketProgram> {
    const engine = options.engine ?? 'interpreter';
    if (engine !== 'interpreter' && engine !== 'jit') throw new UsageError(`engine must be 'interpreter' or 'jit', got '${String(engine)}'`);
    const verifier = options.verifier ?? 'dataflow';
    if (verifier !== 'dataflow' && verifier !== 'structural') throw new UsageError(`verifier must be 'dataflow' or 'structural', got '${String(verifier)}'`);
    const cpu = options.cpu ?? 0;
    checkCpu(runtime, cpu);
    const { optimize, blinding } = options;
    if (optimize !== undefined && (!Number.isInteger(optimize) || optimize < 0 || optimize > 3)) throw new UsageError(`optimize must be an integer 0..3, got ${String(optimize)}`);
    const env = runtime.env;
    const helperIds = new Set(env.helpers.keys());
    const type = info.type;
    // the verifier sees the program as written (map lddws by index); the engines see addresses
    const structural = verifyStructure(insns, { type, helperIds, ...(maps === undefined ? {} : { mapCount: maps.infos.length }) });
    const dataflow =
      verifier === 'dataflow'
        ? verifyDataflow(structural, {
            type,
            maps: maps?.infos ?? [],
            ...(options.unprivileged === undefined ? {} : { unprivileged: options.unprivileged }),
            ...(options.logLevel === undefined ? {} : { logLevel: options.logLevel }),
          })
        : undefined;
    // without the data-flow pass nothing proves termination: count back-edges (never hang)
    const proven = dataflow?.program ?? { ...structural, loopBudget: options.loopBudget ?? DEFAULT_LOOP_BUDGET };
    const verification = dataflow === undefined ? undefined : { log: dataflow.log, stats: dataflow.stats };
    const { insns: prepared, pcMap } = rewriteLegacyLoads(resolveMapLoads(insns, maps?.addressOf));
    const final = verifyStructure(prepared, { type, helperIds });
    const checkedAccess = new Uint8Array(prepared.length);
    pcMap.forEach((to, from) => (checkedAccess[to] = proven.checkedAccess[from] ?? 1));
    const verified: VerifiedProgram = { ...final, checkedAccess, ...(proven.loopBudget === undefined ? {} : { loopBudget: proven.loopBudget }) };
    const init = { ...info, engine, verified, cpu, isProven: verifier === 'dataflow', verification };
    if (engine === 'interpreter') return new PacketProgram(init, runtime, (r1) => execute(verified, env, r1, 0n), undefined, resolveTailCall);
    const jitOptions: JitOptions = {};
    if (optimize !== undefined) jitOptions.optimize = optimize;
    if (blinding !== undefined) jitOptions.blinding = blinding;
    const compileProgram = await importJit();
    const compiled = await compileProgram(verified, env, jitOptions);
    return new PacketProgram(init, runtime, (r1) => compiled.run(r1, 0n), compiled, resolveTailCall);
  }

  /**
   * Runs the program on `packet` (copied into the context's buffer after 256 bytes of headroom)
   * with ctx fields from `ctx` (UAPI names, e.g. `{ mark: 1, cb: [1, 2] }`), following tail calls.
   * @throws RuntimeError when the run fails (maps stay consistent: each helper call is all or nothing)
   */
  run(packet: Uint8Array, ctx?: ContextInput, options: PacketRunOptions = {}): PacketRunResult {
    const context = this.runtime.context(this.type);
    const cpu = options.cpu ?? this.cpu;
    checkCpu(this.runtime, cpu);
    context.load(packet, ctx);
    const r0 = this.runLoaded(context, cpu);
    return { r0, data: context.readPacket(), ctx: context.readFields(), meta: context.readMeta(), redirect: this.runtime.rt.redirect };
  }

  /**
   * Runs the program once per packet (the same ctx input each time) and returns the verdicts: the
   * low 32 bits of r0 as signed integers (TC_ACT_UNSPEC is -1). Verdicts and map contents are those
   * of run() on each packet in turn; the context, its buffer and the per-run state are reused, and
   * the ctx fields and packet are not read back.
   */
  runBatch(packets: readonly Uint8Array[], ctx?: ContextInput, options: PacketRunOptions = {}): Int32Array {
    const context = this.runtime.context(this.type);
    const cpu = options.cpu ?? this.cpu;
    checkCpu(this.runtime, cpu);
    const verdicts = new Int32Array(packets.length);
    for (let i = 0; i < packets.length; i++) {
      context.load(packets[i]!, ctx);
      verdicts[i] = Number(BigInt.asIntN(32, this.runLoaded(context, cpu)));
    }
    return verdicts;
  }

  /** One run over the context as loaded, with tail calls; returns r0. The caller has checked `cpu`. */
  private runLoaded(context: PacketContext, cpu: number): bigint {
    const runtime = this.runtime;
    const { env, rt, guard } = runtime;
    guard.context = context;
    guard.capture();
    rt.cpu = cpu;
    rt.beginRun(context);
    runtime.tailCallResolver = this.resolveTailCall;
    if (runtime.records.length > 0) runtime.records.length = 0;
    runtime.arena.reset();
    env.stopRequested = false;
    const ctxAddr = context.ctxAddr === this.lastCtxAddr ? this.lastCtxArg : this.ctxArg(context.ctxAddr);
    let exec = this.exec;
    let isProven = this.isProven;
    try {
      for (;;) {
        runtime.coverSpan();
        // the data-flow verifier refuses reads of uninitialised stack: only unproven programs need
        // a zeroed stack (so that one run cannot see another's data); their accesses are checked
        // against the whole span only, so the next load must zero the whole packet buffer
        if (!isProven) {
          env.clearStack();
          context.invalidate();
        } else if (runtime.hasUserHelpers) {
          context.invalidate();
        }
        const r0 = exec(ctxAddr);
        env.stopRequested = false;
        const request = rt.pendingTailCall === undefined ? undefined : rt.takeTailCall();
        if (request === undefined) return BigInt.asUintN(64, r0);
        guard.restore();
        const target = this.resolveTailCall(request.programId);
        // the helper only signals a tail call it found a target for (see installTailCalls)
        if (target === undefined) throw new RuntimeError(`tail call to program id ${request.programId}, which is not loaded`, -1, 'helper');
        exec = target.exec;
        isProven = target.isProven;
      }
    } finally {
      // samples still reserved (a failed run, or an unverified program that forgot them) are
      // discarded, so that the ring's consumer is not stuck behind a busy record forever
      if (runtime.records.length > 0) {
        for (const record of runtime.records.splice(0)) runtime.registry.ringContaining(record.sample)?.commit(record.sample, true);
      }
      env.stopRequested = false;
      rt.pendingTailCall = undefined;
      runtime.tailCallResolver = undefined;
      guard.restore();
    }
  }

  private lastCtxAddr = -1;
  private lastCtxArg = 0n;

  /** r1 of a run: the ctx address as a bigint, cached for the next run on the same context. */
  private ctxArg(address: number): bigint {
    this.lastCtxAddr = address;
    this.lastCtxArg = BigInt(address);
    return this.lastCtxArg;
  }
}

function checkCpu(runtime: ObjectRuntime, cpu: number): void {
  if (!Number.isInteger(cpu) || cpu < 0 || cpu >= runtime.rt.cpus) throw new UsageError(`cpu ${String(cpu)} is not one of ${runtime.rt.cpus} cpus`);
}

/**
 * Makes bpf_tail_call end the calling program when it found a target: wraps helper 12 so that a
 * pending request the current run's resolver cannot give (not loaded, another type) fails like an
 * empty slot, and a valid one sets ExecEnv.stopRequested (both engines then end the program).
 */
function installTailCalls(runtime: ObjectRuntime): void {
  const helpers = runtime.env.helpers;
  const inner = helpers.get(HelperId.tail_call);
  if (inner === undefined) return;
  helpers.set(HelperId.tail_call, (r1, r2, r3, r4, r5) => {
    const result = inner(r1, r2, r3, r4, r5);
    const request = runtime.rt.pendingTailCall;
    if (request !== undefined) {
      if (runtime.tailCallResolver?.(request.programId) !== undefined) runtime.env.stopRequested = true;
      else runtime.rt.pendingTailCall = undefined;
    }
    return result;
  });
}

/** The address lddw loads for a map (header) or for `offset` bytes into element 0 of an array map's value. */
export function mapAddress(map: BpfMap, isValue: boolean, offset: number, pc: number): number {
  if (!isValue) return map.address;
  const base = (map as { elementAddress?: (index: number) => number }).elementAddress?.(0);
  if (base === undefined || offset < 0 || offset >= map.valueSize) {
    throw new VerifierError(pc, '', `lddw of value offset ${offset} in map ${map.name}, which is not an array map with such a value`);
  }
  return base + offset;
}

/** True for the program types that run on a packet context. */
export function isPacketType(type: ProgramType | 'unknown'): type is ContextProgramType {
  return type === 'xdp' || type === 'tc' || type === 'socket_filter';
}
