/**
 * @fileoverview Lowering of calls. Helper calls and callx go through the env.helper / env.callx
 * imports (jit/abi.ts does the JavaScript side: lookup in ExecEnv.helpers, argument and result
 * conversion, RuntimeError with the pc). A helper with a fast variant (ExecEnv.fastHelpers) is called
 * through its i32 import when its argument registers fit in 32 bits (no BigInt at the boundary), and
 * through env.helper otherwise, so both paths give the same result for every input. A bpf-to-bpf
 * call is a wasm call of the callee's function with r1-r5, the new call depth, and the caller's r0
 * and r6-r9; r6-r9 survive because they are the caller's own locals, and r1-r5 come back through
 * globals. So the callee sees, and the caller gets back, exactly what the interpreter's single
 * register file gives (the kernel calls reading those registers undefined and its verifier rejects it).
 * Calls deeper than MAX_CALL_DEPTH frames trap with 'call-depth', as in the interpreter. With a loop
 * budget, the caller's count goes to the callee through the LOOP_BUDGET global and comes back the same
 * way (helpers never see the count, so helper calls need no synchronisation).
 */
import { JitError } from '../src/errors.js';
import type { Insn } from '../src/isa/instruction.js';
import { CallSrc, Opcode } from '../src/isa/opcodes.js';
import { MAX_CALL_DEPTH, R0 } from '../src/isa/registers.js';
import { CALLX_IMPORT, fastHelperImportName, HELPER_IMPORT, TRAP_IMPORT, TrapKind } from './abi.js';
import { loadLoopLeft, storeLoopLeft } from './lower-jump.js';
import { type ExpressionRef, type LowerContext, returnGlobal } from './module.js';

/** Lowers `call` (helper or local) and `callx` to statements that leave the result in r0. */
export function lowerCall(ctx: LowerContext, insn: Insn, pc: number): ExpressionRef[] {
  const fb = ctx.fb;
  const m = fb.mod;
  const b = fb.b;
  const args = [fb.reg(1), fb.reg(2), fb.reg(3), fb.reg(4), fb.reg(5)];
  if (insn.op === Opcode.CALLX) {
    return [fb.setReg(R0, m.call(CALLX_IMPORT, [fb.i32(pc), fb.i32(insn.dst), fb.reg(insn.dst), ...args], b.i64))];
  }
  switch (insn.src) {
    case CallSrc.HELPER: {
      const generic = fb.setReg(R0, m.call(HELPER_IMPORT, [fb.i32(insn.imm), fb.i32(pc), ...args], b.i64));
      const fast = ctx.fastHelper(insn.imm);
      if (fast === undefined) return [generic];
      const used = [1, 2, 3, 4, 5].slice(0, fast.arity);
      const call = m.call(fastHelperImportName(insn.imm), [fb.i32(pc), ...used.map((r) => fb.reg32(r))], b.i32);
      const direct = fb.setReg(R0, fast.result === 'signed' ? m.i64.extend_s(call) : m.i64.extend_u(call));
      if (used.length === 0) return [direct];
      // the i32 variant only when every argument's upper 32 bits are zero; the bigint helper otherwise
      const wide = used.map((r) => fb.reg(r)).reduce((x, y) => m.i64.or(x, y));
      return [m.if(m.i64.lt_u(wide, fb.i64(0x1_0000_0000n)), direct, generic)];
    }
    case CallSrc.LOCAL: {
      // the callee starts at pc + 1 + imm
      const callee = ctx.functionName(pc + 1 + insn.imm);
      const tooDeep = m.i32.ge_u(m.i32.add(ctx.depth(), fb.i32(1)), fb.i32(MAX_CALL_DEPTH));
      const trap = m.block(null, [m.call(TRAP_IMPORT, [fb.i32(pc), fb.i32(TrapKind.CALL_DEPTH), fb.i32(0), fb.i64(0n), fb.i32(0)], b.none), m.unreachable()]);
      const callerRegs = [0, 6, 7, 8, 9].map((r) => fb.reg(r));
      return [
        m.if(tooDeep, trap),
        ...storeLoopLeft(ctx),
        fb.setReg(R0, m.call(callee, [...args, m.i32.add(ctx.depth(), fb.i32(1)), ...callerRegs], b.i64)),
        ...loadLoopLeft(ctx),
        // r1..r5 as the callee left them (the interpreter's single register file)
        ...[1, 2, 3, 4, 5].map((r) => fb.setReg(r, m.global.get(returnGlobal(r), b.i64))),
      ];
    }
    default:
      throw new JitError(`call with src ${insn.src} (kfunc) at pc ${pc} is not supported by the jit`, pc);
  }
}
