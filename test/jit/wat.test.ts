/**
 * @fileoverview Golden .wat snapshots of small programs (blinding off), compared exactly with
 * test/fixtures/wat/*.wat. Regenerate on purpose only: `UPDATE_WAT=1 npx vitest run test/jit/wat.test.ts`,
 * then review the diff.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compileProgram } from '../../jit/compile.js';
import { ExecEnv } from '../../runtime/env.js';
import type { Insn } from '../../src/isa/instruction.js';
import { alu32, alu64, alu64x, AluOp, call, callLocal, exit, jmp, JmpOp, ldx, mov, movx, prog, Size, stx, verify } from './harness.js';

const DIRECTORY = fileURLToPath(new URL('../fixtures/wat/', import.meta.url));
const UPDATE = process.env['UPDATE_WAT'] === '1';

const SNAPSHOTS: { name: string; insns: Insn[]; helpers?: number[]; unchecked?: boolean }[] = [
  {
    name: 'alu',
    // r0 = ((r1 + 5) * r2) / 3 (32-bit), then sdiv by r2 (guarded)
    insns: prog(movx(0, 1), alu64(AluOp.ADD, 0, 5), alu64x(AluOp.MUL, 0, 2), alu32(AluOp.DIV, 0, 3), alu64x(AluOp.DIV, 0, 2, 1), exit()),
  },
  {
    name: 'loop-memory',
    // sum of the input bytes, with run-time-checked loads
    insns: prog(mov(0, 0), jmp(JmpOp.JEQ, 2, 0, 5), ldx(Size.B, 3, 1, 0), alu64x(AluOp.ADD, 0, 3), alu64(AluOp.ADD, 1, 1), alu64(AluOp.SUB, 2, 1), jmp(JmpOp.JNE, 2, 0, -5), exit()),
  },
  {
    name: 'calls',
    // r6 survives a local call; the callee calls helper 5 and stores on its own frame
    insns: prog(mov(6, 1), callLocal(2), alu64x(AluOp.ADD, 0, 6), exit(), call(5), stx(Size.DW, 10, 0, -8), exit()),
    helpers: [5],
    unchecked: true,
  },
];

describe('golden wat', () => {
  it.each(SNAPSHOTS)('$name', async ({ name, insns, helpers, unchecked }) => {
    const helperMap = new Map((helpers ?? []).map((id) => [id, (r1: bigint): bigint => r1]));
    const program = verify(insns, helperMap, unchecked === true);
    const compiled = await compileProgram(program, new ExecEnv({ helpers: helperMap }), { blinding: false, optimize: 0 });
    const text = compiled.wat();
    const file = `${DIRECTORY}${name}.wat`;
    if (UPDATE) {
      mkdirSync(DIRECTORY, { recursive: true });
      writeFileSync(file, text);
    }
    expect(existsSync(file), `${file} is missing: run with UPDATE_WAT=1`).toBe(true);
    expect(text).toBe(readFileSync(file, 'utf8'));
  });
});
