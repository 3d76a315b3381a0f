/**
 * @fileoverview The structural verifier pass: accepted shapes and what it computes (functions, helper ids, checked
 * accesses), and each rejection with its pc and kernel-like reason.
 */
import { describe, expect, it } from 'vitest';
import { assemble, decode, type Insn, makeInsn, makeLddw, VerifierError } from 'ebpf-wasm';
import { verifyStructure } from '../../src/verifier/cfg.js';
import { Opcode } from '../../src/isa/opcodes.js';

const EXIT = makeInsn(Opcode.EXIT);
const MOV_R0_0 = makeInsn(0xb7, 0, 0, 0, 0);

function check(insns: readonly Insn[], helperIds: readonly number[] = [5]) {
  return verifyStructure(insns, { type: 'raw', helperIds: new Set(helperIds) });
}

function rejection(insns: readonly Insn[], helperIds?: readonly number[]): VerifierError {
  try {
    check(insns, helperIds);
  } catch (error) {
    if (error instanceof VerifierError) return error;
    throw error;
  }
  throw new Error('expected a VerifierError');
}

const asm = (text: string): Insn[] => decode(assemble(text));

describe('verifyStructure accepts', () => {
  it.each([
    { name: 'a minimal program', insns: [MOV_R0_0, EXIT] },
    { name: 'a loop (back-edges are allowed)', insns: asm('mov %r0, 0\nloop:\nadd %r0, 1\njlt %r0, 10, loop\nexit') },
    { name: 'a program ending in ja', insns: asm('mov %r0, 0\nja end\nback:\nexit\nend:\nja back') },
    { name: 'several exits', insns: asm('mov %r0, 0\njeq %r1, 0, a\nexit\na:\nmov %r0, 1\nexit') },
    { name: 'lddw followed by exit', insns: [...makeLddw(0, 0x1122334455667788n), EXIT] },
    { name: 'ja32 over an instruction', insns: asm('mov %r0, 0\njeq %r1, 0, skip\nja32 end\nskip:\nmov %r0, 1\nend:\nexit') },
    { name: 'may_goto', insns: asm('mov %r0, 0\nmay_goto end\nmov %r0, 1\nend:\nexit') },
    { name: 'a helper call', insns: asm('call 5\nexit') },
    { name: 'callx (checked at run time)', insns: asm('mov %r2, 77\ncall %r2\nexit') },
  ])('$name', ({ insns }) => {
    expect(check(insns).insns).toEqual(insns);
  });

  it('computes functions, helper ids and checked accesses', () => {
    const insns = asm(['call local f', 'call 5', 'call 5', 'ldxw %r0, [%r1]', 'exit', 'f:', 'call local g', 'exit', 'g:', 'stb [%r10-1], 1', 'mov %r0, 0', 'exit'].join('\n'));
    const program = check(insns, [5, 7]);
    expect(program.functions).toEqual([0, 5, 7]);
    expect(program.helperIds).toEqual([5]);
    expect([...program.checkedAccess]).toEqual([0, 0, 0, 1, 0, 0, 0, 1, 0, 0]);
    expect(program.type).toBe('raw');
  });
});

describe('verifyStructure rejects', () => {
  it.each([
    { name: 'an empty program', insns: [], pc: -1, reason: 'empty program' },
    { name: 'an unknown opcode', insns: [makeInsn(0xff), EXIT], pc: 0, reason: 'unknown opcode 0xff' },
    { name: 'a register above r10', insns: [makeInsn(0xb7, 11), EXIT], pc: 0, reason: 'invalid dst register r11' },
    { name: 'a jump past the end', insns: [makeInsn(Opcode.JA, 0, 0, 40), EXIT], pc: 0, reason: 'jump out of range from insn 0 to 41' },
    { name: 'a jump before the start', insns: [MOV_R0_0, makeInsn(0x15, 0, 0, -3, 0), EXIT], pc: 1, reason: 'jump out of range from insn 1 to -1' },
    { name: 'a ja32 out of range', insns: [makeInsn(Opcode.JA32, 0, 0, 0, 5), EXIT], pc: 0, reason: 'jump out of range from insn 0 to 6' },
    { name: 'a jump into lddw', insns: [makeInsn(Opcode.JA, 0, 0, 1), ...makeLddw(0, 1n), EXIT], pc: 0, reason: 'jump into the middle of ldimm64 insn 1' },
    { name: 'lddw without its second slot', insns: [MOV_R0_0, makeLddw(0, 1n)[0]], pc: 1, reason: 'invalid bpf_ld_imm64 insn' },
    { name: 'lddw with a bad second slot', insns: [makeLddw(0, 1n)[0], EXIT, EXIT], pc: 0, reason: 'invalid bpf_ld_imm64 insn' },
    { name: 'lddw of a map fd', insns: [...makeLddw(1, 3n, 1), MOV_R0_0, EXIT], pc: 0, reason: 'lddw with pseudo src 1 is not supported yet' },
    { name: 'falling off the end', insns: [MOV_R0_0], pc: 0, reason: 'last insn is not an exit or jmp' },
    { name: 'ending in lddw', insns: [EXIT, ...makeLddw(0, 1n)], pc: 2, reason: 'last insn is not an exit or jmp' },
    { name: 'unreachable code after exit', insns: [MOV_R0_0, EXIT, MOV_R0_0, EXIT], pc: 2, reason: 'unreachable insn 2' },
    { name: 'an unreachable island between jumps', insns: asm('mov %r0, 0\nja end\nmov %r0, 1\nend:\nexit'), pc: 2, reason: 'unreachable insn 2' },
    { name: 'mov into r10', insns: [makeInsn(0xb7, 10), MOV_R0_0, EXIT], pc: 0, reason: 'frame pointer is read only' },
    { name: 'alu32 into r10', insns: [makeInsn(0x04, 10, 0, 0, 1), MOV_R0_0, EXIT], pc: 0, reason: 'frame pointer is read only' },
    { name: 'neg of r10', insns: [makeInsn(0x87, 10), MOV_R0_0, EXIT], pc: 0, reason: 'frame pointer is read only' },
    { name: 'lddw into r10', insns: [...makeLddw(10, 1n), MOV_R0_0, EXIT], pc: 0, reason: 'frame pointer is read only' },
    { name: 'ldx into r10', insns: [makeInsn(0x79, 10, 10, -8), MOV_R0_0, EXIT], pc: 0, reason: 'frame pointer is read only' },
    { name: 'an atomic fetch into r10', insns: [makeInsn(0xdb, 10, 10, -8, 0x01), MOV_R0_0, EXIT], pc: 0, reason: 'frame pointer is read only' },
    { name: 'xchg into r10', insns: [makeInsn(0xdb, 1, 10, 0, 0xe1), MOV_R0_0, EXIT], pc: 0, reason: 'frame pointer is read only' },
    { name: 'an unknown helper', insns: [makeInsn(Opcode.CALL, 0, 0, 0, 123), EXIT], pc: 0, reason: 'invalid func unknown#123' },
    { name: 'a kfunc call', insns: [makeInsn(Opcode.CALL, 0, 2, 0, 1), EXIT], pc: 0, reason: 'kernel function calls are not supported' },
    { name: 'a local call past the end', insns: [makeInsn(Opcode.CALL, 0, 1, 0, 5), EXIT], pc: 0, reason: 'call to invalid destination from insn 0 to 6' },
    { name: 'a local call into lddw', insns: [makeInsn(Opcode.CALL, 0, 1, 0, 2), EXIT, ...makeLddw(0, 1n), EXIT], pc: 0, reason: 'call into the middle of ldimm64 insn 2' },
    { name: 'a jump into another function', insns: asm('call local f\nja +1\nexit\nf:\nmov %r0, 1\nexit'), pc: 1, reason: 'jump out of range from insn 1 to 3' },
    { name: 'a function falling into the next', insns: asm('call local f\nmov %r0, 0\nf:\nmov %r0, 1\nexit'), pc: 1, reason: 'last insn is not an exit or jmp' },
  ])('$name', ({ insns, pc, reason }) => {
    const error = rejection(insns);
    expect(error.pc).toBe(pc);
    expect(error.reason).toBe(reason);
  });

  it('names the instruction in kernel log style', () => {
    const error = rejection([makeInsn(0xb7, 10), MOV_R0_0, EXIT]);
    expect(error.insn).toMatch(/^\(b7\) /);
    expect(error.message).toContain('at pc 0');
  });

  it('rejects more than 1,000,000 instructions', () => {
    const insns = new Array<Insn>(1_000_001).fill(MOV_R0_0);
    const error = rejection(insns);
    expect(error.pc).toBe(-1);
    expect(error.reason).toBe('program too large: 1000001 insns, limit 1000000');
  });
});
