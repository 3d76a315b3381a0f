/**
 * @fileoverview Insn[] -> bytes, the exact inverse of decode.ts. Fields are range-checked, never
 * truncated: a register above 15, an off outside s16 or an imm outside s32/u32 is an EncodeError.
 */
import { INSN_SIZE } from './decode.js';
import { EncodeError } from './errors.js';
import type { Insn } from './isa/instruction.js';

/**
 * Encodes instruction slots to little-endian bytes.
 * @throws EncodeError when a field does not fit its width.
 */
export function encode(insns: readonly Insn[]): Uint8Array {
  const bytes = new Uint8Array(insns.length * INSN_SIZE);
  const view = new DataView(bytes.buffer);
  insns.forEach((insn, pc) => {
    if (!Number.isInteger(insn.op) || insn.op < 0 || insn.op > 0xff) throw new EncodeError(`opcode ${insn.op} does not fit in 8 bits at pc ${pc}`, pc);
    if (!Number.isInteger(insn.dst) || insn.dst < 0 || insn.dst > 15) throw new EncodeError(`dst register ${insn.dst} does not fit in 4 bits at pc ${pc}`, pc);
    if (!Number.isInteger(insn.src) || insn.src < 0 || insn.src > 15) throw new EncodeError(`src register ${insn.src} does not fit in 4 bits at pc ${pc}`, pc);
    if (!Number.isInteger(insn.off) || insn.off < -0x8000 || insn.off > 0x7fff) throw new EncodeError(`offset ${insn.off} does not fit in 16 bits at pc ${pc}`, pc);
    if (!Number.isInteger(insn.imm) || insn.imm < -0x80000000 || insn.imm > 0xffffffff) throw new EncodeError(`immediate ${insn.imm} does not fit in 32 bits at pc ${pc}`, pc);
    const at = pc * INSN_SIZE;
    view.setUint8(at, insn.op);
    view.setUint8(at + 1, (insn.src << 4) | insn.dst);
    view.setInt16(at + 2, insn.off, true);
    view.setInt32(at + 4, insn.imm | 0, true);
  });
  return bytes;
}
