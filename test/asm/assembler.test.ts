/**
 * @fileoverview Assembler tests: every conformance data file assembles (lddw.data against its raw words),
 * exact slots for every form in both syntaxes, labels, pasted llvm-objdump listings of the clang fixtures,
 * syntax detection, and errors with their line and column.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { assemble, parseAssembly } from '../../src/asm/assembler.js';
import { decode } from '../../src/decode.js';
import { encode } from '../../src/encode.js';
import { AssembleError, ErrorCode } from '../../src/errors.js';
import { makeInsn } from '../../src/isa/instruction.js';
import { AluOp, CallSrc, Class, JmpOp, Opcode } from '../../src/isa/opcodes.js';
import { parseDataFile, rawWordsToBytes } from '../support/data-file.js';
import { ALU, ALU64, CONFORMANCE_CASES, K, TEXT_CASES, X } from './cases.js';

const CONFORMANCE_DIR = fileURLToPath(new URL('../../../shared/conformance/bpf_conformance/', import.meta.url));
const FIXTURES = new URL('../fixtures/disasm/', import.meta.url);

function fixture(name: string): string {
  return readFileSync(new URL(name, FIXTURES), 'utf8');
}

const DATA_FILES = readdirSync(CONFORMANCE_DIR)
  .filter((name) => name.endsWith('.data'))
  .sort();

describe('conformance data files', () => {
  it('finds all 313 files', () => {
    expect(DATA_FILES.length).toBe(313);
  });

  it.each(DATA_FILES)('%s assembles', (name) => {
    const data = parseDataFile(readFileSync(join(CONFORMANCE_DIR, name), 'utf8'));
    const insns = parseAssembly(data.asm, { syntax: 'auto' });
    expect(insns.length).toBeGreaterThan(0);
    if (data.raw !== undefined) expect(encode(insns)).toEqual(rawWordsToBytes(data.raw));
  });

  it('lddw.data has a raw section to compare against', () => {
    expect(parseDataFile(readFileSync(join(CONFORMANCE_DIR, 'lddw.data'), 'utf8')).raw).toHaveLength(3);
  });
});

describe('conformance syntax forms', () => {
  it.each(CONFORMANCE_CASES)('$name', ({ text, insns }) => {
    expect(parseAssembly(text)).toEqual(insns);
    expect(parseAssembly(text, { syntax: 'conformance' })).toEqual(insns);
  });
});

describe('llvm syntax forms', () => {
  it.each(TEXT_CASES)('$name', ({ insns, want, plain }) => {
    expect(parseAssembly(want)).toEqual(insns);
    expect(parseAssembly(want, { syntax: 'llvm' })).toEqual(insns);
    if (plain !== undefined) expect(parseAssembly(plain, { syntax: 'llvm' })).toEqual(insns);
  });

  it.each([
    { name: 'memory operand without offset', text: 'r0 = *(u64 *)(r1)', want: [makeInsn(0x79, 0, 1, 0)] },
    { name: 'hex immediates', text: 'r1 = 0xff\nw2 &= 0xffffffff', want: [makeInsn(ALU64 | AluOp.MOV | K, 1, 0, 0, 255), makeInsn(ALU | AluOp.AND | K, 2, 0, 0, -1)] },
    { name: 'jump without sign', text: 'goto 3', want: [makeInsn(Opcode.JA, 0, 0, 3)] },
    { name: 'ldind negative imm', text: 'r0 = *(u32 *)skb[r1 - 4]', want: [makeInsn(0x40, 0, 1, 0, -4)] },
    { name: 'assembler directives', text: '\t.text\n\tr0 = 0\n\texit', want: [makeInsn(ALU64 | AluOp.MOV | K), makeInsn(Opcode.EXIT)] },
  ])('$name', ({ text, want }) => {
    expect(parseAssembly(text)).toEqual(want);
  });
});

describe('labels', () => {
  it('resolves forward and backward labels, the implicit exit label and local calls (conformance)', () => {
    const text = ['start:', 'mov %r0, 0', 'jeq %r1, 0, exit', 'call local func', 'ja start', 'exit', 'func:', 'mov %r0, 2', 'exit'].join('\n');
    expect(parseAssembly(text)).toEqual([
      makeInsn(ALU64 | AluOp.MOV | K, 0, 0, 0, 0),
      makeInsn(Class.JMP | JmpOp.JEQ | K, 1, 0, 2, 0),
      makeInsn(Opcode.CALL, 0, CallSrc.LOCAL, 0, 2),
      makeInsn(Opcode.JA, 0, 0, -4),
      makeInsn(Opcode.EXIT),
      makeInsn(ALU64 | AluOp.MOV | K, 0, 0, 0, 2),
      makeInsn(Opcode.EXIT),
    ]);
  });

  it('an explicit exit label wins over the implicit one', () => {
    const text = 'ja exit\nexit\nexit:\nmov %r0, 1\nexit';
    expect(parseAssembly(text)[0]).toEqual(makeInsn(Opcode.JA, 0, 0, 1));
  });

  it('resolves labels in llvm syntax, counting lddw as two slots', () => {
    const text = ['if w1 == w2 goto LBB0_2', 'r1 = 1 ll', 'gotol LBB0_2', 'LBB0_2:', 'call helper_fn', 'exit', 'helper_fn: r0 = 0', 'exit'].join('\n');
    expect(parseAssembly(text)).toEqual([
      makeInsn(Class.JMP32 | JmpOp.JEQ | X, 1, 2, 3),
      makeInsn(Opcode.LDDW, 1, 0, 0, 1),
      makeInsn(0),
      makeInsn(Opcode.JA32, 0, 0, 0, 0),
      makeInsn(Opcode.CALL, 0, CallSrc.LOCAL, 0, 1),
      makeInsn(Opcode.EXIT),
      makeInsn(ALU64 | AluOp.MOV | K),
      makeInsn(Opcode.EXIT),
    ]);
  });
});

describe('pasted llvm-objdump listings of the clang fixtures', () => {
  it.each([
    { name: 'loops', files: ['loops.txt', 'loops.plain.txt', 'loops.raw.txt'] },
    { name: 'atomics', files: ['atomics.txt', 'atomics.raw.txt'] },
    { name: 'helpers', files: ['helpers.txt', 'helpers.plain.txt', 'helpers.raw.txt'] },
  ])('$name', ({ name, files }) => {
    const want = decode(new Uint8Array(readFileSync(new URL(`${name}.bin`, FIXTURES))));
    for (const file of files) expect(parseAssembly(fixture(file)), file).toEqual(want);
  });
});

describe('syntax detection', () => {
  const conformance = 'mov32 %r0, 1\nadd32 %r0, %r1\nexit';
  const llvm = 'w0 = 1\nw0 += w1\nexit';

  it('reads both syntaxes into the same program', () => {
    expect(parseAssembly(conformance)).toEqual(parseAssembly(llvm));
  });

  it('decides on the first line only one syntax accepts', () => {
    expect(parseAssembly('exit\ncall 1\nlock *(u64 *)(r1 + 0) += r2')).toHaveLength(3);
    expect(parseAssembly('exit\ncall 1\nlock add [%r1], %r2')).toHaveLength(3);
  });

  it('assemble() encodes what parseAssembly() returns', () => {
    expect(assemble(llvm)).toEqual(encode(parseAssembly(llvm)));
    expect(assemble(conformance, { syntax: 'conformance' })).toEqual(encode(parseAssembly(conformance)));
  });
});

interface ErrorCase {
  readonly name: string;
  readonly text: string;
  readonly syntax?: 'conformance' | 'llvm';
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

const FAR = 'ja far\n' + 'mov %r0, 0\n'.repeat(32768) + 'far: exit';

const ERROR_CASES: readonly ErrorCase[] = [
  { name: 'unknown mnemonic', text: 'mov %r0, 1\n  foo %r1', line: 2, column: 3, message: "unknown mnemonic 'foo'" },
  { name: 'imm above 32 bits', text: 'mov %r0, 0x1ffffffff', line: 1, column: 10, message: 'immediate 0x1ffffffff does not fit in 32 bits' },
  { name: 'imm below -2^31', text: 'add %r0, -2147483649', line: 1, column: 10, message: 'immediate -2147483649 does not fit in 32 bits' },
  { name: 'lddw above 64 bits', text: 'lddw %r0, 0x10000000000000000', line: 1, column: 11, message: 'does not fit in 64 bits' },
  { name: 'unknown label', text: 'exit\nja nowhere', line: 2, column: 4, message: "unknown label 'nowhere'" },
  { name: 'explicit jump out of range', text: 'ja +32768', line: 1, column: 4, message: 'jump offset +32768 out of 16-bit range' },
  { name: 'label jump out of range', text: FAR, line: 1, column: 4, message: 'out of 16-bit range' },
  { name: 'register above r10', text: 'mov %r11, 1', line: 1, column: 5, message: "invalid register '%r11'" },
  { name: 'memory offset out of range', text: 'ldxw %r0, [%r1+40000]', line: 1, column: 15, message: 'offset +40000 does not fit in 16 bits' },
  { name: 'duplicate label', text: 'a:\nexit\n a:\nexit', line: 3, column: 2, message: "duplicate label 'a'" },
  { name: 'missing operand', text: 'mov %r0', line: 1, column: 8, message: 'found end of line' },
  { name: 'trailing operand', text: 'exit 5', line: 1, column: 6, message: "unexpected '5'" },
  { name: 'bad character', text: 'mov %r0, @1', line: 1, column: 10, message: "unexpected character '@'" },
  { name: 'bad number', text: 'mov %r0, 12ab', line: 1, column: 10, message: "invalid number '12ab'" },
  { name: 'unknown atomic operation', text: 'lock sub [%r1], %r2', line: 1, column: 6, message: "unknown atomic operation 'sub'" },
  { name: 'fetch with xchg', text: 'lock fetch xchg [%r1], %r2', line: 1, column: 12, message: "'fetch' is implied by 'xchg'" },
  { name: 'llvm text forced to conformance', text: 'r0 = 1', syntax: 'conformance', line: 1, column: 1, message: "unknown mnemonic 'r0'" },
  { name: 'llvm unknown instruction', text: 'r0 = 1\nfrobnicate r1', line: 2, column: 1, message: "unknown instruction 'frobnicate'" },
  { name: 'llvm register width mismatch', text: 'r0 += w1', line: 1, column: 7, message: "expected r1, found 'w1'" },
  { name: 'llvm 64-bit immediate into w', text: 'w0 = 1 ll', line: 1, column: 1, message: '64-bit immediate needs an r register' },
  { name: 'llvm load offset out of range', text: 'r0 = *(u32 *)(r1 + 40000)', line: 1, column: 18, message: 'offset +40000 does not fit in 16 bits' },
  { name: 'llvm goto out of range', text: 'goto -32769', line: 1, column: 6, message: 'jump offset -32769 out of 16-bit range' },
  { name: 'llvm unknown comparison', text: 'if r1 =< r2 goto +1', line: 1, column: 7, message: "unknown comparison '='" },
  { name: 'llvm symbol instead of number', text: 'r1 = my_map ll', line: 1, column: 6, message: "unknown symbol 'my_map'" },
  { name: 'llvm fetch operand mismatch', text: 'r1 = atomic_fetch_add((u64 *)(r10 - 8), r2)', line: 1, column: 41, message: 'operand must be the destination register r1' },
  { name: 'llvm cmpxchg into other register', text: 'r1 = cmpxchg_64(r10 - 8, r0, r2)', line: 1, column: 1, message: 'cmpxchg writes r0' },
  { name: 'llvm mov imm too large', text: 'r0 = 4294967296', line: 1, column: 6, message: 'immediate 4294967296 does not fit in 32 bits' },
  { name: 'llvm bad type', text: 'r0 = *(u24 *)(r1 + 0)', line: 1, column: 8, message: "expected a type like u32, found 'u24'" },
  { name: 'llvm packet load into r1', text: 'r1 = *(u8 *)skb[2]', line: 1, column: 1, message: 'packet loads write r0' },
  { name: 'llvm error column after objdump prefix', text: '       4:\tr0 = 0x1ffffffff', line: 1, column: 16, message: 'does not fit in 32 bits' },
];

describe('errors', () => {
  it.each(ERROR_CASES)('$name', ({ text, syntax, line, column, message }) => {
    let caught: unknown;
    try {
      parseAssembly(text, syntax === undefined ? {} : { syntax });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(AssembleError);
    const error = caught as AssembleError;
    expect(error.code).toBe(ErrorCode.ASSEMBLE);
    expect({ line: error.line, column: error.column }).toEqual({ line, column });
    expect(error.message).toContain(message);
  });
});
