/**
 * @fileoverview Kernel load-time checks of classic programs (bpf_check_classic, check_load_and_stores)
 * and the text parser: each bad input gives a CbpfError with the exact pc.
 */
import { describe, expect, it } from 'vitest';
import { type ClassicInsn, checkClassic, parseClassic, SKF_AD_OFF, translateClassic } from '../../src/cbpf.js';
import { CbpfError, ErrorCode } from '../../src/errors.js';

function c(code: number, jt: number, jf: number, k: number): ClassicInsn {
  return { code, jt, jf, k: k >>> 0 };
}

const RET_K = 0x06;
const RET_A = 0x16;
const LD_IMM = 0x00;
const LD_MEM = 0x60;
const LDX_MEM = 0x61;
const ST = 0x02;
const STX = 0x03;
const JA = 0x05;
const JEQ_K = 0x15;
const JSET_X = 0x4d;

function pcOf(fn: () => unknown): number {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(CbpfError);
    expect((error as CbpfError).code).toBe(ErrorCode.CBPF);
    return (error as CbpfError).pc;
  }
  throw new Error('expected a CbpfError');
}

const rejected: { name: string; prog: ClassicInsn[]; pc: number }[] = [
  { name: 'empty program', prog: [], pc: -1 },
  { name: 'more than 4096 insns', prog: new Array<ClassicInsn>(4097).fill(c(RET_K, 0, 0, 0)), pc: -1 },
  { name: 'unknown code', prog: [c(0xffff, 0, 0, 0), c(RET_K, 0, 0, 0)], pc: 0 },
  { name: 'ret x (BSD only)', prog: [c(0x0e, 0, 0, 0)], pc: 0 },
  { name: 'ld abs with double-word size', prog: [c(0x38, 0, 0, 0), c(RET_K, 0, 0, 0)], pc: 0 },
  { name: 'ldh len', prog: [c(0x88, 0, 0, 0), c(RET_K, 0, 0, 0)], pc: 0 },
  { name: 'neg with x bit', prog: [c(0x8c, 0, 0, 0), c(RET_K, 0, 0, 0)], pc: 0 },
  { name: 'arsh (eBPF only)', prog: [c(0xc4, 0, 0, 1), c(RET_K, 0, 0, 0)], pc: 0 },
  { name: 'jne (eBPF only)', prog: [c(0x55, 0, 0, 1), c(RET_K, 0, 0, 0)], pc: 0 },
  { name: 'misc other than tax/txa', prog: [c(0x17, 0, 0, 0), c(RET_K, 0, 0, 0)], pc: 0 },
  { name: 'div by constant 0', prog: [c(LD_IMM, 0, 0, 1), c(0x34, 0, 0, 0), c(RET_A, 0, 0, 0)], pc: 1 },
  { name: 'mod by constant 0', prog: [c(LD_IMM, 0, 0, 1), c(0x94, 0, 0, 0), c(RET_A, 0, 0, 0)], pc: 1 },
  { name: 'lsh by 32', prog: [c(0x64, 0, 0, 32), c(RET_A, 0, 0, 0)], pc: 0 },
  { name: 'rsh by 32', prog: [c(0x74, 0, 0, 32), c(RET_A, 0, 0, 0)], pc: 0 },
  { name: 'ld M[16]', prog: [c(LD_MEM, 0, 0, 16), c(RET_A, 0, 0, 0)], pc: 0 },
  { name: 'ldx M[16]', prog: [c(LDX_MEM, 0, 0, 16), c(RET_A, 0, 0, 0)], pc: 0 },
  { name: 'st M[16]', prog: [c(ST, 0, 0, 16), c(RET_A, 0, 0, 0)], pc: 0 },
  { name: 'stx M[0xffffffff]', prog: [c(STX, 0, 0, 0xffffffff), c(RET_A, 0, 0, 0)], pc: 0 },
  { name: 'ja past the end', prog: [c(JA, 0, 0, 1), c(RET_K, 0, 0, 0)], pc: 0 },
  { name: 'ja huge k', prog: [c(JA, 0, 0, 0xffffffff), c(RET_K, 0, 0, 0)], pc: 0 },
  { name: 'jt past the end', prog: [c(JEQ_K, 1, 0, 0), c(RET_K, 0, 0, 0)], pc: 0 },
  { name: 'jf past the end', prog: [c(RET_K, 0, 0, 0), c(JSET_X, 0, 1, 0), c(RET_K, 0, 0, 0)], pc: 1 },
  { name: 'last insn is not ret', prog: [c(RET_K, 0, 0, 0), c(LD_IMM, 0, 0, 0)], pc: 1 },
  { name: 'jump as last insn', prog: [c(JEQ_K, 0, 0, 0)], pc: 0 },
  { name: 'unknown ancillary offset', prog: [c(0x20, 0, 0, SKF_AD_OFF + 64), c(RET_A, 0, 0, 0)], pc: 0 },
  { name: 'ancillary offset not a multiple of 4', prog: [c(0x30, 0, 0, SKF_AD_OFF + 2), c(RET_A, 0, 0, 0)], pc: 0 },
  { name: 'ancillary at the top of the range', prog: [c(0x28, 0, 0, 0xffffffff), c(RET_A, 0, 0, 0)], pc: 0 },
  { name: 'read of M[0] before any store', prog: [c(LD_MEM, 0, 0, 0), c(RET_A, 0, 0, 0)], pc: 0 },
  { name: 'ldx M[5] after a store to M[4]', prog: [c(ST, 0, 0, 4), c(LDX_MEM, 0, 0, 5), c(RET_A, 0, 0, 0)], pc: 1 },
  {
    name: 'M[0] stored on one branch only',
    prog: [c(LD_IMM, 0, 0, 1), c(JEQ_K, 0, 1, 1), c(ST, 0, 0, 0), c(LD_MEM, 0, 0, 0), c(RET_A, 0, 0, 0)],
    pc: 3,
  },
  {
    name: 'M[0] skipped by ja',
    prog: [c(JA, 0, 0, 1), c(ST, 0, 0, 0), c(LD_MEM, 0, 0, 0), c(RET_A, 0, 0, 0)],
    pc: 2,
  },
  {
    name: 'M[1] read after ret, reached by a path without the store',
    prog: [c(JEQ_K, 2, 0, 0), c(ST, 0, 0, 1), c(RET_K, 0, 0, 0), c(LD_MEM, 0, 0, 1), c(RET_A, 0, 0, 0)],
    pc: 3,
  },
  { name: 'code field out of range', prog: [c(RET_K, 0, 0, 0), { code: 0x10006, jt: 0, jf: 0, k: 0 }], pc: 1 },
  { name: 'jt field out of range', prog: [{ code: JEQ_K, jt: 256, jf: 0, k: 0 }, c(RET_K, 0, 0, 0)], pc: 0 },
  { name: 'negative k in an object', prog: [{ code: RET_K, jt: 0, jf: 0, k: -1 }], pc: 0 },
  { name: 'fractional k in an object', prog: [{ code: RET_K, jt: 0, jf: 0, k: 0.5 }], pc: 0 },
];

describe('checkClassic rejects', () => {
  it.each(rejected)('$name', ({ prog, pc }) => {
    expect(pcOf(() => checkClassic(prog))).toBe(pc);
    expect(pcOf(() => translateClassic(prog))).toBe(pc);
  });
});

const accepted: { name: string; prog: ClassicInsn[] }[] = [
  { name: 'single ret', prog: [c(RET_K, 0, 0, 0)] },
  { name: '4096 insns', prog: new Array<ClassicInsn>(4096).fill(c(RET_K, 0, 0, 0)) },
  { name: 'lsh by 31', prog: [c(0x64, 0, 0, 31), c(RET_A, 0, 0, 0)] },
  { name: 'div x (checked at run time)', prog: [c(0x3c, 0, 0, 0), c(RET_A, 0, 0, 0)] },
  { name: 'M[15]', prog: [c(ST, 0, 0, 15), c(LD_MEM, 0, 0, 15), c(RET_A, 0, 0, 0)] },
  {
    name: 'M[0] stored on both branches',
    prog: [c(JEQ_K, 0, 2, 1), c(ST, 0, 0, 0), c(JA, 0, 0, 1), c(STX, 0, 0, 0), c(LD_MEM, 0, 0, 0), c(RET_A, 0, 0, 0)],
  },
  {
    name: 'read after ret only reached by a jump that stored',
    prog: [c(ST, 0, 0, 2), c(JEQ_K, 1, 0, 0), c(RET_K, 0, 0, 0), c(LDX_MEM, 0, 0, 2), c(RET_A, 0, 0, 0)],
  },
  {
    name: 'unreachable read after ret (the kernel does not check reachability)',
    prog: [c(RET_K, 0, 0, 0), c(LD_MEM, 0, 0, 1), c(RET_A, 0, 0, 0)],
  },
  { name: 'ja to the last insn', prog: [c(JA, 0, 0, 1), c(RET_K, 0, 0, 1), c(RET_K, 0, 0, 0)] },
  { name: 'ancillary vlan tag present', prog: [c(0x30, 0, 0, SKF_AD_OFF + 48), c(RET_A, 0, 0, 0)] },
  { name: 'negative offset below the ancillary range (SKF_LL_OFF)', prog: [c(0x30, 0, 0, -0x200000), c(RET_A, 0, 0, 0)] },
];

describe('checkClassic accepts', () => {
  it.each(accepted)('$name', ({ prog }) => {
    expect(() => checkClassic(prog)).not.toThrow();
  });

  it('translates a ja over 4093 ldx msh (offset far beyond 8 bits)', () => {
    const prog = [c(JA, 0, 0, 4093), ...new Array<ClassicInsn>(4093).fill(c(0xb1, 0, 0, 14)), c(RET_A, 0, 0, 0)];
    const insns = translateClassic(prog);
    expect(insns.length).toBe(3 + 1 + 4093 * 6 + 1);
    expect(insns[3]?.off).toBe(4093 * 6);
  });

  it('translates a 4096-instruction program', () => {
    const prog = [...new Array<ClassicInsn>(4095).fill(c(0x04, 0, 0, 1)), c(RET_A, 0, 0, 0)];
    expect(translateClassic(prog).length).toBe(3 + 4095 + 1);
  });
});

describe('parseClassic', () => {
  it('reads tcpdump -ddd output', () => {
    expect(parseClassic('3\n40 0 0 12\n21 0 1 2048\n6 0 0 262144\n')).toEqual([c(40, 0, 0, 12), c(21, 0, 1, 2048), c(6, 0, 0, 262144)]);
  });

  it('accepts CRLF, blank lines and surrounding spaces', () => {
    expect(parseClassic('\r\n 2 \r\n\r\n 40 0 0 12 \r\n6  0  0  0\r\n')).toEqual([c(40, 0, 0, 12), c(6, 0, 0, 0)]);
  });

  it('reads tcpdump -dd output', () => {
    const text = '{ 0x28, 0, 0, 0x0000000c },\n{ 0x15, 0, 1, 0x00000800 },\n{ 0x6, 0, 0, 0x00040000 },\n{ 0x6, 0, 0, 0xffffffff },\n';
    expect(parseClassic(text)).toEqual([c(0x28, 0, 0, 12), c(0x15, 0, 1, 0x800), c(6, 0, 0, 0x40000), c(6, 0, 0, 0xffffffff)]);
  });

  it('reads the one-line comma form', () => {
    expect(parseClassic('2,48 0 0 9,6 0 0 1')).toEqual([c(48, 0, 0, 9), c(6, 0, 0, 1)]);
  });

  it('stores a negative k as unsigned', () => {
    expect(parseClassic('1\n32 0 0 -4096\n')).toEqual([c(32, 0, 0, SKF_AD_OFF)]);
  });

  it.each([
    { name: 'empty text', text: '', pc: -1 },
    { name: 'count is not a number', text: 'x\n6 0 0 0\n', pc: -1 },
    { name: 'count larger than lines', text: '2\n6 0 0 0\n', pc: -1 },
    { name: 'count smaller than lines', text: '1\n6 0 0 0\n6 0 0 0\n', pc: -1 },
    { name: 'three fields', text: '2\n6 0 0 0\n6 0 0\n', pc: 1 },
    { name: 'bad number', text: '1\n6 0 0 1e3\n', pc: 0 },
    { name: 'jt above 255', text: '1\n21 256 0 0\n', pc: 0 },
    { name: 'negative jf', text: '1\n21 0 -1 0\n', pc: 0 },
    { name: 'code above 65535', text: '1\n65536 0 0 0\n', pc: 0 },
    { name: 'k above 2^32-1', text: '1\n6 0 0 4294967296\n', pc: 0 },
    { name: 'k below -2^31', text: '1\n6 0 0 -2147483649\n', pc: 0 },
    { name: 'dd group with three fields', text: '{ 0x6, 0, 0 },', pc: 0 },
    { name: 'dd group with a bad number', text: '{ 0x6, 0, 0, 0 },\n{ 0x6, 0, 0, zz },', pc: 1 },
    { name: 'dd with no group', text: '{}', pc: 0 },
  ])('rejects $name', ({ text, pc }) => {
    expect(pcOf(() => parseClassic(text))).toBe(pc);
  });
});
