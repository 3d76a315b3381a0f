/**
 * @fileoverview Constant blinding (the kernel's bpf_jit_blind_constants, done as a plan instead of a
 * bytecode rewrite): every attacker-chosen 32- or 64-bit immediate is emitted as `(imm ^ key) ^ key`
 * where `key` is an imported global whose value only exists at instantiation, so neither Binaryen nor
 * V8 can fold the pair back and the program's immediates never appear in the generated machine code
 * or wasm binary. Keys are drawn per load. This file decides which immediates are blinded and with
 * which key; jit/ consumes the plan (and imports the keys), so this file does not depend on binaryen.
 *
 *   per pc with a blinded immediate:  blinded[pc] = value(pc) ^ keys[keyIndex[pc]]   (64-bit)
 *   value(pc) = imm sign-extended to 64 bits; for lddw the full 64-bit immediate
 *   32-bit consumers use the low 32 bits, which equal imm
 */
import { lddwValue, type Insn } from '../src/isa/instruction.js';
import { AluOp, Class, CLASS_MASK, JmpOp, Mode, MODE_MASK, Opcode, OP_MASK, Source, SOURCE_MASK } from '../src/isa/opcodes.js';

/** Number of distinct keys per load; each blinded pc picks one at random. */
export const KEY_COUNT = 16;

/** A source of randomness that fills `out` (crypto.getRandomValues by default). */
export type RandomSource = (out: Uint32Array) => void;

/** The blinding decisions for one program: the keys and, per pc, the blinded value and key used. */
export interface BlindingPlan {
  /** key values, imported by the module as immutable i64 globals */
  readonly keys: BigUint64Array;
  /** per pc: index into keys, or -1 when the pc has no blinded immediate */
  readonly keyIndex: Int32Array;
  /** per pc: the immediate's 64-bit value xor its key (0 where keyIndex is -1) */
  readonly blinded: BigUint64Array;
}

/** crypto.getRandomValues, which accepts at most 65,536 bytes per call. */
export function defaultRandom(out: Uint32Array): void {
  for (let start = 0; start < out.length; start += 16_384) {
    globalThis.crypto.getRandomValues(out.subarray(start, Math.min(out.length, start + 16_384)));
  }
}

/**
 * The 64-bit value of the blindable immediate at `pc` (imm sign-extended, or the full lddw value),
 * or undefined when the instruction has no immediate operand worth blinding (call ids, jump offsets,
 * end widths, atomic operation codes, memory offsets).
 */
export function blindableImmediate(insns: readonly Insn[], pc: number): bigint | undefined {
  const insn = insns[pc];
  if (insn === undefined) return undefined;
  const cls = insn.op & CLASS_MASK;
  const imm = BigInt.asUintN(64, BigInt(insn.imm | 0));
  switch (cls) {
    case Class.ALU:
    case Class.ALU64: {
      const op = insn.op & OP_MASK;
      if ((insn.op & SOURCE_MASK) !== Source.K || op === AluOp.NEG || op === AluOp.END) return undefined;
      return imm;
    }
    case Class.JMP:
    case Class.JMP32: {
      const op = insn.op & OP_MASK;
      if ((insn.op & SOURCE_MASK) !== Source.K) return undefined;
      if (op === JmpOp.JA || op === JmpOp.CALL || op === JmpOp.EXIT || op === JmpOp.JCOND) return undefined;
      return imm;
    }
    case Class.ST:
      return (insn.op & MODE_MASK) === Mode.MEM ? imm : undefined;
    case Class.LD: {
      if (insn.op === Opcode.LDDW) return lddwValue(insns, pc);
      const mode = insn.op & MODE_MASK;
      return mode === Mode.ABS || mode === Mode.IND ? imm : undefined;
    }
    case Class.LDX:
    case Class.STX:
      return undefined;
    default:
      return undefined;
  }
}

/** Plans blinding for every immediate of `insns`, drawing keys and key choices from `random`. */
export function planBlinding(insns: readonly Insn[], random: RandomSource = defaultRandom): BlindingPlan {
  const n = insns.length;
  const keyWords = new Uint32Array(KEY_COUNT * 2);
  random(keyWords);
  const keys = new BigUint64Array(KEY_COUNT);
  for (let i = 0; i < KEY_COUNT; i++) {
    keys[i] = (BigInt(keyWords[2 * i + 1] ?? 0) << 32n) | BigInt(keyWords[2 * i] ?? 0);
  }
  const choices = new Uint32Array(n);
  random(choices);
  const keyIndex = new Int32Array(n).fill(-1);
  const blinded = new BigUint64Array(n);
  for (let pc = 0; pc < n; pc++) {
    const value = blindableImmediate(insns, pc);
    if (value === undefined) continue;
    const index = (choices[pc] ?? 0) % KEY_COUNT;
    keyIndex[pc] = index;
    blinded[pc] = value ^ (keys[index] ?? 0n);
    if (insns[pc]?.op === Opcode.LDDW) pc++;
  }
  return { keys, keyIndex, blinded };
}
