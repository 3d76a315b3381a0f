/**
 * @fileoverview Assembly text -> Insn[] for two syntaxes, detected per program: the conformance-data
 * syntax (`mov32 %r0, 1`, `ldxw %r0, [%r1+2]`, `lock fetch add [%r10-8], %r1`) and the LLVM/kernel syntax
 * that asm/disassembler.ts and `llvm-objdump -d` print (`r0 = *(u32 *)(r1 + 4)`, `if w1 s> 5 goto +3`),
 * objdump address and byte columns included. Labels become pc-relative offsets; every value is
 * range-checked, never truncated. Conformance mnemonics are derived from isa/table.ts rows.
 */
import { AssembleError } from '../errors.js';
import { encode } from '../encode.js';
import { type Insn, makeInsn } from '../isa/instruction.js';
import { AluOp, AtomicOp, CallSrc, Class, Mode, Opcode, Size, Source } from '../isa/opcodes.js';
import { FP } from '../isa/registers.js';
import { checkFields, OPCODES } from '../isa/table.js';
import { ALU_OPERATORS, ATOMIC_FETCH_NAMES, ATOMIC_OPERATORS, JMP_OPERATORS } from './disassembler.js';

/** Which syntax the text is in; `auto` decides from the first line that only one syntax accepts. */
export type AssemblySyntax = 'auto' | 'conformance' | 'llvm';

/** Options of `parseAssembly` and `assemble`. */
export interface AssembleOptions {
  /** default `auto` */
  readonly syntax?: AssemblySyntax;
}

// ---------------------------------------------------------------------------------------------------
// Tokens

type TokenKind = 'ident' | 'number' | 'preg' | 'punct';

interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  /** 1-based column */
  readonly column: number;
}

/** Operators and punctuation, longest first so that the lexer takes the longest match. */
const PUNCTUATION = [
  's>>=', '<<=', '>>=', 's/=', 's%=', 's>=', 's<=', '==', '!=', '>=', '<=', '+=', '-=', '*=', '/=', '|=', '&=', '%=', '^=',
  's>', 's<', '>', '<', '=', '&', '*', '(', ')', '[', ']', ',', '+', '-', ':',
];

function tokenize(text: string, lineNumber: number): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i] ?? '';
    const column = i + 1;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    if (ch === 's' && /^s(>>=|\/=|%=|>=|<=|>|<)/.test(text.slice(i))) {
      const op = PUNCTUATION.find((p) => p.startsWith('s') && text.startsWith(p, i));
      if (op !== undefined) {
        tokens.push({ kind: 'punct', text: op, column });
        i += op.length;
        continue;
      }
    }
    if (ch === '%' && text[i + 1] !== '=') {
      const match = /^%[A-Za-z_]\w*/.exec(text.slice(i));
      if (match === null) throw new AssembleError(`unexpected '%'`, lineNumber, column);
      tokens.push({ kind: 'preg', text: match[0], column });
      i += match[0].length;
      continue;
    }
    if (/[A-Za-z_.$]/.test(ch)) {
      const match = /^[A-Za-z_.$][\w.$]*/.exec(text.slice(i));
      const word = match?.[0] ?? ch;
      tokens.push({ kind: 'ident', text: word, column });
      i += word.length;
      continue;
    }
    if (/[0-9]/.test(ch)) {
      const match = /^(0[xX][0-9a-fA-F]+|[0-9]+)(\w*)/.exec(text.slice(i));
      const whole = match?.[0] ?? ch;
      if (match === null || match[2] !== '') throw new AssembleError(`invalid number '${whole}'`, lineNumber, column);
      tokens.push({ kind: 'number', text: whole, column });
      i += whole.length;
      continue;
    }
    const op = PUNCTUATION.find((p) => text.startsWith(p, i));
    if (op === undefined) throw new AssembleError(`unexpected character '${ch}'`, lineNumber, column);
    tokens.push({ kind: 'punct', text: op, column });
    i += op.length;
  }
  return tokens;
}

/** A cursor over one line's tokens, with errors that point at the offending token. */
class Cursor {
  private index = 0;

  constructor(
    private readonly tokens: readonly Token[],
    readonly lineNumber: number,
    private readonly endColumn: number,
  ) {}

  peek(ahead = 0): Token | undefined {
    return this.tokens[this.index + ahead];
  }

  atEnd(): boolean {
    return this.index >= this.tokens.length;
  }

  next(what: string): Token {
    const token = this.tokens[this.index];
    if (token === undefined) throw this.error(`expected ${what}, found end of line`);
    this.index++;
    return token;
  }

  /** Consumes the token when its text is `text` (case-sensitive). */
  accept(text: string): boolean {
    if (this.peek()?.text !== text) return false;
    this.index++;
    return true;
  }

  expect(text: string): Token {
    const token = this.peek();
    if (token?.text !== text) throw this.error(`expected '${text}'${token === undefined ? ', found end of line' : `, found '${token.text}'`}`, token);
    this.index++;
    return token;
  }

  expectEnd(): void {
    const token = this.peek();
    if (token !== undefined) throw this.error(`unexpected '${token.text}'`, token);
  }

  /** An error at `token`, or at the current token, or past the end of the line. */
  error(message: string, token: Token | undefined = this.peek()): AssembleError {
    return new AssembleError(message, this.lineNumber, token?.column ?? this.endColumn);
  }
}

// ---------------------------------------------------------------------------------------------------
// Numbers and registers

const INT32_MIN = -(2n ** 31n);
const UINT32_MAX = 2n ** 32n - 1n;

interface Value {
  readonly value: bigint;
  readonly text: string;
  readonly token: Token;
}

/** Reads `[+|-] number`. */
function readNumber(cursor: Cursor, what = 'a number'): Value {
  const first = cursor.next(what);
  let sign = 1n;
  let numberToken = first;
  if (first.text === '-' || first.text === '+') {
    sign = first.text === '-' ? -1n : 1n;
    numberToken = cursor.next(what);
  }
  if (numberToken.kind !== 'number') throw cursor.error(`expected ${what}, found '${numberToken.text}'`, numberToken);
  const text = (first === numberToken ? '' : first.text) + numberToken.text;
  return { value: sign * BigInt(numberToken.text), text, token: first };
}

function isNumberStart(token: Token | undefined, next: Token | undefined): boolean {
  if (token === undefined) return false;
  if (token.kind === 'number') return true;
  return (token.text === '-' || token.text === '+') && next?.kind === 'number';
}

function toImm32(cursor: Cursor, v: Value): number {
  if (v.value < INT32_MIN || v.value > UINT32_MAX) throw cursor.error(`immediate ${v.text} does not fit in 32 bits`, v.token);
  return Number(BigInt.asIntN(32, v.value));
}

function toOff16(cursor: Cursor, v: Value): number {
  if (v.value < -0x8000n || v.value > 0x7fffn) throw cursor.error(`offset ${v.text} does not fit in 16 bits`, v.token);
  return Number(v.value);
}

function toImm64(cursor: Cursor, v: Value): bigint {
  if (v.value < -(2n ** 63n) || v.value >= 2n ** 64n) throw cursor.error(`immediate ${v.text} does not fit in 64 bits`, v.token);
  return BigInt.asUintN(64, v.value);
}

function parseRegisterNumber(cursor: Cursor, token: Token, digits: string): number {
  const n = Number(digits);
  if (!/^\d+$/.test(digits) || n > FP) throw cursor.error(`invalid register '${token.text}'`, token);
  return n;
}

/** Reads a conformance register `%rN`. */
function readPercentRegister(cursor: Cursor): number {
  const token = cursor.next('a register');
  if (token.kind !== 'preg') throw cursor.error(`expected a register, found '${token.text}'`, token);
  if (!/^%r\d+$/.test(token.text)) throw cursor.error(`invalid register '${token.text}'`, token);
  return parseRegisterNumber(cursor, token, token.text.slice(2));
}

interface LlvmRegister {
  readonly n: number;
  readonly is64: boolean;
  readonly token: Token;
}

function asLlvmRegister(token: Token | undefined): { n: string; is64: boolean } | null {
  if (token?.kind !== 'ident') return null;
  const match = /^([rw])(\d+)$/.exec(token.text);
  if (match === null) return null;
  return { n: match[2] ?? '', is64: match[1] === 'r' };
}

/** Reads an LLVM register `rN` or `wN`. */
function readLlvmRegister(cursor: Cursor, width?: 'r' | 'w'): LlvmRegister {
  const token = cursor.next('a register');
  const reg = asLlvmRegister(token);
  if (reg === null) throw cursor.error(`expected a register, found '${token.text}'`, token);
  const n = parseRegisterNumber(cursor, token, reg.n);
  if (width !== undefined && (width === 'r') !== reg.is64) throw cursor.error(`expected ${width}${n}, found '${token.text}'`, token);
  return { n, is64: reg.is64, token };
}

// ---------------------------------------------------------------------------------------------------
// Program being built

interface Fixup {
  readonly pc: number;
  readonly field: 'off' | 'imm';
  readonly label: Token;
  readonly line: number;
}

interface Builder {
  readonly insns: Insn[];
  readonly fixups: Fixup[];
  /** 1-based line and column of each slot's instruction, for field errors */
  readonly places: { line: number; column: number }[];
}

/** A jump target: an explicit offset, or a label resolved at the end. */
type Target = { readonly offset: Value } | { readonly label: Token };

function readTarget(cursor: Cursor): Target {
  const token = cursor.peek();
  if (token?.kind === 'ident') {
    cursor.next('a jump target');
    return { label: token };
  }
  if (isNumberStart(token, cursor.peek(1))) return { offset: readNumber(cursor, 'a jump target') };
  throw cursor.error(token === undefined ? 'expected a jump target, found end of line' : `expected a jump target, found '${token.text}'`, token);
}

function emitJump(b: Builder, cursor: Cursor, op: number, dst: number, src: number, imm: number, target: Target, field: 'off' | 'imm'): void {
  const pc = b.insns.length;
  let value = 0;
  if ('label' in target) {
    b.fixups.push({ pc, field, label: target.label, line: cursor.lineNumber });
  } else {
    const v = target.offset;
    const [min, max] = field === 'off' ? [-0x8000n, 0x7fffn] : [INT32_MIN, 2n ** 31n - 1n];
    if (v.value < min || v.value > max) throw cursor.error(`jump offset ${v.text} out of ${field === 'off' ? 16 : 32}-bit range`, v.token);
    value = Number(v.value);
  }
  b.insns.push(field === 'off' ? makeInsn(op, dst, src, value, imm) : makeInsn(op, dst, src, 0, value));
}

function emitLddw(b: Builder, dst: number, src: number, value: bigint): void {
  b.insns.push(makeInsn(Opcode.LDDW, dst, src, 0, Number(BigInt.asIntN(32, value))));
  b.insns.push(makeInsn(0, 0, 0, 0, Number(BigInt.asIntN(32, value >> 32n))));
}

// ---------------------------------------------------------------------------------------------------
// Conformance syntax

type ConformanceForm =
  | { readonly form: 'alu'; readonly k: number; readonly x: number; readonly off: number }
  | { readonly form: 'neg' | 'ja' | 'may_goto' | 'ldabs' | 'ldind' | 'ldx' | 'st' | 'stx'; readonly op: number }
  | { readonly form: 'movsx'; readonly op: number; readonly off: number }
  | { readonly form: 'end'; readonly op: number; readonly imm: number }
  | { readonly form: 'jcond'; readonly k: number; readonly x: number }
  | { readonly form: 'call' | 'exit' | 'lddw' | 'ld_pseudo' | 'lock' };

/** Conformance mnemonic -> how to parse it, built by looping over the isa table. */
const CONFORMANCE_MNEMONICS: ReadonlyMap<string, ConformanceForm> = (() => {
  const map = new Map<string, ConformanceForm>();
  const pairs = new Map<string, { k: number; x: number; off: number; form: 'alu' | 'jcond' }>();
  for (const row of OPCODES) {
    const isX = (row.opcode & Source.X) !== 0;
    switch (row.kind) {
      case 'alu':
      case 'mov':
      case 'jcond': {
        const form = row.kind === 'jcond' ? 'jcond' : 'alu';
        const names: [string, number][] = [[row.name, 0]];
        if (Array.isArray(row.off) && row.kind === 'alu' && row.off.includes(1)) names.push(['s' + row.name, 1]);
        for (const [name, off] of names) {
          const entry = pairs.get(name) ?? { k: -1, x: -1, off, form };
          if (isX) entry.x = row.opcode;
          else entry.k = row.opcode;
          pairs.set(name, entry);
        }
        if (row.kind === 'mov' && isX && Array.isArray(row.off)) {
          for (const off of row.off) {
            if (off !== 0) map.set(`movsx${off}${row.is64 ? 64 : 32}`, { form: 'movsx', op: row.opcode, off });
          }
        }
        break;
      }
      case 'neg':
        map.set(row.name, { form: 'neg', op: row.opcode });
        break;
      case 'end':
        for (const imm of Array.isArray(row.imm) ? row.imm : []) {
          map.set(`${row.name}${imm}`, { form: 'end', op: row.opcode, imm });
          if (row.name === 'bswap') map.set(`swap${imm}`, { form: 'end', op: row.opcode, imm });
        }
        break;
      case 'ja':
      case 'may_goto':
      case 'ldabs':
      case 'ldind':
      case 'st':
      case 'stx':
        map.set(row.name, { form: row.kind, op: row.opcode });
        break;
      case 'ldx':
      case 'ldsx':
        map.set(row.name, { form: 'ldx', op: row.opcode });
        break;
      case 'call':
      case 'callx':
        map.set('call', { form: 'call' });
        break;
      case 'exit':
        map.set(row.name, { form: row.kind });
        break;
      case 'lddw':
        map.set(row.name, { form: row.kind });
        // lddw with a BPF_PSEUDO_* src, spelled like LLVM's ld_pseudo (our extension of the syntax)
        map.set('ld_pseudo', { form: 'ld_pseudo' });
        break;
      case 'atomic':
        map.set('lock', { form: 'lock' });
        break;
      default: {
        const never: never = row.kind;
        throw new Error(`unhandled instruction kind ${String(never)}`);
      }
    }
  }
  for (const [name, entry] of pairs) {
    map.set(name, entry.form === 'alu' ? { form: 'alu', k: entry.k, x: entry.x, off: entry.off } : { form: 'jcond', k: entry.k, x: entry.x });
  }
  return map;
})();

/** Conformance `lock` operation name -> atomic imm and size (`add32` -> ADD, W). */
const LOCK_OPERATIONS: ReadonlyMap<string, { imm: number; size: Size }> = (() => {
  const map = new Map<string, { imm: number; size: Size }>();
  const ops: [string, number][] = [
    ['add', AtomicOp.ADD],
    ['or', AtomicOp.OR],
    ['and', AtomicOp.AND],
    ['xor', AtomicOp.XOR],
    ['xchg', AtomicOp.XCHG],
    ['cmpxchg', AtomicOp.CMPXCHG],
  ];
  for (const [name, imm] of ops) {
    map.set(name, { imm, size: Size.DW });
    map.set(name + '32', { imm, size: Size.W });
  }
  return map;
})();

interface MemoryOperand {
  readonly reg: number;
  readonly off: number;
}

/** Reads `[%rN]`, `[%rN+off]`, `[%rN-off]`. */
function readPercentMemory(cursor: Cursor): MemoryOperand {
  cursor.expect('[');
  const reg = readPercentRegister(cursor);
  let off = 0;
  const sign = cursor.peek();
  if (sign?.text === '+' || sign?.text === '-') off = toOff16(cursor, readNumber(cursor, 'an offset'));
  cursor.expect(']');
  return { reg, off };
}

/** Reads the src field of ld_pseudo: a number 1..15 (which values are valid is checked against the table). */
function readPseudoSource(cursor: Cursor): number {
  const value = readNumber(cursor, 'a pseudo source');
  if (value.value < 1n || value.value > 15n) throw cursor.error(`invalid ld_pseudo source ${value.text}`, value.token);
  return Number(value.value);
}

function acceptComma(cursor: Cursor): void {
  cursor.accept(',');
}

function parseConformanceLine(b: Builder, cursor: Cursor, mnemonic: Token): void {
  const form = CONFORMANCE_MNEMONICS.get(mnemonic.text);
  if (form === undefined) throw cursor.error(`unknown mnemonic '${mnemonic.text}'`, mnemonic);
  switch (form.form) {
    case 'alu': {
      const dst = readPercentRegister(cursor);
      acceptComma(cursor);
      if (cursor.peek()?.kind === 'preg') {
        b.insns.push(makeInsn(form.x, dst, readPercentRegister(cursor), form.off, 0));
      } else {
        b.insns.push(makeInsn(form.k, dst, 0, form.off, toImm32(cursor, readNumber(cursor, 'a register or an immediate'))));
      }
      break;
    }
    case 'neg':
      b.insns.push(makeInsn(form.op, readPercentRegister(cursor)));
      break;
    case 'movsx': {
      const dst = readPercentRegister(cursor);
      acceptComma(cursor);
      b.insns.push(makeInsn(form.op, dst, readPercentRegister(cursor), form.off, 0));
      break;
    }
    case 'end':
      b.insns.push(makeInsn(form.op, readPercentRegister(cursor), 0, 0, form.imm));
      break;
    case 'jcond': {
      const dst = readPercentRegister(cursor);
      acceptComma(cursor);
      let op = form.k;
      let src = 0;
      let imm = 0;
      if (cursor.peek()?.kind === 'preg') {
        op = form.x;
        src = readPercentRegister(cursor);
      } else {
        imm = toImm32(cursor, readNumber(cursor, 'a register or an immediate'));
      }
      acceptComma(cursor);
      emitJump(b, cursor, op, dst, src, imm, readTarget(cursor), 'off');
      break;
    }
    case 'ja':
      emitJump(b, cursor, form.op, 0, 0, 0, readTarget(cursor), form.op === Opcode.JA32 ? 'imm' : 'off');
      break;
    case 'may_goto':
      emitJump(b, cursor, form.op, 0, 0, 0, readTarget(cursor), 'off');
      break;
    case 'call': {
      const token = cursor.peek();
      if (token?.kind === 'preg') {
        b.insns.push(makeInsn(Opcode.CALLX, readPercentRegister(cursor)));
      } else if (token?.text === 'kfunc' && isNumberStart(cursor.peek(1), cursor.peek(2))) {
        cursor.next('kfunc');
        b.insns.push(makeInsn(Opcode.CALL, 0, CallSrc.KFUNC, 0, toImm32(cursor, readNumber(cursor, 'a kfunc id'))));
      } else if (token?.text === 'local') {
        cursor.next('local');
        emitJump(b, cursor, Opcode.CALL, 0, CallSrc.LOCAL, 0, readTarget(cursor), 'imm');
      } else {
        b.insns.push(makeInsn(Opcode.CALL, 0, CallSrc.HELPER, 0, toImm32(cursor, readNumber(cursor, 'a helper id, a register or local'))));
      }
      break;
    }
    case 'exit':
      b.insns.push(makeInsn(Opcode.EXIT));
      break;
    case 'lddw': {
      const dst = readPercentRegister(cursor);
      acceptComma(cursor);
      emitLddw(b, dst, 0, toImm64(cursor, readNumber(cursor, 'an immediate')));
      break;
    }
    case 'ld_pseudo': {
      const dst = readPercentRegister(cursor);
      acceptComma(cursor);
      const src = readPseudoSource(cursor);
      acceptComma(cursor);
      emitLddw(b, dst, src, toImm64(cursor, readNumber(cursor, 'an immediate')));
      break;
    }
    case 'ldabs':
      b.insns.push(makeInsn(form.op, 0, 0, 0, toImm32(cursor, readNumber(cursor, 'an immediate'))));
      break;
    case 'ldind': {
      const src = readPercentRegister(cursor);
      acceptComma(cursor);
      b.insns.push(makeInsn(form.op, 0, src, 0, toImm32(cursor, readNumber(cursor, 'an immediate'))));
      break;
    }
    case 'ldx': {
      const dst = readPercentRegister(cursor);
      acceptComma(cursor);
      const mem = readPercentMemory(cursor);
      b.insns.push(makeInsn(form.op, dst, mem.reg, mem.off, 0));
      break;
    }
    case 'st': {
      const mem = readPercentMemory(cursor);
      acceptComma(cursor);
      b.insns.push(makeInsn(form.op, mem.reg, 0, mem.off, toImm32(cursor, readNumber(cursor, 'an immediate'))));
      break;
    }
    case 'stx': {
      const mem = readPercentMemory(cursor);
      acceptComma(cursor);
      b.insns.push(makeInsn(form.op, mem.reg, readPercentRegister(cursor), mem.off, 0));
      break;
    }
    case 'lock': {
      const fetch = cursor.accept('fetch');
      const nameToken = cursor.next('an atomic operation');
      const operation = LOCK_OPERATIONS.get(nameToken.text);
      if (operation === undefined) throw cursor.error(`unknown atomic operation '${nameToken.text}'`, nameToken);
      const alwaysFetch = operation.imm === AtomicOp.XCHG || operation.imm === AtomicOp.CMPXCHG;
      if (fetch && alwaysFetch) throw cursor.error(`'fetch' is implied by '${nameToken.text}'`, nameToken);
      const mem = readPercentMemory(cursor);
      acceptComma(cursor);
      const src = readPercentRegister(cursor);
      const imm = operation.imm | (fetch ? AtomicOp.FETCH : 0);
      b.insns.push(makeInsn(Class.STX | Mode.ATOMIC | operation.size, mem.reg, src, mem.off, imm));
      break;
    }
    default: {
      const never: never = form;
      throw new Error(`unhandled conformance form ${String(never)}`);
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// LLVM syntax

const ALU_BY_OPERATOR: ReadonlyMap<string, { op: number; off: number }> = (() => {
  const map = new Map<string, { op: number; off: number }>();
  for (const [op, operator] of ALU_OPERATORS) {
    map.set(operator, { op, off: 0 });
    if (op === AluOp.DIV || op === AluOp.MOD) map.set('s' + operator, { op, off: 1 });
  }
  return map;
})();

const JMP_BY_OPERATOR: ReadonlyMap<string, number> = new Map([...JMP_OPERATORS].map(([op, text]) => [text, op]));
const ATOMIC_BY_OPERATOR: ReadonlyMap<string, number> = new Map([...ATOMIC_OPERATORS].map(([imm, text]) => [text, imm]));
const ATOMIC_BY_FETCH_NAME: ReadonlyMap<string, number> = new Map([...ATOMIC_FETCH_NAMES].map(([imm, text]) => [text, imm]));

const SIZE_BY_BITS: ReadonlyMap<string, Size> = new Map([
  ['8', Size.B],
  ['16', Size.H],
  ['32', Size.W],
  ['64', Size.DW],
]);

/** Reads `(u32 *)` or `(s8 *)` after the opening `*` of a dereference; returns the size and signedness. */
function readPointerType(cursor: Cursor): { size: Size; signed: boolean; token: Token } {
  cursor.expect('(');
  const token = cursor.next('a type');
  const match = /^([us])(8|16|32|64)$/.exec(token.text);
  const size = match === null ? undefined : SIZE_BY_BITS.get(match[2] ?? '');
  if (match === null || size === undefined) throw cursor.error(`expected a type like u32, found '${token.text}'`, token);
  cursor.expect('*');
  cursor.expect(')');
  return { size, signed: match[1] === 's', token };
}

/** Reads `r1 + 4` / `r10 - 8` / `r1` (no parentheses). */
function readAddress(cursor: Cursor): MemoryOperand {
  const reg = readLlvmRegister(cursor, 'r');
  let off = 0;
  const sign = cursor.peek();
  if (sign?.text === '+' || sign?.text === '-') off = toOff16(cursor, readNumber(cursor, 'an offset'));
  return { reg: reg.n, off };
}

/** Reads `(r1 + 4)`. */
function readParenAddress(cursor: Cursor): MemoryOperand {
  cursor.expect('(');
  const mem = readAddress(cursor);
  cursor.expect(')');
  return mem;
}

/** Reads a register of the given width or a signed immediate; reports which one. */
function readRegisterOrImm(cursor: Cursor, is64: boolean): { reg: number } | { imm: number } {
  if (asLlvmRegister(cursor.peek()) !== null) return { reg: readLlvmRegister(cursor, is64 ? 'r' : 'w').n };
  return { imm: toImm32(cursor, readNumber(cursor, 'a register or an immediate')) };
}

function parseLlvmLine(b: Builder, cursor: Cursor, first: Token): void {
  const word = first.text;
  if (first.kind === 'ident' && asLlvmRegister(first) !== null) {
    parseLlvmAssignment(b, cursor, first);
    return;
  }
  switch (word) {
    case 'if': {
      const dst = readLlvmRegister(cursor);
      const operatorToken = cursor.next('a comparison');
      const op = JMP_BY_OPERATOR.get(operatorToken.text);
      if (op === undefined) throw cursor.error(`unknown comparison '${operatorToken.text}'`, operatorToken);
      const operand = readRegisterOrImm(cursor, dst.is64);
      cursor.expect('goto');
      const cls = dst.is64 ? Class.JMP : Class.JMP32;
      if ('reg' in operand) emitJump(b, cursor, cls | op | Source.X, dst.n, operand.reg, 0, readTarget(cursor), 'off');
      else emitJump(b, cursor, cls | op | Source.K, dst.n, 0, operand.imm, readTarget(cursor), 'off');
      return;
    }
    case 'goto':
      emitJump(b, cursor, Opcode.JA, 0, 0, 0, readTarget(cursor), 'off');
      return;
    case 'gotol':
      emitJump(b, cursor, Opcode.JA32, 0, 0, 0, readTarget(cursor), 'imm');
      return;
    case 'may_goto':
      emitJump(b, cursor, Opcode.MAY_GOTO, 0, 0, 0, readTarget(cursor), 'off');
      return;
    case 'call': {
      const token = cursor.peek();
      if (token?.text === 'pc' && (cursor.peek(1)?.text === '+' || cursor.peek(1)?.text === '-')) {
        cursor.next('pc');
        emitJump(b, cursor, Opcode.CALL, 0, CallSrc.LOCAL, 0, { offset: readNumber(cursor, 'a call offset') }, 'imm');
      } else if (token?.text === 'kfunc' && isNumberStart(cursor.peek(1), cursor.peek(2))) {
        cursor.next('kfunc');
        b.insns.push(makeInsn(Opcode.CALL, 0, CallSrc.KFUNC, 0, toImm32(cursor, readNumber(cursor, 'a kfunc id'))));
      } else if (token?.kind === 'ident') {
        emitJump(b, cursor, Opcode.CALL, 0, CallSrc.LOCAL, 0, readTarget(cursor), 'imm');
      } else {
        b.insns.push(makeInsn(Opcode.CALL, 0, CallSrc.HELPER, 0, toImm32(cursor, readNumber(cursor, 'a helper id'))));
      }
      return;
    }
    case 'callx':
      b.insns.push(makeInsn(Opcode.CALLX, readLlvmRegister(cursor, 'r').n));
      return;
    case 'exit':
      b.insns.push(makeInsn(Opcode.EXIT));
      return;
    case 'lock': {
      cursor.expect('*');
      const type = readPointerType(cursor);
      if (type.signed || (type.size !== Size.W && type.size !== Size.DW)) throw cursor.error(`atomic operations take u32 or u64, not '${type.token.text}'`, type.token);
      const mem = readParenAddress(cursor);
      const operatorToken = cursor.next('an atomic operator');
      const imm = ATOMIC_BY_OPERATOR.get(operatorToken.text);
      if (imm === undefined) throw cursor.error(`unknown atomic operator '${operatorToken.text}'`, operatorToken);
      // plain llvm-objdump prints the 32-bit add with an r register; accept both widths there
      const src = readLlvmRegister(cursor, type.size === Size.DW ? 'r' : undefined);
      b.insns.push(makeInsn(Class.STX | Mode.ATOMIC | type.size, mem.reg, src.n, mem.off, imm));
      return;
    }
    case '*': {
      const type = readPointerType(cursor);
      if (type.signed) throw cursor.error(`stores take unsigned types, not '${type.token.text}'`, type.token);
      const mem = readParenAddress(cursor);
      cursor.expect('=');
      const operand = asLlvmRegister(cursor.peek());
      if (operand !== null) {
        const src = readLlvmRegister(cursor, type.size === Size.DW ? 'r' : undefined);
        b.insns.push(makeInsn(Class.STX | Mode.MEM | type.size, mem.reg, src.n, mem.off, 0));
      } else {
        b.insns.push(makeInsn(Class.ST | Mode.MEM | type.size, mem.reg, 0, mem.off, toImm32(cursor, readNumber(cursor, 'a register or an immediate'))));
      }
      return;
    }
    case 'ld_pseudo': {
      const dst = readLlvmRegister(cursor, 'r');
      cursor.expect(',');
      const src = readPseudoSource(cursor);
      cursor.expect(',');
      emitLddw(b, dst.n, src, toImm64(cursor, readNumber(cursor, 'an immediate')));
      return;
    }
    default:
      throw cursor.error(`unknown instruction '${word}'`, first);
  }
}

/** Lines that start with a register: `r0 = ...`, `w0 += w1`. */
function parseLlvmAssignment(b: Builder, cursor: Cursor, first: Token): void {
  const dstReg = asLlvmRegister(first);
  if (dstReg === null) throw cursor.error(`expected a register, found '${first.text}'`, first);
  const dst = parseRegisterNumber(cursor, first, dstReg.n);
  const is64 = dstReg.is64;
  const aluClass = is64 ? Class.ALU64 : Class.ALU;
  const width = is64 ? 'r' : 'w';
  const operatorToken = cursor.next('an operator');
  if (operatorToken.text !== '=') {
    const alu = ALU_BY_OPERATOR.get(operatorToken.text);
    if (alu === undefined) throw cursor.error(`unknown operator '${operatorToken.text}'`, operatorToken);
    const operand = readRegisterOrImm(cursor, is64);
    if ('reg' in operand) b.insns.push(makeInsn(aluClass | alu.op | Source.X, dst, operand.reg, alu.off, 0));
    else b.insns.push(makeInsn(aluClass | alu.op | Source.K, dst, 0, alu.off, operand.imm));
    return;
  }
  const token = cursor.peek();
  const next = cursor.peek(1);
  if (token === undefined) throw cursor.error('expected a value after \'=\'');
  // r0 = -r0
  if (token.text === '-' && asLlvmRegister(next) !== null) {
    cursor.next('-');
    const src = readLlvmRegister(cursor, width);
    if (src.n !== dst) throw cursor.error(`negation must use the destination register ${first.text}`, src.token);
    b.insns.push(makeInsn(aluClass | AluOp.NEG | Source.K, dst));
    return;
  }
  // r0 = 5, r1 = 0x1122334455667788 ll
  if (isNumberStart(token, next)) {
    const value = readNumber(cursor, 'an immediate');
    if (cursor.accept('ll')) {
      if (!is64) throw cursor.error(`64-bit immediate needs an r register, found '${first.text}'`, first);
      emitLddw(b, dst, 0, toImm64(cursor, value));
    } else {
      b.insns.push(makeInsn(aluClass | AluOp.MOV | Source.K, dst, 0, 0, toImm32(cursor, value)));
    }
    return;
  }
  // r0 = r1
  if (asLlvmRegister(token) !== null) {
    const src = readLlvmRegister(cursor, width);
    b.insns.push(makeInsn(aluClass | AluOp.MOV | Source.X, dst, src.n, 0, 0));
    return;
  }
  // r0 = (s8)r1
  if (token.text === '(') {
    cursor.next('(');
    const typeToken = cursor.next('a type');
    const match = /^s(8|16|32)$/.exec(typeToken.text);
    if (match === null || (!is64 && match[1] === '32')) throw cursor.error(`invalid sign-extension type '${typeToken.text}'`, typeToken);
    cursor.expect(')');
    const src = readLlvmRegister(cursor, width);
    b.insns.push(makeInsn(aluClass | AluOp.MOV | Source.X, dst, src.n, Number(match[1]), 0));
    return;
  }
  // r0 = *(u32 *)(r1 + 4), r0 = *(s8 *)(r1 + 0), r0 = *(u8 *)skb[12], r0 = *(u8 *)skb[r1]
  if (token.text === '*') {
    cursor.next('*');
    const type = readPointerType(cursor);
    if (cursor.peek()?.text === 'skb') {
      cursor.next('skb');
      if (type.signed || type.size === Size.DW) throw cursor.error(`packet loads take u8, u16 or u32, not '${type.token.text}'`, type.token);
      if (dst !== 0 || !is64) throw cursor.error(`packet loads write r0, not '${first.text}'`, first);
      cursor.expect('[');
      if (asLlvmRegister(cursor.peek()) !== null) {
        const src = readLlvmRegister(cursor, 'r');
        let imm = 0;
        const sign = cursor.peek();
        if (sign?.text === '+' || sign?.text === '-') imm = toImm32(cursor, readNumber(cursor, 'an offset'));
        cursor.expect(']');
        b.insns.push(makeInsn(Class.LD | Mode.IND | type.size, 0, src.n, 0, imm));
      } else {
        const imm = toImm32(cursor, readNumber(cursor, 'an offset'));
        cursor.expect(']');
        b.insns.push(makeInsn(Class.LD | Mode.ABS | type.size, 0, 0, 0, imm));
      }
      return;
    }
    const mem = readParenAddress(cursor);
    if (type.signed && type.size === Size.DW) throw cursor.error(`sign-extending loads take s8, s16 or s32, not '${type.token.text}'`, type.token);
    if (!is64 && type.size === Size.DW) throw cursor.error(`64-bit load needs an r register, found '${first.text}'`, first);
    b.insns.push(makeInsn(Class.LDX | (type.signed ? Mode.MEMSX : Mode.MEM) | type.size, dst, mem.reg, mem.off, 0));
    return;
  }
  if (token.kind === 'ident') {
    const name = token.text;
    // r0 = be16 r0, r0 = bswap64 r0
    const swap = /^(le|be|bswap)(16|32|64)$/.exec(name);
    if (swap !== null) {
      cursor.next('a byte swap');
      const src = readLlvmRegister(cursor);
      if (src.n !== dst) throw cursor.error(`byte swap must use the destination register ${first.text}`, src.token);
      const op = swap[1] === 'bswap' ? Class.ALU64 | AluOp.END : Class.ALU | AluOp.END | (swap[1] === 'be' ? Source.X : Source.K);
      b.insns.push(makeInsn(op, dst, 0, 0, Number(swap[2])));
      return;
    }
    const fetchImm = ATOMIC_BY_FETCH_NAME.get(name);
    if (fetchImm !== undefined) {
      // r2 = atomic_fetch_add((u64 *)(r1 + 0), r2)
      cursor.next(name);
      cursor.expect('(');
      cursor.expect('(');
      const type = readPointerTypeAfterParen(cursor);
      const mem = readParenAddress(cursor);
      cursor.expect(',');
      const src = readAtomicOperand(cursor, type, first, dst);
      cursor.expect(')');
      b.insns.push(makeInsn(Class.STX | Mode.ATOMIC | type, mem.reg, src, mem.off, fetchImm));
      return;
    }
    const exchange = /^(xchg|cmpxchg)(_64|32_32)$/.exec(name);
    if (exchange !== null) {
      // r1 = xchg_64(r10 - 8, r1), r0 = cmpxchg_64(r10 - 8, r0, r1)
      cursor.next(name);
      const size = exchange[2] === '_64' ? Size.DW : Size.W;
      cursor.expect('(');
      const mem = readAddress(cursor);
      cursor.expect(',');
      let src: number;
      if (exchange[1] === 'cmpxchg') {
        if (dst !== 0) throw cursor.error(`cmpxchg writes r0, not '${first.text}'`, first);
        readAtomicOperand(cursor, size, first, 0);
        cursor.expect(',');
        src = readLlvmRegister(cursor, size === Size.DW ? 'r' : 'w').n;
      } else {
        src = readAtomicOperand(cursor, size, first, dst);
      }
      cursor.expect(')');
      const imm = exchange[1] === 'cmpxchg' ? AtomicOp.CMPXCHG : AtomicOp.XCHG;
      b.insns.push(makeInsn(Class.STX | Mode.ATOMIC | size, mem.reg, src, mem.off, imm));
      return;
    }
    if (cursor.peek(1)?.text === 'll') throw cursor.error(`unknown symbol '${name}': use a number`, token);
  }
  throw cursor.error(`cannot parse the value '${token.text}'`, token);
}

/** Reads `u64 *)` after `((` of atomic_fetch_*: the size of the access. */
function readPointerTypeAfterParen(cursor: Cursor): Size {
  const token = cursor.next('a type');
  if (token.text !== 'u32' && token.text !== 'u64') throw cursor.error(`atomic operations take u32 or u64, not '${token.text}'`, token);
  cursor.expect('*');
  cursor.expect(')');
  return token.text === 'u64' ? Size.DW : Size.W;
}

/** Reads the register operand of a fetching atomic; it must be the destination register. */
function readAtomicOperand(cursor: Cursor, size: Size, dstToken: Token, dst: number): number {
  const width = size === Size.DW ? 'r' : 'w';
  if (dstToken.text[0] !== width) throw cursor.error(`expected ${width}${dst}, found '${dstToken.text}'`, dstToken);
  const src = readLlvmRegister(cursor, width);
  if (src.n !== dst) throw cursor.error(`operand must be the destination register ${dstToken.text}`, src.token);
  return src.n;
}

// ---------------------------------------------------------------------------------------------------
// Lines, labels, syntax detection

/** Removes `#`, `;` and `//` comments. */
function stripComment(line: string): string {
  let end = line.length;
  for (const marker of ['#', ';', '//']) {
    const at = line.indexOf(marker);
    if (at >= 0 && at < end) end = at;
  }
  return line.slice(0, end);
}

const OBJDUMP_HEADER = /^\s*(?:\S+:\s+file format\s|Disassembly of section\s)/;
const OBJDUMP_SYMBOL = /^\s*[0-9a-fA-F]+\s+<([^<>]+)>:\s*$/;
const OBJDUMP_PREFIX = /^(\s*\d+:\s+)((?:[0-9a-f]{2}[ \t]+){8}(?:(?:[0-9a-f]{2}[ \t]+){8})?)?/;
const JUMP_ANNOTATION = /\s*<[^<>\s]+>\s*$/;
const LABEL = /^\s*([A-Za-z_.$][\w.$]*)\s*:/;
const DIRECTIVE = /^\s*\.[A-Za-z_]\w*\b/;

interface SourceLine {
  readonly number: number;
  readonly tokens: Token[];
  readonly labels: Token[];
  readonly endColumn: number;
}

function splitLines(text: string): SourceLine[] {
  const out: SourceLine[] = [];
  const rawLines = text.split('\n');
  rawLines.forEach((raw, index) => {
    const number = index + 1;
    let line = stripComment(raw.replace(/\r$/, ''));
    if (OBJDUMP_HEADER.test(line) || (DIRECTIVE.test(line) && !LABEL.test(line))) return;
    const labels: Token[] = [];
    const symbol = OBJDUMP_SYMBOL.exec(line);
    if (symbol !== null) {
      const name = symbol[1] ?? '';
      labels.push({ kind: 'ident', text: name, column: line.indexOf('<') + 2 });
      out.push({ number, tokens: [], labels, endColumn: line.length + 1 });
      return;
    }
    // blank out (keep columns) the objdump address and raw byte columns
    const prefix = OBJDUMP_PREFIX.exec(line);
    if (prefix !== null) line = ' '.repeat(prefix[0].length) + line.slice(prefix[0].length);
    if (/\bgoto[l]?\b|\bmay_goto\b|\bcall\b/.test(line)) line = line.replace(JUMP_ANNOTATION, '');
    let label = LABEL.exec(line);
    while (label !== null) {
      const name = label[1] ?? '';
      labels.push({ kind: 'ident', text: name, column: label[0].indexOf(name) + 1 });
      line = ' '.repeat(label[0].length) + line.slice(label[0].length);
      label = LABEL.exec(line);
    }
    const tokens = tokenize(line, number);
    if (tokens.length > 0 || labels.length > 0) out.push({ number, tokens, labels, endColumn: line.length + 1 });
  });
  return out;
}

const AMBIGUOUS = new Set(['exit', 'call', 'may_goto']);
const LLVM_FIRST_WORDS = new Set(['if', 'goto', 'gotol', 'callx', 'ld_pseudo']);

function classifyLine(tokens: readonly Token[]): 'conformance' | 'llvm' | null {
  const first = tokens[0];
  if (first === undefined) return null;
  if (tokens.some((t) => t.kind === 'preg')) return 'conformance';
  if (first.text === '*' || asLlvmRegister(first) !== null || LLVM_FIRST_WORDS.has(first.text)) return 'llvm';
  if (first.text === 'lock') return tokens[1]?.text === '*' ? 'llvm' : 'conformance';
  if (first.text === 'call') {
    const next = tokens[1];
    if (next?.text === 'local') return 'conformance';
    return next?.kind === 'ident' && next.text !== 'kfunc' ? 'llvm' : null;
  }
  if (AMBIGUOUS.has(first.text)) return null;
  return CONFORMANCE_MNEMONICS.has(first.text) ? 'conformance' : null;
}

/**
 * Parses assembly text into instruction slots (lddw takes two), resolving labels.
 * @throws AssembleError with the 1-based line and column of the first problem.
 * @example parseAssembly('mov32 %r0, 1\nexit') // same as parseAssembly('w0 = 1\nexit')
 */
export function parseAssembly(text: string, options: AssembleOptions = {}): Insn[] {
  const lines = splitLines(text);
  let syntax = options.syntax ?? 'auto';
  if (syntax === 'auto') {
    syntax = 'conformance';
    for (const line of lines) {
      const kind = classifyLine(line.tokens);
      if (kind !== null) {
        syntax = kind;
        break;
      }
    }
  }
  const b: Builder = { insns: [], fixups: [], places: [] };
  const labels = new Map<string, number>();
  let firstExit = -1;
  for (const line of lines) {
    for (const label of line.labels) {
      if (labels.has(label.text)) throw new AssembleError(`duplicate label '${label.text}'`, line.number, label.column);
      labels.set(label.text, b.insns.length);
    }
    const first = line.tokens[0];
    if (first === undefined) continue;
    const cursor = new Cursor(line.tokens, line.number, line.endColumn);
    cursor.next('an instruction');
    const before = b.insns.length;
    if (syntax === 'conformance') parseConformanceLine(b, cursor, first);
    else parseLlvmLine(b, cursor, first);
    cursor.expectEnd();
    for (let pc = before; pc < b.insns.length; pc++) b.places.push({ line: line.number, column: first.column });
    if (firstExit < 0 && b.insns[before]?.op === Opcode.EXIT) firstExit = before;
  }
  // conformance data: the first exit implicitly defines the label `exit`
  if (syntax === 'conformance' && firstExit >= 0 && !labels.has('exit')) labels.set('exit', firstExit);
  for (const fixup of b.fixups) {
    const target = labels.get(fixup.label.text);
    if (target === undefined) throw new AssembleError(`unknown label '${fixup.label.text}'`, fixup.line, fixup.label.column);
    const offset = target - (fixup.pc + 1);
    const insn = b.insns[fixup.pc];
    if (insn === undefined) throw new Error(`fixup outside the program at pc ${fixup.pc}`);
    if (fixup.field === 'off') {
      if (offset < -0x8000 || offset > 0x7fff) throw new AssembleError(`jump offset ${offset} to '${fixup.label.text}' out of 16-bit range`, fixup.line, fixup.label.column);
      b.insns[fixup.pc] = { ...insn, off: offset };
    } else {
      b.insns[fixup.pc] = { ...insn, imm: offset };
    }
  }
  b.insns.forEach((insn, pc) => {
    if (pc > 0 && b.insns[pc - 1]?.op === Opcode.LDDW && insn.op === 0) return;
    const problem = checkFields(insn);
    const place = b.places[pc];
    if (problem !== null && place !== undefined) throw new AssembleError(problem, place.line, place.column);
  });
  return b.insns;
}

/**
 * Assembles text to little-endian instruction bytes: `encode(parseAssembly(text, options))`.
 * @throws AssembleError on any syntax or range problem.
 */
export function assemble(text: string, options: AssembleOptions = {}): Uint8Array {
  return encode(parseAssembly(text, options));
}
