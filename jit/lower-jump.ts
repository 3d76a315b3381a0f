/**
 * @fileoverview Lowering of conditional jumps and may_goto (RFC 9669 §4.3): the i32 condition of a
 * branch edge. JMP compares 64-bit values (imm sign-extended), JMP32 compares the low halves. Which
 * block an edge leads to, and how edges become structured wasm, is compile.ts's (Relooper) job. With a
 * loop budget (VerifiedProgram.loopBudget), taken backward edges also carry backEdgeSpend's counting,
 * which works on a local of the function (LowerContext.loopLeft) that loadLoopLeft / storeLoopLeft
 * synchronise with the module's LOOP_BUDGET global.
 */
import { JitError } from '../src/errors.js';
import type { Insn } from '../src/isa/instruction.js';
import { Class, CLASS_MASK, JmpOp, OP_MASK, Source, SOURCE_MASK } from '../src/isa/opcodes.js';
import { TRAP_IMPORT, TrapKind } from './abi.js';
import { type ExpressionRef, Globals, type LowerContext } from './module.js';

/** The i32 condition under which the conditional jump at `pc` is taken. */
export function lowerCondition(ctx: LowerContext, insn: Insn, pc: number): ExpressionRef {
  const fb = ctx.fb;
  const m = fb.mod;
  const isX = (insn.op & SOURCE_MASK) === Source.X;
  const op = insn.op & OP_MASK;
  if ((insn.op & CLASS_MASK) === Class.JMP) {
    const a = fb.reg(insn.dst);
    const b = isX ? fb.reg(insn.src) : ctx.immI64(pc);
    switch (op) {
      case JmpOp.JEQ:
        return m.i64.eq(a, b);
      case JmpOp.JNE:
        return m.i64.ne(a, b);
      case JmpOp.JGT:
        return m.i64.gt_u(a, b);
      case JmpOp.JGE:
        return m.i64.ge_u(a, b);
      case JmpOp.JLT:
        return m.i64.lt_u(a, b);
      case JmpOp.JLE:
        return m.i64.le_u(a, b);
      case JmpOp.JSGT:
        return m.i64.gt_s(a, b);
      case JmpOp.JSGE:
        return m.i64.ge_s(a, b);
      case JmpOp.JSLT:
        return m.i64.lt_s(a, b);
      case JmpOp.JSLE:
        return m.i64.le_s(a, b);
      case JmpOp.JSET:
        return m.i64.ne(m.i64.and(a, b), fb.i64(0n));
      default:
        throw new JitError(`invalid jump operation 0x${op.toString(16)} at pc ${pc}`, pc);
    }
  }
  const a = fb.reg32(insn.dst);
  const b = isX ? fb.reg32(insn.src) : ctx.immI32(pc);
  switch (op) {
    case JmpOp.JEQ:
      return m.i32.eq(a, b);
    case JmpOp.JNE:
      return m.i32.ne(a, b);
    case JmpOp.JGT:
      return m.i32.gt_u(a, b);
    case JmpOp.JGE:
      return m.i32.ge_u(a, b);
    case JmpOp.JLT:
      return m.i32.lt_u(a, b);
    case JmpOp.JLE:
      return m.i32.le_u(a, b);
    case JmpOp.JSGT:
      return m.i32.gt_s(a, b);
    case JmpOp.JSGE:
      return m.i32.ge_s(a, b);
    case JmpOp.JSLT:
      return m.i32.lt_s(a, b);
    case JmpOp.JSLE:
      return m.i32.le_s(a, b);
    case JmpOp.JSET:
      return m.i32.ne(m.i32.and(a, b), fb.i32(0));
    default:
      throw new JitError(`invalid jump32 operation 0x${op.toString(16)} at pc ${pc}`, pc);
  }
}

/** may_goto: taken when the run's loop budget is exhausted (kernel semantics, as the interpreter). */
export function mayGotoCondition(ctx: LowerContext): ExpressionRef {
  const m = ctx.fb.mod;
  return m.i32.eqz(m.global.get(Globals.BUDGET, ctx.fb.b.i32));
}

/** may_goto fall-through edge code: spend one unit of the budget. */
export function mayGotoSpend(ctx: LowerContext): ExpressionRef {
  const m = ctx.fb.mod;
  const b = ctx.fb.b;
  return m.global.set(Globals.BUDGET, m.i32.sub(m.global.get(Globals.BUDGET, b.i32), ctx.fb.i32(1)));
}

/** The loop-budget local of `ctx`, or a JitError when the function has none. */
function loopLeftLocal(ctx: LowerContext, pc: number): number {
  if (ctx.loopLeft === undefined) throw new JitError(`backward jump at pc ${pc} counted without a loop-budget local`, pc);
  return ctx.loopLeft;
}

/**
 * Code on the taken edge of a backward jump at `pc` when the program has a loop budget (`budget` > 0):
 * traps with kind 'budget' when no iteration is left, else spends one. The interpreter counts the same
 * edges (its BACK_EDGE slots), so both stop at the same jump with the same message. The count lives in
 * the function's loop-budget local; the trap needs no write-back since it ends the run.
 */
export function backEdgeSpend(ctx: LowerContext, pc: number, budget: number): ExpressionRef {
  const fb = ctx.fb;
  const m = fb.mod;
  const local = loopLeftLocal(ctx, pc);
  const left = (): ExpressionRef => m.local.get(local, fb.b.i64);
  const trap = m.block(null, [m.call(TRAP_IMPORT, [fb.i32(pc), fb.i32(TrapKind.BUDGET), fb.i32(0), fb.i64(BigInt(budget)), fb.i32(0)], fb.b.none), m.unreachable()]);
  return m.block(null, [m.if(m.i64.eqz(left()), trap), m.local.set(local, m.i64.sub(left(), fb.i64(1n)))]);
}

/** Statements that load the loop-budget global into the function's local (none without a budget). */
export function loadLoopLeft(ctx: LowerContext): ExpressionRef[] {
  if (ctx.loopLeft === undefined) return [];
  const m = ctx.fb.mod;
  return [m.local.set(ctx.loopLeft, m.global.get(Globals.LOOP_BUDGET, ctx.fb.b.i64))];
}

/** Statements that write the function's loop-budget local back to the global (none without a budget). */
export function storeLoopLeft(ctx: LowerContext): ExpressionRef[] {
  if (ctx.loopLeft === undefined) return [];
  const m = ctx.fb.mod;
  return [m.global.set(Globals.LOOP_BUDGET, m.local.get(ctx.loopLeft, ctx.fb.b.i64))];
}
