/**
 * @fileoverview Static register liveness (a classic backward data-flow over each function's CFG):
 * for every pc, the registers r0-r9 that some path from that pc may read before writing them.
 * The pruning test ignores registers that are dead there, which lets paths that differ only in
 * dead values (branch conditions already used, scratch registers) share one explored state.
 * This over-approximates the kernel's dynamic REG_LIVE_READ marks, so it never prunes unsoundly.
 */
import { AluOp, AtomicOp, Class, CLASS_MASK, JmpOp, Mode, MODE_MASK, OP_MASK, Source, SOURCE_MASK } from '../isa/opcodes.js';
import type { Insn } from '../isa/instruction.js';
import { helperProto } from '../../runtime/helpers/prototypes.js';

/** Bit mask of r0-r5, the registers a call defines (r0) or clobbers (r1-r5). */
export const CALL_CLOBBERED = 0b111111;

const bit = (r: number): number => 1 << r;
const ARGS = 0b111110;

/** Registers read and written by one instruction, and where control may go next. */
function effect(insns: readonly Insn[], pc: number): { use: number; def: number; next: number[] } {
  const insn = insns[pc];
  if (insn === undefined) return { use: 0, def: 0, next: [] };
  const cls = insn.op & CLASS_MASK;
  const op = insn.op & OP_MASK;
  const x = (insn.op & SOURCE_MASK) === Source.X;
  const seq = [pc + 1];
  switch (cls) {
    case Class.ALU:
    case Class.ALU64:
      if (op === AluOp.MOV) return { use: x ? bit(insn.src) : 0, def: bit(insn.dst), next: seq };
      if (op === AluOp.NEG || op === AluOp.END) return { use: bit(insn.dst), def: bit(insn.dst), next: seq };
      return { use: bit(insn.dst) | (x ? bit(insn.src) : 0), def: bit(insn.dst), next: seq };
    case Class.LD:
      if ((insn.op & MODE_MASK) === Mode.IMM) return { use: 0, def: bit(insn.dst), next: [pc + 2] };
      return { use: bit(6) | ((insn.op & MODE_MASK) === Mode.IND ? bit(insn.src) : 0), def: CALL_CLOBBERED, next: seq };
    case Class.LDX:
      return { use: bit(insn.src), def: bit(insn.dst), next: seq };
    case Class.ST:
      return { use: bit(insn.dst), def: 0, next: seq };
    case Class.STX: {
      if ((insn.op & MODE_MASK) !== Mode.ATOMIC) return { use: bit(insn.dst) | bit(insn.src), def: 0, next: seq };
      if (insn.imm === AtomicOp.CMPXCHG) return { use: bit(insn.dst) | bit(insn.src) | bit(0), def: bit(0), next: seq };
      return { use: bit(insn.dst) | bit(insn.src), def: (insn.imm & AtomicOp.FETCH) !== 0 ? bit(insn.src) : 0, next: seq };
    }
    case Class.JMP:
    case Class.JMP32: {
      if (op === JmpOp.EXIT) return { use: bit(0), def: 0, next: [] };
      if (op === JmpOp.CALL) {
        if (x) return { use: bit(insn.dst) | ARGS, def: CALL_CLOBBERED, next: seq };
        if (insn.src === 0) {
          const p = helperProto(insn.imm);
          const n = p === undefined ? 5 : p.args.length;
          return { use: ((1 << (n + 1)) - 1) & ARGS, def: CALL_CLOBBERED, next: seq };
        }
        return { use: ARGS, def: CALL_CLOBBERED, next: seq };
      }
      if (op === JmpOp.JA) return { use: 0, def: 0, next: [pc + 1 + (cls === Class.JMP32 ? insn.imm : insn.off)] };
      if (op === JmpOp.JCOND) return { use: 0, def: 0, next: [pc + 1, pc + 1 + insn.off] };
      return { use: bit(insn.dst) | (x ? bit(insn.src) : 0), def: 0, next: [pc + 1, pc + 1 + insn.off] };
    }
    default:
      return { use: 0, def: 0, next: [] };
  }
}

/** Per pc, the mask of registers (bit r) live before the instruction. */
export function computeLiveness(insns: readonly Insn[]): Uint16Array {
  const n = insns.length;
  const effects = insns.map((_, pc) => effect(insns, pc));
  const live = new Uint16Array(n + 2);
  let changed = true;
  while (changed) {
    changed = false;
    for (let pc = n - 1; pc >= 0; pc--) {
      const e = effects[pc];
      if (e === undefined) continue;
      let out = 0;
      for (const s of e.next) out |= s >= 0 && s < n ? (live[s] ?? 0) : 0;
      const value = e.use | (out & ~e.def);
      if (value !== live[pc]) {
        live[pc] = value;
        changed = true;
      }
    }
  }
  return live;
}
