/**
 * @fileoverview Opcode constants and masks of the eBPF instruction set (RFC 9669 §3-§5).
 * This is the only file that spells opcode bits in hex; everything else composes these names.
 * Which combinations are valid, and with which field values, is isa/table.ts's job.
 *
 *   opcode byte, arithmetic and jump classes     opcode byte, load and store classes
 *   +----------+---+-------+                     +--------+------+-------+
 *   | op (4)   |s(1)| class |                    | mode(3)|size 2| class |
 *   +----------+---+-------+                     +--------+------+-------+
 *    7       4  3   2     0                       7     5  4   3  2     0
 */

/** Instruction class: the low three bits of the opcode. */
export const Class = {
  LD: 0x00,
  LDX: 0x01,
  ST: 0x02,
  STX: 0x03,
  ALU: 0x04,
  JMP: 0x05,
  JMP32: 0x06,
  ALU64: 0x07,
} as const;
export type Class = (typeof Class)[keyof typeof Class];

/** Mask selecting the class bits. */
export const CLASS_MASK = 0x07;

/** Source bit of arithmetic and jump opcodes: K = immediate operand, X = src register. */
export const Source = { K: 0x00, X: 0x08 } as const;
export type Source = (typeof Source)[keyof typeof Source];
export const SOURCE_MASK = 0x08;

/** Arithmetic operation, the high four bits of an ALU/ALU64 opcode (RFC 9669 §4.1). */
export const AluOp = {
  ADD: 0x00,
  SUB: 0x10,
  MUL: 0x20,
  /** unsigned division when off = 0, signed (sdiv) when off = 1 */
  DIV: 0x30,
  OR: 0x40,
  AND: 0x50,
  LSH: 0x60,
  RSH: 0x70,
  NEG: 0x80,
  /** unsigned modulo when off = 0, signed (smod) when off = 1 */
  MOD: 0x90,
  XOR: 0xa0,
  /** move; with off = 8/16/32 a sign-extending move (movsx) */
  MOV: 0xb0,
  ARSH: 0xc0,
  /** byte swap: ALU class = to little/big endian by source bit; ALU64 class = unconditional bswap */
  END: 0xd0,
} as const;
export type AluOp = (typeof AluOp)[keyof typeof AluOp];

/** Jump operation, the high four bits of a JMP/JMP32 opcode (RFC 9669 §4.3). */
export const JmpOp = {
  JA: 0x00,
  JEQ: 0x10,
  JGT: 0x20,
  JGE: 0x30,
  JSET: 0x40,
  JNE: 0x50,
  JSGT: 0x60,
  JSGE: 0x70,
  CALL: 0x80,
  EXIT: 0x90,
  JLT: 0xa0,
  JLE: 0xb0,
  JSLT: 0xc0,
  JSLE: 0xd0,
  /** may_goto (kernel extension, BPF_JCOND): jump when the loop budget is exhausted */
  JCOND: 0xe0,
} as const;
export type JmpOp = (typeof JmpOp)[keyof typeof JmpOp];

/** Mask selecting the operation bits of ALU and JMP opcodes. */
export const OP_MASK = 0xf0;

/** Access size of load/store opcodes (RFC 9669 §5.1). */
export const Size = { W: 0x00, H: 0x08, B: 0x10, DW: 0x18 } as const;
export type Size = (typeof Size)[keyof typeof Size];
export const SIZE_MASK = 0x18;

/** Bytes accessed by each size code. */
export function sizeBytes(size: Size): 1 | 2 | 4 | 8 {
  switch (size) {
    case Size.B:
      return 1;
    case Size.H:
      return 2;
    case Size.W:
      return 4;
    case Size.DW:
      return 8;
    default: {
      const never: never = size;
      throw new Error(`unknown size ${String(never)}`);
    }
  }
}

/** Mode of load/store opcodes (RFC 9669 §5.1). */
export const Mode = {
  IMM: 0x00,
  /** legacy packet access, absolute offset (socket filters) */
  ABS: 0x20,
  /** legacy packet access, offset from a register */
  IND: 0x40,
  MEM: 0x60,
  /** sign-extending load */
  MEMSX: 0x80,
  ATOMIC: 0xc0,
} as const;
export type Mode = (typeof Mode)[keyof typeof Mode];
export const MODE_MASK = 0xe0;

/** Atomic operation, in the imm field of STX|ATOMIC instructions (RFC 9669 §5.3). */
export const AtomicOp = {
  ADD: 0x00,
  OR: 0x40,
  AND: 0x50,
  XOR: 0xa0,
  /** flag: return the old value in src */
  FETCH: 0x01,
  /** exchange, always with FETCH */
  XCHG: 0xe0 | 0x01,
  /** compare r0 with memory, store src when equal; old value into r0 */
  CMPXCHG: 0xf0 | 0x01,
} as const;

/** src field values of `lddw` (kernel UAPI BPF_PSEUDO_*). */
export const PseudoSrc = {
  /** plain 64-bit immediate */
  IMM64: 0,
  /** imm = map fd; loads the map pointer */
  MAP_FD: 1,
  /** imm = map fd, next imm = offset; loads a pointer into the map's value */
  MAP_VALUE: 2,
  /** imm = BTF id of a kernel variable */
  BTF_ID: 3,
  /** imm = pc-relative offset of a subprogram; loads a function pointer */
  FUNC: 4,
  /** imm = index into the loader's map array */
  MAP_IDX: 5,
  /** imm = map index, next imm = offset */
  MAP_IDX_VALUE: 6,
} as const;

/** src field values of `call` (kernel UAPI). */
export const CallSrc = {
  /** helper function by static id */
  HELPER: 0,
  /** bpf-to-bpf call, imm = pc-relative offset */
  LOCAL: 1,
  /** kernel function by BTF id */
  KFUNC: 2,
} as const;

/** Composed opcodes that several stages test for by value. */
export const Opcode = {
  LDDW: Class.LD | Mode.IMM | Size.DW,
  CALL: Class.JMP | JmpOp.CALL,
  CALLX: Class.JMP | JmpOp.CALL | Source.X,
  EXIT: Class.JMP | JmpOp.EXIT,
  JA: Class.JMP | JmpOp.JA,
  JA32: Class.JMP32 | JmpOp.JA,
  MAY_GOTO: Class.JMP | JmpOp.JCOND,
} as const;

/** Class of an opcode. */
export function classOf(op: number): Class {
  return (op & CLASS_MASK) as Class;
}

/** True for ALU and ALU64. */
export function isAluClass(cls: number): boolean {
  return cls === Class.ALU || cls === Class.ALU64;
}

/** True for JMP and JMP32. */
export function isJmpClass(cls: number): boolean {
  return cls === Class.JMP || cls === Class.JMP32;
}
