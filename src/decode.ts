/**
 * @fileoverview Bytes -> Insn[] (one element per 8-byte slot), little-endian as RFC 9669 §3 lays out.
 * Every slot is validated against isa/table.ts; errors carry the byte offset of the bad instruction.
 * Control-flow checks (jump targets, reachability) belong to the verifier, not here.
 */
import { DecodeError } from './errors.js';
import { type Insn, makeInsn } from './isa/instruction.js';
import { Opcode } from './isa/opcodes.js';
import { checkFields, opcodeInfo } from './isa/table.js';

/** Size of one instruction slot in bytes. */
export const INSN_SIZE = 8;

/** Reads the raw fields of the slot at `byteOffset` without validating them. */
export function readSlot(bytes: Uint8Array, byteOffset: number): Insn {
  const view = new DataView(bytes.buffer, bytes.byteOffset + byteOffset, INSN_SIZE);
  const regs = view.getUint8(1);
  return makeInsn(view.getUint8(0), regs & 0x0f, regs >> 4, view.getInt16(2, true), view.getInt32(4, true));
}

/**
 * Decodes and validates a program.
 * @throws DecodeError when the length is not a multiple of 8, an lddw lacks its second slot, an opcode
 *   is unknown, a register is above r10, or a reserved field is not zero.
 */
export function decode(bytes: Uint8Array): Insn[] {
  if (bytes.length % INSN_SIZE !== 0) {
    throw new DecodeError(`program length ${bytes.length} is not a multiple of ${INSN_SIZE}`, bytes.length - (bytes.length % INSN_SIZE), 'length');
  }
  const count = bytes.length / INSN_SIZE;
  const insns: Insn[] = new Array<Insn>(count);
  for (let pc = 0; pc < count; pc++) {
    const byteOffset = pc * INSN_SIZE;
    const insn = readSlot(bytes, byteOffset);
    insns[pc] = insn;
    const info = opcodeInfo(insn.op);
    if (info === undefined) {
      throw new DecodeError(`unknown opcode 0x${insn.op.toString(16).padStart(2, '0')} at pc ${pc}`, byteOffset, 'opcode');
    }
    const problem = checkFields(insn);
    if (problem !== null) {
      const reason = problem.includes('register') ? 'register' : problem.startsWith('reserved') ? 'reserved' : 'field';
      throw new DecodeError(`${problem} at pc ${pc}`, byteOffset, reason);
    }
    if (insn.op === Opcode.LDDW) {
      if (pc + 1 >= count) {
        throw new DecodeError(`lddw at pc ${pc} is missing its second slot`, byteOffset, 'lddw-half');
      }
      const next = readSlot(bytes, byteOffset + INSN_SIZE);
      if (next.op !== 0 || next.dst !== 0 || next.src !== 0 || next.off !== 0) {
        throw new DecodeError(
          `second slot of lddw at pc ${pc} must have opcode, registers and offset zero, got opcode 0x${next.op.toString(16).padStart(2, '0')}`,
          byteOffset + INSN_SIZE,
          'lddw-half',
        );
      }
      insns[pc + 1] = next;
      pc++;
    }
  }
  return insns;
}
