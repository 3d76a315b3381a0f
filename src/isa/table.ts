/**
 * @fileoverview One descriptor per valid opcode: its mnemonic, its shape, and the values each field
 * may take. Decoding, assembling, disassembling, program generators and the structural verifier all
 * read this table; validity of an instruction is data, not a nested switch.
 * Mnemonics are the conformance-data spellings (`add32`, `ldxw`, `jsle32`, `lock`); the LLVM spelling
 * is produced by asm/disassembler.ts from the `kind` and fields.
 */
import { AluOp, AtomicOp, CallSrc, Class, JmpOp, Mode, PseudoSrc, Size, Source } from './opcodes.js';
import type { Insn } from './instruction.js';

/** Rule for a register field: a register r0..r10, or must be zero. */
export type RegRule = 'reg' | 'zero';

/** Rule for off or imm: zero, any value of the field's width, a jump offset, or one of a list. */
export type FieldRule = 'zero' | 'any' | 'jump' | readonly number[];

/** The shape of an instruction, which decides how every stage treats it. */
export type InsnKind =
  | 'alu' // dst = dst op (src|imm)
  | 'neg' // dst = -dst
  | 'end' // byte swap / endianness conversion, width in imm
  | 'mov' // dst = src|imm, movsx when off != 0
  | 'jcond' // conditional jump
  | 'ja' // unconditional jump (ja: off, ja32/gotol: imm)
  | 'may_goto' // loop-budget jump
  | 'call' // call helper (src 0), local (src 1) or kfunc (src 2)
  | 'callx' // call through a register (dst)
  | 'exit'
  | 'lddw' // 64-bit immediate, two slots
  | 'ldabs' // legacy packet load, absolute
  | 'ldind' // legacy packet load, indirect
  | 'ldx' // dst = *(size *)(src + off)
  | 'ldsx' // sign-extending load
  | 'st' // *(size *)(dst + off) = imm
  | 'stx' // *(size *)(dst + off) = src
  | 'atomic'; // atomic read-modify-write, op in imm

/** Descriptor of one valid opcode byte. */
export interface OpcodeInfo {
  readonly opcode: number;
  /** conformance-syntax mnemonic, e.g. `add32`, `ldxdw`, `jne32`, `be16` is the END base `be` */
  readonly name: string;
  readonly kind: InsnKind;
  readonly cls: Class;
  /** true for the 64-bit forms (ALU64, JMP) and 64-bit loads/stores */
  readonly is64: boolean;
  /** access size in bytes for memory instructions, 0 otherwise */
  readonly bytes: 0 | 1 | 2 | 4 | 8;
  readonly dst: RegRule;
  readonly src: RegRule | readonly number[];
  readonly off: FieldRule;
  readonly imm: FieldRule;
}

/** Operation names of ALU ops in conformance spelling. */
export const ALU_OP_NAMES: ReadonlyMap<number, string> = new Map([
  [AluOp.ADD, 'add'],
  [AluOp.SUB, 'sub'],
  [AluOp.MUL, 'mul'],
  [AluOp.DIV, 'div'],
  [AluOp.OR, 'or'],
  [AluOp.AND, 'and'],
  [AluOp.LSH, 'lsh'],
  [AluOp.RSH, 'rsh'],
  [AluOp.NEG, 'neg'],
  [AluOp.MOD, 'mod'],
  [AluOp.XOR, 'xor'],
  [AluOp.MOV, 'mov'],
  [AluOp.ARSH, 'arsh'],
  [AluOp.END, 'end'],
]);

/** Operation names of conditional jumps in conformance spelling. */
export const JMP_OP_NAMES: ReadonlyMap<number, string> = new Map([
  [JmpOp.JEQ, 'jeq'],
  [JmpOp.JGT, 'jgt'],
  [JmpOp.JGE, 'jge'],
  [JmpOp.JSET, 'jset'],
  [JmpOp.JNE, 'jne'],
  [JmpOp.JSGT, 'jsgt'],
  [JmpOp.JSGE, 'jsge'],
  [JmpOp.JLT, 'jlt'],
  [JmpOp.JLE, 'jle'],
  [JmpOp.JSLT, 'jslt'],
  [JmpOp.JSLE, 'jsle'],
]);

/** Size suffixes in conformance spelling. */
export const SIZE_NAMES: ReadonlyMap<number, 'b' | 'h' | 'w' | 'dw'> = new Map([
  [Size.B, 'b'],
  [Size.H, 'h'],
  [Size.W, 'w'],
  [Size.DW, 'dw'],
] as const);

const SIZE_BYTES: ReadonlyMap<number, 1 | 2 | 4 | 8> = new Map([
  [Size.B, 1],
  [Size.H, 2],
  [Size.W, 4],
  [Size.DW, 8],
] as const);

/** Valid imm values of atomic instructions. */
export const ATOMIC_IMMS: readonly number[] = [
  AtomicOp.ADD,
  AtomicOp.ADD | AtomicOp.FETCH,
  AtomicOp.OR,
  AtomicOp.OR | AtomicOp.FETCH,
  AtomicOp.AND,
  AtomicOp.AND | AtomicOp.FETCH,
  AtomicOp.XOR,
  AtomicOp.XOR | AtomicOp.FETCH,
  AtomicOp.XCHG,
  AtomicOp.CMPXCHG,
];

/** Valid src values of lddw (every BPF_PSEUDO_* form). */
export const LDDW_SRCS: readonly number[] = Object.values(PseudoSrc);

function buildTable(): OpcodeInfo[] {
  const rows: OpcodeInfo[] = [];
  const add = (row: OpcodeInfo): void => {
    rows.push(row);
  };

  for (const cls of [Class.ALU, Class.ALU64] as const) {
    const is64 = cls === Class.ALU64;
    const suffix = is64 ? '' : '32';
    for (const [op, base] of ALU_OP_NAMES) {
      if (op === AluOp.NEG) {
        add({ opcode: cls | op, name: base + suffix, kind: 'neg', cls, is64, bytes: 0, dst: 'reg', src: 'zero', off: 'zero', imm: 'zero' });
        continue;
      }
      if (op === AluOp.END) {
        // ALU class: le (source bit K) / be (source bit X). ALU64 class: bswap, source bit K only.
        if (is64) {
          add({ opcode: cls | op, name: 'bswap', kind: 'end', cls, is64, bytes: 0, dst: 'reg', src: 'zero', off: 'zero', imm: [16, 32, 64] });
        } else {
          add({ opcode: cls | op | Source.K, name: 'le', kind: 'end', cls, is64, bytes: 0, dst: 'reg', src: 'zero', off: 'zero', imm: [16, 32, 64] });
          add({ opcode: cls | op | Source.X, name: 'be', kind: 'end', cls, is64, bytes: 0, dst: 'reg', src: 'zero', off: 'zero', imm: [16, 32, 64] });
        }
        continue;
      }
      const kind = op === AluOp.MOV ? 'mov' : 'alu';
      const signedVariant = op === AluOp.DIV || op === AluOp.MOD ? [0, 1] : null;
      const movsxOffsets = is64 ? [0, 8, 16, 32] : [0, 8, 16];
      add({
        opcode: cls | op | Source.K,
        name: base + suffix,
        kind,
        cls,
        is64,
        bytes: 0,
        dst: 'reg',
        src: 'zero',
        off: signedVariant ?? 'zero',
        imm: 'any',
      });
      add({
        opcode: cls | op | Source.X,
        name: base + suffix,
        kind,
        cls,
        is64,
        bytes: 0,
        dst: 'reg',
        src: 'reg',
        off: signedVariant ?? (op === AluOp.MOV ? movsxOffsets : 'zero'),
        imm: 'zero',
      });
    }
  }

  for (const cls of [Class.JMP, Class.JMP32] as const) {
    const is64 = cls === Class.JMP;
    const suffix = is64 ? '' : '32';
    for (const [op, base] of JMP_OP_NAMES) {
      add({ opcode: cls | op | Source.K, name: base + suffix, kind: 'jcond', cls, is64, bytes: 0, dst: 'reg', src: 'zero', off: 'jump', imm: 'any' });
      add({ opcode: cls | op | Source.X, name: base + suffix, kind: 'jcond', cls, is64, bytes: 0, dst: 'reg', src: 'reg', off: 'jump', imm: 'zero' });
    }
  }
  add({ opcode: Class.JMP | JmpOp.JA, name: 'ja', kind: 'ja', cls: Class.JMP, is64: true, bytes: 0, dst: 'zero', src: 'zero', off: 'jump', imm: 'zero' });
  add({ opcode: Class.JMP32 | JmpOp.JA, name: 'ja32', kind: 'ja', cls: Class.JMP32, is64: false, bytes: 0, dst: 'zero', src: 'zero', off: 'zero', imm: 'jump' });
  add({ opcode: Class.JMP | JmpOp.JCOND, name: 'may_goto', kind: 'may_goto', cls: Class.JMP, is64: true, bytes: 0, dst: 'zero', src: 'zero', off: 'jump', imm: 'zero' });
  add({
    opcode: Class.JMP | JmpOp.CALL,
    name: 'call',
    kind: 'call',
    cls: Class.JMP,
    is64: true,
    bytes: 0,
    dst: 'zero',
    src: [CallSrc.HELPER, CallSrc.LOCAL, CallSrc.KFUNC],
    off: 'zero',
    imm: 'any',
  });
  add({ opcode: Class.JMP | JmpOp.CALL | Source.X, name: 'callx', kind: 'callx', cls: Class.JMP, is64: true, bytes: 0, dst: 'reg', src: 'zero', off: 'zero', imm: 'zero' });
  add({ opcode: Class.JMP | JmpOp.EXIT, name: 'exit', kind: 'exit', cls: Class.JMP, is64: true, bytes: 0, dst: 'zero', src: 'zero', off: 'zero', imm: 'zero' });

  add({ opcode: Class.LD | Mode.IMM | Size.DW, name: 'lddw', kind: 'lddw', cls: Class.LD, is64: true, bytes: 8, dst: 'reg', src: LDDW_SRCS, off: 'zero', imm: 'any' });
  for (const size of [Size.W, Size.H, Size.B] as const) {
    const sfx = SIZE_NAMES.get(size) ?? '';
    const bytes = SIZE_BYTES.get(size) ?? 0;
    add({ opcode: Class.LD | Mode.ABS | size, name: 'ldabs' + sfx, kind: 'ldabs', cls: Class.LD, is64: false, bytes, dst: 'zero', src: 'zero', off: 'zero', imm: 'any' });
    add({ opcode: Class.LD | Mode.IND | size, name: 'ldind' + sfx, kind: 'ldind', cls: Class.LD, is64: false, bytes, dst: 'zero', src: 'reg', off: 'zero', imm: 'any' });
  }
  for (const size of [Size.B, Size.H, Size.W, Size.DW] as const) {
    const sfx = SIZE_NAMES.get(size) ?? '';
    const bytes = SIZE_BYTES.get(size) ?? 0;
    const is64 = size === Size.DW;
    add({ opcode: Class.LDX | Mode.MEM | size, name: 'ldx' + sfx, kind: 'ldx', cls: Class.LDX, is64, bytes, dst: 'reg', src: 'reg', off: 'any', imm: 'zero' });
    if (size !== Size.DW) {
      add({ opcode: Class.LDX | Mode.MEMSX | size, name: 'ldxs' + sfx, kind: 'ldsx', cls: Class.LDX, is64, bytes, dst: 'reg', src: 'reg', off: 'any', imm: 'zero' });
    }
    add({ opcode: Class.ST | Mode.MEM | size, name: 'st' + sfx, kind: 'st', cls: Class.ST, is64, bytes, dst: 'reg', src: 'zero', off: 'any', imm: 'any' });
    add({ opcode: Class.STX | Mode.MEM | size, name: 'stx' + sfx, kind: 'stx', cls: Class.STX, is64, bytes, dst: 'reg', src: 'reg', off: 'any', imm: 'zero' });
    if (size === Size.W || size === Size.DW) {
      add({ opcode: Class.STX | Mode.ATOMIC | size, name: 'lock', kind: 'atomic', cls: Class.STX, is64, bytes, dst: 'reg', src: 'reg', off: 'any', imm: ATOMIC_IMMS });
    }
  }
  return rows;
}

/** Every valid opcode, in table order. */
export const OPCODES: readonly OpcodeInfo[] = buildTable();

const BY_OPCODE: readonly (OpcodeInfo | undefined)[] = (() => {
  const byOpcode = new Array<OpcodeInfo | undefined>(256).fill(undefined);
  for (const row of OPCODES) byOpcode[row.opcode] = row;
  return byOpcode;
})();

/** The descriptor of an opcode byte, or undefined when the byte is not a valid opcode. */
export function opcodeInfo(opcode: number): OpcodeInfo | undefined {
  return BY_OPCODE[opcode & 0xff];
}

/** Why an instruction's fields break its opcode's rules, or null when they fit (lddw's second slot excluded). */
export function checkFields(insn: Insn): string | null {
  const info = opcodeInfo(insn.op);
  if (info === undefined) return `unknown opcode 0x${insn.op.toString(16).padStart(2, '0')}`;
  const regProblem = (name: string, value: number, rule: RegRule | readonly number[]): string | null => {
    if (rule === 'reg') return value > 10 ? `invalid ${name} register r${value}` : null;
    if (rule === 'zero') return value !== 0 ? `reserved ${name} field is ${value}, expected 0` : null;
    return rule.includes(value) ? null : `invalid ${name} field ${value} for ${info.name}`;
  };
  const fieldProblem = (name: string, value: number, rule: FieldRule): string | null => {
    if (rule === 'any' || rule === 'jump') return null;
    if (rule === 'zero') return value !== 0 ? `reserved ${name} field is ${value}, expected 0` : null;
    return rule.includes(value) ? null : `invalid ${name} ${value} for ${info.name}`;
  };
  return (
    regProblem('dst', insn.dst, info.dst) ??
    regProblem('src', insn.src, info.src) ??
    fieldProblem('off', insn.off, info.off) ??
    fieldProblem('imm', insn.imm, info.imm)
  );
}
