/**
 * @fileoverview Lowering of conditional jumps and may_goto (RFC 9669 §4.3): the i32 condition of a
 * branch edge. JMP compares 64-bit values (imm sign-extended), JMP32 compares the low halves. Which
 * block an edge leads to, and how edges become structured wasm, is compile.ts's (Relooper) job.
 */
import { JitError } from '../src/errors.js';
import type { Insn } from '../src/isa/instruction.js';
import { Class, CLASS_MASK, JmpOp, OP_MASK, Source, SOURCE_MASK } from '../src/isa/opcodes.js';
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
