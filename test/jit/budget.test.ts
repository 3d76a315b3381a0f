/**
 * @fileoverview The back-edge budget (VerifiedProgram.loopBudget) in the JIT, checked against the
 * interpreter: every taken backward jump (ja, ja32, conditional jumps, may_goto) spends one unit, the
 * run stops with RuntimeError kind 'budget' at the jump that would overspend, forward jumps and
 * programs without a budget are not counted, and the counter is reset per run.
 */
import { describe, expect, it } from 'vitest';
import { compileProgram, type CompileOptions } from '../../jit/compile.js';
import { ExecEnv } from '../../runtime/env.js';
import { RuntimeError, UsageError } from '../../src/errors.js';
import { execute } from '../../src/interpreter.js';
import { makeInsn, type Insn } from '../../src/isa/instruction.js';
import { Opcode } from '../../src/isa/opcodes.js';
import { DEFAULT_LOOP_BUDGET, type VerifiedProgram } from '../../src/verifier/program.js';
import { alu64, alu64x, AluOp, callLocal, exit, ja, jmp, jmp32, JmpOp, lddw, mayGoto, mov, prog, verify } from './harness.js';

/** What a run gave: r0, or the error's class, pc, kind and message. */
type Outcome = { r0: bigint } | { error: string; pc?: number; kind?: string; message: string };

function outcomeOf(run: () => bigint): Outcome {
  try {
    return { r0: run() };
  } catch (error) {
    if (error instanceof RuntimeError) return { error: error.name, pc: error.pc, kind: error.kind, message: error.message };
    if (error instanceof Error) return { error: error.name, message: error.message };
    throw error;
  }
}

function withBudget(insns: readonly Insn[], loopBudget: number | undefined): VerifiedProgram {
  const program = verify(insns);
  return loopBudget === undefined ? program : { ...program, loopBudget };
}

function runInterpreter(program: VerifiedProgram): Outcome {
  const env = new ExecEnv({ helpers: new Map() });
  env.clearStack();
  return outcomeOf(() => execute(program, env, 0n, 0n));
}

async function runJit(program: VerifiedProgram, options: CompileOptions = {}): Promise<Outcome> {
  const env = new ExecEnv({ helpers: new Map() });
  let compiled;
  try {
    compiled = await compileProgram(program, env, options);
  } catch (error) {
    return outcomeOf(() => {
      throw error;
    });
  }
  env.clearStack();
  return outcomeOf(() => compiled.run(0n, 0n));
}

const exhausted = (budget: number, pc: number): Outcome => ({
  error: 'RuntimeError',
  pc,
  kind: 'budget',
  message: `loop budget of ${budget} iterations exhausted at pc ${pc}`,
});

/** r0 = 0; r1 = n; L: r0 += 1; r1 -= 1; if r1 != 0 goto L (pc 4); exit: n - 1 taken back-edges. */
const counted = (n: number): Insn[] => prog(mov(0, 0), mov(1, n), alu64(AluOp.ADD, 0, 1), alu64(AluOp.SUB, 1, 1), jmp(JmpOp.JNE, 1, 0, -3), exit());

/** r0 = 0; L: if r0 == 5 goto out; r0 += 1; ja L (pc 3); out: exit: 5 taken back-edges. */
const whileLoop = (back: Insn): Insn[] => prog(mov(0, 0), jmp(JmpOp.JEQ, 0, 5, 2), alu64(AluOp.ADD, 0, 1), back, exit());

/** Two calls of a function whose loop takes 2 back-edges (pc 7) per call: 4 in all, r0 = 6. */
const loopInCallee = prog(
  mov(0, 0),
  callLocal(2),
  callLocal(1),
  exit(),
  mov(1, 3),
  alu64(AluOp.ADD, 0, 1),
  alu64(AluOp.SUB, 1, 1),
  jmp(JmpOp.JNE, 1, 0, -3),
  exit(),
);

/**
 * A loop (back-edge at pc 4, 2 taken) around three calls of a function whose loop takes 1 back-edge
 * (pc 9) per call: 5 in all, in the order 9, 4, 9, 4, 9; r0 = 6. Both the caller's and the callee's
 * count live in wasm locals, handed over through the global around each call.
 */
const loopAroundLoop = prog(
  mov(0, 0),
  mov(6, 3),
  callLocal(3),
  alu64(AluOp.SUB, 6, 1),
  jmp(JmpOp.JNE, 6, 0, -3),
  exit(),
  mov(1, 2),
  alu64(AluOp.ADD, 0, 1),
  alu64(AluOp.SUB, 1, 1),
  jmp(JmpOp.JNE, 1, 0, -3),
  exit(),
);

/** Two loops in a row, 3 back-edges each (pcs 4 and 8): r0 = 8. */
const twoLoops = prog(
  mov(0, 0),
  mov(1, 4),
  alu64(AluOp.ADD, 0, 1),
  alu64(AluOp.SUB, 1, 1),
  jmp(JmpOp.JNE, 1, 0, -3),
  mov(1, 4),
  alu64(AluOp.ADD, 0, 1),
  alu64(AluOp.SUB, 1, 1),
  jmp32(JmpOp.JGT, 1, 0, -3),
  exit(),
);

/** A loop whose body holds an lddw (two slots): the jslt back-edge is at pc 6. */
const withLddw = prog(mov(0, 0), mov(1, 0), lddw(2, 0x1_0000_0001n), alu64x(AluOp.ADD, 0, 2), alu64(AluOp.ADD, 1, 1), jmp(JmpOp.JSLT, 1, 3, -5), exit());

/** Only forward jumps (a diamond, ja 0): never counted; r0 = 9. */
const forwardOnly = prog(mov(0, 1), jmp(JmpOp.JEQ, 0, 1, 2), mov(0, 7), ja(1), mov(0, 9), ja(0), exit());

interface Case {
  name: string;
  insns: Insn[];
  budget: number | undefined;
  want: Outcome;
}

const cases: Case[] = [
  { name: 'ja -1 stops after the budget', insns: [ja(-1)], budget: 5, want: exhausted(5, 0) },
  { name: 'ja -1 with a budget of 1', insns: [ja(-1)], budget: 1, want: exhausted(1, 0) },
  { name: 'counted loop within the budget exactly', insns: counted(10), budget: 9, want: { r0: 10n } },
  { name: 'counted loop one back-edge over', insns: counted(10), budget: 8, want: exhausted(8, 4) },
  { name: 'counted loop of one iteration takes no back-edge', insns: counted(1), budget: 1, want: { r0: 1n } },
  { name: 'ja back-edge within the budget', insns: whileLoop(ja(-3)), budget: 5, want: { r0: 5n } },
  { name: 'ja back-edge over the budget', insns: whileLoop(ja(-3)), budget: 4, want: exhausted(4, 3) },
  { name: 'ja32 back-edge over the budget', insns: whileLoop(makeInsn(Opcode.JA32, 0, 0, 0, -3)), budget: 4, want: exhausted(4, 3) },
  { name: 'ja32 back-edge within the budget', insns: whileLoop(makeInsn(Opcode.JA32, 0, 0, 0, -3)), budget: 5, want: { r0: 5n } },
  { name: 'loops in a callee count across calls', insns: loopInCallee, budget: 4, want: { r0: 6n } },
  { name: 'loops in a callee stop in the second call', insns: loopInCallee, budget: 3, want: exhausted(3, 7) },
  { name: 'a loop around calls of a looping callee: within the budget', insns: loopAroundLoop, budget: 5, want: { r0: 6n } },
  { name: 'a loop around calls of a looping callee: the callee overspends', insns: loopAroundLoop, budget: 4, want: exhausted(4, 9) },
  { name: 'a loop around calls of a looping callee: the caller overspends', insns: loopAroundLoop, budget: 3, want: exhausted(3, 4) },
  { name: 'two loops share the budget', insns: twoLoops, budget: 6, want: { r0: 8n } },
  { name: 'two loops: the second (jmp32) overspends', insns: twoLoops, budget: 5, want: exhausted(5, 8) },
  { name: 'two loops: the first overspends', insns: twoLoops, budget: 2, want: exhausted(2, 4) },
  { name: 'lddw in the loop: within the budget', insns: withLddw, budget: 2, want: { r0: 0x3_0000_0003n } },
  { name: 'lddw in the loop: the back-edge pc counts slots', insns: withLddw, budget: 1, want: exhausted(1, 6) },
  { name: 'forward jumps are free', insns: forwardOnly, budget: 1, want: { r0: 9n } },
  { name: 'no budget: not counted', insns: counted(100_000), budget: undefined, want: { r0: 100_000n } },
  { name: 'budget 0: not counted', insns: counted(1000), budget: 0, want: { r0: 1000n } },
  { name: 'negative budget: not counted', insns: counted(1000), budget: -1, want: { r0: 1000n } },
  { name: 'NaN budget: not counted', insns: counted(1000), budget: Number.NaN, want: { r0: 1000n } },
  { name: 'a large budget', insns: counted(100_000), budget: 2 ** 40, want: { r0: 100_000n } },
  { name: 'fractional budget is refused', insns: counted(3), budget: 2.5, want: { error: 'UsageError', message: 'loop budget 2.5 is not a safe integer' } },
  { name: 'infinite budget is refused', insns: counted(3), budget: Infinity, want: { error: 'UsageError', message: 'loop budget Infinity is not a safe integer' } },
];

describe('loop budget: jit and interpreter agree', () => {
  it.each(cases)('$name', async ({ insns, budget, want }) => {
    const program = withBudget(insns, budget);
    expect(runInterpreter(program)).toEqual(want);
    expect(await runJit(program)).toEqual(want);
    expect(await runJit(program, { blinding: false })).toEqual(want);
    // every block in its own chunk: back-edges cross wasm functions
    expect(await runJit(program, { chunkThreshold: 1 })).toEqual(want);
  });
});

describe('loop budget and may_goto', () => {
  // may_goto falls through 8M times (MAY_GOTO_BUDGET), then jumps: each iteration takes the ja back-edge
  //   0: r0 = 0            3: exit               6: ja -3 (to 4)
  //   1: ja +2 (to 4)      4: r0 += 1
  //   2: r0 += 1000        5: may_goto -4 (to 2, backward: taken once, when may_goto's budget is spent)
  const insns = prog(mov(0, 0), ja(2), alu64(AluOp.ADD, 0, 1000), exit(), alu64(AluOp.ADD, 0, 1), mayGoto(-4), ja(-3));
  const MAY_GOTO_BUDGET = 8 * 1024 * 1024;

  it.each([
    { name: "may_goto's backward jump is a counted back-edge", budget: MAY_GOTO_BUDGET + 1, want: { r0: BigInt(MAY_GOTO_BUDGET + 1 + 1000) } as Outcome },
    { name: 'the run stops at may_goto when the ja back-edges used the budget', budget: MAY_GOTO_BUDGET, want: exhausted(MAY_GOTO_BUDGET, 5) },
  ])('$name', async ({ budget, want }) => {
    const program = withBudget(insns, budget);
    expect(runInterpreter(program)).toEqual(want);
    expect(await runJit(program)).toEqual(want);
  });
});

describe('loop budget in the generated module', () => {
  it('declares and resets the counter only when the program has a budget', async () => {
    const env = new ExecEnv({ helpers: new Map() });
    const without = await compileProgram(withBudget(counted(3), undefined), env, { blinding: false });
    const withIt = await compileProgram(withBudget(counted(3), 7), env, { blinding: false });
    expect(without.wat()).not.toContain('loop_budget');
    expect(withIt.wat()).toContain('(global $loop_budget (mut i64)');
    expect(withIt.wat()).toContain('(i64.const 7)');
  });

  it('counts only backward edges: a forward-only program has no counting code', async () => {
    const env = new ExecEnv({ helpers: new Map() });
    const compiled = await compileProgram(withBudget(forwardOnly, 7), env, { blinding: false });
    expect(compiled.wat().match(/global\.set \$loop_budget/g)?.length).toBe(1);
  });

  it('resets the counter on every run', async () => {
    const env = new ExecEnv({ helpers: new Map() });
    const program = withBudget(counted(10), 9);
    const compiled = await compileProgram(program, env);
    expect([compiled.run(0n, 0n), compiled.run(0n, 0n), compiled.run(0n, 0n)]).toEqual([10n, 10n, 10n]);
    expect([execute(program, env, 0n, 0n), execute(program, env, 0n, 0n)]).toEqual([10n, 10n]);
  });

  it('stops ja -1 under the default budget', async () => {
    const program = withBudget([mov(0, 1), ja(-1)], DEFAULT_LOOP_BUDGET);
    expect(await runJit(program)).toEqual(exhausted(DEFAULT_LOOP_BUDGET, 1));
  });

  it('reports a RuntimeError of kind budget', async () => {
    const env = new ExecEnv({ helpers: new Map() });
    const compiled = await compileProgram(withBudget([ja(-1)], 3), env);
    expect(() => compiled.run(0n, 0n)).toThrow(RuntimeError);
    await expect(compileProgram(withBudget([ja(-1)], 0.5), env)).rejects.toThrow(UsageError);
  });
});
