/**
 * @fileoverview Seeded generator of valid raw eBPF programs (terminating unless unboundedLoops is set) for differential testing
 * (interpreter vs JIT) and fuzz campaigns. It covers every opcode of isa/table.ts (lddw with src 0
 * only, no kfunc calls), forward branches, counted loops, may_goto, stack and input traffic (mostly
 * in bounds, sometimes out of bounds so both engines must fail at the same pc), helper calls, callx
 * and bpf-to-bpf calls. Half the local calls break the kernel calling convention on purpose (reading
 * r1-r5 after the call, or r0/r6-r9 in the callee before writing them): both engines must still agree.
 *
 *   register roles:  r0-r7 general (r7 also a computed pointer), r8 loop counter (written only by
 *                    loop control), r9 input pointer (never written; callees see it too), r10 fp
 */
import { makeInsn, makeLddw, type Insn } from '../../src/isa/instruction.js';
import { AluOp, AtomicOp, Class, JmpOp, Mode, Opcode, Size, Source } from '../../src/isa/opcodes.js';
import { OPCODES, type OpcodeInfo } from '../../src/isa/table.js';

/** A generated program with its input and the helpers it expects. */
export interface GeneratedProgram {
  readonly seed: number;
  readonly insns: Insn[];
  /** input memory (r1 = its address, r2 = its length) */
  readonly mem: Uint8Array;
}

/** Helper ids generated programs call; see GENERATED_HELPERS. */
export const HELPER_ECHO = 5;
export const HELPER_MIX = 1;
export const HELPER_THROW = 7;

/** The helpers generated programs expect (deterministic, pure). */
export const GENERATED_HELPERS: ReadonlyMap<number, (r1: bigint, r2: bigint, r3: bigint, r4: bigint, r5: bigint) => bigint> = new Map([
  [HELPER_ECHO, (r1: bigint): bigint => r1],
  [HELPER_MIX, (a: bigint, b: bigint, c: bigint, d: bigint, e: bigint): bigint => BigInt.asUintN(64, a * 3n + (b ^ c) - d * 7n + (e << 3n))],
  [
    HELPER_THROW,
    (): bigint => {
      throw new Error('generated helper failure');
    },
  ],
]);

/** Options of generateProgram. */
export interface GenerateOptions {
  /** approximate number of items in the entry function's body (default 40) */
  readonly size?: number;
  /** probability of an out-of-bounds access, throwing helper or unknown callx (default 0.01) */
  readonly faultRate?: number;
  /**
   * loops whose back-edge may never stop being taken (ja, ja32 or a random condition instead of the
   * r8 countdown): such programs may hang, so run them only with a loop budget (default false)
   */
  readonly unboundedLoops?: boolean;
}

/** A small fast seeded PRNG (mulberry32). */
export class Random {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform 32-bit unsigned integer. */
  u32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Uniform integer in [low, high]. */
  int(low: number, high: number): number {
    return low + (this.u32() % (high - low + 1));
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.u32() / 2 ** 32 < p;
  }

  /** A uniformly chosen element. */
  pick<T>(items: readonly T[]): T {
    const item = items[this.u32() % items.length];
    if (item === undefined) throw new RangeError('pick from an empty list');
    return item;
  }

  /** An "interesting" 32-bit signed immediate: small, boundary or random. */
  imm32(): number {
    switch (this.int(0, 5)) {
      case 0:
        return this.int(-4, 4);
      case 1:
        return this.pick([0, 1, -1, 0x7fff_ffff, -0x8000_0000, 0xff, 0xffff, 31, 32, 63, 64]);
      case 2:
        return this.int(-300, 300);
      default:
        return this.u32() | 0;
    }
  }

  /** An "interesting" 64-bit value. */
  imm64(): bigint {
    switch (this.int(0, 3)) {
      case 0:
        return BigInt.asUintN(64, BigInt(this.imm32()));
      case 1:
        return this.pick([0n, 0xffff_ffff_ffff_ffffn, 0x8000_0000_0000_0000n, 0x7fff_ffff_ffff_ffffn, 0x1_0000_0000n, 0xffff_ffffn]);
      default:
        return (BigInt(this.u32()) << 32n) | BigInt(this.u32());
    }
  }
}

/** One generated unit: one instruction or an lddw pair, or a jump whose target is resolved later. */
interface Item {
  insns: Insn[];
  /** the scope instance the item belongs to; forward jumps only land on items of their own scope */
  scope: number;
  /** for jumps: the item index the jump goes to (resolved at layout) */
  target?: number;
  /** for local calls: the function index called */
  callee?: number;
}

const GENERAL = [0, 1, 2, 3, 4, 5, 6, 7];
const ALU_INFOS = OPCODES.filter((o) => o.kind === 'alu' || o.kind === 'mov' || o.kind === 'neg' || o.kind === 'end');
const JCOND_INFOS = OPCODES.filter((o) => o.kind === 'jcond');
const LOAD_INFOS = OPCODES.filter((o) => o.kind === 'ldx' || o.kind === 'ldsx');
const STORE_INFOS = OPCODES.filter((o) => o.kind === 'st' || o.kind === 'stx');
const ATOMIC_INFOS = OPCODES.filter((o) => o.kind === 'atomic');
const LEGACY_INFOS = OPCODES.filter((o) => o.kind === 'ldabs' || o.kind === 'ldind');

/** Generator state for one function. */
class FunctionGen {
  readonly items: Item[] = [];
  /** jumps whose target must be chosen when their scope closes */
  private readonly pending: { item: number; scope: number }[] = [];
  private scope = 0;
  private nextScope = 1;
  private scopeDepth = 0;
  private inLoop = false;

  constructor(
    private readonly rng: Random,
    private readonly isEntry: boolean,
    private readonly memLength: number,
    private readonly faultRate: number,
    private readonly calleeCount: number,
    private readonly unboundedLoops = false,
  ) {}

  private emit(...insns: Insn[]): void {
    this.items.push({ insns, scope: this.scope });
  }

  private push(item: Omit<Item, 'scope'>): void {
    this.items.push({ ...item, scope: this.scope });
  }

  /** Runs `body` in a fresh scope whose pending jumps land in (jump, end of scope]; returns the scope id. */
  private inScope(body: () => void, owner?: number): number {
    const outer = this.scope;
    const id = owner ?? this.nextScope++;
    this.scope = id;
    this.scopeDepth++;
    body();
    this.closeScope(this.items.length);
    this.scopeDepth--;
    this.scope = outer;
    return id;
  }

  private readable(): number {
    return this.rng.pick([...GENERAL, 8, 9, 10]);
  }

  private writable(): number {
    return this.rng.pick(GENERAL);
  }

  /** Defines every general register (and r8) with random values. */
  prologue(): void {
    if (this.isEntry) this.emit(makeInsn(Class.ALU64 | AluOp.MOV | Source.X, 9, 1));
    if (this.isEntry) {
      for (const r of [0, 3, 4, 5, 6, 7, 8]) this.emitMovImm(r);
      return;
    }
    // a callee sees the caller's r0 and r6-r9 in both engines; define them only sometimes
    for (const r of [0, 6, 7, 8]) if (this.rng.chance(0.5)) this.emitMovImm(r);
  }

  private emitMovImm(r: number): void {
    if (this.rng.chance(0.3)) this.push({ insns: [...makeLddw(r, this.rng.imm64())] });
    else this.emit(makeInsn(Class.ALU64 | AluOp.MOV | Source.K, r, 0, 0, this.rng.imm32()));
  }

  /** Generates about `count` items of body. */
  body(count: number): void {
    for (let i = 0; i < count; i++) this.item();
  }

  private item(): void {
    const rng = this.rng;
    const roll = rng.int(0, 99);
    if (roll < 40) return this.alu();
    if (roll < 52) return this.load();
    if (roll < 62) return this.store();
    if (roll < 67) return this.atomicOp();
    if (roll < 74) return this.forwardJump();
    if (roll < 77 && this.scopeDepth < 3) return this.diamond();
    if (roll < 80) return this.emitMovImm(this.writable());
    if (roll < 83 && !this.inLoop && this.scopeDepth < 2) return this.loop();
    if (roll < 86) return this.helperCall();
    if (roll < 88) return this.callx();
    if (roll < 92 && this.isEntry && this.calleeCount > 0) return this.localCall();
    if (roll < 94) return this.mayGoto();
    if (roll < 96 && this.isEntry) return this.legacyLoad();
    if (roll < 98) return this.computedPointer();
    return this.alu();
  }

  private alu(): void {
    const info = this.rng.pick(ALU_INFOS);
    const dst = this.writable();
    const rng = this.rng;
    let off = 0;
    if (Array.isArray(info.off)) off = rng.pick(info.off as readonly number[]);
    if (info.kind === 'end') return this.emit(makeInsn(info.opcode, dst, 0, 0, rng.pick([16, 32, 64])));
    if (info.kind === 'neg') return this.emit(makeInsn(info.opcode, dst));
    if (info.src === 'reg') return this.emit(makeInsn(info.opcode, dst, this.readable(), off, 0));
    this.emit(makeInsn(info.opcode, dst, 0, off, rng.imm32()));
  }

  private fault(): boolean {
    return this.rng.chance(this.faultRate);
  }

  /** A base register and offset for an access of `size` bytes: stack, input or computed pointer. */
  private address(size: number): { base: number; off: number } {
    const rng = this.rng;
    if (this.fault()) {
      return rng.chance(0.5) ? { base: 10, off: rng.pick([0, 1, -513, 8 - size + 1]) } : { base: this.isEntry ? 9 : 10, off: this.isEntry ? rng.pick([-1, this.memLength - size + 1, this.memLength]) : 1 };
    }
    if (this.isEntry && rng.chance(0.4)) return { base: 9, off: rng.int(0, this.memLength - size) };
    return { base: 10, off: rng.int(-512, -size) };
  }

  private load(): void {
    const info = this.rng.pick(LOAD_INFOS);
    const { base, off } = this.address(info.bytes);
    this.emit(makeInsn(info.opcode, this.writable(), base, off, 0));
  }

  private store(): void {
    const info = this.rng.pick(STORE_INFOS);
    const { base, off } = this.address(info.bytes);
    if (info.kind === 'st') this.emit(makeInsn(info.opcode, base, 0, off, this.rng.imm32()));
    else this.emit(makeInsn(info.opcode, base, this.readable(), off, 0));
  }

  private atomicOp(): void {
    const info = this.rng.pick(ATOMIC_INFOS);
    const imm = this.rng.pick(info.imm as readonly number[]);
    const { base, off } = this.address(info.bytes);
    // fetch forms write src: keep it a general register
    const writesSrc = (imm & AtomicOp.FETCH) !== 0 && imm !== AtomicOp.CMPXCHG;
    this.emit(makeInsn(info.opcode, base, writesSrc ? this.writable() : this.readable(), off, imm));
  }

  private forwardJump(): void {
    this.pending.push({ item: this.items.length, scope: this.scope });
    this.push({ insns: [this.condition()], target: -1 });
  }

  private condition(): Insn {
    const rng = this.rng;
    const info: OpcodeInfo = rng.pick(JCOND_INFOS);
    return info.src === 'reg' ? makeInsn(info.opcode, this.readable(), this.readable()) : makeInsn(info.opcode, this.readable(), 0, 0, rng.imm32());
  }

  /** if (cond) goto else; then-part; ja end; else: else-part; end: (ja or ja32, both parts reachable). */
  private diamond(): void {
    const rng = this.rng;
    const branch = this.items.length;
    this.push({ insns: [this.condition()], target: -1 });
    this.inScope(() => this.body(rng.int(0, 4)));
    const jump = this.items.length;
    this.push({ insns: [rng.chance(0.5) ? makeInsn(Opcode.JA) : makeInsn(Opcode.JA32)], target: -1 });
    const elseStart = this.items.length;
    this.inScope(() => this.body(rng.int(1, 4)));
    const branchItem = this.items[branch];
    const jumpItem = this.items[jump];
    if (branchItem !== undefined) branchItem.target = elseStart;
    if (jumpItem !== undefined) jumpItem.target = this.items.length;
  }

  private mayGoto(): void {
    this.pending.push({ item: this.items.length, scope: this.scope });
    this.push({ insns: [makeInsn(Opcode.MAY_GOTO)], target: -1 });
  }

  /** Resolves the pending forward jumps of the scope being closed: items of that scope after the jump, or `end`. */
  private closeScope(end: number): void {
    for (let i = this.pending.length - 1; i >= 0; i--) {
      const p = this.pending[i];
      if (p === undefined || p.scope !== this.scope) continue;
      const candidates = [end];
      for (let j = p.item + 1; j < end; j++) if (this.items[j]?.scope === p.scope) candidates.push(j);
      const item = this.items[p.item];
      if (item !== undefined) item.target = this.rng.pick(candidates);
      this.pending.splice(i, 1);
    }
  }

  /** r8 = n; L: body; r8 -= 1; if r8 != 0 goto L. */
  private loop(): void {
    const rng = this.rng;
    this.emit(makeInsn(Class.ALU64 | AluOp.MOV | Source.K, 8, 0, 0, rng.int(1, 4)));
    const head = this.items.length;
    this.inLoop = true;
    const body = this.inScope(() => this.body(rng.int(1, 8)));
    this.inLoop = false;
    // the loop control belongs to the body's scope, so no jump from outside lands on it
    this.items.push({ insns: [makeInsn(Class.ALU64 | AluOp.SUB | Source.K, 8, 0, 0, 1)], scope: body });
    if (this.unboundedLoops && rng.chance(0.5)) {
      if (rng.chance(0.5)) {
        this.items.push({ insns: [this.condition()], target: head, scope: body });
        return;
      }
      // a random condition leaves the loop (so the code after it stays reachable), else ja back
      this.items.push({ insns: [this.condition()], target: this.items.length + 2, scope: body });
      this.items.push({ insns: [rng.chance(0.5) ? makeInsn(Opcode.JA) : makeInsn(Opcode.JA32)], target: head, scope: body });
      return;
    }
    this.items.push({ insns: [makeInsn(Class.JMP | JmpOp.JNE | Source.K, 8, 0, 0, 0)], target: head, scope: body });
  }

  private helperCall(): void {
    const id = this.fault() ? HELPER_THROW : this.rng.pick([HELPER_ECHO, HELPER_MIX]);
    this.emit(makeInsn(Opcode.CALL, 0, 0, 0, id));
  }

  private callx(): void {
    const reg = this.writable();
    const id = this.fault() ? this.rng.pick([99, HELPER_THROW]) : this.rng.pick([HELPER_ECHO, HELPER_MIX]);
    this.emit(makeInsn(Class.ALU64 | AluOp.MOV | Source.K, reg, 0, 0, id), makeInsn(Opcode.CALLX, reg));
  }

  /** Callees called so far (every callee must be reachable). */
  readonly called = new Set<number>();

  /** Calls every callee not called yet (before the final exit). */
  callRemaining(): void {
    for (let f = 1; f <= this.calleeCount; f++) if (!this.called.has(f)) this.localCall(f);
  }

  private localCall(callee = this.rng.int(1, this.calleeCount)): void {
    this.called.add(callee);
    this.push({ insns: [makeInsn(Opcode.CALL, 0, 1, 0, 0)], callee });
    // r1-r5 are clobbered by a call in the kernel ABI (both engines hand back the callee's values);
    // compliant programs define them again
    if (this.rng.chance(0.5)) {
      for (const r of [3, 4, 5]) this.emit(makeInsn(Class.ALU64 | AluOp.MOV | Source.K, r, 0, 0, this.rng.imm32()));
      this.emit(makeInsn(Class.ALU64 | AluOp.MOV | Source.X, 1, 9), makeInsn(Class.ALU64 | AluOp.MOV | Source.K, 2, 0, 0, this.memLength));
    }
  }

  private legacyLoad(): void {
    const info = this.rng.pick(LEGACY_INFOS);
    const fault = this.fault();
    const imm = fault ? this.rng.pick([-1, this.memLength, 0x7fff_ffff]) : this.rng.int(0, Math.max(0, this.memLength - info.bytes));
    if (info.kind === 'ldabs') return this.emit(makeInsn(info.opcode, 0, 0, 0, imm));
    // ldind: src + imm; use a register holding a small value
    const src = this.writable();
    this.emit(makeInsn(Class.ALU64 | AluOp.MOV | Source.K, src, 0, 0, 0), makeInsn(info.opcode, 0, src, 0, imm));
  }

  /** r7 = base + (rX & mask), then an access through r7. */
  private computedPointer(): void {
    const rng = this.rng;
    const useInput = this.isEntry && rng.chance(0.5);
    const x = this.readable();
    this.emit(makeInsn(Class.ALU64 | AluOp.MOV | Source.X, 7, x));
    this.emit(makeInsn(Class.ALU64 | AluOp.AND | Source.K, 7, 0, 0, useInput ? 15 : 127));
    if (useInput) {
      this.emit(makeInsn(Class.ALU64 | AluOp.ADD | Source.X, 7, 9));
    } else {
      this.emit(makeInsn(Class.ALU64 | AluOp.ADD | Source.X, 7, 10), makeInsn(Class.ALU64 | AluOp.ADD | Source.K, 7, 0, 0, -256));
    }
    const size = rng.pick([1, 2, 4, 8]);
    const sizeCode = size === 1 ? Size.B : size === 2 ? Size.H : size === 4 ? Size.W : Size.DW;
    const off = useInput ? rng.int(0, this.memLength - 16 - size) : rng.int(0, 120);
    if (rng.chance(0.5)) this.emit(makeInsn(Class.LDX | Mode.MEM | sizeCode, this.rng.pick([0, 1, 2, 3, 4, 5, 6]), 7, off));
    else this.emit(makeInsn(Class.STX | Mode.MEM | sizeCode, 7, this.readable(), off));
  }

  /** Closes the function: resolves outer jumps to the final exit and appends it. */
  finish(): void {
    this.closeScope(this.items.length);
    this.emit(makeInsn(Opcode.EXIT));
  }
}

/** Generates one program from `seed`. */
export function generateProgram(seed: number, options: GenerateOptions = {}): GeneratedProgram {
  const rng = new Random(seed);
  const size = options.size ?? 40;
  const faultRate = options.faultRate ?? 0.01;
  const memLength = rng.pick([32, 48, 64]);
  const mem = new Uint8Array(memLength);
  for (let i = 0; i < memLength; i++) mem[i] = rng.u32() & 0xff;
  const calleeCount = rng.int(0, 2);
  const functions: FunctionGen[] = [];
  const unbounded = options.unboundedLoops ?? false;
  const entry = new FunctionGen(rng, true, memLength, faultRate, calleeCount, unbounded);
  entry.prologue();
  entry.body(rng.int(Math.max(1, size >> 1), size));
  entry.callRemaining();
  entry.finish();
  functions.push(entry);
  for (let f = 1; f <= calleeCount; f++) {
    const callee = new FunctionGen(rng, false, memLength, faultRate, 0, unbounded);
    callee.prologue();
    callee.body(rng.int(1, Math.max(2, size >> 2)));
    callee.finish();
    functions.push(callee);
  }
  // layout: pc of every item, then resolve jump offsets and call targets
  const functionStart: number[] = [];
  const itemPcs: number[][] = [];
  let pc = 0;
  for (const fn of functions) {
    functionStart.push(pc);
    const pcs: number[] = [];
    for (const item of fn.items) {
      pcs.push(pc);
      pc += item.insns.length;
    }
    pcs.push(pc);
    itemPcs.push(pcs);
  }
  const insns: Insn[] = [];
  functions.forEach((fn, f) => {
    const pcs = itemPcs[f] ?? [];
    fn.items.forEach((item, i) => {
      const here = pcs[i] ?? 0;
      const last = item.insns.length - 1;
      item.insns.forEach((insn, j) => {
        if (j === last && item.target !== undefined) {
          const rel = (pcs[item.target] ?? 0) - (here + j) - 1;
          insns.push(insn.op === Opcode.JA32 ? { ...insn, imm: rel } : { ...insn, off: rel });
        } else if (j === last && item.callee !== undefined) {
          insns.push({ ...insn, imm: (functionStart[item.callee] ?? 0) - (here + j) - 1 });
        } else {
          insns.push(insn);
        }
      });
    });
  });
  return { seed, insns, mem };
}
