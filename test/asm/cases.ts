/**
 * @fileoverview Shared test tables: one row per instruction form with its exact LLVM-syntax text
 * (what llvm-objdump 14 --mattr=+alu32 prints, LLVM >= 18 spelling for cpu v4) and its conformance text.
 */
import { type Insn, makeInsn, makeLddw } from '../../src/isa/instruction.js';
import { AluOp, CallSrc, Class, JmpOp, Mode, Opcode, Size, Source } from '../../src/isa/opcodes.js';

export const ALU = Class.ALU;
export const ALU64 = Class.ALU64;
export const K = Source.K;
export const X = Source.X;
export const ATOMIC_W = Class.STX | Mode.ATOMIC | Size.W;
export const ATOMIC_DW = Class.STX | Mode.ATOMIC | Size.DW;

export interface TextCase {
  readonly name: string;
  readonly insns: readonly Insn[];
  readonly want: string;
  /** text with `alu32: false` when it differs */
  readonly plain?: string;
}

/** One row per instruction form; `want` is what llvm-objdump 14 --mattr=+alu32 (or LLVM >= 18 for v4) prints. */
export const TEXT_CASES: readonly TextCase[] = [
  { name: 'add64 imm', insns: [makeInsn(ALU64 | AluOp.ADD | K, 1, 0, 0, -4)], want: 'r1 += -4' },
  { name: 'add32 reg', insns: [makeInsn(ALU | AluOp.ADD | X, 0, 1)], want: 'w0 += w1' },
  { name: 'sub64 reg', insns: [makeInsn(ALU64 | AluOp.SUB | X, 3, 4)], want: 'r3 -= r4' },
  { name: 'mul32 imm', insns: [makeInsn(ALU | AluOp.MUL | K, 1, 0, 0, 1000003)], want: 'w1 *= 1000003' },
  { name: 'div64 imm', insns: [makeInsn(ALU64 | AluOp.DIV | K, 1, 0, 0, 7)], want: 'r1 /= 7' },
  { name: 'sdiv64 reg', insns: [makeInsn(ALU64 | AluOp.DIV | X, 1, 2, 1)], want: 'r1 s/= r2' },
  { name: 'sdiv32 imm', insns: [makeInsn(ALU | AluOp.DIV | K, 1, 0, 1, -3)], want: 'w1 s/= -3' },
  { name: 'mod64 reg', insns: [makeInsn(ALU64 | AluOp.MOD | X, 0, 1)], want: 'r0 %= r1' },
  { name: 'smod32 reg', insns: [makeInsn(ALU | AluOp.MOD | X, 0, 1, 1)], want: 'w0 s%= w1' },
  { name: 'or32 imm', insns: [makeInsn(ALU | AluOp.OR | K, 1, 0, 0, 255)], want: 'w1 |= 255' },
  { name: 'and32 imm -1', insns: [makeInsn(ALU | AluOp.AND | K, 1, 0, 0, -1)], want: 'w1 &= -1' },
  { name: 'lsh64 imm', insns: [makeInsn(ALU64 | AluOp.LSH | K, 3, 0, 0, 32)], want: 'r3 <<= 32' },
  { name: 'rsh32 imm', insns: [makeInsn(ALU | AluOp.RSH | K, 6, 0, 0, 3)], want: 'w6 >>= 3' },
  { name: 'arsh32 reg', insns: [makeInsn(ALU | AluOp.ARSH | X, 0, 1)], want: 'w0 s>>= w1' },
  { name: 'xor64 reg', insns: [makeInsn(ALU64 | AluOp.XOR | X, 7, 1)], want: 'r7 ^= r1' },
  { name: 'neg64', insns: [makeInsn(ALU64 | AluOp.NEG, 0)], want: 'r0 = -r0' },
  { name: 'neg32', insns: [makeInsn(ALU | AluOp.NEG, 1)], want: 'w1 = -w1' },
  { name: 'mov64 imm min', insns: [makeInsn(ALU64 | AluOp.MOV | K, 1, 0, 0, -0x80000000)], want: 'r1 = -2147483648' },
  { name: 'mov32 reg', insns: [makeInsn(ALU | AluOp.MOV | X, 0, 1)], want: 'w0 = w1' },
  { name: 'movsx864', insns: [makeInsn(ALU64 | AluOp.MOV | X, 0, 1, 8)], want: 'r0 = (s8)r1' },
  { name: 'movsx1632', insns: [makeInsn(ALU | AluOp.MOV | X, 0, 1, 16)], want: 'w0 = (s16)w1' },
  { name: 'movsx3264', insns: [makeInsn(ALU64 | AluOp.MOV | X, 2, 3, 32)], want: 'r2 = (s32)r3' },
  { name: 'le16', insns: [makeInsn(ALU | AluOp.END | K, 0, 0, 0, 16)], want: 'r0 = le16 r0' },
  { name: 'be32', insns: [makeInsn(ALU | AluOp.END | X, 3, 0, 0, 32)], want: 'r3 = be32 r3' },
  { name: 'bswap64', insns: [makeInsn(ALU64 | AluOp.END, 1, 0, 0, 64)], want: 'r1 = bswap64 r1' },
  { name: 'jeq64 imm', insns: [makeInsn(Class.JMP | JmpOp.JEQ | K, 1, 0, 7, 0)], want: 'if r1 == 0 goto +7' },
  { name: 'jsgt64 reg', insns: [makeInsn(Class.JMP | JmpOp.JSGT | X, 1, 2, 3)], want: 'if r1 s> r2 goto +3' },
  { name: 'jne32 reg', insns: [makeInsn(Class.JMP32 | JmpOp.JNE | X, 1, 2, -1)], want: 'if w1 != w2 goto -1' },
  { name: 'jslt32 imm', insns: [makeInsn(Class.JMP32 | JmpOp.JSLT | K, 7, 0, 1, -100)], want: 'if w7 s< -100 goto +1' },
  { name: 'jset64 reg', insns: [makeInsn(Class.JMP | JmpOp.JSET | X, 1, 2, 0)], want: 'if r1 & r2 goto +0' },
  { name: 'jge/jle/jgt/jlt/jsge/jsle', insns: [makeInsn(Class.JMP | JmpOp.JSLE | K, 1, 0, 2, 5)], want: 'if r1 s<= 5 goto +2' },
  { name: 'ja', insns: [makeInsn(Opcode.JA, 0, 0, -24)], want: 'goto -24' },
  { name: 'ja32 (gotol)', insns: [makeInsn(Opcode.JA32, 0, 0, 0, 100000)], want: 'gotol +100000' },
  { name: 'may_goto', insns: [makeInsn(Opcode.MAY_GOTO, 0, 0, 5)], want: 'may_goto +5' },
  { name: 'call helper', insns: [makeInsn(Opcode.CALL, 0, CallSrc.HELPER, 0, 1)], want: 'call 1' },
  { name: 'call helper -1', insns: [makeInsn(Opcode.CALL, 0, CallSrc.HELPER, 0, -1)], want: 'call -1' },
  { name: 'call local', insns: [makeInsn(Opcode.CALL, 0, CallSrc.LOCAL, 0, 3)], want: 'call pc+3' },
  { name: 'call local back', insns: [makeInsn(Opcode.CALL, 0, CallSrc.LOCAL, 0, -5)], want: 'call pc-5' },
  { name: 'call kfunc', insns: [makeInsn(Opcode.CALL, 0, CallSrc.KFUNC, 0, 1234)], want: 'call kfunc 1234' },
  { name: 'callx', insns: [makeInsn(Opcode.CALLX, 2)], want: 'callx r2' },
  { name: 'exit', insns: [makeInsn(Opcode.EXIT)], want: 'exit' },
  { name: 'lddw', insns: makeLddw(1, 0x1122334455667788n), want: 'r1 = 1234605616436508552 ll' },
  { name: 'lddw negative', insns: makeLddw(1, -1n), want: 'r1 = -1 ll' },
  { name: 'lddw map fd', insns: makeLddw(1, 4n, 1), want: 'ld_pseudo\tr1, 1, 4' },
  { name: 'lddw map value with offset', insns: makeLddw(2, (8n << 32n) | 4n, 2), want: 'ld_pseudo\tr2, 2, 34359738372' },
  { name: 'ldabsb', insns: [makeInsn(Class.LD | Mode.ABS | Size.B, 0, 0, 0, 12)], want: 'r0 = *(u8 *)skb[12]' },
  { name: 'ldabsw negative', insns: [makeInsn(Class.LD | Mode.ABS | Size.W, 0, 0, 0, -1)], want: 'r0 = *(u32 *)skb[-1]' },
  { name: 'ldindh', insns: [makeInsn(Class.LD | Mode.IND | Size.H, 0, 1, 0, 0)], want: 'r0 = *(u16 *)skb[r1]' },
  { name: 'ldindb with imm', insns: [makeInsn(Class.LD | Mode.IND | Size.B, 0, 1, 0, 14)], want: 'r0 = *(u8 *)skb[r1 + 14]' },
  { name: 'ldxw', insns: [makeInsn(Class.LDX | Mode.MEM | Size.W, 0, 1, 4)], want: 'w0 = *(u32 *)(r1 + 4)', plain: 'r0 = *(u32 *)(r1 + 4)' },
  { name: 'ldxb negative off', insns: [makeInsn(Class.LDX | Mode.MEM | Size.B, 0, 1, -8)], want: 'w0 = *(u8 *)(r1 - 8)', plain: 'r0 = *(u8 *)(r1 - 8)' },
  { name: 'ldxdw', insns: [makeInsn(Class.LDX | Mode.MEM | Size.DW, 0, 10, -32768)], want: 'r0 = *(u64 *)(r10 - 32768)' },
  { name: 'ldxsh', insns: [makeInsn(Class.LDX | Mode.MEMSX | Size.H, 0, 1, 2)], want: 'r0 = *(s16 *)(r1 + 2)' },
  { name: 'ldxsb off 0', insns: [makeInsn(Class.LDX | Mode.MEMSX | Size.B, 3, 1, 0)], want: 'r3 = *(s8 *)(r1 + 0)' },
  { name: 'stw imm', insns: [makeInsn(Class.ST | Mode.MEM | Size.W, 10, 0, -4, 5)], want: '*(u32 *)(r10 - 4) = 5' },
  { name: 'stdw imm', insns: [makeInsn(Class.ST | Mode.MEM | Size.DW, 10, 0, -8, -1)], want: '*(u64 *)(r10 - 8) = -1' },
  { name: 'stxdw', insns: [makeInsn(Class.STX | Mode.MEM | Size.DW, 10, 1, -8)], want: '*(u64 *)(r10 - 8) = r1' },
  { name: 'stxh', insns: [makeInsn(Class.STX | Mode.MEM | Size.H, 1, 2, 32767)], want: '*(u16 *)(r1 + 32767) = w2', plain: '*(u16 *)(r1 + 32767) = r2' },
  { name: 'lock add64', insns: [makeInsn(ATOMIC_DW, 10, 1, -8, 0x00)], want: 'lock *(u64 *)(r10 - 8) += r1' },
  { name: 'lock add32', insns: [makeInsn(ATOMIC_W, 1, 4, 0, 0x00)], want: 'lock *(u32 *)(r1 + 0) += w4', plain: 'lock *(u32 *)(r1 + 0) += r4' },
  { name: 'lock or32', insns: [makeInsn(ATOMIC_W, 1, 4, 0, 0x40)], want: 'lock *(u32 *)(r1 + 0) |= w4' },
  { name: 'lock and64', insns: [makeInsn(ATOMIC_DW, 2, 3, 0, 0x50)], want: 'lock *(u64 *)(r2 + 0) &= r3' },
  { name: 'lock xor64', insns: [makeInsn(ATOMIC_DW, 2, 6, 0, 0xa0)], want: 'lock *(u64 *)(r2 + 0) ^= r6' },
  { name: 'fetch add64', insns: [makeInsn(ATOMIC_DW, 10, 0, -8, 0x01)], want: 'r0 = atomic_fetch_add((u64 *)(r10 - 8), r0)' },
  { name: 'fetch or32', insns: [makeInsn(ATOMIC_W, 1, 7, 0, 0x41)], want: 'w7 = atomic_fetch_or((u32 *)(r1 + 0), w7)' },
  { name: 'fetch and64', insns: [makeInsn(ATOMIC_DW, 2, 8, 0, 0x51)], want: 'r8 = atomic_fetch_and((u64 *)(r2 + 0), r8)' },
  { name: 'fetch xor32', insns: [makeInsn(ATOMIC_W, 1, 3, 0, 0xa1)], want: 'w3 = atomic_fetch_xor((u32 *)(r1 + 0), w3)' },
  { name: 'xchg64', insns: [makeInsn(ATOMIC_DW, 10, 0, -8, 0xe1)], want: 'r0 = xchg_64(r10 - 8, r0)' },
  { name: 'xchg32', insns: [makeInsn(ATOMIC_W, 1, 3, 0, 0xe1)], want: 'w3 = xchg32_32(r1 + 0, w3)' },
  { name: 'cmpxchg64', insns: [makeInsn(ATOMIC_DW, 10, 1, -8, 0xf1)], want: 'r0 = cmpxchg_64(r10 - 8, r0, r1)' },
  { name: 'cmpxchg32', insns: [makeInsn(ATOMIC_W, 1, 6, 0, 0xf1)], want: 'w0 = cmpxchg32_32(r1 + 0, w0, w6)' },
];


/** A conformance-syntax line (or a few) and the slots it assembles to. */
export interface ConformanceCase {
  readonly name: string;
  readonly text: string;
  readonly insns: readonly Insn[];
}

const LDX = (size: number, mode: number = Mode.MEM): number => Class.LDX | mode | size;

/** One row per conformance mnemonic form (README of the conformance data lists them all). */
export const CONFORMANCE_CASES: readonly ConformanceCase[] = [
  { name: 'mov imm', text: 'mov %r0, 1', insns: [makeInsn(ALU64 | AluOp.MOV | K, 0, 0, 0, 1)] },
  { name: 'mov32 hex pattern', text: 'mov32 %r0, 0x80000000', insns: [makeInsn(ALU | AluOp.MOV | K, 0, 0, 0, -0x80000000)] },
  { name: 'mov reg', text: 'mov %r0, %r10', insns: [makeInsn(ALU64 | AluOp.MOV | X, 0, 10)] },
  { name: 'add32 negative', text: 'add32 %r0, -3', insns: [makeInsn(ALU | AluOp.ADD | K, 0, 0, 0, -3)] },
  { name: 'add32 reg', text: 'add32 %r0, %r1', insns: [makeInsn(ALU | AluOp.ADD | X, 0, 1)] },
  { name: 'sub', text: 'sub %r1, %r2', insns: [makeInsn(ALU64 | AluOp.SUB | X, 1, 2)] },
  { name: 'mul32', text: 'mul32 %r1, 7', insns: [makeInsn(ALU | AluOp.MUL | K, 1, 0, 0, 7)] },
  { name: 'div', text: 'div %r1, %r2', insns: [makeInsn(ALU64 | AluOp.DIV | X, 1, 2)] },
  { name: 'sdiv', text: 'sdiv %r1, %r2', insns: [makeInsn(ALU64 | AluOp.DIV | X, 1, 2, 1)] },
  { name: 'sdiv32 imm', text: 'sdiv32 %r1, -2', insns: [makeInsn(ALU | AluOp.DIV | K, 1, 0, 1, -2)] },
  { name: 'mod32', text: 'mod32 %r1, 5', insns: [makeInsn(ALU | AluOp.MOD | K, 1, 0, 0, 5)] },
  { name: 'smod', text: 'smod %r1, %r3', insns: [makeInsn(ALU64 | AluOp.MOD | X, 1, 3, 1)] },
  { name: 'or', text: 'or %r0, 0x10', insns: [makeInsn(ALU64 | AluOp.OR | K, 0, 0, 0, 16)] },
  { name: 'and32', text: 'and32 %r0, %r1', insns: [makeInsn(ALU | AluOp.AND | X, 0, 1)] },
  { name: 'xor', text: 'xor %r0, %r1', insns: [makeInsn(ALU64 | AluOp.XOR | X, 0, 1)] },
  { name: 'lsh', text: 'lsh %r0, 32', insns: [makeInsn(ALU64 | AluOp.LSH | K, 0, 0, 0, 32)] },
  { name: 'rsh32', text: 'rsh32 %r0, %r1', insns: [makeInsn(ALU | AluOp.RSH | X, 0, 1)] },
  { name: 'arsh', text: 'arsh %r0, 3', insns: [makeInsn(ALU64 | AluOp.ARSH | K, 0, 0, 0, 3)] },
  { name: 'neg', text: 'neg %r0', insns: [makeInsn(ALU64 | AluOp.NEG, 0)] },
  { name: 'neg32', text: 'neg32 %r2', insns: [makeInsn(ALU | AluOp.NEG, 2)] },
  { name: 'movsx832', text: 'movsx832 %r0, %r1', insns: [makeInsn(ALU | AluOp.MOV | X, 0, 1, 8)] },
  { name: 'movsx1632', text: 'movsx1632 %r0, %r1', insns: [makeInsn(ALU | AluOp.MOV | X, 0, 1, 16)] },
  { name: 'movsx864', text: 'movsx864 %r0, %r1', insns: [makeInsn(ALU64 | AluOp.MOV | X, 0, 1, 8)] },
  { name: 'movsx1664', text: 'movsx1664 %r0, %r1', insns: [makeInsn(ALU64 | AluOp.MOV | X, 0, 1, 16)] },
  { name: 'movsx3264', text: 'movsx3264 %r0, %r1', insns: [makeInsn(ALU64 | AluOp.MOV | X, 0, 1, 32)] },
  { name: 'le16', text: 'le16 %r0', insns: [makeInsn(ALU | AluOp.END | K, 0, 0, 0, 16)] },
  { name: 'le64', text: 'le64 %r3', insns: [makeInsn(ALU | AluOp.END | K, 3, 0, 0, 64)] },
  { name: 'be32', text: 'be32 %r0', insns: [makeInsn(ALU | AluOp.END | X, 0, 0, 0, 32)] },
  { name: 'bswap16', text: 'bswap16 %r0', insns: [makeInsn(ALU64 | AluOp.END, 0, 0, 0, 16)] },
  { name: 'swap64 synonym', text: 'swap64 %r0', insns: [makeInsn(ALU64 | AluOp.END, 0, 0, 0, 64)] },
  { name: 'lddw', text: 'lddw %r0, 0x1122334455667788', insns: makeLddw(0, 0x1122334455667788n) },
  { name: 'lddw negative', text: 'lddw %r1, -2', insns: makeLddw(1, -2n) },
  { name: 'ldxb hex offset', text: 'ldxb %r0, [%r1+0x2]', insns: [makeInsn(LDX(Size.B), 0, 1, 2)] },
  { name: 'ldxh', text: 'ldxh %r3, [%r1+12]', insns: [makeInsn(LDX(Size.H), 3, 1, 12)] },
  { name: 'ldxw spaces in brackets', text: 'ldxw %r0, [ %r1 + 2 ]', insns: [makeInsn(LDX(Size.W), 0, 1, 2)] },
  { name: 'ldxdw no offset', text: 'ldxdw %r0, [%r1]', insns: [makeInsn(LDX(Size.DW), 0, 1, 0)] },
  { name: 'ldxsb', text: 'ldxsb %r0, [%r10-1]', insns: [makeInsn(LDX(Size.B, Mode.MEMSX), 0, 10, -1)] },
  { name: 'ldxsh', text: 'ldxsh %r0, [%r1+2]', insns: [makeInsn(LDX(Size.H, Mode.MEMSX), 0, 1, 2)] },
  { name: 'ldxsw', text: 'ldxsw %r0, [%r1+4]', insns: [makeInsn(LDX(Size.W, Mode.MEMSX), 0, 1, 4)] },
  { name: 'stb', text: 'stb [%r10-1], 0x11', insns: [makeInsn(Class.ST | Mode.MEM | Size.B, 10, 0, -1, 0x11)] },
  { name: 'stdw', text: 'stdw [%r10-8], -1', insns: [makeInsn(Class.ST | Mode.MEM | Size.DW, 10, 0, -8, -1)] },
  { name: 'stxw', text: 'stxw [%r1+4], %r2', insns: [makeInsn(Class.STX | Mode.MEM | Size.W, 1, 2, 4)] },
  { name: 'stxdw', text: 'stxdw [%r10-8], %r3', insns: [makeInsn(Class.STX | Mode.MEM | Size.DW, 10, 3, -8)] },
  { name: 'lock add', text: 'lock add [%r10-8], %r1', insns: [makeInsn(ATOMIC_DW, 10, 1, -8, 0x00)] },
  { name: 'lock fetch add', text: 'lock fetch add [%r10-8], %r1', insns: [makeInsn(ATOMIC_DW, 10, 1, -8, 0x01)] },
  { name: 'lock or32', text: 'lock or32 [%r10-4], %r1', insns: [makeInsn(ATOMIC_W, 10, 1, -4, 0x40)] },
  { name: 'lock fetch and32', text: 'lock fetch and32 [%r10-4], %r3', insns: [makeInsn(ATOMIC_W, 10, 3, -4, 0x51)] },
  { name: 'lock fetch xor', text: 'lock fetch xor [%r10-8], %r3', insns: [makeInsn(ATOMIC_DW, 10, 3, -8, 0xa1)] },
  { name: 'lock xchg', text: 'lock xchg [%r10-8], %r1', insns: [makeInsn(ATOMIC_DW, 10, 1, -8, 0xe1)] },
  { name: 'lock xchg32', text: 'lock xchg32 [%r10-8], %r1', insns: [makeInsn(ATOMIC_W, 10, 1, -8, 0xe1)] },
  { name: 'lock cmpxchg', text: 'lock cmpxchg [%r10-8], %r1', insns: [makeInsn(ATOMIC_DW, 10, 1, -8, 0xf1)] },
  { name: 'lock cmpxchg32', text: 'lock cmpxchg32 [%r10-8], %r1', insns: [makeInsn(ATOMIC_W, 10, 1, -8, 0xf1)] },
  { name: 'ja explicit', text: 'ja +2', insns: [makeInsn(Opcode.JA, 0, 0, 2)] },
  { name: 'ja32 explicit', text: 'ja32 -1', insns: [makeInsn(Opcode.JA32, 0, 0, 0, -1)] },
  { name: 'jeq hex imm', text: 'jeq %r1, 0x1a8c0, +1', insns: [makeInsn(Class.JMP | JmpOp.JEQ | K, 1, 0, 1, 0x1a8c0)] },
  { name: 'jne32 reg', text: 'jne32 %r1, %r2, -3', insns: [makeInsn(Class.JMP32 | JmpOp.JNE | X, 1, 2, -3)] },
  { name: 'jset', text: 'jset %r1, 8, +0', insns: [makeInsn(Class.JMP | JmpOp.JSET | K, 1, 0, 0, 8)] },
  { name: 'jsle32', text: 'jsle32 %r1, -5, +4', insns: [makeInsn(Class.JMP32 | JmpOp.JSLE | K, 1, 0, 4, -5)] },
  { name: 'may_goto', text: 'may_goto +3', insns: [makeInsn(Opcode.MAY_GOTO, 0, 0, 3)] },
  { name: 'call helper', text: 'call 5', insns: [makeInsn(Opcode.CALL, 0, CallSrc.HELPER, 0, 5)] },
  { name: 'callx', text: 'call %r2', insns: [makeInsn(Opcode.CALLX, 2)] },
  { name: 'call local offset', text: 'call local +4', insns: [makeInsn(Opcode.CALL, 0, CallSrc.LOCAL, 0, 4)] },
  { name: 'exit', text: 'exit', insns: [makeInsn(Opcode.EXIT)] },
  { name: 'ldabsb', text: 'ldabsb 12', insns: [makeInsn(Class.LD | Mode.ABS | Size.B, 0, 0, 0, 12)] },
  { name: 'ldabsw', text: 'ldabsw 0x10', insns: [makeInsn(Class.LD | Mode.ABS | Size.W, 0, 0, 0, 16)] },
  { name: 'ldindh', text: 'ldindh %r1, 2', insns: [makeInsn(Class.LD | Mode.IND | Size.H, 0, 1, 0, 2)] },
  { name: 'commas optional', text: 'add %r0 %r1', insns: [makeInsn(ALU64 | AluOp.ADD | X, 0, 1)] },
  { name: 'comments', text: 'mov %r0, 1 # one\nexit ; semicolon\n// line comment', insns: [makeInsn(ALU64 | AluOp.MOV | K, 0, 0, 0, 1), makeInsn(Opcode.EXIT)] },
];
