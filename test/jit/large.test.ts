/**
 * @fileoverview Large programs load and run on the JIT: functions above CHUNK_THRESHOLD slots are
 * split into chunks (loops crossing chunk boundaries, calls from inside chunks, stack traffic), and
 * the result equals the interpreter's.
 */
import { describe, expect, it } from 'vitest';
import { CHUNK_THRESHOLD } from '../../jit/compile.js';
import type { Insn } from '../../src/isa/instruction.js';
import { alu64, alu64x, AluOp, callLocal, exit, jmp, JmpOp, ldx, mov, movx, prog, runInterpreter, runJit, Size, stx } from './harness.js';

/** An entry function of about `n` slots: an outer loop (3 rounds) around a branchy body, plus one callee. */
function largeProgram(n: number): Insn[] {
  const body: Insn[] = [];
  let i = 0;
  while (body.length < n) {
    const k = (i * 7919) & 0xfff;
    body.push(alu64(AluOp.ADD, 0, k), jmp(JmpOp.JGT, 0, 50_000 + k, 1), alu64(AluOp.MUL, 0, 3), alu64(AluOp.AND, 0, 0xff_ffff));
    if (i % 50 === 0) body.push(stx(Size.DW, 10, 0, -8 - 8 * (i % 60)), ldx(Size.W, 1, 10, -8 - 8 * ((i + 7) % 60)), alu64x(AluOp.XOR, 0, 1));
    if (i % 500 === 0) body.push(movx(1, 0), callLocal(0), alu64x(AluOp.ADD, 0, 6));
    i++;
  }
  // patch the call offsets: the callee starts after the loop control and the exit
  const total = 2 + body.length + 3;
  const insns = prog(mov(6, 3), mov(0, 0), body, alu64(AluOp.SUB, 6, 1), jmp(JmpOp.JNE, 6, 0, -(body.length + 2)), exit());
  const patched = insns.map((insn, pc) => (insn.op === 0x85 && insn.src === 1 ? { ...insn, imm: total - pc - 1 } : insn));
  // callee: r0 = (r1 * 5) ^ fp-relative traffic
  return prog(patched, alu64x(AluOp.MUL, 1, 1), stx(Size.DW, 10, 1, -16), ldx(Size.DW, 0, 10, -16), alu64(AluOp.AND, 0, 0xffff), exit());
}

/** A straight line of about `n` slots (one basic block before splitting) with stack traffic. */
function straightLine(n: number): Insn[] {
  const body: Insn[] = [];
  for (let i = 0; body.length < n; i++) {
    body.push(alu64(AluOp.ADD, 0, i & 0xfff), alu64(AluOp.XOR, 0, i), stx(Size.DW, 10, 0, -8 - (i % 64) * 8), ldx(Size.DW, 1, 10, -8 - ((i + 3) % 64) * 8), alu64x(AluOp.ADD, 0, 1));
  }
  return prog(mov(0, 0), body, exit());
}

describe('large programs', () => {
  it('runs a 100,000-slot straight line (cut into blocks and chunks)', async () => {
    const insns = straightLine(100_000);
    const reference = runInterpreter(insns);
    const jit = await runJit(insns);
    expect(jit.error).toBeUndefined();
    expect(jit.r0).toBe(reference.r0);
    expect(jit.stack).toEqual(reference.stack);
  });

  it.each([CHUNK_THRESHOLD + 500, 100_000])('runs a %i-slot function split into chunks', async (n) => {
    const insns = largeProgram(n);
    const reference = runInterpreter(insns);
    expect(reference.error).toBeUndefined();
    const jit = await runJit(insns, { jit: { blinding: true } });
    expect(jit.error).toBeUndefined();
    expect(jit.r0).toBe(reference.r0);
    expect(jit.stack).toEqual(reference.stack);
  });
});
