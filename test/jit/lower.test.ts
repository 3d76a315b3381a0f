/**
 * @fileoverview Exact-value tests of the JIT, one table row per instruction kind and edge case
 * (32-bit zero-extension, shift masking, division by zero and INT_MIN / -1, movsx, byte swaps,
 * jumps, memory, atomics, calls, may_goto). Each row also runs on the interpreter, which must agree.
 */
import { describe, expect, it } from 'vitest';
import type { HelperFn } from '../../runtime/env.js';
import { RuntimeError } from '../../src/errors.js';
import { makeInsn, type Insn } from '../../src/isa/instruction.js';
import { Class, Mode } from '../../src/isa/opcodes.js';
import {
  alu32,
  alu32x,
  alu64,
  alu64x,
  AluOp,
  AtomicOp,
  atomic,
  call,
  callLocal,
  callx,
  exit,
  ja,
  jmp,
  jmp32,
  jmp32x,
  JmpOp,
  jmpx,
  lddw,
  ldsx,
  ldx,
  mayGoto,
  mov,
  movx,
  prog,
  runInterpreter,
  runJit,
  type RunOptions,
  Size,
  st,
  stx,
} from './harness.js';

const M64 = 0xffff_ffff_ffff_ffffn;
const INT64_MIN = 0x8000_0000_0000_0000n;

interface Case {
  name: string;
  insns: Insn[];
  want: bigint;
  options?: RunOptions;
}

/** r1 = setup, then `op`, then r0 = r1. */
function r1After(setup: Insn[], ...ops: Insn[]): Insn[] {
  return prog(setup, ops, movx(0, 1), exit());
}

const ld1 = (v: bigint): Insn[] => lddw(1, v);

const aluCases: Case[] = [
  { name: 'add wraps', insns: r1After(ld1(M64), alu64(AluOp.ADD, 1, 2)), want: 1n },
  { name: 'add imm sign-extends', insns: r1After([mov(1, 0)], alu64(AluOp.ADD, 1, -1)), want: M64 },
  { name: 'sub', insns: r1After([mov(1, 5)], alu64(AluOp.SUB, 1, 7)), want: M64 - 1n },
  { name: 'mul', insns: r1After(ld1(0x1_0000_0001n), alu64(AluOp.MUL, 1, 0x10)), want: 0x10_0000_0010n },
  { name: 'mul overflow', insns: r1After(ld1(0x8000_0000_0000_0001n), alu64(AluOp.MUL, 1, 2)), want: 2n },
  { name: 'div by zero imm', insns: r1After([mov(1, 100)], alu64(AluOp.DIV, 1, 0)), want: 0n },
  { name: 'div by zero reg', insns: r1After([mov(1, 100), mov(2, 0)], alu64x(AluOp.DIV, 1, 2)), want: 0n },
  { name: 'div unsigned', insns: r1After([mov(1, -1)], alu64(AluOp.DIV, 1, 2)), want: 0x7fff_ffff_ffff_ffffn },
  { name: 'div by imm -1 is unsigned', insns: r1After([mov(1, -2)], alu64(AluOp.DIV, 1, -1)), want: 0n },
  { name: 'mod by zero imm keeps dst', insns: r1After([mov(1, 100)], alu64(AluOp.MOD, 1, 0)), want: 100n },
  { name: 'mod by zero reg keeps dst', insns: r1After([mov(1, 100), mov(2, 0)], alu64x(AluOp.MOD, 1, 2)), want: 100n },
  { name: 'mod', insns: r1After([mov(1, 100)], alu64(AluOp.MOD, 1, 7)), want: 2n },
  { name: 'mod reg', insns: r1After([mov(1, 100), mov(2, 7)], alu64x(AluOp.MOD, 1, 2)), want: 2n },
  { name: 'sdiv', insns: r1After([mov(1, -7)], alu64(AluOp.DIV, 1, 2, 1)), want: M64 - 2n },
  { name: 'sdiv reg', insns: r1After([mov(1, -7), mov(2, 2)], alu64x(AluOp.DIV, 1, 2, 1)), want: M64 - 2n },
  { name: 'sdiv INT_MIN by -1 imm', insns: r1After(ld1(INT64_MIN), alu64(AluOp.DIV, 1, -1, 1)), want: INT64_MIN },
  { name: 'sdiv INT_MIN by -1 reg', insns: r1After([...ld1(INT64_MIN), mov(2, -1)], alu64x(AluOp.DIV, 1, 2, 1)), want: INT64_MIN },
  { name: 'sdiv by zero', insns: r1After([mov(1, -7), mov(2, 0)], alu64x(AluOp.DIV, 1, 2, 1)), want: 0n },
  { name: 'smod', insns: r1After([mov(1, -7)], alu64(AluOp.MOD, 1, 2, 1)), want: M64 },
  { name: 'smod INT_MIN by -1', insns: r1After([...ld1(INT64_MIN), mov(2, -1)], alu64x(AluOp.MOD, 1, 2, 1)), want: 0n },
  { name: 'smod INT_MIN by -1 imm', insns: r1After(ld1(INT64_MIN), alu64(AluOp.MOD, 1, -1, 1)), want: 0n },
  { name: 'smod by zero imm keeps dst', insns: r1After([mov(1, -7)], alu64(AluOp.MOD, 1, 0, 1)), want: M64 - 6n },
  { name: 'smod by zero reg keeps dst', insns: r1After([mov(1, -7), mov(2, 0)], alu64x(AluOp.MOD, 1, 2, 1)), want: M64 - 6n },
  { name: 'or', insns: r1After(ld1(0xf0f0_f0f0_f0f0_f0f0n), alu64(AluOp.OR, 1, 0x0f)), want: 0xf0f0_f0f0_f0f0_f0ffn },
  { name: 'and imm sign-extends', insns: r1After(ld1(0xf0f0_f0f0_f0f0_f0ffn), alu64(AluOp.AND, 1, -16)), want: 0xf0f0_f0f0_f0f0_f0f0n },
  { name: 'and positive imm', insns: r1After(ld1(0xf0f0_f0f0_f0f0_f0f0n), alu64(AluOp.AND, 1, 0x7fff_ffff)), want: 0x70f0_f0f0n },
  { name: 'xor', insns: r1After(ld1(0xf0f0_f0f0_f0f0_f0f0n), alu64(AluOp.XOR, 1, -1)), want: 0x0f0f_0f0f_0f0f_0f0fn },
  { name: 'lsh 63', insns: r1After([mov(1, 1)], alu64(AluOp.LSH, 1, 63)), want: INT64_MIN },
  { name: 'lsh masks to 6 bits', insns: r1After([mov(1, 1), mov(2, 65)], alu64x(AluOp.LSH, 1, 2)), want: 2n },
  { name: 'rsh is logical', insns: r1After([mov(1, -1)], alu64(AluOp.RSH, 1, 60)), want: 0xfn },
  { name: 'rsh masks to 6 bits', insns: r1After([mov(1, -1), mov(2, 68)], alu64x(AluOp.RSH, 1, 2)), want: 0x0fff_ffff_ffff_ffffn },
  { name: 'arsh', insns: r1After(ld1(INT64_MIN), alu64(AluOp.ARSH, 1, 63)), want: M64 },
  { name: 'arsh masks to 6 bits', insns: r1After([...ld1(INT64_MIN), mov(2, 127)], alu64x(AluOp.ARSH, 1, 2)), want: M64 },
  { name: 'neg', insns: r1After([mov(1, 5)], alu64(AluOp.NEG, 1, 0)), want: M64 - 4n },
  { name: 'neg INT_MIN', insns: r1After(ld1(INT64_MIN), alu64(AluOp.NEG, 1, 0)), want: INT64_MIN },
  { name: 'mov imm sign-extends', insns: r1After([], mov(1, -2)), want: M64 - 1n },
  { name: 'mov positive imm', insns: r1After([], mov(1, 0x7fff_ffff)), want: 0x7fff_ffffn },
  { name: 'movsx8', insns: r1After([mov(2, 0x80)], alu64x(AluOp.MOV, 1, 2, 8)), want: 0xffff_ffff_ffff_ff80n },
  { name: 'movsx8 positive', insns: r1After([mov(2, 0x17f)], alu64x(AluOp.MOV, 1, 2, 8)), want: 0x7fn },
  { name: 'movsx16', insns: r1After([mov(2, 0x8000)], alu64x(AluOp.MOV, 1, 2, 16)), want: 0xffff_ffff_ffff_8000n },
  { name: 'movsx32', insns: r1After([alu32(AluOp.MOV, 2, -0x8000_0000)], alu64x(AluOp.MOV, 1, 2, 32)), want: 0xffff_ffff_8000_0000n },
  { name: 'movsx32 ignores upper half', insns: r1After(lddw(2, 0x1234_5678_0000_0001n), alu64x(AluOp.MOV, 1, 2, 32)), want: 1n },

  { name: 'add32 wraps and zero-extends', insns: r1After(ld1(M64), alu32(AluOp.ADD, 1, 2)), want: 1n },
  { name: 'add32 clears upper half', insns: r1After(ld1(0x1234_5678_0000_0005n), alu32(AluOp.ADD, 1, 0)), want: 5n },
  { name: 'sub32', insns: r1After([mov(1, 5)], alu32(AluOp.SUB, 1, 7)), want: 0xffff_fffen },
  { name: 'mul32', insns: r1After([mov(1, 0x10000)], alu32(AluOp.MUL, 1, 0x10000)), want: 0n },
  { name: 'mul32 reg', insns: r1After([mov(1, 0x10001), mov(2, 0x10001)], alu32x(AluOp.MUL, 1, 2)), want: 0x20001n },
  { name: 'div32 by zero', insns: r1After([mov(1, 100)], alu32(AluOp.DIV, 1, 0)), want: 0n },
  { name: 'div32 uses low half of divisor', insns: r1After([mov(1, 100), ...lddw(2, 0x1_0000_0000n)], alu32x(AluOp.DIV, 1, 2)), want: 0n },
  { name: 'div32 uses low half of dividend', insns: r1After(ld1(0x1_0000_0064n), alu32(AluOp.DIV, 1, 10)), want: 10n },
  { name: 'div32 by imm -1 is unsigned', insns: r1After([mov(1, -2)], alu32(AluOp.DIV, 1, -1)), want: 0n },
  { name: 'mod32 by zero zero-extends dst', insns: r1After(ld1(0x1_ffff_fff6n), alu32(AluOp.MOD, 1, 0)), want: 0xffff_fff6n },
  { name: 'mod32 reg by zero zero-extends dst', insns: r1After([...ld1(0x1_ffff_fff6n), mov(2, 0)], alu32x(AluOp.MOD, 1, 2)), want: 0xffff_fff6n },
  { name: 'mod32', insns: r1After([mov(1, 100)], alu32(AluOp.MOD, 1, 7)), want: 2n },
  { name: 'sdiv32', insns: r1After([mov(1, -7)], alu32(AluOp.DIV, 1, 2, 1)), want: 0xffff_fffdn },
  { name: 'sdiv32 INT_MIN by -1', insns: r1After([alu32(AluOp.MOV, 1, -0x8000_0000)], alu32(AluOp.DIV, 1, -1, 1)), want: 0x8000_0000n },
  { name: 'sdiv32 INT_MIN by -1 reg', insns: r1After([alu32(AluOp.MOV, 1, -0x8000_0000), mov(2, -1)], alu32x(AluOp.DIV, 1, 2, 1)), want: 0x8000_0000n },
  { name: 'sdiv32 by zero', insns: r1After([mov(1, -7), mov(2, 0)], alu32x(AluOp.DIV, 1, 2, 1)), want: 0n },
  { name: 'smod32', insns: r1After([mov(1, -7)], alu32(AluOp.MOD, 1, 2, 1)), want: 0xffff_ffffn },
  { name: 'smod32 INT_MIN by -1', insns: r1After([alu32(AluOp.MOV, 1, -0x8000_0000), mov(2, -1)], alu32x(AluOp.MOD, 1, 2, 1)), want: 0n },
  { name: 'smod32 by zero zero-extends dst', insns: r1After([mov(1, -10)], alu32(AluOp.MOD, 1, 0, 1)), want: 0xffff_fff6n },
  { name: 'smod32 reg by zero (low half) zero-extends dst', insns: r1After([mov(1, -10), ...lddw(2, 0x1_0000_0000n)], alu32x(AluOp.MOD, 1, 2, 1)), want: 0xffff_fff6n },
  { name: 'or32', insns: r1After(ld1(0xffff_ffff_0000_0000n), alu32(AluOp.OR, 1, 1)), want: 1n },
  { name: 'and32', insns: r1After([mov(1, -1)], alu32(AluOp.AND, 1, 0xff)), want: 0xffn },
  { name: 'xor32', insns: r1After([mov(1, -1)], alu32(AluOp.XOR, 1, 1)), want: 0xffff_fffen },
  { name: 'lsh32', insns: r1After([mov(1, 1)], alu32(AluOp.LSH, 1, 31)), want: 0x8000_0000n },
  { name: 'lsh32 masks to 5 bits', insns: r1After([mov(1, 1), mov(2, 33)], alu32x(AluOp.LSH, 1, 2)), want: 2n },
  { name: 'rsh32 on the low half', insns: r1After([mov(1, -1)], alu32(AluOp.RSH, 1, 28)), want: 0xfn },
  { name: 'rsh32 masks to 5 bits', insns: r1After([mov(1, -1), mov(2, 36)], alu32x(AluOp.RSH, 1, 2)), want: 0x0fff_ffffn },
  { name: 'arsh32', insns: r1After([alu32(AluOp.MOV, 1, -0x8000_0000)], alu32(AluOp.ARSH, 1, 31)), want: 0xffff_ffffn },
  { name: 'arsh32 ignores upper half', insns: r1After(ld1(0x1_8000_0000n), alu32(AluOp.ARSH, 1, 4)), want: 0xf800_0000n },
  { name: 'neg32', insns: r1After([mov(1, 5)], alu32(AluOp.NEG, 1, 0)), want: 0xffff_fffbn },
  { name: 'mov32 imm zero-extends', insns: r1After([], alu32(AluOp.MOV, 1, -1)), want: 0xffff_ffffn },
  { name: 'mov32 reg', insns: r1After(lddw(2, 0x1234_5678_8765_4321n), alu32x(AluOp.MOV, 1, 2)), want: 0x8765_4321n },
  { name: 'movsx8 32', insns: r1After([mov(2, 0x80)], alu32x(AluOp.MOV, 1, 2, 8)), want: 0xffff_ff80n },
  { name: 'movsx16 32', insns: r1After([mov(2, 0x8000)], alu32x(AluOp.MOV, 1, 2, 16)), want: 0xffff_8000n },

  { name: 'le16', insns: r1After(ld1(0x1122_3344_5566_7788n), alu32(AluOp.END, 1, 16)), want: 0x7788n },
  { name: 'le32', insns: r1After(ld1(0x1122_3344_5566_7788n), alu32(AluOp.END, 1, 32)), want: 0x5566_7788n },
  { name: 'le64', insns: r1After(ld1(0x1122_3344_5566_7788n), alu32(AluOp.END, 1, 64)), want: 0x1122_3344_5566_7788n },
  { name: 'be16', insns: r1After(ld1(0x1122_3344_5566_7788n), { ...alu32x(AluOp.END, 1, 0), imm: 16 }), want: 0x8877n },
  { name: 'be32', insns: r1After(ld1(0x1122_3344_5566_7788n), { ...alu32x(AluOp.END, 1, 0), imm: 32 }), want: 0x8877_6655n },
  { name: 'be64', insns: r1After(ld1(0x1122_3344_5566_7788n), { ...alu32x(AluOp.END, 1, 0), imm: 64 }), want: 0x8877_6655_4433_2211n },
  { name: 'bswap16', insns: r1After(ld1(0x1122_3344_5566_7788n), alu64(AluOp.END, 1, 16)), want: 0x8877n },
  { name: 'bswap32', insns: r1After(ld1(0x1122_3344_5566_7788n), alu64(AluOp.END, 1, 32)), want: 0x8877_6655n },
  { name: 'bswap64', insns: r1After(ld1(0x1122_3344_5566_7788n), alu64(AluOp.END, 1, 64)), want: 0x8877_6655_4433_2211n },
  { name: 'lddw', insns: prog(lddw(0, 0x8000_0000_ffff_ffffn), exit()), want: 0x8000_0000_ffff_ffffn },
];

/** r0 = 1 when the jump at the end of `setup` is taken, else 0. */
function taken(setup: Insn[], jump: Insn): Insn[] {
  return prog(mov(0, 1), setup, jump, mov(0, 0), exit());
}

const jumpCases: Case[] = [
  { name: 'jeq imm sign-extends', insns: taken(ld1(M64), jmp(JmpOp.JEQ, 1, -1, 1)), want: 1n },
  { name: 'jeq 64 compares upper half', insns: taken(ld1(0x1_0000_0005n), jmp(JmpOp.JEQ, 1, 5, 1)), want: 0n },
  { name: 'jeq32 compares low half', insns: taken(ld1(0x1_0000_0005n), jmp32(JmpOp.JEQ, 1, 5, 1)), want: 1n },
  { name: 'jne', insns: taken([mov(1, 3)], jmp(JmpOp.JNE, 1, 4, 1)), want: 1n },
  { name: 'jne32 not taken', insns: taken(ld1(0xffff_ffff_0000_0000n), jmp32(JmpOp.JNE, 1, 0, 1)), want: 0n },
  { name: 'jgt unsigned', insns: taken([mov(1, -1)], jmp(JmpOp.JGT, 1, 5, 1)), want: 1n },
  { name: 'jsgt signed', insns: taken([mov(1, -1)], jmp(JmpOp.JSGT, 1, 5, 1)), want: 0n },
  { name: 'jge equal', insns: taken([mov(1, 5)], jmp(JmpOp.JGE, 1, 5, 1)), want: 1n },
  { name: 'jlt equal', insns: taken([mov(1, 5)], jmp(JmpOp.JLT, 1, 5, 1)), want: 0n },
  { name: 'jle equal', insns: taken([mov(1, 5)], jmp(JmpOp.JLE, 1, 5, 1)), want: 1n },
  { name: 'jlt imm -1 is max unsigned', insns: taken([mov(1, 5)], jmp(JmpOp.JLT, 1, -1, 1)), want: 1n },
  { name: 'jslt', insns: taken([mov(1, -1)], jmp(JmpOp.JSLT, 1, 0, 1)), want: 1n },
  { name: 'jsle', insns: taken([mov(1, -1)], jmp(JmpOp.JSLE, 1, -1, 1)), want: 1n },
  { name: 'jsge', insns: taken([mov(1, -1)], jmp(JmpOp.JSGE, 1, 0, 1)), want: 0n },
  { name: 'jset reg', insns: taken([...ld1(0x1_0000_0000n), ...lddw(2, 0x1_0000_0000n)], jmpx(JmpOp.JSET, 1, 2, 1)), want: 1n },
  { name: 'jset32 reg low halves', insns: taken([...ld1(0x1_0000_0000n), ...lddw(2, 0x1_0000_0000n)], jmp32x(JmpOp.JSET, 1, 2, 1)), want: 0n },
  { name: 'jgt32 unsigned', insns: taken([alu32(AluOp.MOV, 1, -0x8000_0000)], jmp32(JmpOp.JGT, 1, 1, 1)), want: 1n },
  { name: 'jsgt32 signed', insns: taken([alu32(AluOp.MOV, 1, -0x8000_0000)], jmp32(JmpOp.JSGT, 1, 1, 1)), want: 0n },
  { name: 'jsge32 reg', insns: taken([mov(1, -1), mov(2, -1)], jmp32x(JmpOp.JSGE, 1, 2, 1)), want: 1n },
  { name: 'jslt32 on low half', insns: taken([...ld1(0x1_ffff_ffffn)], jmp32(JmpOp.JSLT, 1, 0, 1)), want: 1n },
  { name: 'jsle32', insns: taken([mov(1, 0)], jmp32(JmpOp.JSLE, 1, 0, 1)), want: 1n },
  { name: 'jlt32 reg', insns: taken([mov(1, 1), mov(2, -1)], jmp32x(JmpOp.JLT, 1, 2, 1)), want: 1n },
  { name: 'jle32', insns: taken([mov(1, 2)], jmp32(JmpOp.JLE, 1, 1, 1)), want: 0n },
  { name: 'jge32', insns: taken([mov(1, -1)], jmp32(JmpOp.JGE, 1, -1, 1)), want: 1n },
  { name: 'jeq reg', insns: taken([mov(1, 7), mov(2, 7)], jmpx(JmpOp.JEQ, 1, 2, 1)), want: 1n },
  { name: 'jump to the next instruction', insns: taken([mov(1, 7)], jmp(JmpOp.JEQ, 1, 7, 0)), want: 0n },
  { name: 'ja', insns: prog(mov(0, 1), ja(2), alu64(AluOp.ADD, 0, 10), exit(), alu64(AluOp.ADD, 0, 100), ja(-4)), want: 111n },
  { name: 'ja32', insns: prog(mov(0, 1), { op: 0x06, dst: 0, src: 0, off: 0, imm: 2 }, alu64(AluOp.ADD, 0, 10), exit(), alu64(AluOp.ADD, 0, 100), { op: 0x06, dst: 0, src: 0, off: 0, imm: -4 }), want: 111n },
  {
    name: 'backward loop sums 1..10',
    insns: prog(mov(0, 0), mov(1, 10), alu64x(AluOp.ADD, 0, 1), alu64(AluOp.SUB, 1, 1), jmp(JmpOp.JNE, 1, 0, -3), exit()),
    want: 55n,
  },
  {
    name: 'may_goto falls through 8,388,608 times',
    insns: prog(mov(0, 0), mayGoto(2), alu64(AluOp.ADD, 0, 1), ja(-3), exit()),
    want: 8_388_608n,
  },
  { name: 'may_goto to the next instruction', insns: prog(mov(0, 3), mayGoto(0), exit()), want: 3n },
];

const stack = (off: number): number => off;
const ldabs = (size: number, imm: number): Insn => makeInsn(Class.LD | Mode.ABS | size, 0, 0, 0, imm);
const ldind = (size: number, src: number, imm: number): Insn => makeInsn(Class.LD | Mode.IND | size, 0, src, 0, imm);
const memCases: Case[] = [
  { name: 'stxdw/ldxdw', insns: prog(ld1(0x1122_3344_5566_7788n), stx(Size.DW, 10, 1, -8), ldx(Size.DW, 0, 10, -8), exit()), want: 0x1122_3344_5566_7788n },
  { name: 'stdw sign-extends imm', insns: prog(st(Size.DW, 10, stack(-8), -1), ldx(Size.DW, 0, 10, -8), exit()), want: M64 },
  { name: 'stw writes 4 bytes', insns: prog(st(Size.DW, 10, -8, 0), st(Size.W, 10, -8, -1), ldx(Size.DW, 0, 10, -8), exit()), want: 0xffff_ffffn },
  { name: 'sth writes 2 bytes', insns: prog(st(Size.DW, 10, -8, 0), st(Size.H, 10, -8, 0x12345), ldx(Size.DW, 0, 10, -8), exit()), want: 0x2345n },
  { name: 'stb writes 1 byte', insns: prog(st(Size.DW, 10, -8, 0), st(Size.B, 10, -7, 0x1ab), ldx(Size.DW, 0, 10, -8), exit()), want: 0xab00n },
  { name: 'stxw stores the low half', insns: prog(ld1(0x1122_3344_5566_7788n), st(Size.DW, 10, -8, 0), stx(Size.W, 10, 1, -8), ldx(Size.DW, 0, 10, -8), exit()), want: 0x5566_7788n },
  { name: 'stxh', insns: prog(ld1(0x1122_3344_5566_7788n), st(Size.DW, 10, -8, 0), stx(Size.H, 10, 1, -6), ldx(Size.DW, 0, 10, -8), exit()), want: 0x7788_0000n },
  { name: 'stxb', insns: prog(ld1(0x1122_3344_5566_7788n), st(Size.DW, 10, -8, 0), stx(Size.B, 10, 1, -1), ldx(Size.DW, 0, 10, -8), exit()), want: 0x8800_0000_0000_0000n },
  { name: 'ldxb zero-extends', insns: prog(st(Size.DW, 10, -8, -1), ldx(Size.B, 0, 10, -8), exit()), want: 0xffn },
  { name: 'ldxh zero-extends', insns: prog(st(Size.DW, 10, -8, -1), ldx(Size.H, 0, 10, -8), exit()), want: 0xffffn },
  { name: 'ldxw zero-extends', insns: prog(st(Size.DW, 10, -8, -1), ldx(Size.W, 0, 10, -8), exit()), want: 0xffff_ffffn },
  { name: 'ldxsb', insns: prog(st(Size.DW, 10, -8, 0x80), ldsx(Size.B, 0, 10, -8), exit()), want: 0xffff_ffff_ffff_ff80n },
  { name: 'ldxsh', insns: prog(st(Size.DW, 10, -8, 0x8000), ldsx(Size.H, 0, 10, -8), exit()), want: 0xffff_ffff_ffff_8000n },
  { name: 'ldxsw', insns: prog(st(Size.DW, 10, -8, -0x8000_0000), ldsx(Size.W, 0, 10, -8), exit()), want: 0xffff_ffff_8000_0000n },
  { name: 'ldxsw positive', insns: prog(st(Size.DW, 10, -8, 0x7fff_ffff), ldsx(Size.W, 0, 10, -8), exit()), want: 0x7fff_ffffn },
  {
    name: 'input memory little-endian',
    insns: prog(ldx(Size.DW, 0, 1, 0), exit()),
    want: 0x0807_0605_0403_0201n,
    options: { mem: Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8) },
  },
  { name: 'input ldxh at +6', insns: prog(ldx(Size.H, 0, 1, 6), exit()), want: 0x0807n, options: { mem: Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8) } },
  {
    name: 'negative offset',
    insns: prog(movx(2, 1), alu64(AluOp.ADD, 2, 8), ldx(Size.B, 0, 2, -1), exit()),
    want: 8n,
    options: { mem: Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8) },
  },
  { name: 'ldabsw is big-endian', insns: prog(ldabs(Size.W, 0), exit()), want: 0x1122_3344n, options: { mem: Uint8Array.of(0x11, 0x22, 0x33, 0x44) } },
  { name: 'ldabsh', insns: prog(ldabs(Size.H, 2), exit()), want: 0x3344n, options: { mem: Uint8Array.of(0x11, 0x22, 0x33, 0x44) } },
  { name: 'ldabsb', insns: prog(ldabs(Size.B, 3), exit()), want: 0x44n, options: { mem: Uint8Array.of(0x11, 0x22, 0x33, 0x44) } },
  { name: 'ldabsw outside the input ends the run with 0', insns: prog(mov(0, 9), ldabs(Size.W, 1), mov(0, 7), exit()), want: 0n, options: { mem: Uint8Array.of(1, 2, 3, 4) } },
  { name: 'ldindh adds src', insns: prog(mov(3, 1), ldind(Size.H, 3, 1), exit()), want: 0x3344n, options: { mem: Uint8Array.of(0x11, 0x22, 0x33, 0x44) } },
  {
    name: 'ldind with a negative sum ends the run with 0',
    insns: prog(mov(3, -5), ldind(Size.B, 3, 1), mov(0, 7), exit()),
    want: 0n,
    options: { mem: Uint8Array.of(0x11, 0x22, 0x33, 0x44) },
  },
  {
    name: 'legacy load outside the input inside a callee ends the whole run',
    insns: prog(callLocal(2), mov(0, 5), exit(), ldabs(Size.B, 9), exit()),
    want: 0n,
    options: { mem: Uint8Array.of(1, 2) },
  },
  { name: 'r1 above 2^63 passes through', insns: prog(movx(0, 1), exit()), want: M64, options: { r1: M64 } },
  { name: 'r2 is the input length', insns: prog(movx(0, 2), exit()), want: 3n, options: { mem: Uint8Array.of(1, 2, 3) } },
  { name: 'unchecked stack access', insns: prog(st(Size.W, 10, -4, 9), ldx(Size.W, 0, 10, -4), exit()), want: 9n, options: { unchecked: true } },
  {
    name: 'unchecked negative offset',
    insns: prog(movx(2, 1), alu64(AluOp.ADD, 2, 8), ldx(Size.H, 0, 2, -2), exit()),
    want: 0x0807n,
    options: { mem: Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8), unchecked: true },
  },
];

/** Runs an atomic on the stack dword [r10-8] = init with r1 = src, returns the chosen register or memory. */
function atomicCase(size: number, imm: number, init: bigint, src: bigint, result: 'mem' | 'src' | 'r0', r0 = 0n): Insn[] {
  const tail = result === 'mem' ? [ldx(Size.DW, 0, 10, -8)] : result === 'src' ? [movx(0, 1)] : [];
  return prog(lddw(2, init), stx(Size.DW, 10, 2, -8), lddw(1, src), lddw(0, r0), atomic(size, 10, 1, -8, imm), tail, exit());
}

const atomicCases: Case[] = [
  { name: 'add', insns: atomicCase(Size.DW, AtomicOp.ADD, 0x10n, 5n, 'mem'), want: 0x15n },
  { name: 'add leaves src', insns: atomicCase(Size.DW, AtomicOp.ADD, 0x10n, 5n, 'src'), want: 5n },
  { name: 'fetch add returns old', insns: atomicCase(Size.DW, AtomicOp.ADD | AtomicOp.FETCH, 0x10n, 5n, 'src'), want: 0x10n },
  { name: 'add32 keeps the upper word', insns: atomicCase(Size.W, AtomicOp.ADD, 0x1_ffff_ffffn, 1n, 'mem'), want: 0x1_0000_0000n },
  { name: 'fetch add32 zero-extends old', insns: atomicCase(Size.W, AtomicOp.ADD | AtomicOp.FETCH, 0xffff_ffffn, 1n, 'src'), want: 0xffff_ffffn },
  { name: 'or', insns: atomicCase(Size.DW, AtomicOp.OR, 0xf0n, 0x0f_0000_0000n, 'mem'), want: 0x0f_0000_00f0n },
  { name: 'fetch or32', insns: atomicCase(Size.W, AtomicOp.OR | AtomicOp.FETCH, 0xf0n, 0x0fn, 'mem'), want: 0xffn },
  { name: 'and', insns: atomicCase(Size.DW, AtomicOp.AND, 0xf0f0n, 0xff00n, 'mem'), want: 0xf000n },
  { name: 'fetch and', insns: atomicCase(Size.DW, AtomicOp.AND | AtomicOp.FETCH, 0xf0f0n, 0xff00n, 'src'), want: 0xf0f0n },
  { name: 'and32', insns: atomicCase(Size.W, AtomicOp.AND, 0x7_f0f0n, 0xff00n, 'mem'), want: 0xf000n },
  { name: 'xor', insns: atomicCase(Size.DW, AtomicOp.XOR, 0xffn, 0x0fn, 'mem'), want: 0xf0n },
  { name: 'fetch xor32', insns: atomicCase(Size.W, AtomicOp.XOR | AtomicOp.FETCH, 0x1_0000_00ffn, 0x0fn, 'src'), want: 0xffn },
  { name: 'xchg', insns: atomicCase(Size.DW, AtomicOp.XCHG, 0x1234n, 0x5678n, 'src'), want: 0x1234n },
  { name: 'xchg stores', insns: atomicCase(Size.DW, AtomicOp.XCHG, 0x1234n, 0x5678n, 'mem'), want: 0x5678n },
  { name: 'xchg32', insns: atomicCase(Size.W, AtomicOp.XCHG, 0x9_0000_1234n, 0x7_0000_5678n, 'mem'), want: 0x9_0000_5678n },
  { name: 'cmpxchg equal stores', insns: atomicCase(Size.DW, AtomicOp.CMPXCHG, 0x10n, 0x20n, 'mem', 0x10n), want: 0x20n },
  { name: 'cmpxchg returns old in r0', insns: atomicCase(Size.DW, AtomicOp.CMPXCHG, 0x10n, 0x20n, 'r0', 0x11n), want: 0x10n },
  { name: 'cmpxchg unequal keeps', insns: atomicCase(Size.DW, AtomicOp.CMPXCHG, 0x10n, 0x20n, 'mem', 0x11n), want: 0x10n },
  { name: 'cmpxchg32 compares low half of r0', insns: atomicCase(Size.W, AtomicOp.CMPXCHG, 0x10n, 0x20n, 'mem', 0x5_0000_0010n), want: 0x20n },
  { name: 'cmpxchg32 zero-extends old into r0', insns: atomicCase(Size.W, AtomicOp.CMPXCHG, 0xffff_fff0n, 0x20n, 'r0', 0x5_0000_0010n), want: 0xffff_fff0n },
];

const helpers = new Map<number, HelperFn>([
  [5, (r1: bigint): bigint => r1],
  [1, (a: bigint, b: bigint, c: bigint, d: bigint, e: bigint): bigint => a + b * 2n + c * 3n + d * 4n + e * 5n],
  [2, (): number => -1],
  [3, (): bigint => -2n],
]);

const callCases: Case[] = [
  { name: 'helper returns r1', insns: prog(mov(1, -1), call(5), exit()), want: M64, options: { helpers } },
  { name: 'helper gets r1..r5 unsigned', insns: prog(mov(1, 1), mov(2, 2), mov(3, 3), mov(4, 4), mov(5, 5), call(1), exit()), want: 55n, options: { helpers } },
  { name: 'helper number result', insns: prog(call(2), exit()), want: M64, options: { helpers } },
  { name: 'helper negative bigint result', insns: prog(call(3), exit()), want: M64 - 1n, options: { helpers } },
  { name: 'helper keeps r6', insns: prog(mov(6, 9), call(2), movx(0, 6), exit()), want: 9n, options: { helpers } },
  { name: 'callx', insns: prog(mov(1, 77), mov(2, 5), callx(2), exit()), want: 77n, options: { helpers } },
  {
    name: 'local call keeps r6-r9 and returns r0',
    // 0: r6 = 6; r1 = 1; r2 = 2; call f; r0 += r6; exit.  f: r6 = 100; r0 = r1 + r2; exit
    insns: prog(mov(6, 6), mov(1, 1), mov(2, 2), callLocal(2), alu64x(AluOp.ADD, 0, 6), exit(), mov(6, 100), movx(0, 1), alu64x(AluOp.ADD, 0, 2), exit()),
    want: 9n,
  },
  {
    name: 'local call gets its own frame',
    // caller: [fp-8] = 1; call f; r0 = [fp-8] + r0.  f: [fp-8] = 40; r0 = 2; exit
    insns: prog(st(Size.DW, 10, -8, 1), callLocal(3), ldx(Size.DW, 1, 10, -8), alu64x(AluOp.ADD, 0, 1), exit(), st(Size.DW, 10, -8, 40), mov(0, 2), exit()),
    want: 3n,
  },
  {
    name: 'callee sees the caller r0 and r6-r9 (as the interpreter does)',
    insns: prog(mov(0, 1), mov(6, 2), mov(9, 4), callLocal(1), exit(), alu64x(AluOp.ADD, 0, 6), alu64x(AluOp.ADD, 0, 9), exit()),
    want: 7n,
  },
  {
    name: 'caller gets the callee r1-r5 back (as the interpreter does)',
    insns: prog(mov(1, 1), mov(5, 5), callLocal(2), alu64x(AluOp.ADD, 0, 5), exit(), mov(5, 50), mov(0, 0), exit()),
    want: 50n,
  },
  {
    name: 'callee r10 is one frame below',
    insns: prog(movx(6, 10), callLocal(3), alu64x(AluOp.SUB, 6, 0), movx(0, 6), exit(), movx(0, 10), exit()),
    want: 512n,
  },
];

async function expectRow(row: Case): Promise<void> {
  const jit = await runJit(row.insns, { ...row.options, jit: { blinding: false } });
  expect(jit.error).toBeUndefined();
  expect(jit.r0).toBe(row.want);
  const blinded = await runJit(row.insns, { ...row.options, jit: { blinding: true } });
  expect(blinded.r0).toBe(row.want);
  const reference = runInterpreter(row.insns, row.options);
  expect(reference.r0).toBe(row.want);
}

describe('jit alu', () => {
  it.each(aluCases)('$name', expectRow);
});

describe('jit jumps', () => {
  it.each(jumpCases)('$name', expectRow);
});

describe('jit memory', () => {
  it.each(memCases)('$name', expectRow);
});

describe('jit atomics', () => {
  it.each(atomicCases)('$name', expectRow);
});

describe('jit calls', () => {
  it.each(callCases)('$name', expectRow);
});

interface ErrorCase {
  name: string;
  insns: Insn[];
  pc: number;
  kind: string;
  options?: RunOptions;
}

const errorCases: ErrorCase[] = [
  { name: 'read past the input', insns: prog(ldx(Size.W, 0, 1, 6), exit()), pc: 0, kind: 'out-of-bounds', options: { mem: new Uint8Array(8) } },
  { name: 'read before the input', insns: prog(ldx(Size.B, 0, 1, -1), exit()), pc: 0, kind: 'out-of-bounds', options: { mem: new Uint8Array(8) } },
  { name: 'read with no input', insns: prog(ldx(Size.B, 0, 1, 0), exit()), pc: 0, kind: 'out-of-bounds' },
  { name: 'write above the stack', insns: prog(mov(0, 0), stx(Size.DW, 10, 0, 0), exit()), pc: 1, kind: 'out-of-bounds' },
  { name: 'write below the stack', insns: prog(mov(0, 0), movx(1, 10), alu64(AluOp.SUB, 1, 4097), stx(Size.B, 1, 0, 0), exit()), pc: 3, kind: 'out-of-bounds' },
  { name: 'atomic past the input', insns: prog(mov(2, 1), atomic(Size.DW, 1, 2, 4, AtomicOp.ADD), exit()), pc: 1, kind: 'out-of-bounds', options: { mem: new Uint8Array(8) } },
  { name: 'negative pointer with wrapping offset', insns: prog(mov(1, -100), ldx(Size.B, 0, 1, 4200), exit()), pc: 1, kind: 'out-of-bounds' },
  { name: 'huge pointer', insns: prog(ld1(0x1_0000_0000n), alu64x(AluOp.ADD, 1, 10), ldx(Size.B, 0, 1, -8), exit()), pc: 3, kind: 'out-of-bounds' },
  { name: 'helper throws', insns: prog(mov(0, 0), call(9), exit()), pc: 1, kind: 'helper', options: { helpers: new Map([[9, (): bigint => { throw new Error('boom'); }]]) } },
  { name: 'helper returns a fraction', insns: prog(call(9), exit()), pc: 0, kind: 'helper', options: { helpers: new Map([[9, (): number => 0.5]]) } },
  { name: 'callx to unknown id', insns: prog(mov(2, 77), callx(2), exit()), pc: 1, kind: 'callx' },
  { name: 'callx to id above 2^32', insns: prog(lddw(2, 0x1_0000_0005n), callx(2), exit()), pc: 2, kind: 'callx', options: { helpers } },
  { name: 'call depth', insns: prog(callLocal(1), exit(), callLocal(-1), exit()), pc: 2, kind: 'call-depth' },
];

describe('jit run-time errors', () => {
  it.each(errorCases)('$name', async (row) => {
    const jit = await runJit(row.insns, { ...row.options, jit: { blinding: false } });
    expect(jit.error).toBeInstanceOf(RuntimeError);
    const error = jit.error as RuntimeError;
    expect({ pc: error.pc, kind: error.kind }).toEqual({ pc: row.pc, kind: row.kind });
    const reference = runInterpreter(row.insns, row.options);
    expect(reference.error).toBeInstanceOf(RuntimeError);
    expect(error.message).toBe((reference.error as RuntimeError).message);
  });
});
