/**
 * @fileoverview Abstract verifier state: register states (NOT_INIT, scalars, pointer kinds with a
 * fixed and a variable offset), per-byte stack slot states for each 512-byte frame, the call-frame
 * chain and acquired references. Registers are immutable and shared; a frame's stack is shared
 * copy-on-write between copies of a state (ownStack before a change), with its hash cached. Also
 * the "old state is more general" test used for pruning and the kernel-style text of registers. Transfer functions live in check.ts, scalar math in bounds.ts.
 */
import { SCALAR_UNKNOWN, scalarConst, scalarEquals, scalarIsConst, scalarToString, scalarWithin, type Scalar } from './bounds.js';
import { tnumIsConst } from './tnum.js';
import { FP, REGISTER_COUNT, STACK_SIZE } from '../isa/registers.js';

/** Kind of value a register holds (kernel enum bpf_reg_type, plus `input` for the raw type's memory). */
export type RegType =
  | 'not_init'
  | 'scalar'
  | 'ctx'
  | 'stack'
  | 'pkt'
  | 'pkt_end'
  | 'pkt_meta'
  | 'map_value'
  | 'map_value_or_null'
  | 'map_ptr'
  | 'map_ptr_or_null'
  | 'mem'
  | 'mem_or_null'
  | 'input';

/** Abstract value of one register. Immutable: every change builds a new object. */
export interface RegState {
  readonly type: RegType;
  /** scalars: the value; pointers: the variable part of the offset */
  readonly value: Scalar;
  /** pointers: the fixed part of the offset */
  readonly off: number;
  /** packet pointers: pointers with the same id share `range`; *_or_null: copies null-checked together */
  readonly id: number;
  /** packet pointers: bytes from the pointer's base (before `off`) proven to be in the packet */
  readonly range: number;
  /** map pointers and map values: index of the map (lddw MAP_IDX imm) */
  readonly map: number;
  /** mem / mem_or_null: size of the memory region */
  readonly memSize: number;
  /** stack pointers: the frame number they point into */
  readonly frameno: number;
  /** nonzero when the pointer carries an acquired reference (ringbuf reserve) */
  readonly refObjId: number;
}

const BASE: RegState = {
  type: 'not_init',
  value: SCALAR_UNKNOWN,
  off: 0,
  id: 0,
  range: 0,
  map: -1,
  memSize: 0,
  frameno: 0,
  refObjId: 0,
};

/** An uninitialised register. */
export const REG_NOT_INIT: RegState = BASE;

/** A scalar register with the given value. */
export function scalarReg(value: Scalar): RegState {
  return { ...BASE, type: 'scalar', value };
}

/** An unknown scalar. */
export const REG_UNKNOWN: RegState = scalarReg(SCALAR_UNKNOWN);

/** A pointer of the given kind with offset 0 (and optional extra fields). */
export function pointerReg(type: RegType, extra: Partial<RegState> = {}): RegState {
  return { ...BASE, type, value: scalarConst(0n), ...extra };
}

/** True for every kind other than `not_init` and `scalar`. */
export function isPointer(r: RegState): boolean {
  return r.type !== 'not_init' && r.type !== 'scalar';
}

/** Byte state of a stack slot (kernel STACK_INVALID / STACK_MISC / STACK_ZERO / STACK_SPILL). */
export const Slot = { INVALID: 0, MISC: 1, ZERO: 2, SPILL: 3 } as const;
export type Slot = (typeof Slot)[keyof typeof Slot];

/**
 * One call frame: registers and its 512-byte stack. The stack (`slots` and `spills`) is shared
 * copy-on-write between copies of a state: call ownStack before changing either.
 */
export interface FuncState {
  regs: RegState[];
  /** byte i describes fp - 512 + i */
  slots: Uint8Array;
  /** per 8-byte slot (index (off + 512) / 8), the register spilled there when all 8 bytes are SPILL */
  spills: (RegState | undefined)[];
  /** true when `slots` and `spills` may be shared with another frame (copy before writing) */
  stackShared: boolean;
  /** cached hash of `slots` and `spills` (see stateHash), -1 when not computed since the last change */
  stackHash: number;
  /** pc of the call instruction that created this frame; -1 for the entry frame */
  readonly callsite: number;
  readonly frameno: number;
  /** first pc of the function this frame runs */
  readonly funcStart: number;
}

/** An acquired reference that must be released before exit. */
export interface RefState {
  readonly id: number;
  readonly insn: number;
}

/** State of one path: the frame chain (last = current) and acquired references. */
export interface VerifierState {
  frames: FuncState[];
  refs: RefState[];
  /** may_goto iterations on this path: paths that differ in it are not an infinite loop */
  mayGotoDepth: number;
}

/** A fresh frame: all registers uninitialised except r10, stack invalid. */
export function newFrame(frameno: number, callsite: number, funcStart: number): FuncState {
  const regs = new Array<RegState>(REGISTER_COUNT).fill(REG_NOT_INIT);
  regs[FP] = pointerReg('stack', { frameno });
  return {
    regs,
    slots: new Uint8Array(STACK_SIZE),
    spills: new Array<RegState | undefined>(STACK_SIZE / 8).fill(undefined),
    stackShared: false,
    stackHash: -1,
    callsite,
    frameno,
    funcStart,
  };
}

/** Copy of a state (registers are immutable and shared; stacks are shared copy-on-write). */
export function copyState(s: VerifierState): VerifierState {
  const frames = new Array<FuncState>(s.frames.length);
  for (let i = 0; i < frames.length; i++) {
    const f = s.frames[i] as FuncState;
    f.stackShared = true;
    frames[i] = {
      regs: f.regs.slice(),
      slots: f.slots,
      spills: f.spills,
      stackShared: true,
      stackHash: f.stackHash,
      callsite: f.callsite,
      frameno: f.frameno,
      funcStart: f.funcStart,
    };
  }
  return { frames, refs: s.refs.slice(), mayGotoDepth: s.mayGotoDepth };
}

/** Makes the frame's stack its own (copying it when shared) before a change to `slots` or `spills`. */
export function ownStack(f: FuncState): void {
  if (f.stackShared) {
    f.slots = f.slots.slice();
    f.spills = f.spills.slice();
    f.stackShared = false;
  }
  f.stackHash = -1;
}

/** The current (innermost) frame. */
export function curFrame(s: VerifierState): FuncState {
  const f = s.frames[s.frames.length - 1];
  if (f === undefined) throw new Error('state without frames');
  return f;
}

/** Register `r` of frame `f`. */
export function regOf(f: FuncState, r: number): RegState {
  return f.regs[r] ?? REG_NOT_INIT;
}

/**
 * Drops the ids of scalars that no other scalar shares (kernel clear_singular_ids): a stored state
 * then demands links only between registers that really are copies of each other.
 */
export function clearSingularIds(s: VerifierState): void {
  const counts = new Map<number, number>();
  for (const f of s.frames) {
    for (const r of f.regs) if (r.id !== 0 && r.type === 'scalar') counts.set(r.id, (counts.get(r.id) ?? 0) + 1);
    for (const sp of f.spills) if (sp !== undefined && sp.id !== 0 && sp.type === 'scalar') counts.set(sp.id, (counts.get(sp.id) ?? 0) + 1);
  }
  if (counts.size === 0) return;
  for (const f of s.frames) {
    for (let r = 0; r < f.regs.length; r++) {
      const reg = regOf(f, r);
      if (reg.type === 'scalar' && reg.id !== 0 && counts.get(reg.id) === 1) f.regs[r] = { ...reg, id: 0 };
    }
    for (let k = 0; k < f.spills.length; k++) {
      const sp = f.spills[k];
      if (sp === undefined || sp.type !== 'scalar' || sp.id === 0 || counts.get(sp.id) !== 1) continue;
      // ids are not part of the stack hash: keep it across the change
      const hash = f.stackHash;
      ownStack(f);
      f.stackHash = hash;
      f.spills[k] = { ...sp, id: 0 };
    }
  }
}

/** Bijective id map used while comparing two states (kernel check_ids); the maps are built on first use. */
class IdMap {
  private oldToCur: Map<number, number> | null = null;
  private curToOld: Map<number, number> | null = null;
  check(oldId: number, curId: number): boolean {
    if (oldId === 0 && curId === 0) return true;
    if (oldId === 0 || curId === 0) return false;
    if (this.oldToCur === null || this.curToOld === null) {
      this.oldToCur = new Map([[oldId, curId]]);
      this.curToOld = new Map([[curId, oldId]]);
      return true;
    }
    const a = this.oldToCur.get(oldId);
    const b = this.curToOld.get(curId);
    if (a === undefined && b === undefined) {
      this.oldToCur.set(oldId, curId);
      this.curToOld.set(curId, oldId);
      return true;
    }
    return a === curId && b === oldId;
  }
}

/** True when every behaviour allowed by register `cur` was already verified with `old` (kernel regsafe). */
function regSafe(old: RegState, cur: RegState, ids: IdMap, exact: boolean): boolean {
  if (old.type === 'not_init') return !exact || cur.type === 'not_init';
  if (old.type !== cur.type) return false;
  if (exact) {
    if (old.type === 'scalar') return regEquals(old, cur) && (old.id === 0 || (cur.id !== 0 && ids.check(old.id, cur.id)));
    return regEquals(old, cur) && ids.check(old.id, cur.id) && ids.check(old.refObjId, cur.refObjId);
  }
  switch (old.type) {
    case 'scalar':
      // registers linked in the old state (copies refined together) must be linked in the current one
      return scalarWithin(old.value, cur.value) && (old.id === 0 || (cur.id !== 0 && ids.check(old.id, cur.id)));
    case 'pkt':
    case 'pkt_meta':
      if (old.off !== cur.off || old.range > cur.range) return false;
      return scalarWithin(old.value, cur.value) && ids.check(old.id, cur.id);
    case 'map_value':
    case 'mem':
    case 'input':
      return old.off === cur.off && old.map === cur.map && old.memSize === cur.memSize && scalarWithin(old.value, cur.value) && ids.check(old.refObjId, cur.refObjId);
    case 'map_value_or_null':
    case 'mem_or_null':
    case 'map_ptr_or_null':
      return (
        old.off === cur.off &&
        old.map === cur.map &&
        old.memSize === cur.memSize &&
        scalarWithin(old.value, cur.value) &&
        ids.check(old.id, cur.id) &&
        ids.check(old.refObjId, cur.refObjId)
      );
    case 'ctx':
    case 'pkt_end':
    case 'map_ptr':
    case 'stack':
      return regEquals(old, cur);
    default: {
      const never: never = old.type;
      throw new Error(`unknown register type ${String(never)}`);
    }
  }
}

/** True when two registers hold the same abstract value (ids compared literally). */
export function regEquals(a: RegState, b: RegState): boolean {
  return (
    a.type === b.type &&
    a.off === b.off &&
    a.range === b.range &&
    a.map === b.map &&
    a.memSize === b.memSize &&
    a.frameno === b.frameno &&
    scalarEquals(a.value, b.value)
  );
}

function stackSafe(old: FuncState, cur: FuncState, ids: IdMap, exact: boolean): boolean {
  const os = old.slots;
  const cs = cur.slots;
  for (let i = os === cs ? STACK_SIZE : 0; i < STACK_SIZE; i++) {
    const o = os[i] as Slot;
    const c = cs[i] as Slot;
    // equal bytes are always safe here; two SPILL bytes are compared through the spilled registers below
    if (o === c) continue;
    if (exact) return false;
    if (o === Slot.INVALID) continue;
    if (o === Slot.MISC) {
      if (c === Slot.ZERO) continue;
      if (c === Slot.SPILL && cur.spills[i >> 3]?.type === 'scalar') continue;
      return false;
    }
    if (o === Slot.ZERO) {
      const sp = cur.spills[i >> 3];
      if (c === Slot.SPILL && sp?.type === 'scalar' && scalarIsConst(sp.value) && sp.value.var.value === 0n) continue;
      return false;
    }
    return false;
  }
  for (let k = 0; k < old.spills.length; k++) {
    const o = old.spills[k];
    if (o === undefined) continue;
    const c = cur.spills[k];
    if (c === undefined) {
      if (old.slots[k * 8] === Slot.SPILL) return false;
      continue;
    }
    if (!regSafe(o, c, ids, exact)) return false;
  }
  return true;
}

/**
 * True when `old` is at least as general as `cur` (kernel states_equal): a path from `cur` cannot
 * do anything that the completed exploration from `old` did not already prove safe. With `exact`,
 * true only for identical states (used to detect infinite loops). `liveMasks[i]`, when given,
 * limits the registers compared in frame i to the live ones (bit r set = r live).
 */
export function stateSafe(old: VerifierState, cur: VerifierState, exact: boolean, liveMasks?: readonly number[]): boolean {
  if (old.frames.length !== cur.frames.length || old.refs.length !== cur.refs.length) return false;
  if (exact && old.mayGotoDepth !== cur.mayGotoDepth) return false;
  const ids = new IdMap();
  for (let i = 0; i < old.frames.length; i++) {
    const o = old.frames[i];
    const c = cur.frames[i];
    if (o === undefined || c === undefined || o.callsite !== c.callsite) return false;
    const live = liveMasks?.[i] ?? 0xffff;
    for (let r = 0; r < REGISTER_COUNT; r++) {
      if (r < FP && (live & (1 << r)) === 0) continue;
      if (!regSafe(regOf(o, r), regOf(c, r), ids, exact)) return false;
    }
    if (!stackSafe(o, c, ids, exact)) return false;
  }
  for (let i = 0; i < old.refs.length; i++) if (!ids.check(old.refs[i]?.id ?? 0, cur.refs[i]?.id ?? 0)) return false;
  return true;
}

const TYPE_CODES: Readonly<Record<RegType, number>> = {
  not_init: 0,
  scalar: 1,
  ctx: 2,
  stack: 3,
  pkt: 4,
  pkt_end: 5,
  pkt_meta: 6,
  map_value: 7,
  map_value_or_null: 8,
  map_ptr: 9,
  mem: 10,
  mem_or_null: 11,
  input: 12,
  map_ptr_or_null: 13,
};

function mix(h: number, v: number): number {
  return Math.imul(h ^ (v | 0), 16777619) >>> 0;
}

/** Mixes a 64-bit bigint through its (rounded) double value: no bigint is allocated. */
function mixBig(h: number, v: bigint): number {
  const d = Number(v);
  return mix(mix(h, d), d / 4294967296);
}

function regHash(h: number, r: RegState): number {
  let x = mix(mix(mix(mix(mix(mix(h, TYPE_CODES[r.type]), r.off), r.range), r.map), r.memSize), r.frameno);
  if (r.type === 'not_init') return x;
  const v = r.value;
  x = mixBig(mixBig(x, v.var.value), v.var.mask);
  return mixBig(mixBig(mixBig(mixBig(x, v.umin), v.umax), v.smin), v.smax);
}

/** A 32-bit hash equal for any two states that stateSafe(exact) may call identical (ids are not part of it). */
export function stateHash(s: VerifierState, liveMasks?: readonly number[]): number {
  let h = mix(2166136261, s.refs.length);
  for (let i = 0; i < s.frames.length; i++) {
    const f = s.frames[i];
    if (f === undefined) continue;
    const live = liveMasks?.[i] ?? 0xffff;
    h = mix(h, f.callsite);
    for (let r = 0; r < REGISTER_COUNT; r++) if (r >= FP || (live & (1 << r)) !== 0) h = regHash(h, regOf(f, r));
    if (f.stackHash < 0) f.stackHash = hashStack(f);
    h = mix(h, f.stackHash);
  }
  return h;
}

/** Hash of a frame's stack bytes and spilled registers (cached in the frame until ownStack). */
function hashStack(f: FuncState): number {
  let h = 2166136261;
  const slots = f.slots;
  for (let b = 0; b < STACK_SIZE; b += 4) h = mix(h, (slots[b] ?? 0) | ((slots[b + 1] ?? 0) << 8) | ((slots[b + 2] ?? 0) << 16) | ((slots[b + 3] ?? 0) << 24));
  for (let k = 0; k < f.spills.length; k++) {
    const sp = f.spills[k];
    if (sp !== undefined) h = regHash(mix(h, k), sp);
  }
  return h;
}

/** Kernel-style name of a register type, as used in "type=... expected=..." messages. */
export function typeName(t: RegType): string {
  switch (t) {
    case 'not_init':
      return '?';
    case 'stack':
      return 'fp';
    case 'input':
      return 'mem';
    default:
      return t;
  }
}

function varText(r: RegState): string {
  return tnumIsConst(r.value.var) && r.value.var.value === 0n ? '' : `,var_off=${scalarToString(r.value)}`;
}

/** Kernel-style text of one register value: `ctx()`, `fp-8`, `pkt(off=14,r=0)`, `42`, `scalar(...)`. */
export function regToString(r: RegState): string {
  switch (r.type) {
    case 'not_init':
      return '?';
    case 'scalar':
      return scalarToString(r.value);
    case 'stack':
      return `fp${r.off === 0 ? '0' : r.off}${varText(r)}`;
    case 'ctx':
    case 'pkt_end':
      return `${r.type}(${r.off !== 0 ? `off=${r.off}` : ''})`;
    case 'pkt':
    case 'pkt_meta':
      return `${r.type}(id=${r.id},off=${r.off},r=${r.range}${varText(r)})`;
    case 'map_ptr':
    case 'map_ptr_or_null':
      return `${r.type}(${r.id !== 0 ? `id=${r.id},` : ''}map=${r.map})`;
    case 'map_value':
    case 'map_value_or_null':
      return `${r.type}(${r.id !== 0 ? `id=${r.id},` : ''}map=${r.map},off=${r.off}${varText(r)})`;
    case 'mem':
    case 'mem_or_null':
      return `${r.type}(${r.id !== 0 ? `id=${r.id},` : ''}${r.refObjId !== 0 ? `ref_obj_id=${r.refObjId},` : ''}sz=${r.memSize},off=${r.off}${varText(r)})`;
    case 'input':
      return `mem(input,off=${r.off}${varText(r)})`;
    default: {
      const never: never = r.type;
      throw new Error(`unknown register type ${String(never)}`);
    }
  }
}

const SLOT_CHARS = ['?', 'm', '0', 'r'];

/** The kernel-style register dump of the current frame: `R1=ctx() R10=fp0`. */
export function stateToString(s: VerifierState): string {
  const f = curFrame(s);
  const parts: string[] = [];
  for (let r = 0; r < REGISTER_COUNT; r++) {
    const reg = regOf(f, r);
    if (reg.type !== 'not_init') parts.push(`R${r}=${regToString(reg)}`);
  }
  for (let k = f.spills.length - 1; k >= 0; k--) {
    const sp = f.spills[k];
    const off = k * 8 - STACK_SIZE;
    if (sp !== undefined && f.slots[k * 8] === Slot.SPILL) parts.push(`fp${off}=${regToString(sp)}`);
    else {
      let text = '';
      for (let i = 7; i >= 0; i--) text += SLOT_CHARS[f.slots[k * 8 + i] ?? 0] ?? '?';
      if (text !== '????????') parts.push(`fp${off}=${text}`);
    }
  }
  return parts.join(' ');
}
