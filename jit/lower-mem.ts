/**
 * @fileoverview Lowering of loads, stores, atomics, lddw and the legacy packet loads (RFC 9669 §5).
 * eBPF pointers are linear-memory addresses: an access is `load/store(i32.wrap(reg) + off)`.
 * Accesses the verifier proved in bounds are emitted bare; those it marked (checkedAccess[pc] = 1)
 * first run the exact equivalent of ExecEnv.isAccessible (stack region or input region, with the
 * interpreter's no-wrap address arithmetic) and call env.trap on failure. The memory is not shared
 * and programs are single-threaded, so atomics are plain read-modify-write sequences.
 *
 * A check is a chain of range tests, each `(base - (regionStart - off)) >=u limit` (one subtraction,
 * one unsigned compare), the likely region first, and traps only when every test fails:
 *   base r10:  stack -> current input -> trap
 *   others:    input reserve -> stack -> current input -> trap
 * The stack's start and limit and the reserve's start are constants of the ExecEnv (checkLayout);
 * the input's limits per access size and its current start are read from the env's check block,
 * which ExecEnv keeps in step with its input region (the reserve's limits cover only the part of the
 * input at or after the reserve's start: all of it when setInput copied it there, none when it lies
 * elsewhere). When regionStart - off < 0 the test also requires base < 2^32, so that base + off
 * never wraps (no region reaches 2^32 - 2^16, and |off| < 2^15).
 *
 * Check groups (when LowerContext.checkedAccess tells which other pcs are checked): a checked load
 * whose base register is then used, unchanged, by further checked accesses of the same straight line
 * (no branch target, jump, call, store or other checked access in between; only the last member may
 * be a store or atomic) leads a group: one test of the hull [min off, max off + size) (at most 8
 * bytes) at the leader replaces every member's check, and when it fails, the members' exact checks
 * run in program order at the leader. That is indistinguishable from checking each member at its
 * own pc: what runs between the leader and the last member (loads and ALU operations) cannot fail
 * and writes nothing a trap leaves visible (registers are not part of a failed run's outcome).
 */
import { JitError } from '../src/errors.js';
import { branchTarget, isBranch, isLocalCall, type Insn } from '../src/isa/instruction.js';
import { AtomicOp, Class, CLASS_MASK, Mode, MODE_MASK, Opcode, Size, SIZE_MASK, sizeBytes } from '../src/isa/opcodes.js';
import { FP, R0 } from '../src/isa/registers.js';
import { CheckSlot, checkLayout, sizeSlot } from '../runtime/env.js';
import { ABORT_ZERO_IMPORT, TRAP_IMPORT, TrapKind } from './abi.js';
import { bswap16, bswap32 } from './lower-alu.js';
import { type ExpressionRef, Globals, type LowerContext } from './module.js';

/** Where an access goes: statements to run first (the check), then base pointer and memarg offset. */
interface Access {
  readonly pre: ExpressionRef[];
  readonly ptr: () => ExpressionRef;
  readonly offset: number;
}

const TWO_32 = 0x1_0000_0000n;

/**
 * The address of `[base + off]`, preceded by the run-time check when `checked`: the check is true
 * exactly when ExecEnv.isAccessible(address, size) is, where address = unsigned base + off without
 * 64-bit wrap-around (as the interpreter computes it).
 */
function access(ctx: LowerContext, base: number, off: number, size: 1 | 2 | 4 | 8, kind: TrapKind, pc: number, check: Check): Access {
  const fb = ctx.fb;
  const m = fb.mod;
  const pre: ExpressionRef[] = check === true ? [checkAccess(ctx, base, off, size, kind, pc)] : check === false || check === 'covered' ? [] : [groupCheck(ctx, check)];
  if (off >= 0) return { pre, ptr: () => fb.reg32(base), offset: off };
  return { pre, ptr: () => m.i32.add(fb.reg32(base), fb.i32(off)), offset: 0 };
}

/**
 * The run-time check of `[base + off]` (size bytes): nothing when accessible, else env.trap, testing
 * the regions in the order of the file overview. Measured on the byte loops of bench/programs, this
 * inline chain beats an out-of-line check function (whose call makes V8 spill around the loop).
 */
export function checkAccess(ctx: LowerContext, base: number, off: number, size: 1 | 2 | 4 | 8, kind: TrapKind, pc: number): ExpressionRef {
  const fb = ctx.fb;
  const m = fb.mod;
  const b = fb.b;
  const layout = checkLayout(ctx.stackEnd);
  const blockWord = (byteOffset: number): ExpressionRef => m.i64.load(layout.block + byteOffset, 8, fb.i32(0));
  const slot = sizeSlot(size);
  const outsideStack = outside(ctx, base, off, ctx.stackStart, fb.i64(BigInt(ctx.stackEnd - ctx.stackStart - size + 1)));
  // the current input, wherever it lies: its start is not a constant, so the no-wrap guard is unconditional
  const outsideInput = m.i32.or(
    m.i64.ge_u(fb.reg(base), fb.i64(TWO_32)),
    m.i64.ge_u(m.i64.sub(m.i64.add(fb.reg(base), fb.i64(BigInt(off))), blockWord(CheckSlot.INPUT_START)), blockWord(CheckSlot.INPUT_LIMITS + 8 * slot)),
  );
  const trap = m.block(null, [m.call(TRAP_IMPORT, [fb.i32(pc), fb.i32(kind), fb.i32(size), fb.reg(base), fb.i32(off)], b.none), m.unreachable()]);
  const afterLikely = m.if(outsideStack, m.if(outsideInput, trap));
  if (base === FP) return afterLikely;
  return m.if(outside(ctx, base, off, layout.inputBase, blockWord(CheckSlot.RESERVED_LIMITS + 8 * slot)), afterLikely);
}

/** True when base + off is not in [start, start + limit), for a region of constant start (see the file overview). */
function outside(ctx: LowerContext, base: number, off: number, start: number, limit: ExpressionRef): ExpressionRef {
  const fb = ctx.fb;
  const m = fb.mod;
  const bias = start - off;
  if (bias >= 0) return m.i64.ge_u(m.i64.sub(fb.reg(base), fb.i64(BigInt(bias))), limit);
  return m.i32.or(m.i64.ge_u(fb.reg(base), fb.i64(TWO_32)), m.i64.ge_u(m.i64.add(fb.reg(base), fb.i64(BigInt(-bias))), limit));
}

/**
 * The check of a whole group at its leader: the likely region's test of the hull (for the reserve,
 * with the limit of the next power-of-two size, which only makes the test stricter); when it fails,
 * every member's exact check in program order.
 */
function groupCheck(ctx: LowerContext, members: readonly Member[]): ExpressionRef {
  const fb = ctx.fb;
  const m = fb.mod;
  const head = members[0];
  if (head === undefined) throw new JitError('empty check group', -1);
  const low = Math.min(...members.map((x) => x.off));
  const hull = Math.max(...members.map((x) => x.off + x.size)) - low;
  const layout = checkLayout(ctx.stackEnd);
  const limitSize = hull <= 1 ? 1 : hull <= 2 ? 2 : hull <= 4 ? 4 : 8;
  const likelyOutside =
    head.base === FP
      ? outside(ctx, head.base, low, ctx.stackStart, fb.i64(BigInt(ctx.stackEnd - ctx.stackStart - hull + 1)))
      : outside(ctx, head.base, low, layout.inputBase, m.i64.load(layout.block + CheckSlot.RESERVED_LIMITS + 8 * sizeSlot(limitSize), 8, fb.i32(0)));
  return m.if(likelyOutside, m.block(null, members.map((x) => checkAccess(ctx, x.base, x.off, x.size, x.kind, x.pc))));
}

/** The checked access of one member of a check group. */
export interface Member {
  readonly pc: number;
  readonly base: number;
  readonly off: number;
  readonly size: 1 | 2 | 4 | 8;
  readonly kind: TrapKind;
}

/** Per pc: the members of the group it leads (leader first), or `covered` when a leader checks it. */
export type GroupRole = readonly Member[] | 'covered';

/** How one access is checked: not at all, alone, as a covered member, or as a group's leader. */
type Check = boolean | GroupRole;

/** Largest hull a group may test (the largest size with a limit slot). */
const MAX_HULL = 8;

/** Most slots a group may span from its leader (keeps the analysis linear). */
const MAX_GROUP_SPAN = 64;

const groupCache = new WeakMap<Uint8Array, { insns: readonly Insn[]; roles: Map<number, GroupRole> }>();

/** The checked access an LDX/ST/STX instruction makes, or undefined for other instructions. */
function memberOf(insn: Insn, pc: number): Member | undefined {
  const cls = insn.op & CLASS_MASK;
  const mode = insn.op & MODE_MASK;
  const size = sizeBytes((insn.op & SIZE_MASK) as Size);
  if (cls === Class.LDX && (mode === Mode.MEM || mode === Mode.MEMSX)) return { pc, base: insn.src, off: insn.off, size, kind: TrapKind.READ };
  if ((cls === Class.ST || cls === Class.STX) && mode === Mode.MEM) return { pc, base: insn.dst, off: insn.off, size, kind: TrapKind.WRITE };
  if (cls === Class.STX && mode === Mode.ATOMIC) return { pc, base: insn.dst, off: insn.off, size, kind: TrapKind.ATOMIC };
  return undefined;
}

/** Whether an instruction may write register `reg` (assumed for every class but ALU, LD and LDX). */
function writes(insn: Insn, reg: number): boolean {
  const cls = insn.op & CLASS_MASK;
  switch (cls) {
    case Class.ALU:
    case Class.ALU64:
    case Class.LD:
    case Class.LDX:
      return insn.dst === reg;
    default:
      return true;
  }
}

/** The check groups of a program (see the file overview), computed once per checkedAccess array. */
export function checkGroups(insns: readonly Insn[], checkedAccess: Uint8Array): Map<number, GroupRole> {
  const cached = groupCache.get(checkedAccess);
  if (cached?.insns === insns) return cached.roles;
  const checked = (pc: number): boolean => checkedAccess[pc] === 1;
  const entries = new Set<number>([0]);
  for (let pc = 0; pc < insns.length; pc++) {
    const insn = insns[pc];
    if (insn === undefined) continue;
    if (isBranch(insn) || isLocalCall(insn)) entries.add(branchTarget(insn, pc));
    if (insn.op === Opcode.LDDW) pc++;
  }
  const roles = new Map<number, GroupRole>();
  for (let leader = 0; leader < insns.length; leader++) {
    const first = insns[leader];
    if (first === undefined) continue;
    if (first.op === Opcode.LDDW) {
      leader++;
      continue;
    }
    const head = memberOf(first, leader);
    if (head === undefined || head.kind !== TrapKind.READ || !checked(leader) || roles.has(leader)) continue;
    const members: Member[] = [head];
    let low = head.off;
    let high = head.off + head.size;
    if (writes(first, head.base)) continue;
    for (let pc = leader + 1; pc < insns.length && pc - leader <= MAX_GROUP_SPAN && !entries.has(pc); pc++) {
      const insn = insns[pc];
      if (insn === undefined) break;
      const cls = insn.op & CLASS_MASK;
      if (cls === Class.JMP || cls === Class.JMP32) break;
      if (cls === Class.LD && insn.op !== Opcode.LDDW) break;
      const member = memberOf(insn, pc);
      if (member !== undefined && checked(pc)) {
        const lo = Math.min(low, member.off);
        const hi = Math.max(high, member.off + member.size);
        if (member.base !== head.base || hi - lo > MAX_HULL) break;
        members.push(member);
        low = lo;
        high = hi;
        if (member.kind !== TrapKind.READ || writes(insn, head.base)) break;
        continue;
      }
      // an unchecked store or atomic writes memory a later trap would leave visible
      if (cls === Class.ST || cls === Class.STX || writes(insn, head.base)) break;
      if (insn.op === Opcode.LDDW) pc++;
    }
    if (members.length < 2) continue;
    roles.set(leader, members);
    for (const member of members.slice(1)) roles.set(member.pc, 'covered');
  }
  groupCache.set(checkedAccess, { insns, roles });
  return roles;
}

/** Lowers one LD/LDX/ST/STX instruction (lddw, legacy packet loads, loads, stores, atomics). */
export function lowerMemory(ctx: LowerContext, insns: readonly Insn[], pc: number, checked: boolean): ExpressionRef[] {
  const insn = insns[pc];
  if (insn === undefined) throw new JitError(`no instruction at pc ${pc}`, pc);
  const check: Check = checked && ctx.checkedAccess !== undefined ? (checkGroups(insns, ctx.checkedAccess).get(pc) ?? true) : checked;
  const cls = insn.op & CLASS_MASK;
  const mode = insn.op & MODE_MASK;
  const size = sizeBytes((insn.op & SIZE_MASK) as Size);
  switch (cls) {
    case Class.LD:
      if (mode === Mode.IMM) {
        if (insn.src !== 0) throw new JitError(`lddw with src ${insn.src} at pc ${pc} must be relocated before the jit runs`, pc);
        return [ctx.fb.setReg(insn.dst, ctx.immI64(pc))];
      }
      if (mode === Mode.ABS || mode === Mode.IND) return lowerLegacyLoad(ctx, insn, pc, size, mode === Mode.IND);
      throw new JitError(`invalid ld mode 0x${mode.toString(16)} at pc ${pc}`, pc);
    case Class.LDX:
      return lowerLoad(ctx, insn, pc, size, mode === Mode.MEMSX, check);
    case Class.ST:
    case Class.STX:
      if (mode === Mode.ATOMIC) return lowerAtomic(ctx, insn, pc, size, check);
      return lowerStore(ctx, insn, pc, size, cls === Class.ST, check);
    default:
      throw new JitError(`not a memory instruction at pc ${pc}`, pc);
  }
}

function lowerLoad(ctx: LowerContext, insn: Insn, pc: number, size: 1 | 2 | 4 | 8, isSigned: boolean, check: Check): ExpressionRef[] {
  const fb = ctx.fb;
  const m = fb.mod;
  const a = access(ctx, insn.src, insn.off, size, TrapKind.READ, pc, check);
  let value: ExpressionRef;
  switch (size) {
    case 1:
      value = isSigned ? m.i64.load8_s(a.offset, 1, a.ptr()) : m.i64.load8_u(a.offset, 1, a.ptr());
      break;
    case 2:
      value = isSigned ? m.i64.load16_s(a.offset, 2, a.ptr()) : m.i64.load16_u(a.offset, 2, a.ptr());
      break;
    case 4:
      value = isSigned ? m.i64.load32_s(a.offset, 4, a.ptr()) : m.i64.load32_u(a.offset, 4, a.ptr());
      break;
    case 8:
      value = m.i64.load(a.offset, 8, a.ptr());
      break;
    default: {
      const never: never = size;
      throw new JitError(`invalid access size ${String(never)}`, pc);
    }
  }
  return [...a.pre, fb.setReg(insn.dst, value)];
}

function lowerStore(ctx: LowerContext, insn: Insn, pc: number, size: 1 | 2 | 4 | 8, isImm: boolean, check: Check): ExpressionRef[] {
  const fb = ctx.fb;
  const m = fb.mod;
  const a = access(ctx, insn.dst, insn.off, size, TrapKind.WRITE, pc, check);
  let store: ExpressionRef;
  if (isImm && size !== 8) {
    const value = ctx.immI32(pc);
    store = size === 1 ? m.i32.store8(a.offset, 1, a.ptr(), value) : size === 2 ? m.i32.store16(a.offset, 2, a.ptr(), value) : m.i32.store(a.offset, 4, a.ptr(), value);
  } else {
    const value = isImm ? ctx.immI64(pc) : fb.reg(insn.src);
    switch (size) {
      case 1:
        store = m.i64.store8(a.offset, 1, a.ptr(), value);
        break;
      case 2:
        store = m.i64.store16(a.offset, 2, a.ptr(), value);
        break;
      case 4:
        store = m.i64.store32(a.offset, 4, a.ptr(), value);
        break;
      case 8:
        store = m.i64.store(a.offset, 8, a.ptr(), value);
        break;
      default: {
        const never: never = size;
        throw new JitError(`invalid access size ${String(never)}`, pc);
      }
    }
  }
  return [...a.pre, store];
}

/**
 * Atomic read-modify-write (RFC 9669 §5.3). FETCH variants return the old value in src (32-bit:
 * zero-extended); cmpxchg compares with r0 (32-bit: its low half) and returns the old value in r0.
 */
function lowerAtomic(ctx: LowerContext, insn: Insn, pc: number, size: 1 | 2 | 4 | 8, check: Check): ExpressionRef[] {
  const fb = ctx.fb;
  const m = fb.mod;
  const b = fb.b;
  if (size !== 4 && size !== 8) throw new JitError(`invalid atomic size ${size} at pc ${pc}`, pc);
  const a = access(ctx, insn.dst, insn.off, size, TrapKind.ATOMIC, pc, check);
  const out: ExpressionRef[] = [...a.pre, fb.set(fb.t32b, a.offset === 0 ? a.ptr() : m.i32.add(a.ptr(), fb.i32(a.offset)))];
  const ptr = (): ExpressionRef => fb.get(fb.t32b, b.i32);
  const s = insn.src;
  const op = insn.imm & ~AtomicOp.FETCH;
  const isFetch = (insn.imm & AtomicOp.FETCH) !== 0;
  if (size === 8) {
    const old = (): ExpressionRef => fb.get(fb.t64a, b.i64);
    out.push(fb.set(fb.t64a, m.i64.load(0, 8, ptr())));
    const store = (value: ExpressionRef): ExpressionRef => m.i64.store(0, 8, ptr(), value);
    if (insn.imm === AtomicOp.CMPXCHG) {
      out.push(m.if(m.i64.eq(old(), fb.reg(R0)), store(fb.reg(s))), fb.setReg(R0, old()));
      return out;
    }
    if (insn.imm === AtomicOp.XCHG) {
      out.push(store(fb.reg(s)), fb.setReg(s, old()));
      return out;
    }
    const combine = op === AtomicOp.ADD ? m.i64.add : op === AtomicOp.OR ? m.i64.or : op === AtomicOp.AND ? m.i64.and : op === AtomicOp.XOR ? m.i64.xor : undefined;
    if (combine === undefined) throw new JitError(`invalid atomic operation 0x${insn.imm.toString(16)} at pc ${pc}`, pc);
    out.push(store(combine(old(), fb.reg(s))));
    if (isFetch) out.push(fb.setReg(s, old()));
    return out;
  }
  const old = (): ExpressionRef => fb.get(fb.t32a, b.i32);
  out.push(fb.set(fb.t32a, m.i32.load(0, 4, ptr())));
  const store = (value: ExpressionRef): ExpressionRef => m.i32.store(0, 4, ptr(), value);
  if (insn.imm === AtomicOp.CMPXCHG) {
    out.push(m.if(m.i32.eq(old(), fb.reg32(R0)), store(fb.reg32(s))), fb.setReg32(R0, old()));
    return out;
  }
  if (insn.imm === AtomicOp.XCHG) {
    out.push(store(fb.reg32(s)), fb.setReg32(s, old()));
    return out;
  }
  const combine = op === AtomicOp.ADD ? m.i32.add : op === AtomicOp.OR ? m.i32.or : op === AtomicOp.AND ? m.i32.and : op === AtomicOp.XOR ? m.i32.xor : undefined;
  if (combine === undefined) throw new JitError(`invalid atomic operation 0x${insn.imm.toString(16)} at pc ${pc}`, pc);
  out.push(store(combine(old(), fb.reg32(s))));
  if (isFetch) out.push(fb.setReg32(s, old()));
  return out;
}

/**
 * Legacy packet loads (socket filters): big-endian reads of the input at imm (ABS) or src + imm (IND,
 * 32-bit sum); an offset outside the input ends the whole run with r0 = 0, as the interpreter does.
 */
function lowerLegacyLoad(ctx: LowerContext, insn: Insn, pc: number, size: 1 | 2 | 4 | 8, isInd: boolean): ExpressionRef[] {
  const fb = ctx.fb;
  const m = fb.mod;
  const b = fb.b;
  if (size === 8) throw new JitError(`invalid legacy load size at pc ${pc}`, pc);
  const offset32 = isInd ? m.i32.add(fb.reg32(insn.src), ctx.immI32(pc)) : ctx.immI32(pc);
  const offset = (): ExpressionRef => fb.get(fb.t64a, b.i64);
  const out: ExpressionRef[] = [fb.set(fb.t64a, m.i64.extend_s(offset32))];
  const outside = m.i32.or(
    m.i64.lt_s(offset(), fb.i64(0n)),
    m.i64.gt_s(m.i64.add(offset(), fb.i64(BigInt(size))), m.global.get(Globals.INPUT_LENGTH, b.i64)),
  );
  out.push(m.if(outside, m.block(null, [m.call(ABORT_ZERO_IMPORT, [], b.none), m.unreachable()])));
  out.push(fb.set(fb.t32b, m.i32.wrap(m.i64.add(m.global.get(Globals.INPUT_START, b.i64), offset()))));
  const ptr = (): ExpressionRef => fb.get(fb.t32b, b.i32);
  let value: ExpressionRef;
  if (size === 1) {
    value = m.i32.load8_u(0, 1, ptr());
  } else if (size === 2) {
    out.push(fb.set(fb.t32a, m.i32.load16_u(0, 1, ptr())));
    value = bswap16(fb, () => fb.get(fb.t32a, b.i32));
  } else {
    out.push(fb.set(fb.t32a, m.i32.load(0, 1, ptr())));
    value = bswap32(fb, () => fb.get(fb.t32a, b.i32));
  }
  out.push(fb.setReg32(R0, value));
  return out;
}
