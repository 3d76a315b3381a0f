/**
 * @fileoverview Classic -> eBPF translation: exact output of small programs, and per-instruction
 * semantics (the reference evaluator and the translated program on the subset evaluator must both give
 * the expected value), ancillary loads, scratch memory and division by X = 0.
 */
import { describe, expect, it } from 'vitest';
import { type ClassicInsn, SKF_AD_OFF, SkfAd, translateClassic, translateClassicMapped } from '../../src/cbpf.js';
import { CbpfError, ErrorCode } from '../../src/errors.js';
import { makeInsn } from '../../src/isa/instruction.js';
import { evalClassic } from '../support/cbpf-eval.js';
import { makeSkBuff, runSubset } from '../support/cbpf-ebpf-eval.js';

/** Classic instruction shorthand: code, jt, jf, k (k given signed or unsigned). */
function c(code: number, jt: number, jf: number, k: number): ClassicInsn {
  return { code, jt, jf, k: k >>> 0 };
}

const RET_K = 0x06;
const RET_A = 0x16;
const LD_IMM = 0x00;
const LD_W_ABS = 0x20;
const LD_H_ABS = 0x28;
const LD_B_ABS = 0x30;
const LD_W_IND = 0x40;
const LD_H_IND = 0x48;
const LD_B_IND = 0x50;
const LD_MEM = 0x60;
const LD_LEN = 0x80;
const LDX_IMM = 0x01;
const LDX_MEM = 0x61;
const LDX_LEN = 0x81;
const LDX_MSH = 0xb1;
const ST = 0x02;
const STX = 0x03;
const TAX = 0x07;
const TXA = 0x87;
const JA = 0x05;
const JEQ_K = 0x15;
const JEQ_X = 0x1d;
const JGT_K = 0x25;
const JGT_X = 0x2d;
const JGE_K = 0x35;
const JGE_X = 0x3d;
const JSET_K = 0x45;
const JSET_X = 0x4d;
/** ALU opcode with K (x = false) or X source. */
const alu = (op: number, x = false): number => 0x04 | op | (x ? 0x08 : 0);
const ADD = 0x00;
const SUB = 0x10;
const MUL = 0x20;
const DIV = 0x30;
const OR = 0x40;
const AND = 0x50;
const LSH = 0x60;
const RSH = 0x70;
const NEG = 0x80;
const MOD = 0x90;
const XOR = 0xa0;

/** Packet whose byte i is i (64 bytes), IPv4-like byte 14 = 0x45. */
const PACKET = Uint8Array.from({ length: 64 }, (_, i) => (i === 14 ? 0x45 : i));

interface SemanticsCase {
  readonly name: string;
  readonly prog: ClassicInsn[];
  readonly want: number;
  readonly packet?: Uint8Array;
}

const cases: SemanticsCase[] = [
  { name: 'ret k', prog: [c(RET_K, 0, 0, 7)], want: 7 },
  { name: 'ret k max', prog: [c(RET_K, 0, 0, 0xffffffff)], want: 0xffffffff },
  { name: 'a starts at 0', prog: [c(RET_A, 0, 0, 0)], want: 0 },
  { name: 'x starts at 0', prog: [c(TXA, 0, 0, 0), c(RET_A, 0, 0, 0)], want: 0 },
  { name: 'ld imm bit 31', prog: [c(LD_IMM, 0, 0, 0x80000000), c(RET_A, 0, 0, 0)], want: 0x80000000 },
  { name: 'ld len', prog: [c(LD_LEN, 0, 0, 0), c(RET_A, 0, 0, 0)], want: 64 },
  { name: 'ldx len, txa', prog: [c(LDX_LEN, 0, 0, 0), c(TXA, 0, 0, 0), c(RET_A, 0, 0, 0)], want: 64 },
  { name: 'ldb abs', prog: [c(LD_B_ABS, 0, 0, 9), c(RET_A, 0, 0, 0)], want: 9 },
  { name: 'ldh abs big-endian', prog: [c(LD_H_ABS, 0, 0, 2), c(RET_A, 0, 0, 0)], want: 0x0203 },
  { name: 'ld abs big-endian', prog: [c(LD_W_ABS, 0, 0, 4), c(RET_A, 0, 0, 0)], want: 0x04050607 },
  { name: 'ld abs last word', prog: [c(LD_W_ABS, 0, 0, 60), c(RET_A, 0, 0, 0)], want: 0x3c3d3e3f },
  { name: 'ld abs past the end returns 0', prog: [c(LD_W_ABS, 0, 0, 61), c(RET_K, 0, 0, 1)], want: 0 },
  { name: 'ldb abs past the end returns 0', prog: [c(LD_B_ABS, 0, 0, 64), c(RET_K, 0, 0, 1)], want: 0 },
  { name: 'ldh abs huge k returns 0', prog: [c(LD_H_ABS, 0, 0, 0x7fffffff), c(RET_K, 0, 0, 1)], want: 0 },
  { name: 'ldb ind', prog: [c(LDX_IMM, 0, 0, 3), c(LD_B_IND, 0, 0, 1), c(RET_A, 0, 0, 0)], want: 4 },
  { name: 'ldh ind', prog: [c(LDX_IMM, 0, 0, 10), c(LD_H_IND, 0, 0, 2), c(RET_A, 0, 0, 0)], want: 0x0c0d },
  { name: 'ld ind', prog: [c(LDX_IMM, 0, 0, 16), c(LD_W_IND, 0, 0, 4), c(RET_A, 0, 0, 0)], want: 0x14151617 },
  { name: 'ld ind past the end returns 0', prog: [c(LDX_IMM, 0, 0, 62), c(LD_H_IND, 0, 0, 1), c(RET_K, 0, 0, 1)], want: 0 },
  { name: 'ldx msh keeps a', prog: [c(LD_IMM, 0, 0, 99), c(LDX_MSH, 0, 0, 14), c(alu(ADD, true), 0, 0, 0), c(RET_A, 0, 0, 0)], want: 119 },
  { name: 'ldx msh past the end returns 0', prog: [c(LDX_MSH, 0, 0, 64), c(RET_K, 0, 0, 1)], want: 0 },
  {
    name: 'st / ldx mem',
    prog: [c(LD_IMM, 0, 0, 5), c(ST, 0, 0, 3), c(LD_IMM, 0, 0, 0), c(LDX_MEM, 0, 0, 3), c(TXA, 0, 0, 0), c(RET_A, 0, 0, 0)],
    want: 5,
  },
  {
    name: 'stx / ld mem, all 16 words distinct',
    prog: [
      ...Array.from({ length: 16 }, (_, i) => [c(LDX_IMM, 0, 0, 100 + i), c(STX, 0, 0, i)]).flat(),
      c(LD_MEM, 0, 0, 0),
      c(TAX, 0, 0, 0),
      c(LD_MEM, 0, 0, 15),
      c(alu(ADD, true), 0, 0, 0),
      c(RET_A, 0, 0, 0),
    ],
    want: 215,
  },
  { name: 'add wraps', prog: [c(LD_IMM, 0, 0, 0xffffffff), c(alu(ADD), 0, 0, 2), c(RET_A, 0, 0, 0)], want: 1 },
  { name: 'sub wraps', prog: [c(LD_IMM, 0, 0, 1), c(alu(SUB), 0, 0, 2), c(RET_A, 0, 0, 0)], want: 0xffffffff },
  { name: 'mul wraps', prog: [c(LD_IMM, 0, 0, 0x10001), c(alu(MUL), 0, 0, 0x10001), c(RET_A, 0, 0, 0)], want: 0x00020001 },
  { name: 'div k unsigned', prog: [c(LD_IMM, 0, 0, 0xfffffff0), c(alu(DIV), 0, 0, 0x10), c(RET_A, 0, 0, 0)], want: 0x0fffffff },
  { name: 'div k bit 31 divisor', prog: [c(LD_IMM, 0, 0, 0xffffffff), c(alu(DIV), 0, 0, 0x80000000), c(RET_A, 0, 0, 0)], want: 1 },
  { name: 'mod k', prog: [c(LD_IMM, 0, 0, 100), c(alu(MOD), 0, 0, 7), c(RET_A, 0, 0, 0)], want: 2 },
  { name: 'div x', prog: [c(LD_IMM, 0, 0, 100), c(LDX_IMM, 0, 0, 7), c(alu(DIV, true), 0, 0, 0), c(RET_A, 0, 0, 0)], want: 14 },
  { name: 'mod x', prog: [c(LD_IMM, 0, 0, 100), c(LDX_IMM, 0, 0, 7), c(alu(MOD, true), 0, 0, 0), c(RET_A, 0, 0, 0)], want: 2 },
  { name: 'div by x = 0 returns 0', prog: [c(LD_IMM, 0, 0, 100), c(alu(DIV, true), 0, 0, 0), c(RET_K, 0, 0, 5)], want: 0 },
  { name: 'mod by x = 0 returns 0', prog: [c(LD_IMM, 0, 0, 100), c(alu(MOD, true), 0, 0, 0), c(RET_K, 0, 0, 5)], want: 0 },
  { name: 'neg', prog: [c(LD_IMM, 0, 0, 1), c(alu(NEG), 0, 0, 0), c(RET_A, 0, 0, 0)], want: 0xffffffff },
  { name: 'or / and / xor k', prog: [c(LD_IMM, 0, 0, 0xf0), c(alu(OR), 0, 0, 0x0f), c(alu(AND), 0, 0, 0x3c), c(alu(XOR), 0, 0, 0xff), c(RET_A, 0, 0, 0)], want: 0xc3 },
  {
    name: 'or / and / xor x',
    prog: [c(LD_IMM, 0, 0, 0xf0), c(LDX_IMM, 0, 0, 0x0f), c(alu(OR, true), 0, 0, 0), c(LDX_IMM, 0, 0, 0x3c), c(alu(AND, true), 0, 0, 0), c(LDX_IMM, 0, 0, 0xff), c(alu(XOR, true), 0, 0, 0), c(RET_A, 0, 0, 0)],
    want: 0xc3,
  },
  { name: 'lsh k 31', prog: [c(LD_IMM, 0, 0, 3), c(alu(LSH), 0, 0, 31), c(RET_A, 0, 0, 0)], want: 0x80000000 },
  { name: 'rsh k logical', prog: [c(LD_IMM, 0, 0, 0x80000000), c(alu(RSH), 0, 0, 31), c(RET_A, 0, 0, 0)], want: 1 },
  { name: 'lsh x', prog: [c(LD_IMM, 0, 0, 1), c(LDX_IMM, 0, 0, 4), c(alu(LSH, true), 0, 0, 0), c(RET_A, 0, 0, 0)], want: 16 },
  { name: 'lsh x masks to 5 bits', prog: [c(LD_IMM, 0, 0, 1), c(LDX_IMM, 0, 0, 33), c(alu(LSH, true), 0, 0, 0), c(RET_A, 0, 0, 0)], want: 2 },
  { name: 'rsh x', prog: [c(LD_IMM, 0, 0, 0x100), c(LDX_IMM, 0, 0, 4), c(alu(RSH, true), 0, 0, 0), c(RET_A, 0, 0, 0)], want: 0x10 },
  { name: 'sub / mul x', prog: [c(LD_IMM, 0, 0, 10), c(LDX_IMM, 0, 0, 3), c(alu(SUB, true), 0, 0, 0), c(alu(MUL, true), 0, 0, 0), c(RET_A, 0, 0, 0)], want: 21 },
  { name: 'tax / txa', prog: [c(LD_IMM, 0, 0, 9), c(TAX, 0, 0, 0), c(LD_IMM, 0, 0, 1), c(TXA, 0, 0, 0), c(RET_A, 0, 0, 0)], want: 9 },
  { name: 'ja', prog: [c(JA, 0, 0, 1), c(RET_K, 0, 0, 1), c(RET_K, 0, 0, 2)], want: 2 },
  { name: 'ja 0', prog: [c(JA, 0, 0, 0), c(RET_K, 0, 0, 3)], want: 3 },
  ...jumpCases(),
];

/** Every conditional jump with K and X, taken and not taken, and each jt/jf shape. */
function jumpCases(): SemanticsCase[] {
  const out: SemanticsCase[] = [];
  const table: { op: string; k: number; x: number; a: number; taken: boolean }[] = [
    { op: 'jeq', k: JEQ_K, x: JEQ_X, a: 5, taken: true },
    { op: 'jeq', k: JEQ_K, x: JEQ_X, a: 6, taken: false },
    { op: 'jgt', k: JGT_K, x: JGT_X, a: 6, taken: true },
    { op: 'jgt', k: JGT_K, x: JGT_X, a: 5, taken: false },
    { op: 'jge', k: JGE_K, x: JGE_X, a: 5, taken: true },
    { op: 'jge', k: JGE_K, x: JGE_X, a: 4, taken: false },
    { op: 'jset', k: JSET_K, x: JSET_X, a: 4, taken: true },
    { op: 'jset', k: JSET_K, x: JSET_X, a: 2, taken: false },
  ];
  const shapes = [
    { shape: 'jt 1 jf 2', jt: 1, jf: 2 },
    { shape: 'jt 0 jf 1', jt: 0, jf: 1 },
    { shape: 'jt 1 jf 0', jt: 1, jf: 0 },
    { shape: 'jt 2 jf 1', jt: 2, jf: 1 },
  ];
  for (const row of table) {
    for (const { shape, jt, jf } of shapes) {
      // pc 1 is the jump; pc 2 returns 10, pc 3 returns 20, pc 4 returns 30
      const retAt = (target: number): number => 10 * (target - 1);
      const want = retAt(2 + (row.taken ? jt : jf));
      out.push({ name: `${row.op} k ${row.taken ? 'taken' : 'not taken'} ${shape}`, prog: [c(LD_IMM, 0, 0, row.a), c(row.k, jt, jf, 5), c(RET_K, 0, 0, 10), c(RET_K, 0, 0, 20), c(RET_K, 0, 0, 30)], want });
      out.push({
        name: `${row.op} x ${row.taken ? 'taken' : 'not taken'} ${shape}`,
        prog: [c(LDX_IMM, 0, 0, 5), c(LD_IMM, 0, 0, row.a), c(row.x, jt, jf, 0), c(RET_K, 0, 0, 10), c(RET_K, 0, 0, 20), c(RET_K, 0, 0, 30)],
        want: 10 * (1 + (row.taken ? jt : jf)),
      });
    }
  }
  out.push({ name: 'jgt k is unsigned for bit 31', prog: [c(LD_IMM, 0, 0, 0x80000001), c(JGT_K, 0, 1, 0x80000000), c(RET_K, 0, 0, 1), c(RET_K, 0, 0, 2)], want: 1 });
  out.push({ name: 'jge k 0xffffffff', prog: [c(LD_IMM, 0, 0, 0xfffffffe), c(JGE_K, 0, 1, 0xffffffff), c(RET_K, 0, 0, 1), c(RET_K, 0, 0, 2)], want: 2 });
  out.push({ name: 'jeq k 0xffffffff', prog: [c(LD_IMM, 0, 0, 0xffffffff), c(JEQ_K, 0, 1, 0xffffffff), c(RET_K, 0, 0, 1), c(RET_K, 0, 0, 2)], want: 1 });
  out.push({ name: 'jset k bit 31', prog: [c(LD_IMM, 0, 0, 0x80000000), c(JSET_K, 0, 1, 0x80000000), c(RET_K, 0, 0, 1), c(RET_K, 0, 0, 2)], want: 1 });
  out.push({ name: 'jt = jf', prog: [c(LD_IMM, 0, 0, 1), c(JEQ_K, 1, 1, 1), c(RET_K, 0, 0, 1), c(RET_K, 0, 0, 2)], want: 2 });
  out.push({ name: 'jt = jf = 0', prog: [c(JEQ_K, 0, 0, 1), c(RET_K, 0, 0, 4)], want: 4 });
  return out;
}

describe('classic semantics: reference evaluator and translated eBPF agree', () => {
  it.each(cases)('$name', ({ prog, want, packet }) => {
    const bytes = packet ?? PACKET;
    expect(evalClassic(prog, bytes)).toBe(want);
    expect(runSubset(translateClassic(prog), { packet: bytes, ctx: makeSkBuff({ len: bytes.length }) })).toBe(want);
  });
});

describe('exact translation', () => {
  it('prologue, ldh, jeq with jt 0 (inverse jump), rets', () => {
    const prog = [c(LD_H_ABS, 0, 0, 12), c(JEQ_K, 0, 1, 0x800), c(RET_K, 0, 0, 0xffff), c(RET_K, 0, 0, 0)];
    const { insns, pcMap } = translateClassicMapped(prog);
    expect(insns).toEqual([
      makeInsn(0xb4, 0, 0, 0, 0), // mov32 r0, 0
      makeInsn(0xb4, 7, 0, 0, 0), // mov32 r7, 0
      makeInsn(0xbf, 6, 1, 0, 0), // mov r6, r1
      makeInsn(0x28, 0, 0, 0, 12), // ldabsh 12
      makeInsn(0x56, 0, 0, 2, 0x800), // jne32 r0, 0x800, +2
      makeInsn(0xb4, 0, 0, 0, 0xffff), // mov32 r0, 0xffff
      makeInsn(0x95, 0, 0, 0, 0), // exit
      makeInsn(0xb4, 0, 0, 0, 0), // mov32 r0, 0
      makeInsn(0x95, 0, 0, 0, 0), // exit
    ]);
    expect(pcMap).toEqual([3, 4, 5, 7]);
  });

  it('jset with jt 0 keeps jset and adds ja', () => {
    const insns = translateClassic([c(JSET_K, 0, 1, 4), c(RET_K, 0, 0, 1), c(RET_K, 0, 0, 0)]);
    expect(insns.slice(3)).toEqual([
      makeInsn(0x46, 0, 0, 1, 4), // jset32 r0, 4, +1 (to classic pc 1)
      makeInsn(0x05, 0, 0, 2, 0), // ja +2 (to classic pc 2)
      makeInsn(0xb4, 0, 0, 0, 1),
      makeInsn(0x95),
      makeInsn(0xb4, 0, 0, 0, 0),
      makeInsn(0x95),
    ]);
  });

  it('div x emits the zero check, scratch memory lives at fp-64', () => {
    const insns = translateClassic([c(ST, 0, 0, 1), c(alu(DIV, true), 0, 0, 0), c(LD_MEM, 0, 0, 1), c(RET_A, 0, 0, 0)]);
    expect(insns.slice(3)).toEqual([
      makeInsn(0x63, 10, 0, -60, 0), // stxw [r10-60], r0
      makeInsn(0x55, 7, 0, 2, 0), // jne r7, 0, +2
      makeInsn(0xb4, 0, 0, 0, 0), // mov32 r0, 0
      makeInsn(0x95), // exit
      makeInsn(0x3c, 0, 7, 0, 0), // div32 r0, r7
      makeInsn(0x61, 0, 10, -60, 0), // ldxw r0, [r10-60]
      makeInsn(0x95),
    ]);
  });

  it('ldx msh saves a in r8 around the byte load', () => {
    const insns = translateClassic([c(LDX_MSH, 0, 0, 14), c(RET_A, 0, 0, 0)]);
    expect(insns.slice(3)).toEqual([
      makeInsn(0xbf, 8, 0, 0, 0), // mov r8, r0
      makeInsn(0x30, 0, 0, 0, 14), // ldabsb 14
      makeInsn(0x54, 0, 0, 0, 0xf), // and32 r0, 0xf
      makeInsn(0x64, 0, 0, 0, 2), // lsh32 r0, 2
      makeInsn(0xbc, 7, 0, 0, 0), // mov32 r7, r0
      makeInsn(0xbf, 0, 8, 0, 0), // mov r0, r8
      makeInsn(0x95),
    ]);
  });

  it('ld ind uses x as the source register, ld len reads ctx offset 0', () => {
    const insns = translateClassic([c(LD_H_IND, 0, 0, 0xfffffffe), c(LD_LEN, 0, 0, 0), c(RET_A, 0, 0, 0)]);
    expect(insns.slice(3)).toEqual([makeInsn(0x48, 0, 7, 0, -2), makeInsn(0x61, 0, 6, 0, 0), makeInsn(0x95)]);
  });

  it('ctxOffsets moves the len field', () => {
    const insns = translateClassic([c(LD_LEN, 0, 0, 0), c(RET_A, 0, 0, 0)], { ctxOffsets: { len: 100 } });
    expect(insns[3]).toEqual(makeInsn(0x61, 0, 6, 100, 0));
  });

  it('negative offsets below the ancillary range pass through as LD_ABS (SKF_NET_OFF)', () => {
    const insns = translateClassic([c(LD_B_ABS, 0, 0, -0x100000 + 9), c(RET_A, 0, 0, 0)]);
    expect(insns[3]).toEqual(makeInsn(0x30, 0, 0, 0, -0x100000 + 9));
  });
});

interface AncillaryCase {
  readonly name: string;
  readonly offset: SkfAd;
  /** eBPF code emitted for the load (after the prologue) */
  readonly code: ReturnType<typeof makeInsn>[];
  readonly want: number;
}

const CTX = makeSkBuff({ len: 64, pktType: 3, mark: 0xabcdef, queueMapping: 2, protocolBe: 0x0008, vlanPresent: 1, vlanTci: 0x2064, vlanProtoBe: 0x0081, ifindex: 7, hash: 0x12345678 });

const ancillaryCases: AncillaryCase[] = [
  { name: 'protocol (byte-swapped to host order)', offset: SkfAd.PROTOCOL, code: [makeInsn(0x61, 0, 6, 16), makeInsn(0xdc, 0, 0, 0, 16)], want: 0x0800 },
  { name: 'pkttype', offset: SkfAd.PKTTYPE, code: [makeInsn(0x61, 0, 6, 4)], want: 3 },
  { name: 'ifindex', offset: SkfAd.IFINDEX, code: [makeInsn(0x61, 0, 6, 40)], want: 7 },
  { name: 'mark', offset: SkfAd.MARK, code: [makeInsn(0x61, 0, 6, 8)], want: 0xabcdef },
  { name: 'queue', offset: SkfAd.QUEUE, code: [makeInsn(0x61, 0, 6, 12)], want: 2 },
  { name: 'rxhash', offset: SkfAd.RXHASH, code: [makeInsn(0x61, 0, 6, 68)], want: 0x12345678 },
  { name: 'vlan_tag', offset: SkfAd.VLAN_TAG, code: [makeInsn(0x61, 0, 6, 24)], want: 0x2064 },
  { name: 'vlan_tag_present', offset: SkfAd.VLAN_TAG_PRESENT, code: [makeInsn(0x61, 0, 6, 20)], want: 1 },
  { name: 'vlan_tpid (byte-swapped to host order)', offset: SkfAd.VLAN_TPID, code: [makeInsn(0x61, 0, 6, 28), makeInsn(0xdc, 0, 0, 0, 16)], want: 0x8100 },
  { name: 'cpu (helper 8)', offset: SkfAd.CPU, code: [makeInsn(0x85, 0, 0, 0, 8)], want: 3 },
  { name: 'random (helper 7)', offset: SkfAd.RANDOM, code: [makeInsn(0x85, 0, 0, 0, 7)], want: 0x5eed },
];

describe('ancillary loads', () => {
  it.each(ancillaryCases)('$name', ({ offset, code, want }) => {
    for (const size of [LD_W_ABS, LD_H_ABS, LD_B_ABS]) {
      const prog = [c(size, 0, 0, SKF_AD_OFF + offset), c(RET_A, 0, 0, 0)];
      const insns = translateClassic(prog);
      expect(insns.slice(3)).toEqual([...code, makeInsn(0x95)]);
      expect(runSubset(insns, { packet: PACKET, ctx: CTX, cpu: 3, random: 0x5eed })).toBe(want);
      expect(evalClassic(prog, PACKET, { protocol: 0x800, pktType: 3, mark: 0xabcdef, queueMapping: 2, hash: 0x12345678, vlanTci: 0x2064, vlanPresent: 1, vlanProto: 0x8100, ifindex: 7, cpu: 3, random: 0x5eed })).toBe(want);
    }
  });

  it('alu_xor_x xors x into a', () => {
    const prog = [c(LD_IMM, 0, 0, 0xff00), c(LDX_IMM, 0, 0, 0x0ff0), c(LD_W_ABS, 0, 0, SKF_AD_OFF + SkfAd.ALU_XOR_X), c(RET_A, 0, 0, 0)];
    const insns = translateClassic(prog);
    expect(insns[5]).toEqual(makeInsn(0xac, 0, 7, 0, 0));
    expect(runSubset(insns, { packet: PACKET, ctx: CTX })).toBe(0xf0f0);
    expect(evalClassic(prog, PACKET)).toBe(0xf0f0);
  });

  it.each([
    { name: 'nlattr', offset: SkfAd.NLATTR },
    { name: 'nlattr_nest', offset: SkfAd.NLATTR_NEST },
    { name: 'hatype', offset: SkfAd.HATYPE },
    { name: 'pay_offset', offset: SkfAd.PAY_OFFSET },
  ])('$name is rejected as unsupported', ({ offset }) => {
    const prog = [c(LD_IMM, 0, 0, 1), c(LD_W_ABS, 0, 0, SKF_AD_OFF + offset), c(RET_A, 0, 0, 0)];
    const error = catchError(() => translateClassic(prog));
    expect(error).toBeInstanceOf(CbpfError);
    expect((error as CbpfError).code).toBe(ErrorCode.CBPF);
    expect((error as CbpfError).pc).toBe(1);
  });
});

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}
