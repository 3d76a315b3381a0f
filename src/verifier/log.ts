/**
 * @fileoverview The kernel-style verifier log: instruction text (the project disassembler's, with a
 * kernel-syntax fallback such as `r1 = *(u32 *)(r1 +0)`), one `pc: (opcode) text ; state` line per
 * processed instruction at level 2, branch lines, the closing summary line, and the builder for
 * VerifierError. What is logged and when is dataflow.ts's decision.
 */
import { AluOp, AtomicOp, Class, CLASS_MASK, JmpOp, Mode, MODE_MASK, OP_MASK, PseudoSrc, SIZE_MASK, Size, Source, SOURCE_MASK, sizeBytes } from '../isa/opcodes.js';
import { lddwValue, type Insn } from '../isa/instruction.js';
import { VerifierError } from '../errors.js';
import { helperProto } from '../../runtime/helpers/prototypes.js';
import { ALU_OPERATORS, formatInsn, JMP_OPERATORS } from '../asm/disassembler.js';

/** Kernel operator text of an ALU op (`+=`, `s>>=`), used in error messages. */
export function aluSymbol(op: number): string {
  // the disassembler's table, plus mov's '=' which it prints by a separate path
  return op === AluOp.MOV ? '=' : (ALU_OPERATORS.get(op) ?? '?=');
}

function sizeName(op: number): string {
  return `u${sizeBytes((op & SIZE_MASK) as Size) * 8}`;
}

function signed(n: number): string {
  return n >= 0 ? `+${n}` : `${n}`;
}

/** Instruction text in the kernel verifier log's syntax. */
export function insnText(insns: readonly Insn[], pc: number): string {
  const insn = insns[pc];
  if (insn === undefined) return '';
  const cls = insn.op & CLASS_MASK;
  const op = insn.op & OP_MASK;
  const x = (insn.op & SOURCE_MASK) === Source.X;
  switch (cls) {
    case Class.ALU:
    case Class.ALU64: {
      const r = cls === Class.ALU64 ? 'r' : 'w';
      if (op === AluOp.NEG) return `${r}${insn.dst} = -${r}${insn.dst}`;
      if (op === AluOp.END) {
        const kind = cls === Class.ALU64 ? 'bswap' : x ? 'be' : 'le';
        return `r${insn.dst} = ${kind}${insn.imm} r${insn.dst}`;
      }
      const sym = aluSymbol(op);
      const prefix = (op === AluOp.DIV || op === AluOp.MOD) && insn.off === 1 ? 's' : '';
      const opnd = x ? `${op === AluOp.MOV && insn.off !== 0 ? `(s${insn.off})` : ''}${r}${insn.src}` : `${insn.imm}`;
      return `${r}${insn.dst} ${prefix}${sym} ${opnd}`;
    }
    case Class.JMP:
    case Class.JMP32: {
      if (insn.op === (Class.JMP | JmpOp.CALL)) {
        if (insn.src === 1) return `call pc${signed(insn.imm)}`;
        const p = helperProto(insn.imm);
        return `call ${p === undefined ? 'unknown' : `bpf_${p.name}`}#${insn.imm}`;
      }
      if (op === JmpOp.CALL) return `callx r${insn.dst}`;
      if (op === JmpOp.EXIT) return 'exit';
      if (op === JmpOp.JA) return cls === Class.JMP32 ? `gotol pc${signed(insn.imm)}` : `goto pc${signed(insn.off)}`;
      if (op === JmpOp.JCOND) return `may_goto pc${signed(insn.off)}`;
      const r = cls === Class.JMP ? 'r' : 'w';
      const rhs = x ? `${r}${insn.src}` : `0x${(insn.imm >>> 0).toString(16)}`;
      return `if ${r}${insn.dst} ${JMP_OPERATORS.get(op) ?? '?'} ${rhs} goto pc${signed(insn.off)}`;
    }
    case Class.LD: {
      if ((insn.op & MODE_MASK) === Mode.IMM) {
        const v = pc + 1 < insns.length ? lddwValue(insns, pc) : BigInt(insn.imm >>> 0);
        if (insn.src === PseudoSrc.MAP_IDX || insn.src === PseudoSrc.MAP_FD) return `r${insn.dst} = map[idx:${insn.imm}]`;
        if (insn.src === PseudoSrc.MAP_IDX_VALUE || insn.src === PseudoSrc.MAP_VALUE)
          return `r${insn.dst} = map[idx:${insn.imm}][0]+${insns[pc + 1]?.imm ?? 0}`;
        return `r${insn.dst} = 0x${v.toString(16)} ll`;
      }
      const ind = (insn.op & MODE_MASK) === Mode.IND ? `r${insn.src} + ` : '';
      return `r0 = *(${sizeName(insn.op)} *)skb[${ind}${insn.imm}]`;
    }
    case Class.LDX: {
      const sx = (insn.op & MODE_MASK) === Mode.MEMSX ? 's' : 'u';
      return `r${insn.dst} = *(${sx}${sizeName(insn.op).slice(1)} *)(r${insn.src} ${signed(insn.off)})`;
    }
    case Class.ST:
      return `*(${sizeName(insn.op)} *)(r${insn.dst} ${signed(insn.off)}) = ${insn.imm}`;
    case Class.STX: {
      const mem = `*(${sizeName(insn.op)} *)(r${insn.dst} ${signed(insn.off)})`;
      if ((insn.op & MODE_MASK) !== Mode.ATOMIC) return `${mem} = r${insn.src}`;
      const a = insn.imm & ~AtomicOp.FETCH;
      const fetch = (insn.imm & AtomicOp.FETCH) !== 0;
      if (insn.imm === AtomicOp.XCHG) return `r${insn.src} = atomic_xchg(${mem}, r${insn.src})`;
      if (insn.imm === AtomicOp.CMPXCHG) return `r0 = atomic_cmpxchg(${mem}, r0, r${insn.src})`;
      const sym = aluSymbol(a);
      return fetch ? `r${insn.src} = atomic_fetch_${sym.slice(0, -1)}(${mem}, r${insn.src})` : `lock ${mem} ${sym} r${insn.src}`;
    }
    default:
      return `(invalid opcode 0x${insn.op.toString(16)})`;
  }
}

/**
 * Text of the instruction at `pc` for log lines and errors: the project disassembler's syntax (as
 * the structural pass prints it), or the kernel-syntax fallback when the disassembler cannot print it.
 */
export function describe(insns: readonly Insn[], pc: number): string {
  const insn = insns[pc];
  if (insn !== undefined && (insn.op & CLASS_MASK) === Class.LD && insn.src !== 0) return insnText(insns, pc);
  try {
    return formatInsn(insns, pc);
  } catch {
    return insnText(insns, pc);
  }
}

/** Lines of log kept (the oldest are dropped beyond twice this many, marked by a leading `...`). */
export const MAX_LOG_LINES = 100_000;

/** Accumulates the verifier log at a given level (0 = nothing, 1 = branches and errors, 2 = every insn). */
export class VerifierLog {
  readonly level: 0 | 1 | 2;
  private readonly lines: string[] = [];
  private truncated = false;

  constructor(level: 0 | 1 | 2) {
    this.level = level;
  }

  /** Appends a line when the log level is at least `minLevel`. */
  line(minLevel: 1 | 2, text: string): void {
    if (this.level >= minLevel) this.push(text);
  }

  /** Appends a line, keeping only the most recent MAX_LOG_LINES (the kernel's rotating log keeps the tail too). */
  private push(text: string): void {
    this.lines.push(text);
    if (this.lines.length > 2 * MAX_LOG_LINES) {
      this.lines.splice(0, this.lines.length - MAX_LOG_LINES);
      this.truncated = true;
    }
  }

  /** Appends the `pc: (op) text ; state` line of a processed instruction (level 2). */
  insn(insns: readonly Insn[], pc: number, state: string): void {
    if (this.level < 2) return;
    const insn = insns[pc];
    const head = `${pc}: (${(insn?.op ?? 0).toString(16).padStart(2, '0')}) ${describe(insns, pc)}`;
    this.push(state === '' ? head : `${head.padEnd(40)}; ${state}`);
  }

  /** The summary line the kernel prints after the last instruction. */
  summary(processed: number, limit: number, maxStatesPerInsn: number, totalStates: number, peakStates: number): void {
    this.push(`processed ${processed} insns (limit ${limit}) max_states_per_insn ${maxStatesPerInsn} total_states ${totalStates} peak_states ${peakStates}`);
  }

  /** The whole log text. */
  text(): string {
    if (this.lines.length === 0) return '';
    return `${this.truncated ? '...\n' : ''}${this.lines.join('\n')}\n`;
  }

  /** A VerifierError at `pc` whose log ends with the failing instruction and the reason. */
  error(insns: readonly Insn[], pc: number, reason: string): VerifierError {
    const text = pc >= 0 ? describe(insns, pc) : '';
    if (this.level >= 1) {
      if (pc >= 0) this.push(`${pc}: (${(insns[pc]?.op ?? 0).toString(16).padStart(2, '0')}) ${text}`);
      this.push(reason);
    }
    return new VerifierError(pc, text, reason, this.text());
  }
}
