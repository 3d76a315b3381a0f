/**
 * @fileoverview Basic-block splitting (jit/blocks.ts) and the JavaScript side of the trap import
 * (jit/abi.ts): exact block boundaries per function and exact error fields and messages.
 */
import { describe, expect, it } from 'vitest';
import { trapError, TrapKind } from '../../jit/abi.js';
import { findBlocks, functionOf } from '../../jit/blocks.js';
import type { Insn } from '../../src/isa/instruction.js';
import { alu64, AluOp, callLocal, exit, ja, jmp, JmpOp, lddw, mayGoto, mov, prog, verify } from './harness.js';

interface BlockCase {
  name: string;
  insns: Insn[];
  want: [number, number][][];
}

const blockCases: BlockCase[] = [
  { name: 'straight line', insns: prog(mov(0, 1), alu64(AluOp.ADD, 0, 1), exit()), want: [[[0, 3]]] },
  {
    name: 'conditional jump splits after the branch and at the target',
    insns: prog(mov(0, 1), jmp(JmpOp.JEQ, 0, 1, 1), mov(0, 2), exit()),
    want: [[[0, 2], [2, 3], [3, 4]]],
  },
  {
    name: 'lddw stays in one block',
    insns: prog(lddw(0, 5n), jmp(JmpOp.JEQ, 0, 1, 2), lddw(0, 7n), exit()),
    want: [[[0, 3], [3, 5], [5, 6]]],
  },
  {
    name: 'loop back edge',
    insns: prog(mov(0, 3), alu64(AluOp.SUB, 0, 1), jmp(JmpOp.JNE, 0, 0, -2), exit()),
    want: [[[0, 1], [1, 3], [3, 4]]],
  },
  {
    name: 'functions are split at their starts, calls do not end blocks',
    insns: prog(mov(1, 1), callLocal(1), exit(), mov(0, 2), ja(0), exit()),
    want: [[[0, 3]], [[3, 5], [5, 6]]],
  },
  { name: 'may_goto ends a block', insns: prog(mov(0, 0), mayGoto(1), mov(0, 1), exit()), want: [[[0, 2], [2, 3], [3, 4]]] },
];

describe('findBlocks', () => {
  it.each(blockCases)('$name', ({ insns, want }) => {
    const blocks = findBlocks(verify(insns));
    expect(blocks.functions.map((fn) => fn.blocks.map((b) => [b.start, b.end]))).toEqual(want);
    for (const fn of blocks.functions) fn.blocks.forEach((b, i) => expect(blocks.blockAt[b.start]).toBe(i));
  });

  it.each([
    { pc: 0, want: 0 },
    { pc: 4, want: 0 },
    { pc: 5, want: 1 },
    { pc: 9, want: 2 },
    { pc: 100, want: 2 },
  ])('functionOf($pc) = $want', ({ pc, want }) => {
    expect(functionOf([0, 5, 9], pc)).toBe(want);
  });
});

describe('trapError', () => {
  it.each([
    { kind: TrapKind.READ, size: 4, base: 0x1000n, off: 6, want: 'out-of-bounds read of 4 bytes at 0x1006 at pc 3', errorKind: 'out-of-bounds' },
    { kind: TrapKind.WRITE, size: 8, base: 0x2000n, off: -8, want: 'out-of-bounds write of 8 bytes at 0x1ff8 at pc 3', errorKind: 'out-of-bounds' },
    { kind: TrapKind.ATOMIC, size: 4, base: 0n, off: -1, want: 'out-of-bounds atomic update of 4 bytes at -0x1 at pc 3', errorKind: 'out-of-bounds' },
    { kind: TrapKind.READ, size: 1, base: -1n, off: 1, want: 'out-of-bounds read of 1 bytes at 0x10000000000000000 at pc 3', errorKind: 'out-of-bounds' },
    { kind: TrapKind.CALL_DEPTH, size: 0, base: 0n, off: 0, want: 'call depth exceeds 8 frames at pc 3', errorKind: 'call-depth' },
  ])('$want', ({ kind, size, base, off, want, errorKind }) => {
    const error = trapError(3, kind, size, base, off);
    expect({ message: error.message, pc: error.pc, kind: error.kind }).toEqual({ message: want, pc: 3, kind: errorKind });
  });
});
