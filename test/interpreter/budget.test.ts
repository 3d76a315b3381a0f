/**
 * @fileoverview The interpreter's back-edge budget (VerifiedProgram.loopBudget): the counter belongs to
 * one run (a helper that runs the program again gets its own), the pre-decoded form of a program with
 * a budget does not leak into the same instructions without one, and an endless loop stops under the
 * default budget. Agreement with the JIT on every jump kind is test/jit/budget.test.ts's job.
 */
import { describe, expect, it } from 'vitest';
import { ExecEnv } from '../../runtime/env.js';
import { RuntimeError } from '../../src/errors.js';
import { execute } from '../../src/interpreter.js';
import { makeInsn, type Insn } from '../../src/isa/instruction.js';
import { AluOp, Class, JmpOp, Opcode, Source } from '../../src/isa/opcodes.js';
import { verifyStructure } from '../../src/verifier/cfg.js';
import { DEFAULT_LOOP_BUDGET, type VerifiedProgram } from '../../src/verifier/program.js';

const mov = (dst: number, imm: number): Insn => makeInsn(Class.ALU64 | AluOp.MOV | Source.K, dst, 0, 0, imm);
const add = (dst: number, imm: number): Insn => makeInsn(Class.ALU64 | AluOp.ADD | Source.K, dst, 0, 0, imm);
const jne = (dst: number, imm: number, off: number): Insn => makeInsn(Class.JMP | JmpOp.JNE | Source.K, dst, 0, off, imm);
const call = (id: number): Insn => makeInsn(Opcode.CALL, 0, 0, 0, id);
const exit = (): Insn => makeInsn(Opcode.EXIT);
const ja = (off: number): Insn => makeInsn(Opcode.JA, 0, 0, off, 0);

function verified(insns: readonly Insn[], helperIds: readonly number[] = [], loopBudget?: number): VerifiedProgram {
  const program = verifyStructure(insns, { type: 'raw', helperIds: new Set(helperIds) });
  return loopBudget === undefined ? program : { ...program, loopBudget };
}

function failure(run: () => unknown): { pc: number; kind: string; message: string } | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    if (!(error instanceof RuntimeError)) throw error;
    return { pc: error.pc, kind: error.kind, message: error.message };
  }
}

/** r6 = 0; loop A: r6 += 1 three times (2 back-edges, pc 3); call 1; loop B likewise (pc 7); r0 = r6; exit. */
const twoLoopsAroundHelper = [
  mov(6, 0),
  mov(1, 3),
  add(6, 1),
  makeInsn(Class.ALU64 | AluOp.SUB | Source.K, 1, 0, 0, 1),
  jne(1, 0, -3),
  call(1),
  mov(1, 3),
  add(6, 1),
  makeInsn(Class.ALU64 | AluOp.SUB | Source.K, 1, 0, 0, 1),
  jne(1, 0, -3),
  makeInsn(Class.ALU64 | AluOp.MOV | Source.X, 0, 6),
  exit(),
];
// pcs: the loop-control jumps above sit at pc 4 and pc 9
const LOOP_B_PC = 9;

describe('interpreter loop budget', () => {
  it('gives a helper that runs the program again its own counter', () => {
    const env = new ExecEnv({ helpers: new Map() });
    const program = verified(twoLoopsAroundHelper, [1], 4);
    const inner: bigint[] = [];
    let isNested = false;
    env.helpers.set(1, () => {
      if (!isNested) {
        isNested = true;
        inner.push(execute(program, env, 0n, 0n));
      }
      return 0;
    });
    // outer: 2 + 2 back-edges; the nested run spends its own 4 in between
    expect(execute(program, env, 0n, 0n)).toBe(6n);
    expect(inner).toEqual([6n]);
  });

  it('stops the outer run in its second loop when its own count runs out', () => {
    const env = new ExecEnv({ helpers: new Map([[1, () => 0]]) });
    expect(failure(() => execute(verified(twoLoopsAroundHelper, [1], 3), env, 0n, 0n))).toEqual({
      pc: LOOP_B_PC,
      kind: 'budget',
      message: `loop budget of 3 iterations exhausted at pc ${LOOP_B_PC}`,
    });
  });

  it('keeps the budgeted and the unbudgeted form of the same instructions apart', () => {
    const env = new ExecEnv({ helpers: new Map([[1, () => 0]]) });
    const plain = verified(twoLoopsAroundHelper, [1]);
    const budgeted = { ...plain, loopBudget: 1 };
    expect(execute(plain, env, 0n, 0n)).toBe(6n);
    expect(failure(() => execute(budgeted, env, 0n, 0n))?.kind).toBe('budget');
    expect(execute(plain, env, 0n, 0n)).toBe(6n);
  });

  it('stops ja -1 under the default budget', () => {
    const env = new ExecEnv({ helpers: new Map() });
    const program = verified([mov(0, 1), ja(-1)], [], DEFAULT_LOOP_BUDGET);
    expect(failure(() => execute(program, env, 0n, 0n))).toEqual({
      pc: 1,
      kind: 'budget',
      message: `loop budget of ${DEFAULT_LOOP_BUDGET} iterations exhausted at pc 1`,
    });
  });
});
