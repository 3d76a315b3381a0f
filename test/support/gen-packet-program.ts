/**
 * @fileoverview Seeded generator of XDP programs for the verifier's soundness oracle
 * (test/verifier/soundness.test.ts): a prologue that loads data/data_end from the ctx, then random
 * snippets (packet bounds checks and accesses at constant and masked variable offsets, pointer and
 * scalar spills and fills, map lookups with and without NULL checks, bounded loops over the packet,
 * helpers, bpf_xdp_adjust_head, packet scalars bounded by comparisons as map value offsets,
 * variable offsets into the stack, negative offsets from checked packet pointers, local calls
 * passing stack pointers), each correct most of the time and otherwise mutated (off-by-one,
 * missing or reversed check, uninitialised read, ...) so that a good share is accepted and the rest
 * probes the verifier's refusals.
 *
 * Registers: r6 ctx, r7 data, r8 data_end, r9 scalar accumulator (the verdict is r9 & 3);
 * r0-r5 are scratch inside a snippet.
 */
import { type Insn, makeInsn, makeLddw } from '../../src/isa/instruction.js';
import { AluOp, CallSrc, Class, JmpOp, Mode, Opcode, PseudoSrc, Size, Source } from '../../src/isa/opcodes.js';
import { MapType } from '../../runtime/maps/index.js';

/** A map of the generated programs (lddw src MAP_IDX imm = index in GEN_MAPS). */
export interface GenMap {
  readonly name: string;
  readonly type: number;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  /** keys present before the first run (hash maps; array maps hold every key) */
  readonly presentKeys: readonly number[];
}

/** The maps every generated program may use: an ARRAY and a HASH map with u32 keys. */
export const GEN_MAPS: readonly GenMap[] = [
  { name: 'arr', type: MapType.ARRAY, keySize: 4, valueSize: 24, maxEntries: 4, presentKeys: [0, 1, 2, 3] },
  { name: 'hash', type: MapType.HASH, keySize: 4, valueSize: 16, maxEntries: 8, presentKeys: [0, 2, 5] },
];

/** A generated program and what was mutated in it (for failure messages). */
export interface GenProgram {
  readonly insns: Insn[];
  /** snippet kinds in order, a `!` suffix marks a mutated one */
  readonly shape: string[];
}

/** Mulberry32: a seeded generator of floats in [0, 1). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rand = () => number;

const int = (r: Rand, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
const pick = <T>(r: Rand, items: readonly T[]): T => items[Math.floor(r() * items.length)]!;

const SIZES = [
  [Size.B, 1],
  [Size.H, 2],
  [Size.W, 4],
  [Size.DW, 8],
] as const;

const movK = (dst: number, imm: number): Insn => makeInsn(Class.ALU64 | AluOp.MOV | Source.K, dst, 0, 0, imm);
const movX = (dst: number, src: number): Insn => makeInsn(Class.ALU64 | AluOp.MOV | Source.X, dst, src);
const aluK = (op: number, dst: number, imm: number): Insn => makeInsn(Class.ALU64 | op | Source.K, dst, 0, 0, imm);
const aluX = (op: number, dst: number, src: number): Insn => makeInsn(Class.ALU64 | op | Source.X, dst, src);
const ldx = (size: number, dst: number, src: number, off: number): Insn => makeInsn(Class.LDX | Mode.MEM | size, dst, src, off);
const stx = (size: number, dst: number, src: number, off: number): Insn => makeInsn(Class.STX | Mode.MEM | size, dst, src, off);
const st = (size: number, dst: number, off: number, imm: number): Insn => makeInsn(Class.ST | Mode.MEM | size, dst, 0, off, imm);
const jmpX = (op: number, dst: number, src: number, off: number): Insn => makeInsn(Class.JMP | op | Source.X, dst, src, off);
const jmpK = (op: number, dst: number, imm: number, off: number): Insn => makeInsn(Class.JMP | op | Source.K, dst, 0, off, imm);
const call = (id: number): Insn => makeInsn(Opcode.CALL, 0, CallSrc.HELPER, 0, id);
const SKIP = -0x7fff; // placeholder jump offset: to the end of the snippet

/** A snippet: instructions with SKIP jumps, and the indices of local calls to patch. */
interface Snippet {
  readonly insns: Insn[];
  readonly localCalls: number[];
  readonly mutated: boolean;
}

/** The bounds check `ptr + need <= data_end` (r2 = ptr + need), or a mutation of it. */
function boundsCheck(r: Rand, ptr: number, need: number, mutate: boolean): Insn[] {
  const kind = mutate ? int(r, 0, 3) : 4;
  const out = [movX(2, ptr), aluK(AluOp.ADD, 2, kind === 0 ? need - 1 : need)];
  if (kind === 1) return out; // missing check
  if (kind === 2) out.push(jmpX(JmpOp.JLT, 2, 8, SKIP)); // wrong direction
  else if (kind === 3) out.push(jmpX(JmpOp.JGE, 8, 2, SKIP)); // off by one: skips the good case
  else out.push(r() < 0.5 ? jmpX(JmpOp.JGT, 2, 8, SKIP) : jmpX(JmpOp.JLT, 8, 2, SKIP));
  return out;
}

function packetConst(r: Rand, mutate: boolean): Insn[] {
  const [size, bytes] = pick(r, SIZES);
  const off = int(r, 0, 40);
  const need = off + bytes;
  const out = boundsCheck(r, 7, need, mutate);
  const accessOff = mutate && r() < 0.3 ? off + 1 : off;
  if (r() < 0.6) out.push(ldx(size, 4, 7, accessOff), aluX(AluOp.ADD, 9, 4));
  else if (r() < 0.5) out.push(st(size, 7, accessOff, int(r, -100, 100)));
  else out.push(stx(size, 7, 9, accessOff));
  return out;
}

function packetVariable(r: Rand, mutate: boolean): Insn[] {
  const [size, bytes] = pick(r, SIZES);
  const mask = pick(r, [1, 3, 7, 15, 31, 63]);
  const kind = mutate ? int(r, 0, 2) : 3;
  const out: Insn[] = [];
  if (r() < 0.5) out.push(call(7), movX(4, 0));
  else out.push(movX(4, 9));
  if (kind !== 0) out.push(aluK(AluOp.AND, 4, mask)); // kind 0: unbounded offset
  out.push(movX(3, 7), aluX(AluOp.ADD, 3, 4));
  out.push(...boundsCheck(r, 3, kind === 1 ? bytes - 1 : bytes, kind === 2));
  out.push(ldx(size, 4, 3, 0), aluX(AluOp.ADD, 9, 4));
  if (r() < 0.3) out.push(stx(size, 3, 9, 0));
  return out;
}

function spillFill(r: Rand, mutate: boolean): Insn[] {
  const slot = -8 * int(r, 1, 64);
  const kind = mutate ? int(r, 0, 3) : 4;
  const spillPointer = r() < 0.5;
  const out: Insn[] = [];
  const writeOff = kind === 0 ? slot + int(r, 1, 7) : kind === 1 ? 0 : slot; // unaligned / outside the frame
  out.push(stx(Size.DW, 10, spillPointer ? 7 : 9, writeOff));
  const readOff = kind === 2 ? slot - 8 * int(r, 1, 4) : slot; // uninitialised read
  if (spillPointer) {
    out.push(ldx(Size.DW, 3, 10, readOff));
    out.push(...boundsCheck(r, 3, 2, kind === 3));
    out.push(ldx(Size.H, 4, 3, 0), aluX(AluOp.ADD, 9, 4));
  } else {
    out.push(ldx(kind === 3 ? Size.W : Size.DW, 4, 10, readOff), aluX(AluOp.XOR, 9, 4));
  }
  return out;
}

function mapLookup(r: Rand, mutate: boolean): Insn[] {
  const index = int(r, 0, GEN_MAPS.length - 1);
  const map = GEN_MAPS[index]!;
  const kind = mutate ? int(r, 0, 2) : 3;
  const [size, bytes] = pick(r, SIZES);
  const off = kind === 1 ? map.valueSize - bytes + int(r, 1, 8) : int(r, 0, map.valueSize - bytes);
  const keySlot = -8 * int(r, 1, 8);
  const out: Insn[] = [st(Size.W, 10, keySlot, int(r, 0, map.maxEntries)), movX(2, 10), aluK(AluOp.ADD, 2, keySlot)];
  const [lo, hi] = makeLddw(1, BigInt(index));
  out.push({ ...lo, src: PseudoSrc.MAP_IDX }, hi, call(1));
  if (kind !== 0) out.push(jmpK(JmpOp.JEQ, 0, 0, SKIP)); // kind 0: missing NULL check
  if (kind === 2) {
    // a variable offset, masked too widely for the value
    out.push(movX(4, 9), aluK(AluOp.AND, 4, 31), aluX(AluOp.ADD, 0, 4));
  }
  if (r() < 0.5) out.push(ldx(size, 4, 0, off), aluX(AluOp.ADD, 9, 4));
  else out.push(stx(size, 0, 9, off));
  return out;
}

/**
 * A scalar read from the packet, bounded by comparisons (unsigned, or signed with a lower bound),
 * used as a variable offset into an array map value; mutations: a signed compare without the lower
 * bound, a bound one too large, a 32-bit compare on a 64-bit value.
 */
function rangeOffset(r: Rand, mutate: boolean): Insn[] {
  const map = GEN_MAPS[0]!;
  const [size, bytes] = pick(r, SIZES);
  const limit = map.valueSize - bytes;
  const kind = mutate ? int(r, 0, 2) : int(r, 3, 4);
  const out: Insn[] = [...boundsCheck(r, 7, 8, false), ldx(Size.DW, 4, 7, 0)];
  out.push(st(Size.W, 10, -4, int(r, 0, 3)), movX(2, 10), aluK(AluOp.ADD, 2, -4));
  const [lo, hi] = makeLddw(1, 0n);
  out.push({ ...lo, src: PseudoSrc.MAP_IDX }, hi, stx(Size.DW, 10, 4, -16), call(1), ldx(Size.DW, 4, 10, -16));
  out.push(jmpK(JmpOp.JEQ, 0, 0, SKIP));
  if (kind === 0) out.push(jmpK(JmpOp.JSGT, 4, limit, SKIP));
  else if (kind === 1) out.push(jmpK(JmpOp.JGT, 4, limit + 1, SKIP));
  else if (kind === 2) out.push(makeInsn(Class.JMP32 | JmpOp.JGT | Source.K, 4, 0, SKIP, limit));
  else if (kind === 3) out.push(jmpK(JmpOp.JGT, 4, limit, SKIP));
  else out.push(jmpK(JmpOp.JSGT, 4, limit, SKIP), jmpK(JmpOp.JSLT, 4, 0, SKIP));
  out.push(aluX(AluOp.ADD, 0, 4));
  if (r() < 0.5) out.push(ldx(size, 4, 0, 0), aluX(AluOp.ADD, 9, 4));
  else out.push(stx(size, 0, 9, 0));
  return out;
}

/**
 * A variable offset into an initialised stack area: r3 = fp - 64 + (r9 & mask); mutations: the area
 * not fully initialised, a mask reaching past the frame top.
 */
function stackVariable(r: Rand, mutate: boolean): Insn[] {
  const [size] = pick(r, SIZES);
  const kind = mutate ? int(r, 0, 1) : 2;
  const out: Insn[] = [];
  for (let off = -64; off < 0; off += 8) if (kind !== 0 || off !== -32) out.push(st(Size.DW, 10, off, off));
  const mask = kind === 1 ? 63 : 31;
  // a 32-bit AND half of the time (it zero-extends: the same bound)
  out.push(movX(4, 9), r() < 0.5 ? aluK(AluOp.AND, 4, mask) : makeInsn(Class.ALU | AluOp.AND | Source.K, 4, 0, 0, mask));
  out.push(movX(3, 10), aluK(AluOp.ADD, 3, -64), aluX(AluOp.ADD, 3, 4));
  out.push(ldx(size, 4, 3, 0), aluX(AluOp.ADD, 9, 4));
  return out;
}

/** A pointer past a checked span read at a negative offset: r3 = data + K; check r3 + 1 <= data_end; *(r3 - d). */
function packetNegative(r: Rand, mutate: boolean): Insn[] {
  const k = int(r, 2, 30);
  const [size, bytes] = pick(r, SIZES);
  const back = mutate ? k + 1 : int(r, 0, k);
  const out: Insn[] = [movX(3, 7), aluK(AluOp.ADD, 3, k), ...boundsCheck(r, 3, bytes, false)];
  out.push(ldx(size, 4, 3, -back), aluX(AluOp.ADD, 9, 4));
  return out;
}

function loop(r: Rand, mutate: boolean): Insn[] {
  const limit = int(r, 1, 12);
  // (no unbounded-loop mutation: the verifier would explore it up to its complexity limit, slowly)
  const kind = mutate ? 0 : 1;
  // r5 = 0; top: r3 = r7 + r5; bounds check; r4 = *(u8 *)(r3 + 0); r9 += r4; r5 += 1; if r5 < limit goto top
  const body: Insn[] = [movX(3, 7), aluX(AluOp.ADD, 3, 5)];
  body.push(...boundsCheck(r, 3, kind === 0 ? 0 : 1, false));
  body.push(ldx(Size.B, 4, 3, 0), aluX(AluOp.ADD, 9, 4), aluK(AluOp.ADD, 5, 1));
  const back = jmpK(JmpOp.JLT, 5, limit, -(body.length + 1));
  return [movK(5, 0), ...body, back];
}

function helpers(r: Rand, mutate: boolean): Insn[] {
  const choice = int(r, 0, 2);
  if (choice === 0) return [call(5), aluK(AluOp.AND, 0, 0xff), aluX(AluOp.ADD, 9, 0)];
  if (choice === 1) return [call(7), aluX(AluOp.XOR, 9, 0)];
  // bpf_xdp_adjust_head(ctx, delta) invalidates every packet pointer: data and data_end are reloaded
  const out = [movX(1, 6), movK(2, int(r, -16, 16)), call(44), aluX(AluOp.ADD, 9, 0)];
  if (!mutate) out.push(ldx(Size.W, 7, 6, 0), ldx(Size.W, 8, 6, 4));
  // mutated: the stale pointers are used after the call
  out.push(...boundsCheck(r, 7, 1, false), ldx(Size.B, 4, 7, 0), aluX(AluOp.ADD, 9, 4));
  return out;
}

function ctxRead(r: Rand, mutate: boolean): Insn[] {
  const off = mutate ? pick(r, [2, 24, 28, -4]) : pick(r, [12, 16, 20]);
  return [ldx(Size.W, 4, 6, off), aluX(AluOp.ADD, 9, 4)];
}

function localCall(r: Rand, mutate: boolean): Insn[] {
  const slot = mutate ? -4 : -8 * int(r, 2, 32);
  // r1 = fp + slot; call sub (writes 8 bytes at r1, returns them); r9 += r0
  return [movX(1, 10), aluK(AluOp.ADD, 1, slot), movX(2, 9), makeInsn(Opcode.CALL, 0, CallSrc.LOCAL, 0, 0), aluX(AluOp.ADD, 9, 0)];
}

const KINDS = ['pkt', 'var', 'spill', 'map', 'range', 'loop', 'helper', 'ctx', 'call', 'stack', 'neg'] as const;
type Kind = (typeof KINDS)[number];

function snippet(r: Rand, kind: Kind, mutate: boolean): Snippet {
  let insns: Insn[];
  switch (kind) {
    case 'pkt':
      insns = packetConst(r, mutate);
      break;
    case 'var':
      insns = packetVariable(r, mutate);
      break;
    case 'spill':
      insns = spillFill(r, mutate);
      break;
    case 'map':
      insns = mapLookup(r, mutate);
      break;
    case 'range':
      insns = rangeOffset(r, mutate);
      break;
    case 'stack':
      insns = stackVariable(r, mutate);
      break;
    case 'neg':
      insns = packetNegative(r, mutate);
      break;
    case 'loop':
      insns = loop(r, mutate);
      break;
    case 'helper':
      insns = helpers(r, mutate);
      break;
    case 'ctx':
      insns = ctxRead(r, mutate);
      break;
    case 'call':
      insns = localCall(r, mutate);
      break;
    default: {
      const never: never = kind;
      throw new Error(`unknown snippet kind ${String(never)}`);
    }
  }
  const resolved = insns.map((insn, i) => (insn.off === SKIP ? { ...insn, off: insns.length - (i + 1) } : insn));
  const localCalls: number[] = [];
  resolved.forEach((insn, i) => {
    if (insn.op === Opcode.CALL && insn.src === CallSrc.LOCAL) localCalls.push(i);
  });
  return { insns: resolved, localCalls, mutated: mutate };
}

/**
 * One random XDP program; `mutationRate` is the chance that each snippet is mutated (most mutations
 * make the verifier refuse the program).
 */
export function generatePacketProgram(r: Rand, mutationRate = 0.15): GenProgram {
  const insns: Insn[] = [movX(6, 1), ldx(Size.W, 7, 6, 0), ldx(Size.W, 8, 6, 4), movK(9, 0)];
  const shape: string[] = [];
  const calls: number[] = [];
  const count = int(r, 1, 6);
  for (let i = 0; i < count; i++) {
    const kind = pick(r, KINDS);
    const s = snippet(r, kind, r() < mutationRate);
    shape.push(s.mutated ? `${kind}!` : kind);
    for (const at of s.localCalls) calls.push(insns.length + at);
    insns.push(...s.insns);
  }
  insns.push(movX(0, 9), aluK(AluOp.AND, 0, 3), makeInsn(Opcode.EXIT));
  if (calls.length > 0) {
    const sub = insns.length;
    // sub(r1 = stack pointer of the caller, r2 = scalar): *(u64 *)(r1 + 0) = r2; r0 = *(u64 *)(r1 + 0)
    insns.push(stx(Size.DW, 1, 2, 0), ldx(Size.DW, 0, 1, 0), aluK(AluOp.AND, 0, 0xffff), makeInsn(Opcode.EXIT));
    for (const at of calls) insns[at] = { ...insns[at]!, imm: sub - (at + 1) };
  }
  return { insns, shape };
}
