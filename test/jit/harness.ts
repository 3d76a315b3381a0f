/**
 * @fileoverview Shared helpers of the JIT tests: instruction builders with ISA names, and running a
 * program on the JIT (and on the interpreter, for agreement checks) in a fresh ExecEnv.
 */
import { compileProgram, type CompileOptions } from '../../jit/compile.js';
import type { ExecEnv, HelperFn } from '../../runtime/env.js';
import { ExecEnv as Env } from '../../runtime/env.js';
import { execute } from '../../src/interpreter.js';
import { makeInsn, makeLddw, type Insn } from '../../src/isa/instruction.js';
import { AluOp, AtomicOp, Class, JmpOp, Mode, Opcode, Size, Source } from '../../src/isa/opcodes.js';
import { verifyStructure } from '../../src/verifier/cfg.js';
import type { VerifiedProgram } from '../../src/verifier/program.js';

/** One instruction, or an lddw pair, or a list of them. */
export type Part = Insn | readonly Part[];

/** Flattens parts into a program. */
export function prog(...parts: Part[]): Insn[] {
  const out: Insn[] = [];
  const walk = (p: Part): void => {
    if (Array.isArray(p)) for (const q of p as readonly Part[]) walk(q);
    else out.push(p as Insn);
  };
  for (const p of parts) walk(p);
  return out;
}

/** ALU64 op with an immediate. */
export const alu64 = (op: number, dst: number, imm: number, off = 0): Insn => makeInsn(Class.ALU64 | op | Source.K, dst, 0, off, imm);
/** ALU64 op with a register. */
export const alu64x = (op: number, dst: number, src: number, off = 0): Insn => makeInsn(Class.ALU64 | op | Source.X, dst, src, off, 0);
/** ALU (32-bit) op with an immediate. */
export const alu32 = (op: number, dst: number, imm: number, off = 0): Insn => makeInsn(Class.ALU | op | Source.K, dst, 0, off, imm);
/** ALU (32-bit) op with a register. */
export const alu32x = (op: number, dst: number, src: number, off = 0): Insn => makeInsn(Class.ALU | op | Source.X, dst, src, off, 0);
/** mov64 dst, imm. */
export const mov = (dst: number, imm: number): Insn => alu64(AluOp.MOV, dst, imm);
/** mov64 dst, src. */
export const movx = (dst: number, src: number): Insn => alu64x(AluOp.MOV, dst, src);
/** lddw dst, value. */
export const lddw = (dst: number, value: bigint): [Insn, Insn] => makeLddw(dst, value);
/** exit. */
export const exit = (): Insn => makeInsn(Opcode.EXIT);
/** Conditional jump (JMP class) with an immediate. */
export const jmp = (op: number, dst: number, imm: number, off: number): Insn => makeInsn(Class.JMP | op | Source.K, dst, 0, off, imm);
/** Conditional jump (JMP class) with a register. */
export const jmpx = (op: number, dst: number, src: number, off: number): Insn => makeInsn(Class.JMP | op | Source.X, dst, src, off, 0);
/** Conditional jump (JMP32 class) with an immediate. */
export const jmp32 = (op: number, dst: number, imm: number, off: number): Insn => makeInsn(Class.JMP32 | op | Source.K, dst, 0, off, imm);
/** Conditional jump (JMP32 class) with a register. */
export const jmp32x = (op: number, dst: number, src: number, off: number): Insn => makeInsn(Class.JMP32 | op | Source.X, dst, src, off, 0);
/** ja off. */
export const ja = (off: number): Insn => makeInsn(Opcode.JA, 0, 0, off, 0);
/** ldx: dst = *(size *)(src + off). */
export const ldx = (size: number, dst: number, src: number, off: number): Insn => makeInsn(Class.LDX | Mode.MEM | size, dst, src, off, 0);
/** ldsx: sign-extending load. */
export const ldsx = (size: number, dst: number, src: number, off: number): Insn => makeInsn(Class.LDX | Mode.MEMSX | size, dst, src, off, 0);
/** st: *(size *)(dst + off) = imm. */
export const st = (size: number, dst: number, off: number, imm: number): Insn => makeInsn(Class.ST | Mode.MEM | size, dst, 0, off, imm);
/** stx: *(size *)(dst + off) = src. */
export const stx = (size: number, dst: number, src: number, off: number): Insn => makeInsn(Class.STX | Mode.MEM | size, dst, src, off, 0);
/** atomic op on *(size *)(dst + off) with src. */
export const atomic = (size: number, dst: number, src: number, off: number, imm: number): Insn => makeInsn(Class.STX | Mode.ATOMIC | size, dst, src, off, imm);
/** call helper id. */
export const call = (id: number): Insn => makeInsn(Opcode.CALL, 0, 0, 0, id);
/** call local function at pc + 1 + rel. */
export const callLocal = (rel: number): Insn => makeInsn(Opcode.CALL, 0, 1, 0, rel);
/** callx through register. */
export const callx = (reg: number): Insn => makeInsn(Opcode.CALLX, reg, 0, 0, 0);
/** may_goto off. */
export const mayGoto = (off: number): Insn => makeInsn(Opcode.MAY_GOTO, 0, 0, off, 0);

export { AluOp, AtomicOp, JmpOp, Size };

/** How to run a program in the tests. */
export interface RunOptions {
  r1?: bigint;
  r2?: bigint;
  /** input memory; r1 = its address and r2 = its length unless given */
  mem?: Uint8Array;
  helpers?: Map<number, HelperFn>;
  jit?: CompileOptions;
  /** treat every access as proven (checkedAccess all 0), as a data-flow verifier would */
  unchecked?: boolean;
}

/** A finished run: r0 and the input memory afterwards, or the error thrown. */
export interface RunResult {
  r0?: bigint;
  error?: unknown;
  mem: Uint8Array;
  stack: Uint8Array;
}

/** Verifies `insns` structurally as a raw program whose helpers are those of `helpers`. */
export function verify(insns: readonly Insn[], helpers?: Map<number, HelperFn>, unchecked = false): VerifiedProgram {
  const program = verifyStructure(insns, { type: 'raw', helperIds: new Set(helpers?.keys() ?? []) });
  return unchecked ? { ...program, checkedAccess: new Uint8Array(program.insns.length) } : program;
}

function prepare(env: ExecEnv, options: RunOptions): { r1: bigint; r2: bigint } {
  env.clearStack();
  const address = env.setInput(options.mem);
  return { r1: options.r1 ?? BigInt(address), r2: options.r2 ?? BigInt(options.mem?.length ?? 0) };
}

function finish(env: ExecEnv, r0: bigint | undefined, error: unknown): RunResult {
  const result: RunResult = { mem: env.readInput(), stack: env.space.u8.slice(env.stack.start, env.stack.end) };
  if (r0 !== undefined) result.r0 = r0;
  if (error !== undefined) result.error = error;
  return result;
}

/** Runs `insns` on the JIT in a fresh environment. */
export async function runJit(insns: readonly Insn[], options: RunOptions = {}): Promise<RunResult> {
  const env = new Env({ helpers: options.helpers ?? new Map() });
  const program = verify(insns, options.helpers, options.unchecked);
  const compiled = await compileProgram(program, env, options.jit ?? {});
  const { r1, r2 } = prepare(env, options);
  try {
    return finish(env, compiled.run(r1, r2), undefined);
  } catch (error) {
    return finish(env, undefined, error);
  }
}

/** Runs `insns` on the interpreter in a fresh environment. */
export function runInterpreter(insns: readonly Insn[], options: RunOptions = {}): RunResult {
  const env = new Env({ helpers: options.helpers ?? new Map() });
  const program = verify(insns, options.helpers, options.unchecked);
  const { r1, r2 } = prepare(env, options);
  try {
    return finish(env, execute(program, env, r1, r2), undefined);
  } catch (error) {
    return finish(env, undefined, error);
  }
}
