/**
 * @fileoverview The structural pass of the verifier (the kernel's check_subprogs + check_cfg): field
 * rules, lddw pairs, jump and call targets, function boundaries, final instructions, reachability,
 * writes to the frame pointer and helper ids. Path-sensitive checks (types, bounds) are a later pass;
 * until it exists every memory access is marked for a run-time check.
 */
import { formatInsn } from '../asm/disassembler.js';
import { VerifierError } from '../errors.js';
import { branchTarget, type Insn, isBranch, isMemoryAccess, isUnconditionalJump } from '../isa/instruction.js';
import { AtomicOp, CallSrc, Class, CLASS_MASK, Mode, MODE_MASK, Opcode, PseudoSrc } from '../isa/opcodes.js';
import { FP, MAX_INSNS } from '../isa/registers.js';
import { checkFields, opcodeInfo } from '../isa/table.js';
import type { ProgramType, VerifiedProgram } from './program.js';

/** What the structural pass needs to know besides the instructions. */
export interface StructureOptions {
  readonly type: ProgramType;
  /** ids of the helpers the program may call */
  readonly helperIds: ReadonlySet<number>;
  /**
   * number of maps in the loader's map table: when given, lddw with src MAP_IDX (5) or
   * MAP_IDX_VALUE (6) and imm < mapCount is allowed; without it every pseudo src is rejected
   */
  readonly mapCount?: number;
}

/** Kernel-log text of the instruction at `pc`: `(opcode) disassembly`, or raw fields if it cannot be printed. */
export function describeInsn(insns: readonly Insn[], pc: number): string {
  const insn = insns[pc];
  if (insn === undefined) return '';
  const opcode = insn.op.toString(16).padStart(2, '0');
  const next = insns[pc + 1];
  if (insn.op !== Opcode.LDDW || next !== undefined) {
    try {
      return `(${opcode}) ${formatInsn(insns, pc)}`;
    } catch {
      // fall through to the raw form: the slot is malformed in a way the disassembler cannot print
    }
  }
  const name = opcodeInfo(insn.op)?.name ?? 'unknown';
  return `(${opcode}) ${name} dst=r${insn.dst} src=r${insn.src} off=${insn.off} imm=${insn.imm}`;
}

function reject(insns: readonly Insn[], pc: number, reason: string): VerifierError {
  return new VerifierError(pc, describeInsn(insns, pc), reason);
}

/** True when the instruction writes its dst register (so dst = r10 must be rejected). */
function writesDst(insn: Insn): boolean {
  const kind = opcodeInfo(insn.op)?.kind;
  switch (kind) {
    case 'alu':
    case 'neg':
    case 'end':
    case 'mov':
    case 'lddw':
    case 'ldx':
    case 'ldsx':
      return true;
    case 'jcond':
    case 'ja':
    case 'may_goto':
    case 'call':
    case 'callx':
    case 'exit':
    case 'ldabs':
    case 'ldind':
    case 'st':
    case 'stx':
    case 'atomic':
    case undefined:
      return false;
    default: {
      const never: never = kind;
      throw new Error(`unhandled kind ${String(never)}`);
    }
  }
}

/** Per-instruction checks: fields, lddw halves and pseudo sources, r10 writes, call forms. */
function checkInsns(insns: readonly Insn[], options: StructureOptions, isSecondHalf: Uint8Array): void {
  const n = insns.length;
  for (let pc = 0; pc < n; pc++) {
    const insn = insns[pc]!;
    const problem = checkFields(insn);
    if (problem !== null) throw reject(insns, pc, problem);
    if (insn.op === Opcode.LDDW) {
      const next = insns[pc + 1];
      if (next === undefined || next.op !== 0 || next.dst !== 0 || next.src !== 0 || next.off !== 0) {
        throw reject(insns, pc, 'invalid bpf_ld_imm64 insn');
      }
      if (insn.src !== 0) {
        // map loads by index into the loader's map table (src/object.ts resolves them to addresses
        // before the engines run); other pseudo sources (fd, BTF id, function) are not supported
        const isMapIndex = insn.src === PseudoSrc.MAP_IDX || insn.src === PseudoSrc.MAP_IDX_VALUE;
        if (!isMapIndex || options.mapCount === undefined) throw reject(insns, pc, `lddw with pseudo src ${insn.src} is not supported yet`);
        if (insn.imm < 0 || insn.imm >= options.mapCount) throw reject(insns, pc, `map index ${insn.imm} out of range, the object has ${options.mapCount} maps`);
      }
      isSecondHalf[pc + 1] = 1;
    }
    if (writesDst(insn) && insn.dst === FP) throw reject(insns, pc, 'frame pointer is read only');
    if ((insn.op & CLASS_MASK) === Class.STX && (insn.op & MODE_MASK) === Mode.ATOMIC) {
      // atomic fetch forms write the old value into src (cmpxchg into r0)
      if ((insn.imm & AtomicOp.FETCH) !== 0 && insn.imm !== AtomicOp.CMPXCHG && insn.src === FP) {
        throw reject(insns, pc, 'frame pointer is read only');
      }
    }
    if (insn.op === Opcode.CALL) {
      if (insn.src === CallSrc.HELPER && !options.helperIds.has(insn.imm)) {
        throw reject(insns, pc, `invalid func unknown#${insn.imm}`);
      }
      if (insn.src === CallSrc.KFUNC) throw reject(insns, pc, 'kernel function calls are not supported');
    }
    if (insn.op === Opcode.LDDW) pc++;
  }
}

/** Entry 0 plus every local-call target, ascending; rejects targets out of range or inside lddw. */
function findFunctions(insns: readonly Insn[], isSecondHalf: Uint8Array): number[] {
  const starts = new Set<number>([0]);
  for (let pc = 0; pc < insns.length; pc++) {
    const insn = insns[pc]!;
    if (isSecondHalf[pc] === 1 || insn.op !== Opcode.CALL || insn.src !== CallSrc.LOCAL) continue;
    const target = pc + 1 + insn.imm;
    if (target < 0 || target >= insns.length) throw reject(insns, pc, `call to invalid destination from insn ${pc} to ${target}`);
    if (isSecondHalf[target] === 1) throw reject(insns, pc, `call into the middle of ldimm64 insn ${target - 1}`);
    starts.add(target);
  }
  return [...starts].sort((a, b) => a - b);
}

/** Jumps stay inside their function and never land on an lddw's second half; functions end in exit or ja. */
function checkJumps(insns: readonly Insn[], functions: readonly number[], isSecondHalf: Uint8Array): void {
  for (let f = 0; f < functions.length; f++) {
    const start = functions[f]!;
    const end = functions[f + 1] ?? insns.length;
    for (let pc = start; pc < end; pc++) {
      const insn = insns[pc]!;
      if (isSecondHalf[pc] === 1 || !isBranch(insn)) continue;
      const target = branchTarget(insn, pc);
      if (target < start || target >= end) throw reject(insns, pc, `jump out of range from insn ${pc} to ${target}`);
      if (isSecondHalf[target] === 1) throw reject(insns, pc, `jump into the middle of ldimm64 insn ${target - 1}`);
    }
    const last = insns[end - 1]!;
    if (isSecondHalf[end - 1] === 1 || (last.op !== Opcode.EXIT && !isUnconditionalJump(last))) {
      throw reject(insns, end - 1, 'last insn is not an exit or jmp');
    }
  }
}

/**
 * Depth-first walk from every function entry along fall-through and jump edges (calls fall through,
 * exit ends a path). Every instruction must be reached; the kernel's check_cfg does the same.
 */
function checkReachability(insns: readonly Insn[], functions: readonly number[], isSecondHalf: Uint8Array): void {
  const n = insns.length;
  const seen = new Uint8Array(n);
  const work: number[] = [...functions];
  for (const start of functions) seen[start] = 1;
  const visit = (target: number): void => {
    if (target < n && seen[target] === 0) {
      seen[target] = 1;
      work.push(target);
    }
  };
  while (work.length > 0) {
    const pc = work.pop()!;
    const insn = insns[pc]!;
    if (insn.op === Opcode.EXIT) continue;
    if (insn.op === Opcode.LDDW) {
      seen[pc + 1] = 1;
      visit(pc + 2);
      continue;
    }
    if (isBranch(insn)) {
      visit(branchTarget(insn, pc));
      if (isUnconditionalJump(insn)) continue;
    }
    visit(pc + 1);
  }
  for (let pc = 0; pc < n; pc++) {
    if (seen[pc] === 0 && isSecondHalf[pc] === 0) throw reject(insns, pc, `unreachable insn ${pc}`);
  }
}

/**
 * Runs the structural checks and returns the program with its function starts, helper ids and
 * run-time-check marks (every memory access for now).
 * @throws VerifierError naming the first offending instruction (pc -1 for whole-program problems).
 */
export function verifyStructure(insns: readonly Insn[], options: StructureOptions): VerifiedProgram {
  const n = insns.length;
  if (n === 0) throw new VerifierError(-1, '', 'empty program');
  if (n > MAX_INSNS) throw new VerifierError(-1, '', `program too large: ${n} insns, limit ${MAX_INSNS}`);
  const isSecondHalf = new Uint8Array(n);
  checkInsns(insns, options, isSecondHalf);
  const functions = findFunctions(insns, isSecondHalf);
  checkJumps(insns, functions, isSecondHalf);
  checkReachability(insns, functions, isSecondHalf);

  const checkedAccess = new Uint8Array(n);
  const helperIds = new Set<number>();
  for (let pc = 0; pc < n; pc++) {
    if (isSecondHalf[pc] === 1) continue;
    const insn = insns[pc]!;
    if (isMemoryAccess(insn)) checkedAccess[pc] = 1;
    if (insn.op === Opcode.CALL && insn.src === CallSrc.HELPER) helperIds.add(insn.imm);
  }
  return {
    type: options.type,
    insns: insns.slice(),
    functions,
    checkedAccess,
    helperIds: [...helperIds].sort((a, b) => a - b),
  };
}
