/**
 * @fileoverview Classic BPF (socket filters, `tcpdump -d` output): text parsing, the kernel's load-time
 * checks (bpf_check_classic, check_load_and_stores) and translation to eBPF with the kernel's semantics
 * (bpf_convert_filter in net/core/filter.c is the reference for behaviour; the code here is our own).
 * Running the result is the interpreter's and the JIT's job; this file only produces Insn[].
 *
 *   classic instruction (struct sock_filter, 8 bytes)      classic opcode (16 bits, only the low 8 used)
 *   +----------+------+------+-----------------+           +----------+-----+-------+
 *   | code u16 | jt u8| jf u8|      k u32      |           | op/mode  |src/ | class |
 *   +----------+------+------+-----------------+           | (3-4 b)  |size | (3 b) |
 *                                                          +----------+-----+-------+
 */
import { CbpfError } from './errors.js';
import { type Insn, makeInsn } from './isa/instruction.js';
import { AluOp, Class, JmpOp, Mode, Opcode, Size, Source } from './isa/opcodes.js';

/** One classic instruction; `k` is kept unsigned (0 .. 2^32-1), `jt`/`jf` are 0..255. */
export interface ClassicInsn {
  readonly code: number;
  readonly jt: number;
  readonly jf: number;
  readonly k: number;
}

/** Classic instruction classes (the low three bits of `code`); RET and MISC replace eBPF's JMP32/ALU64. */
export const ClassicClass = { LD: 0x00, LDX: 0x01, ST: 0x02, STX: 0x03, ALU: 0x04, JMP: 0x05, RET: 0x06, MISC: 0x07 } as const;
export type ClassicClass = (typeof ClassicClass)[keyof typeof ClassicClass];

/** Classic load modes (bits 5-7 of `code`): LEN is `skb->len`, MSH is the IPv4 header-length idiom. */
export const ClassicMode = { IMM: 0x00, ABS: 0x20, IND: 0x40, MEM: 0x60, LEN: 0x80, MSH: 0xa0 } as const;

/** Source of a classic RET: the constant k or the accumulator A (RET X exists in BSD, not in Linux). */
export const ClassicRetSource = { K: 0x00, A: 0x10 } as const;

/** The two classic MISC operations: TAX (X = A) and TXA (A = X). */
export const ClassicMisc = { TAX: 0x00, TXA: 0x80 } as const;

/** Largest classic program the kernel accepts (BPF_MAXINSNS). */
export const CLASSIC_MAX_INSNS = 4096;

/** Number of 32-bit scratch memory words M[0..15] (BPF_MEMWORDS). */
export const CLASSIC_MEMWORDS = 16;

/** Start of the ancillary-data offsets of `ld [k]` (SKF_AD_OFF = -0x1000, as an unsigned k). */
export const SKF_AD_OFF = 0xfffff000;

/** Ancillary loads `ld [SKF_AD_OFF + n]` (linux/filter.h SKF_AD_*), by their offset n. */
export const SkfAd = {
  PROTOCOL: 0,
  PKTTYPE: 4,
  IFINDEX: 8,
  NLATTR: 12,
  NLATTR_NEST: 16,
  MARK: 20,
  QUEUE: 24,
  HATYPE: 28,
  RXHASH: 32,
  CPU: 36,
  ALU_XOR_X: 40,
  VLAN_TAG: 44,
  VLAN_TAG_PRESENT: 48,
  PAY_OFFSET: 52,
  RANDOM: 56,
  VLAN_TPID: 60,
} as const;
export type SkfAd = (typeof SkfAd)[keyof typeof SkfAd];

/**
 * Byte offsets of the `struct __sk_buff` fields the translation reads (linux/bpf.h UAPI):
 *
 *   0 len | 4 pkt_type | 8 mark | 12 queue_mapping | 16 protocol | 20 vlan_present | 24 vlan_tci
 *   28 vlan_proto | 32 priority | 36 ingress_ifindex | 40 ifindex | 44 tc_index | 48 cb[5] | 68 hash
 */
export interface SkBuffOffsets {
  readonly len: number;
  readonly pktType: number;
  readonly mark: number;
  readonly queueMapping: number;
  readonly protocol: number;
  readonly vlanPresent: number;
  readonly vlanTci: number;
  readonly vlanProto: number;
  readonly ifindex: number;
  readonly hash: number;
}

/** The UAPI `__sk_buff` offsets, used unless the caller overrides some. */
export const SK_BUFF_OFFSETS: SkBuffOffsets = {
  len: 0,
  pktType: 4,
  mark: 8,
  queueMapping: 12,
  protocol: 16,
  vlanPresent: 20,
  vlanTci: 24,
  vlanProto: 28,
  ifindex: 40,
  hash: 68,
};

/** Register holding the classic accumulator A (also the return value). */
export const CLASSIC_REG_A = 0;
/** Register holding the classic index register X (callee-saved: survives LD_ABS and helper calls). */
export const CLASSIC_REG_X = 7;
/** Register holding the context (__sk_buff pointer); LD_ABS/LD_IND read the packet through it. */
export const CLASSIC_REG_CTX = 6;
/** Callee-saved scratch register (keeps A across the LD_ABS of `ldx msh`). */
export const CLASSIC_REG_TMP = 8;
/** Frame-pointer offset of M[0]; M[i] is the 32-bit word at fp + CLASSIC_SCRATCH_OFFSET + 4 * i. */
export const CLASSIC_SCRATCH_OFFSET = -4 * CLASSIC_MEMWORDS;

/** Helper ids used by ancillary loads (linux/bpf.h __BPF_FUNC_MAPPER order). */
const HELPER_GET_PRANDOM_U32 = 7;
const HELPER_GET_SMP_PROCESSOR_ID = 8;

/** Frame pointer register. */
const FP = 10;
/** Argument register 1: the context at program entry. */
const R1 = 1;

/** Options of translateClassic. */
export interface TranslateClassicOptions {
  /** overrides of the __sk_buff field offsets the translation reads (default SK_BUFF_OFFSETS) */
  readonly ctxOffsets?: Partial<SkBuffOffsets>;
}

/** A translation plus, for each classic pc, the eBPF pc where its code starts. */
export interface ClassicTranslation {
  readonly insns: Insn[];
  /** `pcMap[classicPc]` is the first eBPF slot emitted for that classic instruction */
  readonly pcMap: number[];
}

// ---------------------------------------------------------------------------------------------------
// Parsing

/**
 * Parses classic BPF text: `tcpdump -ddd` (a count line, then one `code jt jf k` line per instruction,
 * decimal), `tcpdump -dd` (`{ 0x28, 0, 0, 0x0000000c },` lines, C array syntax) or the one-line
 * comma form `4,40 0 0 12,21 0 1 2048,...` used by iptables' bpf match. A negative `k` is accepted and
 * stored as its unsigned 32-bit value (`ld [-4096]` is SKF_AD_OFF).
 * @throws CbpfError with the index of the instruction that does not parse (-1 for the count).
 */
export function parseClassic(text: string): ClassicInsn[] {
  if (text.includes('{')) return parseCArray(text);
  const trimmed = text.trim();
  const lines = !trimmed.includes('\n') && trimmed.includes(',') ? trimmed.split(',') : trimmed.split(/\r?\n/);
  const fields = lines.map((line) => line.trim()).filter((line) => line !== '');
  const countLine = fields[0];
  if (countLine === undefined) throw new CbpfError('empty classic program text', -1);
  if (!/^\d+$/.test(countLine)) throw new CbpfError(`expected the instruction count on the first line, got '${countLine}'`, -1);
  const count = Number(countLine);
  if (count !== fields.length - 1) {
    throw new CbpfError(`instruction count ${count} does not match the ${fields.length - 1} instruction lines`, -1);
  }
  const prog: ClassicInsn[] = [];
  for (let pc = 0; pc < count; pc++) {
    const parts = (fields[pc + 1] ?? '').split(/\s+/);
    if (parts.length !== 4) throw new CbpfError(`instruction ${pc}: expected 'code jt jf k', got '${fields[pc + 1] ?? ''}'`, pc);
    prog.push(makeClassic(parts, pc));
  }
  return prog;
}

/** Parses the `-dd` C-array form: every `{ a, b, c, d }` group is one instruction. */
function parseCArray(text: string): ClassicInsn[] {
  const prog: ClassicInsn[] = [];
  const groupRe = /\{([^{}]*)\}/g;
  for (let match = groupRe.exec(text); match !== null; match = groupRe.exec(text)) {
    const parts = (match[1] ?? '').split(',').map((part) => part.trim());
    if (parts.length !== 4) throw new CbpfError(`instruction ${prog.length}: expected '{ code, jt, jf, k }', got '${match[0]}'`, prog.length);
    prog.push(makeClassic(parts, prog.length));
  }
  if (prog.length === 0) throw new CbpfError('no { code, jt, jf, k } instruction found', -1);
  return prog;
}

/** Builds one instruction from four number strings, checking each field's range. */
function makeClassic(parts: readonly string[], pc: number): ClassicInsn {
  const code = parseNumber(parts[0] ?? '', pc, 'code', 0, 0xffff);
  const jt = parseNumber(parts[1] ?? '', pc, 'jt', 0, 0xff);
  const jf = parseNumber(parts[2] ?? '', pc, 'jf', 0, 0xff);
  const k = parseNumber(parts[3] ?? '', pc, 'k', -0x80000000, 0xffffffff) >>> 0;
  return { code, jt, jf, k };
}

/** Parses a decimal or 0x-hex integer within [min, max]. */
function parseNumber(text: string, pc: number, field: string, min: number, max: number): number {
  if (!/^-?(0[xX][0-9a-fA-F]+|\d+)$/.test(text)) throw new CbpfError(`instruction ${pc}: ${field} '${text}' is not a number`, pc);
  const negative = text.startsWith('-');
  const magnitude = Number(negative ? text.slice(1) : text);
  const value = negative ? -magnitude : magnitude;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new CbpfError(`instruction ${pc}: ${field} ${text} out of range ${min}..${max}`, pc);
  }
  return value;
}

/** Formats a program in `tcpdump -ddd` form (count line, then `code jt jf k` per line, decimal). */
export function formatClassic(prog: readonly ClassicInsn[]): string {
  return [String(prog.length), ...prog.map((insn) => `${insn.code} ${insn.jt} ${insn.jf} ${insn.k >>> 0}`)].join('\n') + '\n';
}

// ---------------------------------------------------------------------------------------------------
// Checking (bpf_check_classic)

/** Codes the kernel accepts (chk_code_allowed); everything else is rejected. */
const ALLOWED_CODES: ReadonlySet<number> = buildAllowedCodes();

function buildAllowedCodes(): Set<number> {
  const codes = new Set<number>();
  const aluOps = [AluOp.ADD, AluOp.SUB, AluOp.MUL, AluOp.DIV, AluOp.MOD, AluOp.AND, AluOp.OR, AluOp.XOR, AluOp.LSH, AluOp.RSH];
  for (const op of aluOps) {
    codes.add(ClassicClass.ALU | op | Source.K);
    codes.add(ClassicClass.ALU | op | Source.X);
  }
  codes.add(ClassicClass.ALU | AluOp.NEG);
  for (const size of [Size.W, Size.H, Size.B]) {
    codes.add(ClassicClass.LD | ClassicMode.ABS | size);
    codes.add(ClassicClass.LD | ClassicMode.IND | size);
  }
  codes.add(ClassicClass.LD | ClassicMode.LEN | Size.W);
  codes.add(ClassicClass.LD | ClassicMode.IMM);
  codes.add(ClassicClass.LD | ClassicMode.MEM);
  codes.add(ClassicClass.LDX | ClassicMode.LEN | Size.W);
  codes.add(ClassicClass.LDX | ClassicMode.MSH | Size.B);
  codes.add(ClassicClass.LDX | ClassicMode.IMM);
  codes.add(ClassicClass.LDX | ClassicMode.MEM);
  codes.add(ClassicClass.ST);
  codes.add(ClassicClass.STX);
  codes.add(ClassicClass.MISC | ClassicMisc.TAX);
  codes.add(ClassicClass.MISC | ClassicMisc.TXA);
  codes.add(ClassicClass.RET | ClassicRetSource.K);
  codes.add(ClassicClass.RET | ClassicRetSource.A);
  codes.add(ClassicClass.JMP | JmpOp.JA);
  for (const op of [JmpOp.JEQ, JmpOp.JGT, JmpOp.JGE, JmpOp.JSET]) {
    codes.add(ClassicClass.JMP | op | Source.K);
    codes.add(ClassicClass.JMP | op | Source.X);
  }
  return codes;
}

/** Names of the ancillary offsets, for messages and the known-offset check. */
const ANCILLARY_NAMES: ReadonlyMap<number, string> = new Map(Object.entries(SkfAd).map(([name, off]) => [off, `skf_ad_${name.toLowerCase()}`]));

/** True for `ld [k]` codes (ABS mode, any size) whose k lies in the ancillary range. */
function isAncillaryLoad(insn: ClassicInsn): boolean {
  return (insn.code & 0x07) === ClassicClass.LD && (insn.code & 0xe0) === ClassicMode.ABS && insn.k >>> 0 >= SKF_AD_OFF;
}

/**
 * Checks a program the way the kernel does before accepting a socket filter (bpf_check_classic):
 * length 1..4096, only known codes, no division or modulo by constant 0, shifts by constant < 32,
 * M[] index < 16, jumps inside the program, known ancillary offsets, a final RET, and no read of M[k]
 * on a path where M[k] was not stored first (check_load_and_stores).
 * @throws CbpfError with the offending classic pc (-1 for the length)
 */
export function checkClassic(prog: readonly ClassicInsn[]): void {
  const length = prog.length;
  if (length === 0 || length > CLASSIC_MAX_INSNS) throw new CbpfError(`program length ${length} out of range 1..${CLASSIC_MAX_INSNS}`, -1);
  for (let pc = 0; pc < length; pc++) {
    const insn = prog[pc] as ClassicInsn;
    checkFieldRanges(insn, pc);
    const { code, k } = insn;
    if (!ALLOWED_CODES.has(code)) throw new CbpfError(`unknown classic opcode 0x${code.toString(16).padStart(2, '0')} at pc ${pc}`, pc);
    const cls = code & 0x07;
    const mode = code & 0xe0;
    if (cls === ClassicClass.ALU && (code & 0x08) === Source.K) {
      const op = code & 0xf0;
      if ((op === AluOp.DIV || op === AluOp.MOD) && k === 0) throw new CbpfError(`division by constant zero at pc ${pc}`, pc);
      if ((op === AluOp.LSH || op === AluOp.RSH) && k >= 32) throw new CbpfError(`shift by ${k} at pc ${pc}: constant shifts must be below 32`, pc);
    } else if ((cls === ClassicClass.LD || cls === ClassicClass.LDX) && mode === ClassicMode.MEM) {
      checkMemIndex(k, pc);
    } else if (cls === ClassicClass.ST || cls === ClassicClass.STX) {
      checkMemIndex(k, pc);
    } else if (cls === ClassicClass.JMP) {
      if ((code & 0xf0) === JmpOp.JA) {
        if (k >= length - pc - 1) throw new CbpfError(`jump out of range at pc ${pc}: target ${pc + 1 + k}, program has ${length} insns`, pc);
      } else {
        const far = Math.max(insn.jt, insn.jf);
        if (pc + far + 1 >= length) throw new CbpfError(`jump out of range at pc ${pc}: target ${pc + 1 + far}, program has ${length} insns`, pc);
      }
    } else if (isAncillaryLoad(insn)) {
      const offset = k - SKF_AD_OFF;
      if (!ANCILLARY_NAMES.has(offset)) throw new CbpfError(`unknown ancillary load at pc ${pc}: offset ${offset} from skf_ad_off`, pc);
    }
  }
  const last = prog[length - 1] as ClassicInsn;
  if ((last.code & 0x07) !== ClassicClass.RET) throw new CbpfError(`program must end with ret, found opcode 0x${last.code.toString(16)} at pc ${length - 1}`, length - 1);
  checkScratchInit(prog);
}

/** Rejects field values a sock_filter cannot hold (only reachable through hand-built objects). */
function checkFieldRanges(insn: ClassicInsn, pc: number): void {
  const ok =
    Number.isInteger(insn.code) && insn.code >= 0 && insn.code <= 0xffff &&
    Number.isInteger(insn.jt) && insn.jt >= 0 && insn.jt <= 0xff &&
    Number.isInteger(insn.jf) && insn.jf >= 0 && insn.jf <= 0xff &&
    Number.isInteger(insn.k) && insn.k >= 0 && insn.k <= 0xffffffff;
  if (!ok) throw new CbpfError(`field out of range at pc ${pc}: code ${insn.code}, jt ${insn.jt}, jf ${insn.jf}, k ${insn.k}`, pc);
}

function checkMemIndex(k: number, pc: number): void {
  if (k >= CLASSIC_MEMWORDS) throw new CbpfError(`scratch memory index ${k} at pc ${pc}: must be below ${CLASSIC_MEMWORDS}`, pc);
}

/**
 * Forward data-flow over the scratch words (classic jumps only go forward, so one pass in pc order
 * sees every predecessor first): `valid` is the set of words stored on every path reaching pc.
 */
function checkScratchInit(prog: readonly ClassicInsn[]): void {
  const ALL = 0xffff;
  const incoming = new Array<number>(prog.length).fill(ALL); // intersection of the jump edges into pc
  let valid = 0; // words stored on the fall-through edge into pc (nothing at entry)
  for (let pc = 0; pc < prog.length; pc++) {
    const { code, k, jt, jf } = prog[pc] as ClassicInsn;
    valid &= incoming[pc] ?? ALL;
    const cls = code & 0x07;
    if (cls === ClassicClass.ST || cls === ClassicClass.STX) {
      valid |= 1 << k;
    } else if ((cls === ClassicClass.LD || cls === ClassicClass.LDX) && (code & 0xe0) === ClassicMode.MEM) {
      if ((valid & (1 << k)) === 0) throw new CbpfError(`read of uninitialised scratch memory m[${k}] at pc ${pc}`, pc);
    } else if (cls === ClassicClass.JMP) {
      if ((code & 0xf0) === JmpOp.JA) {
        meet(incoming, pc + 1 + k, valid);
      } else {
        meet(incoming, pc + 1 + jt, valid);
        meet(incoming, pc + 1 + jf, valid);
      }
      valid = ALL; // nothing falls through a jump: only its edges (met above) reach pc + 1
    } else if (cls === ClassicClass.RET) {
      valid = ALL;
    }
  }
}

function meet(incoming: number[], target: number, valid: number): void {
  incoming[target] = (incoming[target] ?? 0xffff) & valid;
}

// ---------------------------------------------------------------------------------------------------
// Translation (bpf_convert_filter semantics)

/** An emitted slot whose `off` is resolved once every classic pc has its eBPF position. */
interface Pending {
  readonly insn: Insn;
  /** classic pc this slot jumps to, when it is a jump */
  readonly target?: number;
  /** classic pc whose translation emitted this slot */
  readonly from: number;
}

/**
 * Translates a classic program to eBPF for the socket-filter program type, after checkClassic.
 *
 * Register use: A in r0, X in r7, ctx in r6 (copied from r1 at entry), r8 keeps A during `ldx msh`,
 * M[i] is the 32-bit word at fp - 64 + 4*i. A and X are 32-bit: every operation on them is an ALU32
 * or JMP32 instruction, so they stay zero-extended and a `k` with bit 31 set compares unsigned.
 * The program returns the classic RET value (bytes to keep, 0 = drop).
 *
 * - `ld [k]` / `ld [x + k]` (B/H/W) become eBPF LD_ABS / LD_IND (network byte order into r0; a read
 *   outside the packet ends the program with 0). Offsets in the SKF_NET_OFF/SKF_LL_OFF ranges are
 *   passed through as negative immediates, as the kernel does; resolving them is the engine's job.
 * - `ld #len` / `ldx #len` read `__sk_buff.len` (u32 at ctx + 0 by default).
 * - division or modulo by X: when X is 0 the program returns 0 (the kernel emits the same check);
 *   by constant 0 the program is rejected by checkClassic.
 * - shifts by X use eBPF's 32-bit shift semantics (amount masked to 5 bits), as the kernel's
 *   translation does; shifts by a constant >= 32 are rejected by checkClassic.
 * - ancillary loads `ld [SKF_AD_OFF + n]` (any size) read __sk_buff fields:
 *   protocol -> be16(protocol) (the field holds the network-order ethertype; A gets host order),
 *   pkttype -> pkt_type, ifindex -> ifindex, mark -> mark, queue -> queue_mapping, rxhash -> hash,
 *   vlan_tag -> vlan_tci, vlan_tag_present -> vlan_present, vlan_tpid -> be16(vlan_proto);
 *   cpu -> call bpf_get_smp_processor_id (8), random -> call bpf_get_prandom_u32 (7),
 *   alu_xor_x -> A ^= X. nlattr, nlattr_nest, hatype and pay_offset need kernel internals and are
 *   rejected with CbpfError (a divergence: the kernel accepts them).
 * @throws CbpfError from checkClassic, or for an unsupported ancillary load
 */
export function translateClassic(prog: readonly ClassicInsn[], options: TranslateClassicOptions = {}): Insn[] {
  return translateClassicMapped(prog, options).insns;
}

/** Like translateClassic, and also returns where each classic instruction starts in the output. */
export function translateClassicMapped(prog: readonly ClassicInsn[], options: TranslateClassicOptions = {}): ClassicTranslation {
  checkClassic(prog);
  const offsets: SkBuffOffsets = { ...SK_BUFF_OFFSETS, ...options.ctxOffsets };
  const out: Pending[] = [];
  let from = -1;
  const emit = (insn: Insn, target?: number): void => {
    out.push(target === undefined ? { insn, from } : { insn, target, from });
  };
  // prologue: A = 0, X = 0 (classic registers start cleared), ctx saved in a callee-saved register
  emit(mov32Imm(CLASSIC_REG_A, 0));
  emit(mov32Imm(CLASSIC_REG_X, 0));
  emit(makeInsn(Class.ALU64 | AluOp.MOV | Source.X, CLASSIC_REG_CTX, R1));
  const pcMap: number[] = [];
  for (let pc = 0; pc < prog.length; pc++) {
    pcMap.push(out.length);
    from = pc;
    translateOne(prog[pc] as ClassicInsn, pc, offsets, emit);
  }
  const insns = out.map((pending, index) => {
    if (pending.target === undefined) return pending.insn;
    const targetPc = pcMap[pending.target];
    if (targetPc === undefined) throw new CbpfError(`jump target ${pending.target} outside the program at pc ${pending.from}`, pending.from);
    const off = targetPc - (index + 1);
    if (off < -0x8000 || off > 0x7fff) throw new CbpfError(`translated jump offset ${off} at pc ${pending.from} does not fit 16 bits`, pending.from);
    const { op, dst, src, imm } = pending.insn;
    return makeInsn(op, dst, src, off, imm);
  });
  return { insns, pcMap };
}

function mov32Imm(dst: number, k: number): Insn {
  return makeInsn(Class.ALU | AluOp.MOV | Source.K, dst, 0, 0, k | 0);
}

function mov32Reg(dst: number, src: number): Insn {
  return makeInsn(Class.ALU | AluOp.MOV | Source.X, dst, src);
}

function scratchOffset(k: number): number {
  return CLASSIC_SCRATCH_OFFSET + 4 * k;
}

/** Classic size bits equal eBPF's for W/H/B; returns the eBPF size code. */
function sizeOf(code: number): Size {
  const size = (code & 0x18) as Size;
  switch (size) {
    case Size.W:
    case Size.H:
    case Size.B:
      return size;
    case Size.DW:
      throw new Error('classic loads have no double-word size');
    default: {
      const never: never = size;
      throw new Error(`unknown size bits ${String(never)}`);
    }
  }
}

/** Emits the eBPF code of one checked classic instruction. */
function translateOne(insn: ClassicInsn, pc: number, ctx: SkBuffOffsets, emit: (insn: Insn, target?: number) => void): void {
  const { code, k } = insn;
  const imm = k | 0; // the same 32 bits as a signed eBPF immediate
  const cls = (code & 0x07) as ClassicClass;
  switch (cls) {
    case ClassicClass.LD: {
      const mode = code & 0xe0;
      if (mode === ClassicMode.ABS && k >= SKF_AD_OFF) {
        translateAncillary(k - SKF_AD_OFF, pc, ctx, emit);
      } else if (mode === ClassicMode.ABS) {
        emit(makeInsn(Class.LD | Mode.ABS | sizeOf(code), 0, 0, 0, imm));
      } else if (mode === ClassicMode.IND) {
        emit(makeInsn(Class.LD | Mode.IND | sizeOf(code), 0, CLASSIC_REG_X, 0, imm));
      } else if (mode === ClassicMode.LEN) {
        emit(makeInsn(Class.LDX | Mode.MEM | Size.W, CLASSIC_REG_A, CLASSIC_REG_CTX, ctx.len));
      } else if (mode === ClassicMode.IMM) {
        emit(mov32Imm(CLASSIC_REG_A, k));
      } else {
        emit(makeInsn(Class.LDX | Mode.MEM | Size.W, CLASSIC_REG_A, FP, scratchOffset(k)));
      }
      return;
    }
    case ClassicClass.LDX: {
      const mode = code & 0xe0;
      if (mode === ClassicMode.IMM) {
        emit(mov32Imm(CLASSIC_REG_X, k));
      } else if (mode === ClassicMode.MEM) {
        emit(makeInsn(Class.LDX | Mode.MEM | Size.W, CLASSIC_REG_X, FP, scratchOffset(k)));
      } else if (mode === ClassicMode.LEN) {
        emit(makeInsn(Class.LDX | Mode.MEM | Size.W, CLASSIC_REG_X, CLASSIC_REG_CTX, ctx.len));
      } else {
        // MSH: X = 4 * (P[k] & 0xf). LD_ABS writes r0 (= A), so A waits in r8 meanwhile.
        emit(makeInsn(Class.ALU64 | AluOp.MOV | Source.X, CLASSIC_REG_TMP, CLASSIC_REG_A));
        emit(makeInsn(Class.LD | Mode.ABS | Size.B, 0, 0, 0, imm));
        emit(makeInsn(Class.ALU | AluOp.AND | Source.K, CLASSIC_REG_A, 0, 0, 0xf));
        emit(makeInsn(Class.ALU | AluOp.LSH | Source.K, CLASSIC_REG_A, 0, 0, 2));
        emit(mov32Reg(CLASSIC_REG_X, CLASSIC_REG_A));
        emit(makeInsn(Class.ALU64 | AluOp.MOV | Source.X, CLASSIC_REG_A, CLASSIC_REG_TMP));
      }
      return;
    }
    case ClassicClass.ST:
      emit(makeInsn(Class.STX | Mode.MEM | Size.W, FP, CLASSIC_REG_A, scratchOffset(k)));
      return;
    case ClassicClass.STX:
      emit(makeInsn(Class.STX | Mode.MEM | Size.W, FP, CLASSIC_REG_X, scratchOffset(k)));
      return;
    case ClassicClass.ALU: {
      const op = code & 0xf0;
      if (op === AluOp.NEG) {
        emit(makeInsn(Class.ALU | AluOp.NEG, CLASSIC_REG_A));
        return;
      }
      if ((code & 0x08) === Source.X) {
        if (op === AluOp.DIV || op === AluOp.MOD) {
          // classic semantics: A / 0 and A % 0 with X = 0 end the program with 0
          emit(makeInsn(Class.JMP | JmpOp.JNE | Source.K, CLASSIC_REG_X, 0, 2, 0));
          emit(mov32Imm(CLASSIC_REG_A, 0));
          emit(makeInsn(Opcode.EXIT));
        }
        emit(makeInsn(Class.ALU | op | Source.X, CLASSIC_REG_A, CLASSIC_REG_X));
      } else {
        emit(makeInsn(Class.ALU | op | Source.K, CLASSIC_REG_A, 0, 0, imm));
      }
      return;
    }
    case ClassicClass.JMP: {
      const op = code & 0xf0;
      if (op === JmpOp.JA) {
        emit(makeInsn(Opcode.JA), pc + 1 + k);
        return;
      }
      translateCondJump(op, (code & 0x08) === Source.X, imm, pc, insn, emit);
      return;
    }
    case ClassicClass.RET:
      if ((code & 0x18) === ClassicRetSource.K) emit(mov32Imm(CLASSIC_REG_A, k));
      emit(makeInsn(Opcode.EXIT));
      return;
    case ClassicClass.MISC:
      if ((code & 0xf8) === ClassicMisc.TAX) emit(mov32Reg(CLASSIC_REG_X, CLASSIC_REG_A));
      else emit(mov32Reg(CLASSIC_REG_A, CLASSIC_REG_X));
      return;
    default: {
      const never: never = cls;
      throw new CbpfError(`unknown classic class ${String(never)} at pc ${pc}`, pc);
    }
  }
}

/** Inverse of each classic condition, when eBPF has one (jset has none). */
const INVERSE_JUMP: ReadonlyMap<number, number> = new Map<number, number>([
  [JmpOp.JEQ, JmpOp.JNE],
  [JmpOp.JGT, JmpOp.JLE],
  [JmpOp.JGE, JmpOp.JLT],
]);

/**
 * Emits `if (A op K|X) goto trueTarget else goto falseTarget` with JMP32 compares (A and X are 32-bit
 * unsigned in classic). The code of classic pc + 1 follows, so a side that equals pc + 1 needs no jump;
 * when only the false side jumps, the inverse condition is used (jset has no inverse in eBPF).
 */
function translateCondJump(op: number, isX: boolean, imm: number, pc: number, insn: ClassicInsn, emit: (insn: Insn, target?: number) => void): void {
  const trueTarget = pc + 1 + insn.jt;
  const falseTarget = pc + 1 + insn.jf;
  if (trueTarget === falseTarget) {
    emit(makeInsn(Opcode.JA), trueTarget);
    return;
  }
  const src = isX ? CLASSIC_REG_X : 0;
  const operand = isX ? 0 : imm;
  const source = isX ? Source.X : Source.K;
  const inverse = INVERSE_JUMP.get(op);
  if (insn.jt === 0 && inverse !== undefined) {
    emit(makeInsn(Class.JMP32 | inverse | source, CLASSIC_REG_A, src, 0, operand), falseTarget);
    return;
  }
  emit(makeInsn(Class.JMP32 | op | source, CLASSIC_REG_A, src, 0, operand), trueTarget);
  if (insn.jf !== 0) emit(makeInsn(Opcode.JA), falseTarget);
}

/** Emits an ancillary load `A = <skb field>` (offset n from SKF_AD_OFF, checked to be known). */
function translateAncillary(offset: number, pc: number, ctx: SkBuffOffsets, emit: (insn: Insn, target?: number) => void): void {
  const loadField = (fieldOffset: number): void => emit(makeInsn(Class.LDX | Mode.MEM | Size.W, CLASSIC_REG_A, CLASSIC_REG_CTX, fieldOffset));
  const toHost16 = (): void => emit(makeInsn(Class.ALU | AluOp.END | Source.X, CLASSIC_REG_A, 0, 0, 16));
  const ad = offset as SkfAd;
  switch (ad) {
    case SkfAd.PROTOCOL:
      loadField(ctx.protocol);
      toHost16();
      return;
    case SkfAd.PKTTYPE:
      loadField(ctx.pktType);
      return;
    case SkfAd.IFINDEX:
      loadField(ctx.ifindex);
      return;
    case SkfAd.MARK:
      loadField(ctx.mark);
      return;
    case SkfAd.QUEUE:
      loadField(ctx.queueMapping);
      return;
    case SkfAd.RXHASH:
      loadField(ctx.hash);
      return;
    case SkfAd.VLAN_TAG:
      loadField(ctx.vlanTci);
      return;
    case SkfAd.VLAN_TAG_PRESENT:
      loadField(ctx.vlanPresent);
      return;
    case SkfAd.VLAN_TPID:
      loadField(ctx.vlanProto);
      toHost16();
      return;
    case SkfAd.CPU:
      emit(makeInsn(Opcode.CALL, 0, 0, 0, HELPER_GET_SMP_PROCESSOR_ID));
      return;
    case SkfAd.RANDOM:
      emit(makeInsn(Opcode.CALL, 0, 0, 0, HELPER_GET_PRANDOM_U32));
      return;
    case SkfAd.ALU_XOR_X:
      emit(makeInsn(Class.ALU | AluOp.XOR | Source.X, CLASSIC_REG_A, CLASSIC_REG_X));
      return;
    case SkfAd.NLATTR:
    case SkfAd.NLATTR_NEST:
    case SkfAd.HATYPE:
    case SkfAd.PAY_OFFSET:
      throw new CbpfError(`unsupported ancillary load ${ANCILLARY_NAMES.get(ad) ?? String(ad)} at pc ${pc}`, pc);
    default: {
      const never: never = ad;
      throw new CbpfError(`unknown ancillary load at pc ${pc}: offset ${String(never)}`, pc);
    }
  }
}
