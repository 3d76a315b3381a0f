/**
 * @fileoverview The reference interpreter: exact RFC 9669 semantics (plus the kernel's may_goto, legacy
 * packet loads and uBPF's callx) over a VerifiedProgram and an ExecEnv. Instructions are pre-decoded
 * once per program into typed arrays of handler codes; registers are kept as 32-bit halves so the hot
 * loop never touches BigInt (only 64-bit div/mod with large operands and the helper boundary do).
 * Verification is the verifier's job: this file trusts the structure it was given.
 */
import { RuntimeError, UsageError } from './errors.js';
import { AluOp, AtomicOp, CallSrc, Class, CLASS_MASK, JmpOp, Mode, MODE_MASK, Opcode, OP_MASK, Size, SIZE_MASK, Source, SOURCE_MASK } from './isa/opcodes.js';
import { branchTarget, isBranch, type Insn } from './isa/instruction.js';
import { FP, MAX_CALL_DEPTH, REGISTER_COUNT } from './isa/registers.js';
import { loopBudgetOf, type VerifiedProgram } from './verifier/program.js';
import type { ExecEnv } from '../runtime/env.js';

/** The kernel's loop budget for may_goto (BPF_MAX_LOOPS = 8 * 1024 * 1024). */
export const MAY_GOTO_BUDGET = 8 * 1024 * 1024;

/**
 * Handler codes: one per distinct behaviour, chosen once at pre-decode so that the run loop does not
 * look at src bits, off (sdiv, movsx) or imm (end width, atomic op) again.
 */
const H = {
  ADD64_K: 0, ADD64_X: 1, SUB64_K: 2, SUB64_X: 3, MUL64_K: 4, MUL64_X: 5, DIV64_K: 6, DIV64_X: 7,
  SDIV64_K: 8, SDIV64_X: 9, OR64_K: 10, OR64_X: 11, AND64_K: 12, AND64_X: 13, LSH64_K: 14, LSH64_X: 15,
  RSH64_K: 16, RSH64_X: 17, MOD64_K: 18, MOD64_X: 19, SMOD64_K: 20, SMOD64_X: 21, XOR64_K: 22, XOR64_X: 23,
  MOV64_K: 24, MOV64_X: 25, ARSH64_K: 26, ARSH64_X: 27,
  ADD32_K: 28, ADD32_X: 29, SUB32_K: 30, SUB32_X: 31, MUL32_K: 32, MUL32_X: 33, DIV32_K: 34, DIV32_X: 35,
  SDIV32_K: 36, SDIV32_X: 37, OR32_K: 38, OR32_X: 39, AND32_K: 40, AND32_X: 41, LSH32_K: 42, LSH32_X: 43,
  RSH32_K: 44, RSH32_X: 45, MOD32_K: 46, MOD32_X: 47, SMOD32_K: 48, SMOD32_X: 49, XOR32_K: 50, XOR32_X: 51,
  MOV32_K: 52, MOV32_X: 53, ARSH32_K: 54, ARSH32_X: 55,
  NEG64: 56, NEG32: 57, MOVSX8_64: 58, MOVSX16_64: 59, MOVSX32_64: 60, MOVSX8_32: 61, MOVSX16_32: 62,
  LE16: 63, LE32: 64, LE64: 65, BE16: 66, BE32: 67, BE64: 68,
  JEQ64_K: 69, JEQ64_X: 70, JGT64_K: 71, JGT64_X: 72, JGE64_K: 73, JGE64_X: 74, JSET64_K: 75, JSET64_X: 76,
  JNE64_K: 77, JNE64_X: 78, JSGT64_K: 79, JSGT64_X: 80, JSGE64_K: 81, JSGE64_X: 82, JLT64_K: 83, JLT64_X: 84,
  JLE64_K: 85, JLE64_X: 86, JSLT64_K: 87, JSLT64_X: 88, JSLE64_K: 89, JSLE64_X: 90,
  JEQ32_K: 91, JEQ32_X: 92, JGT32_K: 93, JGT32_X: 94, JGE32_K: 95, JGE32_X: 96, JSET32_K: 97, JSET32_X: 98,
  JNE32_K: 99, JNE32_X: 100, JSGT32_K: 101, JSGT32_X: 102, JSGE32_K: 103, JSGE32_X: 104, JLT32_K: 105, JLT32_X: 106,
  JLE32_K: 107, JLE32_X: 108, JSLT32_K: 109, JSLT32_X: 110, JSLE32_K: 111, JSLE32_X: 112,
  JA: 113, MAY_GOTO: 114, CALL_HELPER: 115, CALL_LOCAL: 116, CALLX: 117, EXIT: 118, LDDW: 119,
  LDXB: 120, LDXH: 121, LDXW: 122, LDXDW: 123, LDSXB: 124, LDSXH: 125, LDSXW: 126,
  STB: 127, STH: 128, STW: 129, STDW: 130, STXB: 131, STXH: 132, STXW: 133, STXDW: 134,
  AADD32: 135, AFADD32: 136, AOR32: 137, AFOR32: 138, AAND32: 139, AFAND32: 140, AXOR32: 141, AFXOR32: 142,
  AXCHG32: 143, ACMPXCHG32: 144,
  AADD64: 145, AFADD64: 146, AOR64: 147, AFOR64: 148, AAND64: 149, AFAND64: 150, AXOR64: 151, AFXOR64: 152,
  AXCHG64: 153, ACMPXCHG64: 154,
  LDABSB: 155, LDABSH: 156, LDABSW: 157, LDINDB: 158, LDINDH: 159, LDINDW: 160,
  /** the second slot of lddw, or an instruction the structural pass should have rejected */
  INVALID: 161,
  /**
   * a trampoline slot past the end, made only when the program has a loop budget: the taken target of
   * a backward jump; spends one unit of the budget (imm = the jump's pc, aux = the real target)
   */
  BACK_EDGE: 162,
} as const;
type Handler = (typeof H)[keyof typeof H];

/** ALU operations in handler order (each has a K and an X form, 64-bit block then 32-bit block). */
const ALU_ORDER: readonly number[] = [
  AluOp.ADD, AluOp.SUB, AluOp.MUL, AluOp.DIV, -1 /* sdiv */, AluOp.OR, AluOp.AND, AluOp.LSH,
  AluOp.RSH, AluOp.MOD, -2 /* smod */, AluOp.XOR, AluOp.MOV, AluOp.ARSH,
];

/** Conditional jump operations in handler order (each has a K and an X form). */
const JMP_ORDER: readonly number[] = [
  JmpOp.JEQ, JmpOp.JGT, JmpOp.JGE, JmpOp.JSET, JmpOp.JNE, JmpOp.JSGT, JmpOp.JSGE,
  JmpOp.JLT, JmpOp.JLE, JmpOp.JSLT, JmpOp.JSLE,
];

const ATOMIC_ORDER: readonly number[] = [
  AtomicOp.ADD, AtomicOp.ADD | AtomicOp.FETCH, AtomicOp.OR, AtomicOp.OR | AtomicOp.FETCH,
  AtomicOp.AND, AtomicOp.AND | AtomicOp.FETCH, AtomicOp.XOR, AtomicOp.XOR | AtomicOp.FETCH,
  AtomicOp.XCHG, AtomicOp.CMPXCHG,
];

/** A program pre-decoded into parallel typed arrays, one element per slot. */
interface Decoded {
  /** handler code | dst << 8 | src << 12 (bits 16-31 zero), one word so that dispatch is a single load */
  readonly word: Int32Array;
  /** imm; for lddw the low half */
  readonly imm: Int32Array;
  /** memory offset for loads and stores; jump or local-call target pc; for lddw the high half of the immediate */
  readonly aux: Int32Array;
  /** 1 where a memory access must pass ExecEnv.isAccessible */
  readonly checked: Uint8Array;
  /** taken backward jumps allowed per run (VerifiedProgram.loopBudget); 0 = not counted, no BACK_EDGE slots */
  readonly loopBudget: number;
  /** register and call-frame arrays reused by runs (a new set is made for re-entrant runs) */
  scratch: Scratch | undefined;
}

/** Per-run state: registers as halves, and per frame the return pc and r6-r10 as (lo, hi) pairs. */
interface Scratch {
  readonly lo: Int32Array;
  readonly hi: Int32Array;
  readonly returnPc: Int32Array;
  readonly saved: Int32Array;
}

function makeScratch(): Scratch {
  return {
    lo: new Int32Array(REGISTER_COUNT),
    hi: new Int32Array(REGISTER_COUNT),
    returnPc: new Int32Array(MAX_CALL_DEPTH),
    saved: new Int32Array(MAX_CALL_DEPTH * 10),
  };
}

const decodedCache = new WeakMap<VerifiedProgram, Decoded>();

function handlerOf(op: number, off: number, imm: number, src: number): Handler {
  const cls = op & CLASS_MASK;
  const isX = (op & SOURCE_MASK) === Source.X ? 1 : 0;
  switch (cls) {
    case Class.ALU:
    case Class.ALU64: {
      const is64 = cls === Class.ALU64;
      const aluOp = op & OP_MASK;
      if (aluOp === AluOp.NEG) return is64 ? H.NEG64 : H.NEG32;
      if (aluOp === AluOp.END) {
        if (!is64 && !isX) return imm === 16 ? H.LE16 : imm === 32 ? H.LE32 : H.LE64;
        return imm === 16 ? H.BE16 : imm === 32 ? H.BE32 : H.BE64;
      }
      if (aluOp === AluOp.MOV && off !== 0) {
        if (is64) return off === 8 ? H.MOVSX8_64 : off === 16 ? H.MOVSX16_64 : H.MOVSX32_64;
        return off === 8 ? H.MOVSX8_32 : H.MOVSX16_32;
      }
      let key = aluOp;
      if (off === 1 && aluOp === AluOp.DIV) key = -1;
      if (off === 1 && aluOp === AluOp.MOD) key = -2;
      const index = ALU_ORDER.indexOf(key);
      if (index < 0) return H.INVALID;
      return ((is64 ? 0 : 28) + index * 2 + isX) as Handler;
    }
    case Class.JMP:
    case Class.JMP32: {
      const jmpOp = op & OP_MASK;
      if (op === Opcode.JA || op === Opcode.JA32) return H.JA;
      if (op === Opcode.MAY_GOTO) return H.MAY_GOTO;
      if (op === Opcode.EXIT) return H.EXIT;
      if (op === Opcode.CALLX) return H.CALLX;
      if (op === Opcode.CALL) return src === CallSrc.LOCAL ? H.CALL_LOCAL : src === CallSrc.HELPER ? H.CALL_HELPER : H.INVALID;
      const index = JMP_ORDER.indexOf(jmpOp);
      if (index < 0) return H.INVALID;
      return ((cls === Class.JMP ? 69 : 91) + index * 2 + isX) as Handler;
    }
    case Class.LD: {
      if (op === Opcode.LDDW) return src === 0 ? H.LDDW : H.INVALID;
      const size = op & SIZE_MASK;
      const sizeIndex = size === Size.B ? 0 : size === Size.H ? 1 : size === Size.W ? 2 : -1;
      if (sizeIndex < 0) return H.INVALID;
      if ((op & MODE_MASK) === Mode.ABS) return (H.LDABSB + sizeIndex) as Handler;
      if ((op & MODE_MASK) === Mode.IND) return (H.LDINDB + sizeIndex) as Handler;
      return H.INVALID;
    }
    case Class.LDX:
    case Class.ST:
    case Class.STX: {
      const size = op & SIZE_MASK;
      const mode = op & MODE_MASK;
      const sizeIndex = size === Size.B ? 0 : size === Size.H ? 1 : size === Size.W ? 2 : 3;
      if (cls === Class.LDX) {
        if (mode === Mode.MEM) return (H.LDXB + sizeIndex) as Handler;
        if (mode === Mode.MEMSX && sizeIndex < 3) return (H.LDSXB + sizeIndex) as Handler;
        return H.INVALID;
      }
      if (cls === Class.ST) return mode === Mode.MEM ? ((H.STB + sizeIndex) as Handler) : H.INVALID;
      if (mode === Mode.MEM) return (H.STXB + sizeIndex) as Handler;
      if (mode === Mode.ATOMIC && sizeIndex >= 2) {
        const index = ATOMIC_ORDER.indexOf(imm);
        if (index < 0) return H.INVALID;
        return ((sizeIndex === 2 ? H.AADD32 : H.AADD64) + index) as Handler;
      }
      return H.INVALID;
    }
    default:
      return H.INVALID;
  }
}

function predecode(program: VerifiedProgram): Decoded {
  const insns = program.insns;
  const n = insns.length;
  const loopBudget = loopBudgetOf(program);
  const backEdges = loopBudget > 0 ? backwardJumps(insns) : [];
  // one extra INVALID slot past the end: running off the end fails instead of reading undefined; then
  // one BACK_EDGE slot per backward jump when the program has a loop budget
  const slots = n + 1 + backEdges.length;
  const decoded: Decoded = {
    word: new Int32Array(slots).fill(H.INVALID),
    imm: new Int32Array(slots),
    aux: new Int32Array(slots),
    checked: new Uint8Array(slots),
    loopBudget,
    scratch: undefined,
  };
  for (let pc = 0; pc < n; pc++) {
    const insn = insns[pc];
    if (insn === undefined) continue;
    const code = handlerOf(insn.op, insn.off, insn.imm, insn.src);
    decoded.word[pc] = code | ((insn.dst & 0xf) << 8) | ((insn.src & 0xf) << 12);
    decoded.imm[pc] = insn.imm | 0;
    decoded.checked[pc] = program.checkedAccess[pc] ?? 1;
    if (code === H.LDDW) {
      decoded.aux[pc] = (insns[pc + 1]?.imm ?? 0) | 0;
      pc++;
    } else if (code === H.JA && insn.op === Opcode.JA32) {
      decoded.aux[pc] = pc + 1 + insn.imm;
    } else if (code === H.CALL_LOCAL) {
      decoded.aux[pc] = pc + 1 + insn.imm;
    } else if (isBranch(insn)) {
      decoded.aux[pc] = pc + 1 + insn.off;
    } else {
      decoded.aux[pc] = insn.off;
    }
  }
  // route each backward jump's taken edge through its own BACK_EDGE slot: the not-taken path and every
  // program without a budget run exactly as before
  backEdges.forEach((pc, i) => {
    const slot = n + 1 + i;
    decoded.word[slot] = H.BACK_EDGE;
    decoded.imm[slot] = pc;
    decoded.aux[slot] = decoded.aux[pc]!;
    decoded.aux[pc] = slot;
  });
  return decoded;
}

/** pcs of the jumps (ja, ja32, conditional jumps, may_goto) whose target is at or before themselves. */
function backwardJumps(insns: readonly Insn[]): number[] {
  const pcs: number[] = [];
  for (let pc = 0; pc < insns.length; pc++) {
    const insn = insns[pc];
    if (insn === undefined) continue;
    if (insn.op === Opcode.LDDW) pc++;
    else if (isBranch(insn) && branchTarget(insn, pc) <= pc) pcs.push(pc);
  }
  return pcs;
}

// ---------------------------------------------------------------------------------------------------
// 64-bit arithmetic on 32-bit halves. Registers live in two Int32Arrays (lo, hi); `>>> 0` reads a half
// as unsigned. Each function writes register `d` from operands (aLo, aHi) and (bLo, bHi).

const TWO_32 = 4294967296;

/** High 32 bits (as int32) of the unsigned 64-bit product of two unsigned 32-bit values. */
function mulHigh32(a: number, b: number): number {
  const a0 = a & 0xffff;
  const a1 = a >>> 16;
  const b0 = b & 0xffff;
  const b1 = b >>> 16;
  // partial products are below 2^32, so `>>> 16` and `& 0xffff` read them exactly
  const p01 = a0 * b1;
  const p10 = a1 * b0;
  const carry = (((a0 * b0) >>> 16) + (p01 & 0xffff) + (p10 & 0xffff)) >>> 16;
  return (a1 * b1 + (p01 >>> 16) + (p10 >>> 16) + carry) | 0;
}

function add64(lo: Int32Array, hi: Int32Array, d: number, bLo: number, bHi: number): void {
  const sum = (lo[d]! >>> 0) + (bLo >>> 0);
  lo[d] = sum | 0;
  hi[d] = (hi[d]! + bHi + (sum >= TWO_32 ? 1 : 0)) | 0;
}

function sub64(lo: Int32Array, hi: Int32Array, d: number, bLo: number, bHi: number): void {
  const diff = (lo[d]! >>> 0) - (bLo >>> 0);
  lo[d] = diff | 0;
  hi[d] = (hi[d]! - bHi - (diff < 0 ? 1 : 0)) | 0;
}

function mul64(lo: Int32Array, hi: Int32Array, d: number, bLo: number, bHi: number): void {
  const aLo = lo[d]!;
  const aHi = hi[d]!;
  lo[d] = Math.imul(aLo, bLo);
  hi[d] = (mulHigh32(aLo >>> 0, bLo >>> 0) + Math.imul(aLo, bHi) + Math.imul(aHi, bLo)) | 0;
}

function lsh64(lo: Int32Array, hi: Int32Array, d: number, amount: number): void {
  const n = amount & 63;
  if (n === 0) return;
  if (n < 32) {
    hi[d] = (hi[d]! << n) | (lo[d]! >>> (32 - n));
    lo[d] = lo[d]! << n;
  } else {
    hi[d] = lo[d]! << (n - 32);
    lo[d] = 0;
  }
}

function rsh64(lo: Int32Array, hi: Int32Array, d: number, amount: number): void {
  const n = amount & 63;
  if (n === 0) return;
  if (n < 32) {
    lo[d] = (lo[d]! >>> n) | (hi[d]! << (32 - n));
    hi[d] = hi[d]! >>> n;
  } else {
    lo[d] = hi[d]! >>> (n - 32);
    hi[d] = 0;
  }
}

function arsh64(lo: Int32Array, hi: Int32Array, d: number, amount: number): void {
  const n = amount & 63;
  if (n === 0) return;
  if (n < 32) {
    lo[d] = (lo[d]! >>> n) | (hi[d]! << (32 - n));
    hi[d] = hi[d]! >> n;
  } else {
    lo[d] = hi[d]! >> (n - 32);
    hi[d] = hi[d]! >> 31;
  }
}

function toU64(lo: number, hi: number): bigint {
  return hi === 0 ? BigInt(lo >>> 0) : (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}

/** Sets register d from a value already reduced to 0..2^64-1. */
function setBig(lo: Int32Array, hi: Int32Array, d: number, value: bigint): void {
  if (value <= 0xffffffffn) {
    lo[d] = Number(value) | 0;
    hi[d] = 0;
    return;
  }
  lo[d] = Number(value & 0xffffffffn) | 0;
  hi[d] = Number((value >> 32n) & 0xffffffffn) | 0;
}

/** Sets register d to a signed integer value that is exact in a double (|q| <= 2^53). */
function setSmall(lo: Int32Array, hi: Int32Array, d: number, q: number): void {
  lo[d] = q | 0;
  hi[d] = Math.floor(q / TWO_32) | 0;
}

/** Unsigned 64-bit division; division by zero gives 0 (RFC 9669 §4.1). */
function div64(lo: Int32Array, hi: Int32Array, d: number, bLo: number, bHi: number): void {
  if (hi[d] === 0 && bHi === 0) {
    const b = bLo >>> 0;
    lo[d] = b === 0 ? 0 : Math.floor((lo[d]! >>> 0) / b) | 0;
    return;
  }
  const b = toU64(bLo, bHi);
  setBig(lo, hi, d, b === 0n ? 0n : toU64(lo[d]!, hi[d]!) / b);
}

/** Unsigned 64-bit modulo; modulo by zero leaves dst unchanged. */
function mod64(lo: Int32Array, hi: Int32Array, d: number, bLo: number, bHi: number): void {
  if (bLo === 0 && bHi === 0) return;
  if (hi[d] === 0 && bHi === 0) {
    lo[d] = (lo[d]! >>> 0) % (bLo >>> 0) | 0;
    return;
  }
  setBig(lo, hi, d, toU64(lo[d]!, hi[d]!) % toU64(bLo, bHi));
}

/** Signed 64-bit division; by zero gives 0, INT64_MIN / -1 gives INT64_MIN (two's complement wrap). */
function sdiv64(lo: Int32Array, hi: Int32Array, d: number, bLo: number, bHi: number): void {
  if (bLo === 0 && bHi === 0) {
    lo[d] = 0;
    hi[d] = 0;
    return;
  }
  const aLo = lo[d]!;
  const aHi = hi[d]!;
  if (aHi === aLo >> 31 && bHi === bLo >> 31) {
    // both operands fit in int32: the quotient fits in a double exactly (at most 2^31)
    setSmall(lo, hi, d, Math.trunc(aLo / bLo));
    return;
  }
  setBig(lo, hi, d, BigInt.asUintN(64, BigInt.asIntN(64, toU64(aLo, aHi)) / BigInt.asIntN(64, toU64(bLo, bHi))));
}

/** Signed 64-bit modulo (sign of the dividend, like C); by zero leaves dst unchanged; INT64_MIN % -1 = 0. */
function smod64(lo: Int32Array, hi: Int32Array, d: number, bLo: number, bHi: number): void {
  if (bLo === 0 && bHi === 0) return;
  const aLo = lo[d]!;
  const aHi = hi[d]!;
  if (aHi === aLo >> 31 && bHi === bLo >> 31) {
    setSmall(lo, hi, d, (aLo % bLo) + 0);
    return;
  }
  setBig(lo, hi, d, BigInt.asUintN(64, BigInt.asIntN(64, toU64(aLo, aHi)) % BigInt.asIntN(64, toU64(bLo, bHi))));
}

function udiv32(a: number, b: number): number {
  return (b >>> 0) === 0 ? 0 : Math.floor((a >>> 0) / (b >>> 0)) | 0;
}

function umod32(a: number, b: number): number {
  return (b >>> 0) === 0 ? a : (a >>> 0) % (b >>> 0) | 0;
}

/** Signed 32-bit division: by zero 0; INT32_MIN / -1 wraps to INT32_MIN through `| 0`. */
function sdiv32(a: number, b: number): number {
  return (b | 0) === 0 ? 0 : Math.trunc((a | 0) / (b | 0)) | 0;
}

/** Signed 32-bit modulo: by zero leaves dst; INT32_MIN % -1 is (-)0, normalised by `| 0`. */
function smod32(a: number, b: number): number {
  return (b | 0) === 0 ? a : (a | 0) % (b | 0) | 0;
}

function eq64(aLo: number, aHi: number, bLo: number, bHi: number): boolean {
  return aLo === bLo && aHi === bHi;
}
function ugt64(aLo: number, aHi: number, bLo: number, bHi: number): boolean {
  return aHi !== bHi ? aHi >>> 0 > bHi >>> 0 : aLo >>> 0 > bLo >>> 0;
}
function uge64(aLo: number, aHi: number, bLo: number, bHi: number): boolean {
  return aHi !== bHi ? aHi >>> 0 > bHi >>> 0 : aLo >>> 0 >= bLo >>> 0;
}
function sgt64(aLo: number, aHi: number, bLo: number, bHi: number): boolean {
  return aHi !== bHi ? aHi > bHi : aLo >>> 0 > bLo >>> 0;
}
function sge64(aLo: number, aHi: number, bLo: number, bHi: number): boolean {
  return aHi !== bHi ? aHi > bHi : aLo >>> 0 >= bLo >>> 0;
}

function bswap16(v: number): number {
  return ((v & 0xff) << 8) | ((v >>> 8) & 0xff);
}
function bswap32(v: number): number {
  return ((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24);
}

function outOfBounds(pc: number, what: 'read' | 'write' | 'atomic update', size: number, address: number): RuntimeError {
  const shown = address < 0 ? `-0x${(-address).toString(16)}` : `0x${address.toString(16)}`;
  return new RuntimeError(`out-of-bounds ${what} of ${size} bytes at ${shown} at pc ${pc}`, pc, 'out-of-bounds');
}

/** Effective address of base register halves plus offset; > 2^32 or negative when the base is not a pointer. */
function effectiveAddress(baseLo: number, baseHi: number, off: number): number {
  const address = (baseLo >>> 0) + off;
  return baseHi === 0 ? address : address + (baseHi >>> 0) * TWO_32;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Converts a helper's result to (lo, hi) in r0, or throws a RuntimeError naming the helper. */
function setHelperResult(lo: Int32Array, hi: Int32Array, result: unknown, id: number, pc: number): void {
  if (typeof result === 'number') {
    if (!Number.isInteger(result)) {
      throw new RuntimeError(`helper ${id} returned ${result}, expected an integer at pc ${pc}`, pc, 'helper');
    }
    if (result >= 0 && result < TWO_32) {
      lo[0] = result | 0;
      hi[0] = 0;
    } else {
      setBig(lo, hi, 0, BigInt.asUintN(64, BigInt(result)));
    }
    return;
  }
  if (typeof result === 'bigint') {
    setBig(lo, hi, 0, BigInt.asUintN(64, result));
    return;
  }
  throw new RuntimeError(`helper ${id} returned ${typeof result}, expected a bigint or number at pc ${pc}`, pc, 'helper');
}

/**
 * Runs a verified program to completion and returns r0 as an unsigned 64-bit value.
 * r1 and r2 are the entry arguments; r10 is env.framePointer(0). The caller prepares the environment
 * (stack cleared, input copied): see src/program.ts.
 * @throws RuntimeError on an out-of-bounds checked access, a call deeper than MAX_CALL_DEPTH frames,
 *   more taken backward jumps than program.loopBudget (kind 'budget'),
 *   a missing or throwing helper, or a callx to an unknown helper id.
 */
export function execute(program: VerifiedProgram, env: ExecEnv, r1: bigint, r2: bigint): bigint {
  let decoded = decodedCache.get(program);
  if (decoded === undefined) {
    decoded = predecode(program);
    decodedCache.set(program, decoded);
  }
  // a helper may run this same program again: only one run at a time uses the cached scratch arrays
  const scratch = decoded.scratch ?? makeScratch();
  decoded.scratch = undefined;
  try {
    return run(decoded, scratch, env, r1, r2);
  } finally {
    decoded.scratch = scratch;
  }
}

function run(program: Decoded, scratch: Scratch, env: ExecEnv, r1: bigint, r2: bigint): bigint {
  const { word, imm, aux, checked } = program;
  const { lo, hi, returnPc, saved } = scratch;
  lo.fill(0);
  hi.fill(0);
  setBig(lo, hi, 1, BigInt.asUintN(64, r1));
  setBig(lo, hi, 2, BigInt.asUintN(64, r2));
  lo[FP] = env.framePointer(0);
  let depth = 0;
  let budget = MAY_GOTO_BUDGET;
  let loopLeft = program.loopBudget;
  const space = env.space;
  space.refresh();
  let u8 = space.u8;
  let view = space.view;
  let pc = 0;

  for (;;) {
    const w = word[pc]!;
    const handler = (w & 0xff) as Handler;
    const d = (w >> 8) & 0xf;
    const k = imm[pc]!;
    // Case labels are numeric literals (the H values, named in comments; test/interpreter/handlers.test.ts
    // checks them): V8's bytecode compiles a switch over dense literal labels into a jump table, while
    // `case H.X` labels would be compared one by one until the function is optimised.
    switch (handler) {
      // ---- ALU64 (imm sign-extended to 64 bits) ----
      case 0 /* ADD64_K */: add64(lo, hi, d, k, k >> 31); break;
      case 1 /* ADD64_X */: { const s = w >>> 12; add64(lo, hi, d, lo[s]!, hi[s]!); break; }
      case 2 /* SUB64_K */: sub64(lo, hi, d, k, k >> 31); break;
      case 3 /* SUB64_X */: { const s = w >>> 12; sub64(lo, hi, d, lo[s]!, hi[s]!); break; }
      case 4 /* MUL64_K */: mul64(lo, hi, d, k, k >> 31); break;
      case 5 /* MUL64_X */: { const s = w >>> 12; mul64(lo, hi, d, lo[s]!, hi[s]!); break; }
      case 6 /* DIV64_K */: div64(lo, hi, d, k, k >> 31); break;
      case 7 /* DIV64_X */: { const s = w >>> 12; div64(lo, hi, d, lo[s]!, hi[s]!); break; }
      case 8 /* SDIV64_K */: sdiv64(lo, hi, d, k, k >> 31); break;
      case 9 /* SDIV64_X */: { const s = w >>> 12; sdiv64(lo, hi, d, lo[s]!, hi[s]!); break; }
      case 10 /* OR64_K */: lo[d] = lo[d]! | k; hi[d] = hi[d]! | (k >> 31); break;
      case 11 /* OR64_X */: { const s = w >>> 12; lo[d] = lo[d]! | lo[s]!; hi[d] = hi[d]! | hi[s]!; break; }
      case 12 /* AND64_K */: lo[d] = lo[d]! & k; hi[d] = hi[d]! & (k >> 31); break;
      case 13 /* AND64_X */: { const s = w >>> 12; lo[d] = lo[d]! & lo[s]!; hi[d] = hi[d]! & hi[s]!; break; }
      case 14 /* LSH64_K */: lsh64(lo, hi, d, k); break;
      case 15 /* LSH64_X */: lsh64(lo, hi, d, lo[(w >>> 12)]!); break;
      case 16 /* RSH64_K */: rsh64(lo, hi, d, k); break;
      case 17 /* RSH64_X */: rsh64(lo, hi, d, lo[(w >>> 12)]!); break;
      case 18 /* MOD64_K */: mod64(lo, hi, d, k, k >> 31); break;
      case 19 /* MOD64_X */: { const s = w >>> 12; mod64(lo, hi, d, lo[s]!, hi[s]!); break; }
      case 20 /* SMOD64_K */: smod64(lo, hi, d, k, k >> 31); break;
      case 21 /* SMOD64_X */: { const s = w >>> 12; smod64(lo, hi, d, lo[s]!, hi[s]!); break; }
      case 22 /* XOR64_K */: lo[d] = lo[d]! ^ k; hi[d] = hi[d]! ^ (k >> 31); break;
      case 23 /* XOR64_X */: { const s = w >>> 12; lo[d] = lo[d]! ^ lo[s]!; hi[d] = hi[d]! ^ hi[s]!; break; }
      case 24 /* MOV64_K */: lo[d] = k; hi[d] = k >> 31; break;
      case 25 /* MOV64_X */: { const s = w >>> 12; lo[d] = lo[s]!; hi[d] = hi[s]!; break; }
      case 26 /* ARSH64_K */: arsh64(lo, hi, d, k); break;
      case 27 /* ARSH64_X */: arsh64(lo, hi, d, lo[(w >>> 12)]!); break;

      // ---- ALU (32-bit): operate on the low halves, zero-extend the result ----
      case 28 /* ADD32_K */: lo[d] = (lo[d]! + k) | 0; hi[d] = 0; break;
      case 29 /* ADD32_X */: lo[d] = (lo[d]! + lo[(w >>> 12)]!) | 0; hi[d] = 0; break;
      case 30 /* SUB32_K */: lo[d] = (lo[d]! - k) | 0; hi[d] = 0; break;
      case 31 /* SUB32_X */: lo[d] = (lo[d]! - lo[(w >>> 12)]!) | 0; hi[d] = 0; break;
      case 32 /* MUL32_K */: lo[d] = Math.imul(lo[d]!, k); hi[d] = 0; break;
      case 33 /* MUL32_X */: lo[d] = Math.imul(lo[d]!, lo[(w >>> 12)]!); hi[d] = 0; break;
      case 34 /* DIV32_K */: lo[d] = udiv32(lo[d]!, k); hi[d] = 0; break;
      case 35 /* DIV32_X */: lo[d] = udiv32(lo[d]!, lo[(w >>> 12)]!); hi[d] = 0; break;
      case 36 /* SDIV32_K */: lo[d] = sdiv32(lo[d]!, k); hi[d] = 0; break;
      case 37 /* SDIV32_X */: lo[d] = sdiv32(lo[d]!, lo[(w >>> 12)]!); hi[d] = 0; break;
      case 38 /* OR32_K */: lo[d] = lo[d]! | k; hi[d] = 0; break;
      case 39 /* OR32_X */: lo[d] = lo[d]! | lo[(w >>> 12)]!; hi[d] = 0; break;
      case 40 /* AND32_K */: lo[d] = lo[d]! & k; hi[d] = 0; break;
      case 41 /* AND32_X */: lo[d] = lo[d]! & lo[(w >>> 12)]!; hi[d] = 0; break;
      case 42 /* LSH32_K */: lo[d] = lo[d]! << (k & 31); hi[d] = 0; break;
      case 43 /* LSH32_X */: lo[d] = lo[d]! << (lo[(w >>> 12)]! & 31); hi[d] = 0; break;
      case 44 /* RSH32_K */: lo[d] = lo[d]! >>> (k & 31); hi[d] = 0; break;
      case 45 /* RSH32_X */: lo[d] = lo[d]! >>> (lo[(w >>> 12)]! & 31); hi[d] = 0; break;
      case 46 /* MOD32_K */: lo[d] = umod32(lo[d]!, k); hi[d] = 0; break;
      case 47 /* MOD32_X */: lo[d] = umod32(lo[d]!, lo[(w >>> 12)]!); hi[d] = 0; break;
      case 48 /* SMOD32_K */: lo[d] = smod32(lo[d]!, k); hi[d] = 0; break;
      case 49 /* SMOD32_X */: lo[d] = smod32(lo[d]!, lo[(w >>> 12)]!); hi[d] = 0; break;
      case 50 /* XOR32_K */: lo[d] = lo[d]! ^ k; hi[d] = 0; break;
      case 51 /* XOR32_X */: lo[d] = lo[d]! ^ lo[(w >>> 12)]!; hi[d] = 0; break;
      case 52 /* MOV32_K */: lo[d] = k; hi[d] = 0; break;
      case 53 /* MOV32_X */: lo[d] = lo[(w >>> 12)]!; hi[d] = 0; break;
      case 54 /* ARSH32_K */: lo[d] = lo[d]! >> (k & 31); hi[d] = 0; break;
      case 55 /* ARSH32_X */: lo[d] = lo[d]! >> (lo[(w >>> 12)]! & 31); hi[d] = 0; break;

      // ---- neg, sign-extending moves, byte order ----
      case 56 /* NEG64 */: {
        const nLo = (~lo[d]! + 1) | 0;
        hi[d] = (~hi[d]! + (nLo === 0 ? 1 : 0)) | 0;
        lo[d] = nLo;
        break;
      }
      case 57 /* NEG32 */: lo[d] = -lo[d]! | 0; hi[d] = 0; break;
      case 58 /* MOVSX8_64 */: { const v = (lo[(w >>> 12)]! << 24) >> 24; lo[d] = v; hi[d] = v >> 31; break; }
      case 59 /* MOVSX16_64 */: { const v = (lo[(w >>> 12)]! << 16) >> 16; lo[d] = v; hi[d] = v >> 31; break; }
      case 60 /* MOVSX32_64 */: { const v = lo[(w >>> 12)]!; lo[d] = v; hi[d] = v >> 31; break; }
      case 61 /* MOVSX8_32 */: lo[d] = (lo[(w >>> 12)]! << 24) >> 24; hi[d] = 0; break;
      case 62 /* MOVSX16_32 */: lo[d] = (lo[(w >>> 12)]! << 16) >> 16; hi[d] = 0; break;
      // to-LE on a little-endian machine is a truncation to the width (RFC 9669 §4.2)
      case 63 /* LE16 */: lo[d] = lo[d]! & 0xffff; hi[d] = 0; break;
      case 64 /* LE32 */: hi[d] = 0; break;
      case 65 /* LE64 */: break;
      // to-BE and the ALU64 bswap swap the low `width` bits and zero the rest
      case 66 /* BE16 */: lo[d] = bswap16(lo[d]!); hi[d] = 0; break;
      case 67 /* BE32 */: lo[d] = bswap32(lo[d]!); hi[d] = 0; break;
      case 68 /* BE64 */: { const v = lo[d]!; lo[d] = bswap32(hi[d]!); hi[d] = bswap32(v); break; }

      // ---- JMP: 64-bit compares (imm sign-extended) ----
      case 69 /* JEQ64_K */: pc = eq64(lo[d]!, hi[d]!, k, k >> 31) ? aux[pc]! : pc + 1; continue;
      case 70 /* JEQ64_X */: { const s = w >>> 12; pc = eq64(lo[d]!, hi[d]!, lo[s]!, hi[s]!) ? aux[pc]! : pc + 1; continue; }
      case 77 /* JNE64_K */: pc = eq64(lo[d]!, hi[d]!, k, k >> 31) ? pc + 1 : aux[pc]!; continue;
      case 78 /* JNE64_X */: { const s = w >>> 12; pc = eq64(lo[d]!, hi[d]!, lo[s]!, hi[s]!) ? pc + 1 : aux[pc]!; continue; }
      case 71 /* JGT64_K */: pc = ugt64(lo[d]!, hi[d]!, k, k >> 31) ? aux[pc]! : pc + 1; continue;
      case 72 /* JGT64_X */: { const s = w >>> 12; pc = ugt64(lo[d]!, hi[d]!, lo[s]!, hi[s]!) ? aux[pc]! : pc + 1; continue; }
      case 73 /* JGE64_K */: pc = uge64(lo[d]!, hi[d]!, k, k >> 31) ? aux[pc]! : pc + 1; continue;
      case 74 /* JGE64_X */: { const s = w >>> 12; pc = uge64(lo[d]!, hi[d]!, lo[s]!, hi[s]!) ? aux[pc]! : pc + 1; continue; }
      case 83 /* JLT64_K */: pc = uge64(lo[d]!, hi[d]!, k, k >> 31) ? pc + 1 : aux[pc]!; continue;
      case 84 /* JLT64_X */: { const s = w >>> 12; pc = uge64(lo[d]!, hi[d]!, lo[s]!, hi[s]!) ? pc + 1 : aux[pc]!; continue; }
      case 85 /* JLE64_K */: pc = ugt64(lo[d]!, hi[d]!, k, k >> 31) ? pc + 1 : aux[pc]!; continue;
      case 86 /* JLE64_X */: { const s = w >>> 12; pc = ugt64(lo[d]!, hi[d]!, lo[s]!, hi[s]!) ? pc + 1 : aux[pc]!; continue; }
      case 79 /* JSGT64_K */: pc = sgt64(lo[d]!, hi[d]!, k, k >> 31) ? aux[pc]! : pc + 1; continue;
      case 80 /* JSGT64_X */: { const s = w >>> 12; pc = sgt64(lo[d]!, hi[d]!, lo[s]!, hi[s]!) ? aux[pc]! : pc + 1; continue; }
      case 81 /* JSGE64_K */: pc = sge64(lo[d]!, hi[d]!, k, k >> 31) ? aux[pc]! : pc + 1; continue;
      case 82 /* JSGE64_X */: { const s = w >>> 12; pc = sge64(lo[d]!, hi[d]!, lo[s]!, hi[s]!) ? aux[pc]! : pc + 1; continue; }
      case 87 /* JSLT64_K */: pc = sge64(lo[d]!, hi[d]!, k, k >> 31) ? pc + 1 : aux[pc]!; continue;
      case 88 /* JSLT64_X */: { const s = w >>> 12; pc = sge64(lo[d]!, hi[d]!, lo[s]!, hi[s]!) ? pc + 1 : aux[pc]!; continue; }
      case 89 /* JSLE64_K */: pc = sgt64(lo[d]!, hi[d]!, k, k >> 31) ? pc + 1 : aux[pc]!; continue;
      case 90 /* JSLE64_X */: { const s = w >>> 12; pc = sgt64(lo[d]!, hi[d]!, lo[s]!, hi[s]!) ? pc + 1 : aux[pc]!; continue; }
      case 75 /* JSET64_K */: pc = (lo[d]! & k) !== 0 || (hi[d]! & (k >> 31)) !== 0 ? aux[pc]! : pc + 1; continue;
      case 76 /* JSET64_X */: { const s = w >>> 12; pc = (lo[d]! & lo[s]!) !== 0 || (hi[d]! & hi[s]!) !== 0 ? aux[pc]! : pc + 1; continue; }

      // ---- JMP32: compares of the low halves ----
      case 91 /* JEQ32_K */: pc = lo[d]! === k ? aux[pc]! : pc + 1; continue;
      case 92 /* JEQ32_X */: pc = lo[d]! === lo[(w >>> 12)]! ? aux[pc]! : pc + 1; continue;
      case 99 /* JNE32_K */: pc = lo[d]! !== k ? aux[pc]! : pc + 1; continue;
      case 100 /* JNE32_X */: pc = lo[d]! !== lo[(w >>> 12)]! ? aux[pc]! : pc + 1; continue;
      case 93 /* JGT32_K */: pc = lo[d]! >>> 0 > k >>> 0 ? aux[pc]! : pc + 1; continue;
      case 94 /* JGT32_X */: pc = lo[d]! >>> 0 > lo[(w >>> 12)]! >>> 0 ? aux[pc]! : pc + 1; continue;
      case 95 /* JGE32_K */: pc = lo[d]! >>> 0 >= k >>> 0 ? aux[pc]! : pc + 1; continue;
      case 96 /* JGE32_X */: pc = lo[d]! >>> 0 >= lo[(w >>> 12)]! >>> 0 ? aux[pc]! : pc + 1; continue;
      case 105 /* JLT32_K */: pc = lo[d]! >>> 0 < k >>> 0 ? aux[pc]! : pc + 1; continue;
      case 106 /* JLT32_X */: pc = lo[d]! >>> 0 < lo[(w >>> 12)]! >>> 0 ? aux[pc]! : pc + 1; continue;
      case 107 /* JLE32_K */: pc = lo[d]! >>> 0 <= k >>> 0 ? aux[pc]! : pc + 1; continue;
      case 108 /* JLE32_X */: pc = lo[d]! >>> 0 <= lo[(w >>> 12)]! >>> 0 ? aux[pc]! : pc + 1; continue;
      case 101 /* JSGT32_K */: pc = lo[d]! > k ? aux[pc]! : pc + 1; continue;
      case 102 /* JSGT32_X */: pc = lo[d]! > lo[(w >>> 12)]! ? aux[pc]! : pc + 1; continue;
      case 103 /* JSGE32_K */: pc = lo[d]! >= k ? aux[pc]! : pc + 1; continue;
      case 104 /* JSGE32_X */: pc = lo[d]! >= lo[(w >>> 12)]! ? aux[pc]! : pc + 1; continue;
      case 109 /* JSLT32_K */: pc = lo[d]! < k ? aux[pc]! : pc + 1; continue;
      case 110 /* JSLT32_X */: pc = lo[d]! < lo[(w >>> 12)]! ? aux[pc]! : pc + 1; continue;
      case 111 /* JSLE32_K */: pc = lo[d]! <= k ? aux[pc]! : pc + 1; continue;
      case 112 /* JSLE32_X */: pc = lo[d]! <= lo[(w >>> 12)]! ? aux[pc]! : pc + 1; continue;
      case 97 /* JSET32_K */: pc = (lo[d]! & k) !== 0 ? aux[pc]! : pc + 1; continue;
      case 98 /* JSET32_X */: pc = (lo[d]! & lo[(w >>> 12)]!) !== 0 ? aux[pc]! : pc + 1; continue;

      // ---- control transfer ----
      case 113 /* JA */: pc = aux[pc]!; continue;
      case 114 /* MAY_GOTO */:
        // kernel semantics: fall through while the budget lasts, jump once it is exhausted
        if (budget === 0) {
          pc = aux[pc]!;
        } else {
          budget--;
          pc++;
        }
        continue;
      case 115 /* CALL_HELPER */:
      case 117 /* CALLX */: {
        const id = handler === H.CALL_HELPER ? k : lo[d]! >>> 0;
        const fn = handler === H.CALLX && hi[d] !== 0 ? undefined : env.helpers.get(id);
        if (fn === undefined) {
          if (handler === H.CALLX) {
            throw new RuntimeError(`callx to unknown helper id ${toU64(lo[d]!, hi[d]!)} in r${d} at pc ${pc}`, pc, 'callx');
          }
          throw new RuntimeError(`helper ${id} is not registered at pc ${pc}`, pc, 'helper');
        }
        let result: unknown;
        try {
          result = fn(toU64(lo[1]!, hi[1]!), toU64(lo[2]!, hi[2]!), toU64(lo[3]!, hi[3]!), toU64(lo[4]!, hi[4]!), toU64(lo[5]!, hi[5]!));
        } catch (error) {
          throw new RuntimeError(`helper ${id} failed at pc ${pc}: ${describe(error)}`, pc, 'helper', { cause: error });
        }
        // a tail call asked to end this program (the caller runs the target next)
        if (env.stopRequested) return 0n;
        setHelperResult(lo, hi, result, id, pc);
        // a helper may have grown the memory, which detaches the old views
        space.refresh();
        u8 = space.u8;
        view = space.view;
        break;
      }
      case 116 /* CALL_LOCAL */: {
        if (depth + 1 >= MAX_CALL_DEPTH) {
          throw new RuntimeError(`call depth exceeds ${MAX_CALL_DEPTH} frames at pc ${pc}`, pc, 'call-depth');
        }
        returnPc[depth] = pc + 1;
        const base = depth * 10;
        for (let r = 6; r <= 10; r++) {
          saved[base + (r - 6) * 2] = lo[r]!;
          saved[base + (r - 6) * 2 + 1] = hi[r]!;
        }
        depth++;
        lo[FP] = env.framePointer(depth);
        hi[FP] = 0;
        pc = aux[pc]!;
        continue;
      }
      case 118 /* EXIT */: {
        if (depth === 0) return toU64(lo[0]!, hi[0]!);
        depth--;
        const base = depth * 10;
        for (let r = 6; r <= 10; r++) {
          lo[r] = saved[base + (r - 6) * 2]!;
          hi[r] = saved[base + (r - 6) * 2 + 1]!;
        }
        pc = returnPc[depth]!;
        continue;
      }
      case 119 /* LDDW */: lo[d] = k; hi[d] = aux[pc]!; pc += 2; continue;

      // ---- loads ----
      case 120 /* LDXB */: case 124 /* LDSXB */: {
        const s = w >>> 12;
        const a = effectiveAddress(lo[s]!, hi[s]!, aux[pc]!);
        if (checked[pc] === 1 && !env.isAccessible(a, 1)) throw outOfBounds(pc, 'read', 1, a);
        if (handler === H.LDXB) {
          lo[d] = u8[a]!;
          hi[d] = 0;
        } else {
          lo[d] = (u8[a]! << 24) >> 24;
          hi[d] = lo[d]! >> 31;
        }
        break;
      }
      case 121 /* LDXH */: case 125 /* LDSXH */: {
        const s = w >>> 12;
        const a = effectiveAddress(lo[s]!, hi[s]!, aux[pc]!);
        if (checked[pc] === 1 && !env.isAccessible(a, 2)) throw outOfBounds(pc, 'read', 2, a);
        if (handler === H.LDXH) {
          lo[d] = view.getUint16(a, true);
          hi[d] = 0;
        } else {
          lo[d] = view.getInt16(a, true);
          hi[d] = lo[d]! >> 31;
        }
        break;
      }
      case 122 /* LDXW */: case 126 /* LDSXW */: {
        const s = w >>> 12;
        const a = effectiveAddress(lo[s]!, hi[s]!, aux[pc]!);
        if (checked[pc] === 1 && !env.isAccessible(a, 4)) throw outOfBounds(pc, 'read', 4, a);
        lo[d] = view.getInt32(a, true);
        hi[d] = handler === H.LDXW ? 0 : lo[d]! >> 31;
        break;
      }
      case 123 /* LDXDW */: {
        const s = w >>> 12;
        const a = effectiveAddress(lo[s]!, hi[s]!, aux[pc]!);
        if (checked[pc] === 1 && !env.isAccessible(a, 8)) throw outOfBounds(pc, 'read', 8, a);
        lo[d] = view.getInt32(a, true);
        hi[d] = view.getInt32(a + 4, true);
        break;
      }

      // ---- stores ----
      case 127 /* STB */: case 131 /* STXB */: {
        const a = effectiveAddress(lo[d]!, hi[d]!, aux[pc]!);
        if (checked[pc] === 1 && !env.isAccessible(a, 1)) throw outOfBounds(pc, 'write', 1, a);
        u8[a] = handler === H.STB ? k : lo[(w >>> 12)]!;
        break;
      }
      case 128 /* STH */: case 132 /* STXH */: {
        const a = effectiveAddress(lo[d]!, hi[d]!, aux[pc]!);
        if (checked[pc] === 1 && !env.isAccessible(a, 2)) throw outOfBounds(pc, 'write', 2, a);
        view.setInt16(a, handler === H.STH ? k : lo[(w >>> 12)]!, true);
        break;
      }
      case 129 /* STW */: case 133 /* STXW */: {
        const a = effectiveAddress(lo[d]!, hi[d]!, aux[pc]!);
        if (checked[pc] === 1 && !env.isAccessible(a, 4)) throw outOfBounds(pc, 'write', 4, a);
        view.setInt32(a, handler === H.STW ? k : lo[(w >>> 12)]!, true);
        break;
      }
      case 130 /* STDW */: case 134 /* STXDW */: {
        const a = effectiveAddress(lo[d]!, hi[d]!, aux[pc]!);
        if (checked[pc] === 1 && !env.isAccessible(a, 8)) throw outOfBounds(pc, 'write', 8, a);
        if (handler === H.STDW) {
          view.setInt32(a, k, true);
          view.setInt32(a + 4, k >> 31, true);
        } else {
          const s = w >>> 12;
          view.setInt32(a, lo[s]!, true);
          view.setInt32(a + 4, hi[s]!, true);
        }
        break;
      }

      // ---- atomics (single-threaded: a plain read-modify-write is atomic) ----
      case 135 /* AADD32 */: case 136 /* AFADD32 */: case 137 /* AOR32 */: case 138 /* AFOR32 */: case 139 /* AAND32 */: case 140 /* AFAND32 */:
      case 141 /* AXOR32 */: case 142 /* AFXOR32 */: case 143 /* AXCHG32 */: case 144 /* ACMPXCHG32 */: {
        const a = effectiveAddress(lo[d]!, hi[d]!, aux[pc]!);
        if (checked[pc] === 1 && !env.isAccessible(a, 4)) throw outOfBounds(pc, 'atomic update', 4, a);
        const s = w >>> 12;
        const old = view.getInt32(a, true);
        const v = lo[s]!;
        switch (handler) {
          case 135 /* AADD32 */: case 136 /* AFADD32 */: view.setInt32(a, (old + v) | 0, true); break;
          case 137 /* AOR32 */: case 138 /* AFOR32 */: view.setInt32(a, old | v, true); break;
          case 139 /* AAND32 */: case 140 /* AFAND32 */: view.setInt32(a, old & v, true); break;
          case 141 /* AXOR32 */: case 142 /* AFXOR32 */: view.setInt32(a, old ^ v, true); break;
          case 143 /* AXCHG32 */: view.setInt32(a, v, true); break;
          case 144 /* ACMPXCHG32 */:
            if (old === lo[0]) view.setInt32(a, v, true);
            lo[0] = old;
            hi[0] = 0;
            break;
          default: {
            const never: never = handler;
            throw new Error(`unhandled atomic handler ${String(never)}`);
          }
        }
        if (handler !== H.ACMPXCHG32 && handler !== H.AADD32 && handler !== H.AOR32 && handler !== H.AAND32 && handler !== H.AXOR32) {
          lo[s] = old;
          hi[s] = 0;
        }
        break;
      }
      case 145 /* AADD64 */: case 146 /* AFADD64 */: case 147 /* AOR64 */: case 148 /* AFOR64 */: case 149 /* AAND64 */: case 150 /* AFAND64 */:
      case 151 /* AXOR64 */: case 152 /* AFXOR64 */: case 153 /* AXCHG64 */: case 154 /* ACMPXCHG64 */: {
        const a = effectiveAddress(lo[d]!, hi[d]!, aux[pc]!);
        if (checked[pc] === 1 && !env.isAccessible(a, 8)) throw outOfBounds(pc, 'atomic update', 8, a);
        const s = w >>> 12;
        const oldLo = view.getInt32(a, true);
        const oldHi = view.getInt32(a + 4, true);
        const vLo = lo[s]!;
        const vHi = hi[s]!;
        let newLo = oldLo;
        let newHi = oldHi;
        switch (handler) {
          case 145 /* AADD64 */: case 146 /* AFADD64 */: {
            const sum = (oldLo >>> 0) + (vLo >>> 0);
            newLo = sum | 0;
            newHi = (oldHi + vHi + (sum >= TWO_32 ? 1 : 0)) | 0;
            break;
          }
          case 147 /* AOR64 */: case 148 /* AFOR64 */: newLo = oldLo | vLo; newHi = oldHi | vHi; break;
          case 149 /* AAND64 */: case 150 /* AFAND64 */: newLo = oldLo & vLo; newHi = oldHi & vHi; break;
          case 151 /* AXOR64 */: case 152 /* AFXOR64 */: newLo = oldLo ^ vLo; newHi = oldHi ^ vHi; break;
          case 153 /* AXCHG64 */: newLo = vLo; newHi = vHi; break;
          case 154 /* ACMPXCHG64 */:
            if (oldLo === lo[0] && oldHi === hi[0]) {
              newLo = vLo;
              newHi = vHi;
            }
            break;
          default: {
            const never: never = handler;
            throw new Error(`unhandled atomic handler ${String(never)}`);
          }
        }
        view.setInt32(a, newLo, true);
        view.setInt32(a + 4, newHi, true);
        if (handler === H.ACMPXCHG64) {
          lo[0] = oldLo;
          hi[0] = oldHi;
        } else if (handler !== H.AADD64 && handler !== H.AOR64 && handler !== H.AAND64 && handler !== H.AXOR64) {
          lo[s] = oldLo;
          hi[s] = oldHi;
        }
        break;
      }

      // ---- legacy packet loads: big-endian reads from the input; out of bounds ends the program with 0 ----
      case 155 /* LDABSB */: case 156 /* LDABSH */: case 157 /* LDABSW */: case 158 /* LDINDB */: case 159 /* LDINDH */: case 160 /* LDINDW */: {
        const isInd = handler >= H.LDINDB;
        const size = 1 << (handler - (isInd ? H.LDINDB : H.LDABSB));
        const offset = isInd ? (lo[(w >>> 12)]! + k) | 0 : k;
        const input = env.input;
        if (offset < 0 || offset + size > input.end - input.start) return 0n;
        const a = input.start + offset;
        lo[0] = size === 1 ? u8[a]! : size === 2 ? view.getUint16(a, false) : view.getInt32(a, false);
        hi[0] = 0;
        break;
      }

      case 162 /* BACK_EDGE */:
        if (loopLeft === 0) throw new RuntimeError(`loop budget of ${program.loopBudget} iterations exhausted at pc ${k}`, k, 'budget');
        loopLeft--;
        pc = aux[pc]!;
        continue;
      case 161 /* INVALID */:
        throw new UsageError(`instruction at pc ${pc} cannot be executed: the program did not pass verifyStructure`);
      default: {
        const never: never = handler;
        throw new Error(`unhandled handler ${String(never)} at pc ${pc}`);
      }
    }
    pc++;
  }
}
