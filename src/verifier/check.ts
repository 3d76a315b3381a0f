/**
 * @fileoverview The per-instruction transfer functions of the data-flow verifier (the kernel's
 * check_alu_op, check_mem_access, check_helper_call, check_cond_jmp_op, check_func_call and the
 * exit checks). Each step takes the state before one instruction and returns the successor states;
 * a violated rule throws a VerifierError with the kernel's wording. Path exploration and pruning
 * are dataflow.ts's job; scalar math is bounds.ts's.
 */
import { AluOp, AtomicOp, Class, CLASS_MASK, JmpOp, Mode, MODE_MASK, OP_MASK, PseudoSrc, SIZE_MASK, Source, SOURCE_MASK, sizeBytes, type Size } from '../isa/opcodes.js';
import { lddwValue, type Insn } from '../isa/instruction.js';
import { FP, MAX_CALL_DEPTH, R0, STACK_SIZE } from '../isa/registers.js';
import {
  SCALAR_UNKNOWN,
  branchTaken,
  negateCondition,
  refineCondition,
  scalarAlu,
  scalarConst,
  scalarEnd,
  scalarIsConst,
  scalarOfSize,
  scalarSext,
  scalarToString,
  scalarZext32,
  swapCondition,
  type Scalar,
  type Width,
} from './bounds.js';
import {
  REG_NOT_INIT,
  REG_UNKNOWN,
  Slot,
  copyState,
  curFrame,
  isPointer,
  newFrame,
  ownStack,
  pointerReg,
  regOf,
  scalarReg,
  typeName,
  type FuncState,
  type RegState,
  type VerifierState,
} from './state.js';
import { aluSymbol, type VerifierLog } from './log.js';
import { BPF_F_RDONLY_PROG, BPF_F_WRONLY_PROG, type ContextAccessRule, type MapInfo } from './context-layout.js';
import type { ProgramType } from './program.js';
import { helperProto, MAP_TYPE_HELPERS, MapType, type ArgKind, type HelperProto } from '../../runtime/helpers/prototypes.js';

/** Largest variable offset the kernel lets a pointer carry (BPF_MAX_VAR_OFF). */
const MAX_VAR_OFF = 1n << 29n;
/** Largest size a helper memory argument may have (BPF_MAX_VAR_SIZ). */
const MAX_VAR_SIZE = 1n << 29n;
/** Largest packet offset (MAX_PACKET_OFF). */
const MAX_PACKET_OFF = 0xffff;

/** Return-value rule at the main program's exit, per type (kernel check_return_code); none restrict today. */
export const RETURN_RANGES: Readonly<Record<ProgramType, { readonly min: bigint; readonly max: bigint } | undefined>> = {
  raw: undefined,
  xdp: undefined,
  tc: undefined,
  socket_filter: undefined,
};

/** Options the per-instruction checks read. */
export interface CheckOptions {
  readonly type: ProgramType;
  readonly unprivileged: boolean;
  readonly maps: readonly MapInfo[];
  /** decides context accesses; undefined for the raw type */
  readonly context: ContextAccessRule | undefined;
  readonly userHelpers: ReadonlySet<number>;
}

/** One successor of an instruction: where execution continues and in which state. */
export interface Successor {
  readonly pc: number;
  readonly state: VerifierState;
}

/** Per-call bookkeeping of helper arguments (kernel bpf_call_arg_meta). */
interface CallMeta {
  map: number;
  allocSize: number;
  releaseId: number;
  memRegno: number;
}

/** The instruction-level checker: holds the program, the options and what the passes record. */
export class Checker {
  readonly insns: readonly Insn[];
  readonly opts: CheckOptions;
  private readonly log: VerifierLog;
  private idGen = 0;
  /** per pc: 1 when some path accessed memory there through the raw type's input pointer */
  readonly inputAccess: Uint8Array;
  /** per pc: 1 when some path reached it */
  readonly visited: Uint8Array;
  /** deepest stack byte used by each function (by first pc) */
  readonly stackDepth = new Map<number, number>();
  /** the maps of the options, then the inner maps of map-in-maps (see innerIndex) */
  private readonly maps: MapInfo[];
  /** outer map index -> index of its inner map in `maps` */
  private readonly innerIndex = new Map<number, number>();
  /** per pc * 2 (+1 for the unsigned 32-bit form): the imm operand as a scalar register (immReg) */
  private readonly immRegs: (RegState | undefined)[] = [];
  /** every chain of function starts seen at a call, joined by ',' */
  readonly callChains = new Map<string, number>();

  constructor(insns: readonly Insn[], opts: CheckOptions, log: VerifierLog) {
    this.insns = insns;
    this.opts = opts;
    this.log = log;
    this.inputAccess = new Uint8Array(insns.length);
    this.visited = new Uint8Array(insns.length);
    this.maps = [...opts.maps];
    opts.maps.forEach((m, i) => {
      if (m.innerMap !== undefined) {
        this.innerIndex.set(i, this.maps.length);
        this.maps.push(m.innerMap);
      }
    });
  }

  /** Throws the VerifierError for `reason` at `pc`. */
  fail(pc: number, reason: string): never {
    throw this.log.error(this.insns, pc, reason);
  }

  /** The state at the program entry: r1 = ctx (raw type: r1 = input memory, r2 = its length), r10 = fp. */
  initialState(): VerifierState {
    const frame = newFrame(0, -1, 0);
    if (this.opts.type === 'raw') {
      // the raw type: r1 = address of the input memory (0 without input), r2 = its length
      frame.regs[1] = pointerReg('input');
      frame.regs[2] = REG_UNKNOWN;
    } else {
      frame.regs[1] = pointerReg('ctx');
    }
    return { frames: [frame], refs: [], mayGotoDepth: 0 };
  }

  /** Executes the instruction at `pc` abstractly; `st` may be modified and returned as a successor. */
  step(st: VerifierState, pc: number): Successor[] {
    const insn = this.insns[pc];
    if (insn === undefined) this.fail(pc, `jump out of range to insn ${pc}`);
    this.visited[pc] = 1;
    const cls = insn.op & CLASS_MASK;
    switch (cls) {
      case Class.ALU:
      case Class.ALU64:
        this.checkAlu(st, pc, insn, cls === Class.ALU64);
        return [{ pc: pc + 1, state: st }];
      case Class.JMP:
      case Class.JMP32:
        return this.checkJmp(st, pc, insn, cls === Class.JMP32);
      case Class.LD:
        return this.checkLd(st, pc, insn);
      case Class.LDX:
        this.checkLdx(st, pc, insn);
        return [{ pc: pc + 1, state: st }];
      case Class.ST:
      case Class.STX:
        this.checkStore(st, pc, insn, cls === Class.STX);
        return [{ pc: pc + 1, state: st }];
      default:
        this.fail(pc, `unknown opcode ${insn.op.toString(16).padStart(2, '0')}`);
    }
  }

  // ---------------------------------------------------------------- registers

  /**
   * The scalar of the instruction's imm as an operand: sign-extended to 64 bits ('s64') or taken as
   * an unsigned 32-bit value ('u32'); built once per pc and variant (registers are immutable).
   */
  private immReg(pc: number, kind: 's64' | 'u32'): RegState {
    const i = pc * 2 + (kind === 'u32' ? 1 : 0);
    const cached = this.immRegs[i];
    if (cached !== undefined) return cached;
    const imm = this.insns[pc]?.imm ?? 0;
    const reg = scalarReg(scalarConst(kind === 's64' ? BigInt(imm) : BigInt(imm >>> 0)));
    this.immRegs[i] = reg;
    return reg;
  }

  private readReg(st: VerifierState, pc: number, r: number): RegState {
    const reg = regOf(curFrame(st), r);
    if (reg.type === 'not_init') this.fail(pc, `R${r} !read_ok`);
    return reg;
  }

  private writeReg(st: VerifierState, pc: number, r: number, value: RegState): void {
    if (r === FP) this.fail(pc, 'frame pointer is read only');
    curFrame(st).regs[r] = value;
  }

  // ---------------------------------------------------------------- ALU

  private checkAlu(st: VerifierState, pc: number, insn: Insn, is64: boolean): void {
    const op = insn.op & OP_MASK;
    const w: Width = is64 ? 64 : 32;
    const x = (insn.op & SOURCE_MASK) === Source.X;
    if (op === AluOp.MOV) {
      if (insn.dst === FP) this.fail(pc, 'frame pointer is read only');
      if (!x) {
        this.writeReg(st, pc, insn.dst, this.immReg(pc, is64 ? 's64' : 'u32'));
        return;
      }
      const src = this.readReg(st, pc, insn.src);
      if (src.type !== 'scalar') {
        if (is64 && insn.off === 0) return this.writeReg(st, pc, insn.dst, src);
        if (this.opts.unprivileged) this.fail(pc, `R${insn.src} partial copy of pointer`);
        return this.writeReg(st, pc, insn.dst, scalarReg(is64 ? SCALAR_UNKNOWN : scalarOfSize(4)));
      }
      if (insn.off !== 0) return this.writeReg(st, pc, insn.dst, scalarReg(scalarSext(src.value, insn.off as 8 | 16 | 32, w)));
      if (is64 && !scalarIsConst(src.value)) {
        // a 64-bit copy links both registers: a later comparison refines both (kernel find_equal_scalars)
        let linked = src;
        if (src.id === 0) {
          linked = { ...src, id: ++this.idGen };
          curFrame(st).regs[insn.src] = linked;
        }
        return this.writeReg(st, pc, insn.dst, linked);
      }
      return this.writeReg(st, pc, insn.dst, scalarReg(is64 ? src.value : scalarZext32(src.value)));
    }
    const dst = this.readReg(st, pc, insn.dst);
    if (insn.dst === FP) this.fail(pc, 'frame pointer is read only');
    if (op === AluOp.NEG || op === AluOp.END) {
      if (dst.type !== 'scalar') {
        if (this.opts.unprivileged) this.fail(pc, `R${insn.dst} pointer arithmetic prohibited`);
        return this.writeReg(st, pc, insn.dst, REG_UNKNOWN);
      }
      if (op === AluOp.NEG) return this.writeReg(st, pc, insn.dst, scalarReg(scalarAlu(AluOp.NEG, dst.value, dst.value, w, false)));
      const bits = insn.imm as 16 | 32 | 64;
      return this.writeReg(st, pc, insn.dst, scalarReg(scalarEnd(dst.value, bits, !is64 ? x : true)));
    }
    const src = x ? this.readReg(st, pc, insn.src) : this.immReg(pc, is64 ? 's64' : 'u32');
    if (dst.type === 'scalar' && src.type === 'scalar') {
      if ((op === AluOp.DIV || op === AluOp.MOD) && !x && insn.imm === 0) this.fail(pc, 'div by zero');
      const isSigned = (op === AluOp.DIV || op === AluOp.MOD) && insn.off === 1;
      return this.writeReg(st, pc, insn.dst, scalarReg(scalarAlu(op, dst.value, src.value, w, isSigned)));
    }
    this.writeReg(st, pc, insn.dst, this.pointerAlu(pc, insn, op, is64, dst, src));
  }

  /** Arithmetic where at least one operand is a pointer (kernel adjust_ptr_min_max_vals). */
  private pointerAlu(pc: number, insn: Insn, op: number, is64: boolean, dst: RegState, src: RegState): RegState {
    const sym = aluSymbol(op);
    if (!is64) {
      if (op === AluOp.SUB && !this.opts.unprivileged) return REG_UNKNOWN;
      this.fail(pc, `R${insn.dst} 32-bit pointer arithmetic prohibited`);
    }
    if (isPointer(dst) && isPointer(src)) {
      if (op === AluOp.SUB && !this.opts.unprivileged) return REG_UNKNOWN;
      this.fail(pc, `R${insn.dst} pointer ${sym} pointer prohibited`);
    }
    const ptrIsDst = isPointer(dst);
    const ptr = ptrIsDst ? dst : src;
    const scalar = ptrIsDst ? src : dst;
    if (ptr.type === 'map_value_or_null' || ptr.type === 'mem_or_null' || ptr.type === 'map_ptr_or_null') this.fail(pc, `R${insn.dst} pointer arithmetic on ${ptr.type} prohibited, null-check it first`);
    if (ptr.type === 'map_ptr' || ptr.type === 'pkt_end') this.fail(pc, `R${insn.dst} pointer arithmetic on ${ptr.type} prohibited`);
    if (op === AluOp.SUB && !ptrIsDst) this.fail(pc, `R${insn.dst} tried to subtract pointer from scalar`);
    if (op === AluOp.AND || op === AluOp.OR || op === AluOp.XOR) this.fail(pc, `R${insn.dst} bitwise operator ${sym} on pointer prohibited`);
    if (op !== AluOp.ADD && op !== AluOp.SUB) this.fail(pc, `R${insn.dst} pointer arithmetic with ${sym} operator prohibited`);
    const v = scalar.value;
    const kind = typeName(ptr.type);
    if (ptr.type !== 'input') {
      if (scalarIsConst(v)) {
        const c = BigInt.asIntN(64, v.var.value);
        if (c >= MAX_VAR_OFF || c <= -MAX_VAR_OFF) this.fail(pc, `${kind} pointer offset ${c} is not allowed`);
      } else {
        if (v.smin === -(1n << 63n)) this.fail(pc, `math between ${kind} pointer and register with unbounded min value is not allowed`);
        if (v.smin >= MAX_VAR_OFF || v.smax >= MAX_VAR_OFF || v.smin <= -MAX_VAR_OFF)
          this.fail(pc, `value ${v.smin} makes ${kind} pointer be out of bounds`);
        if (ptr.type === 'stack' && this.opts.unprivileged) this.fail(pc, `R${insn.dst} variable stack access prohibited for !root`);
      }
    }
    if (scalarIsConst(v)) {
      const c = Number(BigInt.asIntN(64, v.var.value));
      const off = op === AluOp.ADD ? ptr.off + c : ptr.off - c;
      if (Math.abs(off) >= Number(MAX_VAR_OFF) && ptr.type !== 'input') this.fail(pc, `${kind} pointer offset ${off} is not allowed`);
      return { ...ptr, off };
    }
    const value = scalarAlu(op, ptr.value, v, 64, false);
    if (ptr.type === 'pkt' || ptr.type === 'pkt_meta') return { ...ptr, value, id: ++this.idGen, range: 0 };
    return { ...ptr, value };
  }

  // ---------------------------------------------------------------- loads and stores

  private checkLd(st: VerifierState, pc: number, insn: Insn): Successor[] {
    const mode = insn.op & MODE_MASK;
    if (mode === Mode.IMM) {
      if (insn.dst === FP) this.fail(pc, 'frame pointer is read only');
      const src = insn.src;
      if (src === PseudoSrc.IMM64) {
        curFrame(st).regs[insn.dst] = scalarReg(scalarConst(lddwValue(this.insns, pc)));
      } else if (src === PseudoSrc.MAP_IDX || src === PseudoSrc.MAP_FD || src === PseudoSrc.MAP_IDX_VALUE || src === PseudoSrc.MAP_VALUE) {
        const map = this.maps[insn.imm];
        if (map === undefined) this.fail(pc, `map index ${insn.imm} is not pointing to valid bpf_map`);
        if (src === PseudoSrc.MAP_IDX || src === PseudoSrc.MAP_FD) {
          curFrame(st).regs[insn.dst] = pointerReg('map_ptr', { map: insn.imm });
        } else {
          const off = this.insns[pc + 1]?.imm ?? 0;
          if (off < 0 || off >= map.valueSize) this.fail(pc, `invalid access to map value pointer, value_size=${map.valueSize} off=${off}`);
          curFrame(st).regs[insn.dst] = pointerReg('map_value', { map: insn.imm, off });
        }
      } else {
        this.fail(pc, src === PseudoSrc.FUNC ? 'callback functions (lddw src 4) are not supported' : `unsupported lddw src ${src}`);
      }
      return [{ pc: pc + 2, state: st }];
    }
    // legacy packet access: BPF_LD | BPF_ABS / BPF_IND (kernel check_ld_abs)
    if (this.opts.type !== 'socket_filter' && this.opts.type !== 'tc') this.fail(pc, 'BPF_LD_[ABS|IND] instructions not allowed for this program type');
    const r6 = regOf(curFrame(st), 6);
    if (r6.type !== 'ctx') this.fail(pc, 'at the time of BPF_LD_ABS|IND R6 != pointer to skb');
    if (mode === Mode.IND) {
      const src = this.readReg(st, pc, insn.src);
      if (src.type !== 'scalar') this.fail(pc, `R${insn.src} type=${typeName(src.type)} expected=scalar`);
    }
    const f = curFrame(st);
    for (let r = 1; r <= 5; r++) f.regs[r] = REG_NOT_INIT;
    f.regs[R0] = scalarReg(scalarOfSize(sizeBytes((insn.op & SIZE_MASK) as Size)));
    return [{ pc: pc + 1, state: st }];
  }

  private checkLdx(st: VerifierState, pc: number, insn: Insn): void {
    const size = sizeBytes((insn.op & SIZE_MASK) as Size);
    const src = this.readReg(st, pc, insn.src);
    const loaded = this.memAccess(st, pc, insn.src, src, insn.off, size, 'read', undefined);
    let value = loaded;
    if (loaded.type === 'scalar' && (insn.op & MODE_MASK) === Mode.MEMSX) value = scalarReg(scalarSext(loaded.value, (size * 8) as 8 | 16 | 32, 64));
    else if (loaded.type === 'scalar' && size < 8) value = scalarReg(scalarZext(loaded.value, size));
    if (insn.dst === FP) this.fail(pc, 'frame pointer is read only');
    curFrame(st).regs[insn.dst] = value;
  }

  private checkStore(st: VerifierState, pc: number, insn: Insn, isStx: boolean): void {
    const size = sizeBytes((insn.op & SIZE_MASK) as Size);
    const dst = this.readReg(st, pc, insn.dst);
    if (!isStx) {
      this.memAccess(st, pc, insn.dst, dst, insn.off, size, 'write', this.immReg(pc, 's64'));
      return;
    }
    const value = this.readReg(st, pc, insn.src);
    if ((insn.op & MODE_MASK) !== Mode.ATOMIC) {
      this.memAccess(st, pc, insn.dst, dst, insn.off, size, 'write', value, insn.src);
      return;
    }
    // atomics (kernel check_atomic): a read and a write of the same location, scalar operand only
    if (size !== 4 && size !== 8) this.fail(pc, 'invalid atomic operand size');
    if (value.type !== 'scalar') this.fail(pc, `R${insn.src} leaks addr into mem`);
    if (dst.type === 'ctx' || dst.type === 'pkt' || dst.type === 'pkt_meta') this.fail(pc, `BPF_ATOMIC stores into R${insn.dst} ${dst.type} is not allowed`);
    if (insn.imm === AtomicOp.CMPXCHG) {
      const r0 = this.readReg(st, pc, R0);
      if (r0.type !== 'scalar') this.fail(pc, 'R0 leaks addr into mem');
    }
    this.memAccess(st, pc, insn.dst, dst, insn.off, size, 'read', undefined);
    this.memAccess(st, pc, insn.dst, dst, insn.off, size, 'write', REG_UNKNOWN);
    const result = scalarReg(size === 8 ? SCALAR_UNKNOWN : scalarOfSize(size));
    if (insn.imm === AtomicOp.CMPXCHG) curFrame(st).regs[R0] = result;
    else if ((insn.imm & AtomicOp.FETCH) !== 0) this.writeReg(st, pc, insn.src, result);
  }

  /**
   * Checks one load or store of `size` bytes at `reg + off` (kernel check_mem_access) and applies a
   * store's effect; returns the loaded value (REG_UNKNOWN for stores).
   */
  private memAccess(st: VerifierState, pc: number, regno: number, reg: RegState, off: number, size: number, access: 'read' | 'write', value: RegState | undefined, valueRegno = -1): RegState {
    const leaks = access === 'write' && value !== undefined && isPointer(value) && this.opts.unprivileged;
    switch (reg.type) {
      case 'not_init':
        return this.fail(pc, `R${regno} !read_ok`);
      case 'scalar':
      case 'pkt_end':
      case 'map_ptr':
      case 'map_ptr_or_null':
      case 'map_value_or_null':
      case 'mem_or_null':
        return this.fail(pc, `R${regno} invalid mem access '${typeName(reg.type)}'`);
      case 'stack':
        return this.stackAccess(st, pc, regno, reg, off, size, access, value);
      case 'ctx':
        if (leaks) this.fail(pc, `R${valueRegno} leaks addr into ctx`);
        return this.ctxAccess(pc, regno, reg, off, size, access);
      case 'pkt':
      case 'pkt_meta': {
        if (this.opts.type === 'socket_filter' || (access === 'write' && this.opts.type !== 'xdp' && this.opts.type !== 'tc'))
          this.fail(pc, `cannot ${access === 'write' ? 'write into' : 'read from'} packet`);
        if (leaks) this.fail(pc, `R${valueRegno} leaks addr into packet`);
        this.checkPacketRange(pc, regno, reg, off, size);
        return sizedScalar(size);
      }
      case 'map_value': {
        if (leaks) this.fail(pc, `R${valueRegno} leaks addr into map`);
        const map = this.maps[reg.map];
        this.checkMapAccessType(pc, map, access, reg.off + off, size);
        this.checkRegion(pc, regno, reg, off, size, map?.valueSize ?? 0, (o) => `invalid access to map value, value_size=${map?.valueSize ?? 0} off=${o} size=${size}`);
        return sizedScalar(size);
      }
      case 'mem':
        if (leaks) this.fail(pc, `R${valueRegno} leaks addr into mem`);
        this.checkRegion(pc, regno, reg, off, size, reg.memSize, (o) => `invalid access to memory, mem_size=${reg.memSize} off=${o} size=${size}`);
        return sizedScalar(size);
      case 'input':
        // raw type: the input memory's size is known only at run time; the engines check this pc
        this.inputAccess[pc] = 1;
        return sizedScalar(size);
      default: {
        const never: never = reg.type;
        throw new Error(`unknown register type ${String(never)}`);
      }
    }
  }

  /** Read-only and write-only maps (kernel check_map_access_type). */
  private checkMapAccessType(pc: number, map: MapInfo | undefined, access: 'read' | 'write', off: number, size: number): void {
    if (map === undefined) return;
    const flags = map.flags ?? 0;
    if (access === 'write' && (map.readonly === true || (flags & BPF_F_RDONLY_PROG) !== 0))
      this.fail(pc, `write into map forbidden, value_size=${map.valueSize} off=${off} size=${size}`);
    if (access === 'read' && (flags & BPF_F_WRONLY_PROG) !== 0) this.fail(pc, `read from map forbidden, value_size=${map.valueSize} off=${off} size=${size}`);
  }

  private checkPacketRange(pc: number, regno: number, reg: RegState, off: number, size: number): void {
    if (reg.value.smin < 0n) this.fail(pc, `R${regno} min value is negative, either use unsigned index or do a if (index >=0) check.`);
    const o = reg.off + off;
    if (o < 0 || o + size > reg.range) this.fail(pc, `invalid access to packet, off=${o} size=${size}, R${regno}(id=${reg.id},off=${reg.off},r=${reg.range})`);
  }

  /** Bounds of a sized region for a pointer with a variable offset (kernel check_mem_region_access). */
  private checkRegion(pc: number, regno: number, reg: RegState, off: number, size: number, regionSize: number, message: (o: bigint) => string): void {
    const o = BigInt(reg.off + off);
    const v = reg.value;
    const n = BigInt(size);
    const limit = BigInt(regionSize);
    if (v.smin < 0n && v.smin + o < 0n) this.fail(pc, `R${regno} min value is negative, either use unsigned index or do a if (index >=0) check.`);
    if (v.smin + o < 0n || v.smin + o + n > limit) this.fail(pc, message(v.smin + o));
    if (v.umax >= MAX_VAR_OFF) this.fail(pc, `R${regno} unbounded memory access, make sure to bounds check any such access`);
    if (v.umax + o + n > limit) this.fail(pc, message(v.umax + o));
  }

  private frameOf(st: VerifierState, reg: RegState): FuncState {
    const f = st.frames[reg.frameno];
    if (f === undefined) throw new Error(`stack pointer into missing frame ${reg.frameno}`);
    return f;
  }

  private noteDepth(frame: FuncState, o: number): void {
    const d = this.stackDepth.get(frame.funcStart) ?? 0;
    if (-o > d) this.stackDepth.set(frame.funcStart, -o);
  }

  /**
   * A stack access whose offset is a range (privileged only; the pointer arithmetic already refused
   * it for unprivileged loaders), like the kernel's check_stack_{read,write}_var_off: every byte the
   * access may touch must be in the frame; a read needs them all initialised and yields an unknown
   * scalar; a write turns spilled registers and zeros in the range into plain data.
   */
  private stackAccessVar(st: VerifierState, pc: number, regno: number, reg: RegState, off: number, size: number, access: 'read' | 'write', value: RegState | undefined): RegState {
    const v = reg.value;
    const fixed = reg.off + off;
    const varText = scalarToString(v);
    if (fixed % size !== 0 || ((v.var.value | v.var.mask) & BigInt(size - 1)) !== 0n) this.fail(pc, `misaligned stack access off ${varText}+${fixed} size ${size}`);
    const lo = v.smin + BigInt(fixed);
    const hi = v.smax + BigInt(fixed);
    const what = access === 'write' ? 'write to' : 'read from';
    if (lo < BigInt(-STACK_SIZE) || hi + BigInt(size) > 0n) this.fail(pc, `invalid variable-offset ${what} stack R${regno} var_off=${varText} off=${fixed} size=${size}`);
    const frame = this.frameOf(st, reg);
    const min = Number(lo);
    const end = Number(hi) + size;
    this.noteDepth(frame, min);
    if (access === 'read') {
      for (let o = min; o < end; o++) {
        if (frame.slots[o + STACK_SIZE] === Slot.INVALID) this.fail(pc, `invalid variable-offset read from stack R${regno} var_off=${varText} off=${fixed} size=${size}`);
      }
      return scalarReg(scalarOfSize(size));
    }
    if (value !== undefined && isPointer(value)) this.fail(pc, 'spilled ptr in range of var-offset stack write');
    ownStack(frame);
    const isZero = value !== undefined && scalarIsConst(value.value) && value.value.var.value === 0n;
    for (let s = (min + STACK_SIZE) >> 3; s <= (end - 1 + STACK_SIZE) >> 3; s++) {
      if (frame.spills[s] === undefined) continue;
      for (let i = s * 8; i < s * 8 + 8; i++) if (frame.slots[i] === Slot.SPILL) frame.slots[i] = Slot.MISC;
      frame.spills[s] = undefined;
    }
    for (let o = min; o < end; o++) {
      const i = o + STACK_SIZE;
      if (frame.slots[i] === Slot.ZERO && !isZero) frame.slots[i] = Slot.MISC;
    }
    return REG_UNKNOWN;
  }

  private stackAccess(st: VerifierState, pc: number, regno: number, reg: RegState, off: number, size: number, access: 'read' | 'write', value: RegState | undefined): RegState {
    const what = access === 'write' ? 'write to' : 'read from';
    if (!scalarIsConst(reg.value)) return this.stackAccessVar(st, pc, regno, reg, off, size, access, value);
    const o = reg.off + off + Number(BigInt.asIntN(64, reg.value.var.value));
    if (o < -STACK_SIZE || o + size > 0) this.fail(pc, `invalid ${what} stack R${regno} off=${o} size=${size}`);
    if (o % size !== 0) this.fail(pc, `misaligned stack access off ${o} size ${size}`);
    const frame = this.frameOf(st, reg);
    this.noteDepth(frame, o);
    const base = o + STACK_SIZE;
    const k = base >> 3;
    if (access === 'write') {
      ownStack(frame);
      const v = value ?? REG_UNKNOWN;
      if (isPointer(v) && size !== 8) this.fail(pc, 'invalid size of register spill');
      if (size === 8 && (v.type === 'scalar' || isPointer(v))) {
        frame.slots.fill(Slot.SPILL, base, base + 8);
        frame.spills[k] = v;
        return REG_UNKNOWN;
      }
      // a narrower store: the rest of a spilled slot turns into plain data
      const first = base >> 3;
      const last = (base + size - 1) >> 3;
      for (let s = first; s <= last; s++) {
        if (frame.slots[s * 8] === Slot.SPILL || frame.spills[s] !== undefined) {
          const old = frame.spills[s];
          if (old !== undefined && isPointer(old) && this.opts.unprivileged) this.fail(pc, 'attempt to corrupt spilled pointer on stack');
          for (let i = s * 8; i < s * 8 + 8; i++) if (frame.slots[i] === Slot.SPILL) frame.slots[i] = Slot.MISC;
          frame.spills[s] = undefined;
        }
      }
      const isZero = v.type === 'scalar' && scalarIsConst(v.value) && v.value.var.value === 0n;
      frame.slots.fill(isZero ? Slot.ZERO : Slot.MISC, base, base + size);
      return REG_UNKNOWN;
    }
    const spilled = frame.spills[k];
    if (spilled !== undefined && frame.slots[base] === Slot.SPILL) {
      if (size === 8) return spilled;
      if (isPointer(spilled)) this.fail(pc, 'invalid size of register fill');
      // the low bytes of a spilled constant (little-endian: they sit at the slot's start)
      if (scalarIsConst(spilled.value)) return scalarReg(scalarConst((spilled.value.var.value >> BigInt((base % 8) * 8)) & ((1n << BigInt(size * 8)) - 1n)));
      return scalarReg(scalarOfSize(size));
    }
    let allZero = true;
    for (let i = 0; i < size; i++) {
      const b = frame.slots[base + i];
      if (b === Slot.INVALID) this.fail(pc, `invalid read from stack off ${o}+${i} size ${size}`);
      if (b === Slot.SPILL && isPointer(frame.spills[(base + i) >> 3] ?? REG_UNKNOWN)) this.fail(pc, 'invalid size of register fill');
      if (b !== Slot.ZERO) allZero = false;
    }
    return allZero ? REG_ZERO : sizedScalar(size);
  }

  private ctxAccess(pc: number, regno: number, reg: RegState, off: number, size: number, access: 'read' | 'write'): RegState {
    if (!scalarIsConst(reg.value) || reg.value.var.value !== 0n) this.fail(pc, `variable ctx access var_off=${scalarToString(reg.value)} disallowed`);
    if (reg.off !== 0) this.fail(pc, `dereference of modified ctx ptr R${regno} off=${reg.off} disallowed`);
    const rule = this.opts.context;
    const kind = rule === undefined ? undefined : rule(off, size, access === 'write');
    if (kind === undefined) this.fail(pc, `invalid bpf_context access off=${off} size=${size}`);
    if (access === 'write') return REG_UNKNOWN;
    switch (kind) {
      case 'scalar':
        return scalarReg(scalarOfSize(size));
      case 'pkt':
      case 'pkt_end':
      case 'pkt_meta':
        return pointerReg(kind);
      default: {
        const never: never = kind;
        throw new Error(`unknown context field kind ${String(never)}`);
      }
    }
  }

  // ---------------------------------------------------------------- jumps, calls, exit

  private checkJmp(st: VerifierState, pc: number, insn: Insn, is32: boolean): Successor[] {
    const op = insn.op & OP_MASK;
    switch (op) {
      case JmpOp.JA:
        return [{ pc: pc + 1 + (is32 ? insn.imm : insn.off), state: st }];
      case JmpOp.JCOND: {
        // may_goto: jumps when the run-time loop budget is exhausted, falls through otherwise
        const exhausted = copyState(st);
        st.mayGotoDepth++;
        return [
          { pc: pc + 1, state: st },
          { pc: pc + 1 + insn.off, state: exhausted },
        ];
      }
      case JmpOp.CALL:
        if ((insn.op & SOURCE_MASK) === Source.X) return this.checkCallx(st, pc, insn);
        if (insn.src === 1) return this.checkLocalCall(st, pc, insn);
        if (insn.src !== 0) this.fail(pc, 'calling kernel functions is not supported');
        this.checkHelper(st, pc, insn.imm);
        return [{ pc: pc + 1, state: st }];
      case JmpOp.EXIT:
        return this.checkExit(st, pc);
      default:
        return this.checkCond(st, pc, insn, op, is32);
    }
  }

  private checkCond(st: VerifierState, pc: number, insn: Insn, op: number, is32: boolean): Successor[] {
    const w: Width = is32 ? 32 : 64;
    const x = (insn.op & SOURCE_MASK) === Source.X;
    const target = pc + 1 + insn.off;
    const dst = this.readReg(st, pc, insn.dst);
    const src = x ? this.readReg(st, pc, insn.src) : this.immReg(pc, is32 ? 'u32' : 's64');
    if (dst.type === 'scalar' && src.type === 'scalar') {
      const taken = branchTaken(op, dst.value, src.value, w);
      if (taken === 1) return [{ pc: target, state: st }];
      if (taken === 0) return [{ pc: pc + 1, state: st }];
      const out: Successor[] = [];
      const fall = this.refine(st, insn, op, w, dst.value, src.value, x, true);
      const jump = this.refine(copyState(st), insn, op, w, dst.value, src.value, x, false);
      if (fall !== null) out.push({ pc: pc + 1, state: fall });
      if (jump !== null) out.push({ pc: target, state: jump });
      return out;
    }
    // NULL checks of *_or_null pointers (kernel mark_ptr_or_null_regs)
    if ((op === JmpOp.JEQ || op === JmpOp.JNE) && !is32 && ((nullable(dst) && isZero(src)) || (nullable(src) && isZero(dst)))) {
      const ptr = nullable(dst) ? dst : src;
      const other = copyState(st);
      const eqState = op === JmpOp.JEQ ? other : st;
      const neState = op === JmpOp.JEQ ? st : other;
      this.markNull(eqState, ptr, true);
      this.markNull(neState, ptr, false);
      return [
        { pc: pc + 1, state: st },
        { pc: target, state: other },
      ];
    }
    // a non-NULL pointer compared with 0: the outcome is known
    if ((op === JmpOp.JEQ || op === JmpOp.JNE) && !is32 && ((nonNull(dst) && isZero(src)) || (nonNull(src) && isZero(dst)))) {
      return [{ pc: op === JmpOp.JNE ? target : pc + 1, state: st }];
    }
    // packet range checks (kernel try_match_pkt_pointers)
    if (!is32 && x && isPointer(dst) && isPointer(src)) {
      const pkt = this.packetCheck(st, pc, insn, op, dst, src);
      if (pkt !== null) return pkt;
    }
    if (this.opts.unprivileged && (isPointer(dst) || isPointer(src))) this.fail(pc, `R${isPointer(dst) ? insn.dst : insn.src} pointer comparison prohibited`);
    return [
      { pc: pc + 1, state: st },
      { pc: target, state: copyState(st) },
    ];
  }

  /** Applies `dst op src` (or its negation when `fallthrough`) to the registers; null when impossible. */
  private refine(st: VerifierState, insn: Insn, op: number, w: Width, a: Scalar, b: Scalar, x: boolean, fallthrough: boolean): VerifierState | null {
    let cond = op;
    let negated = false;
    if (fallthrough) {
      if (op === JmpOp.JSET) negated = true;
      else cond = negateCondition(op);
    }
    const res = refineCondition(cond, a, b, w, negated);
    if (res === null) return null;
    const f = curFrame(st);
    const dstId = regOf(f, insn.dst).id;
    const srcId = x ? regOf(f, insn.src).id : 0;
    f.regs[insn.dst] = { ...regOf(f, insn.dst), value: res[0] };
    if (x) f.regs[insn.src] = { ...regOf(f, insn.src), value: res[1] };
    // copies of a refined register learn the same bounds
    if (dstId !== 0 || srcId !== 0) {
      this.mapAllRegs(st, (r) => {
        if (r.type !== 'scalar' || r.id === 0) return r;
        if (r.id === dstId) return { ...r, value: res[0] };
        if (r.id === srcId) return { ...r, value: res[1] };
        return r;
      });
    }
    return st;
  }

  private markNull(st: VerifierState, ptr: RegState, isNull: boolean): void {
    const id = ptr.id;
    const fix = (r: RegState): RegState => {
      if (r.id !== id) return r;
      if (isNull && (r.type === 'map_value_or_null' || r.type === 'mem_or_null' || r.type === 'map_ptr_or_null')) return scalarReg(scalarConst(0n));
      if (r.type === 'map_value_or_null') return { ...r, type: 'map_value', id: 0 };
      if (r.type === 'map_ptr_or_null') return { ...r, type: 'map_ptr', id: 0 };
      if (r.type === 'mem_or_null') return { ...r, type: 'mem', id: 0 };
      return r;
    };
    this.mapAllRegs(st, fix);
    if (isNull && ptr.refObjId !== 0) st.refs = st.refs.filter((ref) => ref.id !== ptr.refObjId);
  }

  private mapAllRegs(st: VerifierState, fn: (r: RegState) => RegState): void {
    for (const f of st.frames) {
      for (let r = 0; r < f.regs.length; r++) f.regs[r] = fn(regOf(f, r));
      for (let k = 0; k < f.spills.length; k++) {
        const sp = f.spills[k];
        if (sp === undefined) continue;
        const next = fn(sp);
        if (next === sp) continue;
        ownStack(f);
        f.spills[k] = next;
      }
    }
  }

  private packetCheck(st: VerifierState, pc: number, insn: Insn, op: number, dst: RegState, src: RegState): Successor[] | null {
    // normalise to `ptr OP end` where end is the register bounding ptr (pkt_end for pkt, pkt for pkt_meta)
    const bounds = (p: RegState, e: RegState): boolean => (p.type === 'pkt' && e.type === 'pkt_end') || (p.type === 'pkt_meta' && e.type === 'pkt');
    let cond: number;
    let ptr: RegState;
    if (bounds(dst, src)) {
      cond = op;
      ptr = dst;
    } else if (bounds(src, dst)) {
      cond = swapCondition(op);
      ptr = src;
    } else {
      return null;
    }
    // which successor learns `ptr <= end` (ptr + 0 bytes before end): the fall-through or the jump
    let proven: 'fall' | 'jump' | null;
    switch (cond) {
      case JmpOp.JGT: // ptr > end: in bounds when not taken
      case JmpOp.JGE:
        proven = 'fall';
        break;
      case JmpOp.JLE: // ptr <= end: in bounds when taken
      case JmpOp.JLT:
      case JmpOp.JEQ: // ptr == end: in bounds when taken
        proven = 'jump';
        break;
      case JmpOp.JNE:
        proven = 'fall';
        break;
      default:
        proven = null;
    }
    const target = pc + 1 + insn.off;
    const other = copyState(st);
    if (proven !== null) this.findGoodPktPointers(proven === 'fall' ? st : other, ptr);
    return [
      { pc: pc + 1, state: st },
      { pc: target, state: other },
    ];
  }

  /** Every packet pointer with the id of `ptr` learns that `ptr.off` bytes from its base are in the packet. */
  private findGoodPktPointers(st: VerifierState, ptr: RegState): void {
    if (ptr.off <= 0) return;
    if (ptr.value.umax > BigInt(MAX_PACKET_OFF) || ptr.value.umax + BigInt(ptr.off) > BigInt(MAX_PACKET_OFF)) return;
    const range = ptr.off;
    this.mapAllRegs(st, (r) => (r.type === ptr.type && r.id === ptr.id && r.range < range ? { ...r, range } : r));
  }

  private checkCallx(st: VerifierState, pc: number, insn: Insn): Successor[] {
    if (this.opts.type !== 'raw') this.fail(pc, `unknown opcode ${insn.op.toString(16)}`);
    const target = this.readReg(st, pc, insn.dst);
    if (target.type !== 'scalar') this.fail(pc, `R${insn.dst} type=${typeName(target.type)} expected=scalar`);
    this.clobberCallerSaved(st);
    curFrame(st).regs[R0] = REG_UNKNOWN;
    return [{ pc: pc + 1, state: st }];
  }

  private clobberCallerSaved(st: VerifierState): void {
    const f = curFrame(st);
    for (let r = 1; r <= 5; r++) f.regs[r] = REG_NOT_INIT;
  }

  private checkLocalCall(st: VerifierState, pc: number, insn: Insn): Successor[] {
    const target = pc + 1 + insn.imm;
    if (st.frames.length >= MAX_CALL_DEPTH) this.fail(pc, `the call stack of ${st.frames.length + 1} frames is too deep !`);
    const caller = curFrame(st);
    const callee = newFrame(st.frames.length, pc, target);
    for (let r = 1; r <= 5; r++) callee.regs[r] = regOf(caller, r);
    this.clobberCallerSaved(st);
    caller.regs[R0] = REG_NOT_INIT;
    st.frames.push(callee);
    const chain = st.frames.map((f) => f.funcStart).join(',');
    if (!this.callChains.has(chain)) this.callChains.set(chain, pc);
    if (this.log.level >= 1) this.log.line(1, `caller:\n callee:\n  frame${callee.frameno}: pc ${target}`);
    return [{ pc: target, state: st }];
  }

  private checkExit(st: VerifierState, pc: number): Successor[] {
    const r0 = regOf(curFrame(st), R0);
    if (r0.type === 'not_init') this.fail(pc, 'R0 !read_ok');
    if (st.frames.length > 1) {
      const callee = curFrame(st);
      if (r0.type === 'stack' && r0.frameno === callee.frameno) this.fail(pc, 'cannot return stack pointer to the caller');
      st.frames.pop();
      curFrame(st).regs[R0] = r0;
      // pointers into the dead frame that were stored in a caller's stack become plain scalars
      const dead = callee.frameno;
      this.mapAllRegs(st, (r) => (r.type === 'stack' && r.frameno >= dead ? REG_UNKNOWN : r));
      if (this.log.level >= 1) this.log.line(1, `returning from callee:\n to caller at ${callee.callsite + 1}:`);
      return [{ pc: callee.callsite + 1, state: st }];
    }
    if (isPointer(r0) && this.opts.unprivileged) this.fail(pc, 'R0 leaks addr as return value');
    const range = RETURN_RANGES[this.opts.type];
    if (range !== undefined) {
      if (r0.type !== 'scalar') this.fail(pc, `At program exit the register R0 is not a known value (${typeName(r0.type)})`);
      if (r0.value.smin < range.min || r0.value.smax > range.max)
        this.fail(pc, `At program exit the register R0 has ${scalarToString(r0.value)} should have been in [${range.min}, ${range.max}]`);
    }
    const ref = st.refs[0];
    if (ref !== undefined) this.fail(pc, `Unreleased reference id=${ref.id} alloc_insn=${ref.insn}`);
    return [];
  }

  // ---------------------------------------------------------------- helpers

  private checkHelper(st: VerifierState, pc: number, id: number): void {
    let proto: HelperProto | undefined = helperProto(id);
    if (this.opts.type === 'raw' && this.opts.userHelpers.has(id)) {
      proto = { id, name: `user_${id}`, args: ['ARG_ANYTHING', 'ARG_ANYTHING', 'ARG_ANYTHING', 'ARG_ANYTHING', 'ARG_ANYTHING'], ret: 'RET_INTEGER', programTypes: ['raw'] };
    }
    if (proto === undefined) this.fail(pc, `invalid func unknown#${id}`);
    if (!proto.programTypes.includes(this.opts.type)) this.fail(pc, `unknown func bpf_${proto.name}#${id}`);
    const isUser = this.opts.type === 'raw' && this.opts.userHelpers.has(id);
    const meta: CallMeta = { map: -1, allocSize: 0, releaseId: 0, memRegno: -1 };
    const f = curFrame(st);
    for (let i = 0; i < proto.args.length; i++) {
      const kind = proto.args[i] as ArgKind;
      const regno = i + 1;
      const reg = regOf(f, regno);
      if (isUser && reg.type === 'not_init') continue; // user helpers: unused arguments may be uninitialised
      this.checkArg(st, pc, proto, kind, regno, reg, meta);
    }
    if (id === 12 && st.refs.length > 0) this.fail(pc, 'tail_call would lead to reference leak');
    if (proto.releases === true) {
      if (!st.refs.some((r) => r.id === meta.releaseId)) this.fail(pc, `reference has not been acquired before`);
      st.refs = st.refs.filter((r) => r.id !== meta.releaseId);
      const rel = meta.releaseId;
      this.mapAllRegs(st, (r) => (r.refObjId === rel ? REG_UNKNOWN : r));
    }
    if (proto.changesPacket === true) this.mapAllRegs(st, (r) => (r.type === 'pkt' || r.type === 'pkt_end' || r.type === 'pkt_meta' ? REG_UNKNOWN : r));
    this.clobberCallerSaved(st);
    switch (proto.ret) {
      case 'RET_INTEGER':
        f.regs[R0] = scalarReg(id === 7 || id === 8 ? scalarOfSize(4) : SCALAR_UNKNOWN);
        break;
      case 'RET_VOID':
        f.regs[R0] = REG_NOT_INIT;
        break;
      case 'RET_PTR_TO_MAP_VALUE_OR_NULL': {
        // a lookup in a map-in-map yields the inner map (kernel: CONST_PTR_TO_MAP after the NULL check)
        const inner = this.innerIndex.get(meta.map);
        const outerType = this.maps[meta.map]?.type;
        if (outerType === MapType.ARRAY_OF_MAPS || outerType === MapType.HASH_OF_MAPS) {
          if (inner === undefined) this.fail(pc, `map index ${meta.map} is a map-in-map without an inner map`);
          f.regs[R0] = pointerReg('map_ptr_or_null', { map: inner, id: ++this.idGen });
        } else {
          f.regs[R0] = pointerReg('map_value_or_null', { map: meta.map, id: ++this.idGen });
        }
        break;
      }
      case 'RET_PTR_TO_ALLOC_MEM_OR_NULL': {
        const rid = ++this.idGen;
        f.regs[R0] = pointerReg('mem_or_null', { memSize: meta.allocSize, id: rid, refObjId: rid });
        st.refs = [...st.refs, { id: rid, insn: pc }];
        break;
      }
      default: {
        const never: never = proto.ret;
        throw new Error(`unknown return kind ${String(never)}`);
      }
    }
  }

  private checkArg(st: VerifierState, pc: number, proto: HelperProto, kind: ArgKind, regno: number, reg: RegState, meta: CallMeta): void {
    if (reg.type === 'not_init') this.fail(pc, `R${regno} !read_ok`);
    const func = `bpf_${proto.name}#${proto.id}`;
    const expect = (want: string): never => this.fail(pc, `R${regno} type=${typeName(reg.type)} expected=${want}`);
    const map = (): { keySize: number; valueSize: number } => {
      const m = this.maps[meta.map];
      if (m === undefined) this.fail(pc, 'invalid map_ptr to access map->key');
      return m;
    };
    switch (kind) {
      case 'ARG_ANYTHING':
        if (isPointer(reg) && this.opts.unprivileged) this.fail(pc, `R${regno} leaks addr into helper function`);
        return;
      case 'ARG_CONST_MAP_PTR': {
        if (reg.type !== 'map_ptr') expect('map_ptr');
        const m = this.maps[reg.map];
        if (m === undefined) this.fail(pc, `R${regno} map index ${reg.map} out of range`);
        const onlyFor = MAP_TYPE_HELPERS.get(m.type);
        if ((proto.mapTypes !== undefined && !proto.mapTypes.includes(m.type)) || (onlyFor !== undefined && !onlyFor.includes(proto.id)))
          this.fail(pc, `cannot pass map_type ${m.type} into func ${func}`);
        meta.map = reg.map;
        return;
      }
      case 'ARG_PTR_TO_MAP_KEY':
        this.helperMem(st, pc, regno, reg, map().keySize, 'read');
        return;
      case 'ARG_PTR_TO_MAP_VALUE':
        this.helperMem(st, pc, regno, reg, map().valueSize, 'read');
        return;
      case 'ARG_PTR_TO_UNINIT_MAP_VALUE':
        // bpf_map_peek_elem on a bloom filter reads the value it looks for
        this.helperMem(st, pc, regno, reg, map().valueSize, this.maps[meta.map]?.type === MapType.BLOOM_FILTER ? 'read' : 'write');
        return;
      case 'ARG_PTR_TO_MEM':
      case 'ARG_PTR_TO_MEM_OR_NULL':
      case 'ARG_PTR_TO_UNINIT_MEM':
        if (kind === 'ARG_PTR_TO_MEM_OR_NULL' && reg.type === 'scalar' && scalarIsConst(reg.value) && reg.value.var.value === 0n) {
          meta.memRegno = -2; // NULL: the size must be 0
          return;
        }
        if (!['stack', 'pkt', 'pkt_meta', 'map_value', 'mem', 'input'].includes(reg.type)) expect('fp, pkt, pkt_meta, map_value, mem');
        meta.memRegno = regno;
        return;
      case 'ARG_CONST_SIZE':
      case 'ARG_CONST_SIZE_OR_ZERO': {
        if (reg.type !== 'scalar') expect('scalar');
        const v = reg.value;
        const zeroOk = kind === 'ARG_CONST_SIZE_OR_ZERO';
        if (v.smin < 0n) this.fail(pc, `R${regno} min value is negative, either use unsigned or 'var &= const'`);
        if (v.umin === 0n && !zeroOk) this.fail(pc, `R${regno} invalid zero-sized read: u64=[${v.umin},${v.umax}]`);
        if (v.umax >= MAX_VAR_SIZE) this.fail(pc, `R${regno} unbounded memory access, use 'var &= const' or 'if (var < const)'`);
        if (meta.memRegno === -2) {
          if (v.umax !== 0n) this.fail(pc, `R${regno - 1} type=scalar expected=fp, pkt, pkt_meta, map_value, mem`);
          return;
        }
        const memKind = proto.args[regno - 2];
        const memReg = regOf(curFrame(st), regno - 1);
        if (v.umax > 0n) this.helperMem(st, pc, regno - 1, memReg, Number(v.umax), memKind === 'ARG_PTR_TO_UNINIT_MEM' ? 'write' : 'read');
        return;
      }
      case 'ARG_PTR_TO_CTX':
        if (reg.type !== 'ctx') expect('ctx');
        if (reg.off !== 0 || !scalarIsConst(reg.value) || reg.value.var.value !== 0n) this.fail(pc, `dereference of modified ctx ptr R${regno} off=${reg.off} disallowed`);
        return;
      case 'ARG_PTR_TO_ALLOC_MEM':
        if (reg.type !== 'mem' || reg.refObjId === 0) expect('ringbuf_mem');
        if (reg.off !== 0 || !scalarIsConst(reg.value) || reg.value.var.value !== 0n) this.fail(pc, `R${regno} must have zero offset when passed to release func`);
        meta.releaseId = reg.refObjId;
        return;
      case 'ARG_CONST_ALLOC_SIZE_OR_ZERO':
        if (reg.type !== 'scalar') expect('scalar');
        if (!scalarIsConst(reg.value)) this.fail(pc, `R${regno} is not a known constant'`);
        if (reg.value.var.value >= MAX_VAR_SIZE) this.fail(pc, `R${regno} unbounded memory access, use 'var &= const' or 'if (var < const)'`);
        meta.allocSize = Number(reg.value.var.value);
        return;
      default: {
        const never: never = kind;
        throw new Error(`unknown argument kind ${String(never)}`);
      }
    }
  }

  /** A helper reads or writes `size` bytes at `reg` (kernel check_helper_mem_access). */
  private helperMem(st: VerifierState, pc: number, regno: number, reg: RegState, size: number, access: 'read' | 'write'): void {
    switch (reg.type) {
      case 'stack': {
        if (!scalarIsConst(reg.value)) this.fail(pc, `R${regno} variable offset stack access prohibited in helper argument`);
        const o = reg.off + Number(BigInt.asIntN(64, reg.value.var.value));
        if (o < -STACK_SIZE || o + size > 0) this.fail(pc, `invalid indirect access to stack R${regno} off=${o} size=${size}`);
        const frame = this.frameOf(st, reg);
        this.noteDepth(frame, o);
        const base = o + STACK_SIZE;
        if (access === 'read') {
          for (let i = 0; i < size; i++) {
            const b = frame.slots[base + i];
            if (b === Slot.INVALID) this.fail(pc, `invalid indirect read from stack R${regno} off ${o}+${i} size ${size}`);
            if (b === Slot.SPILL && this.opts.unprivileged && isPointer(frame.spills[(base + i) >> 3] ?? REG_UNKNOWN)) this.fail(pc, `R${regno} leaks addr into helper function`);
          }
        } else {
          ownStack(frame);
          for (let s = base >> 3; s <= (base + size - 1) >> 3; s++) {
            if (frame.spills[s] !== undefined) {
              for (let i = s * 8; i < s * 8 + 8; i++) if (frame.slots[i] === Slot.SPILL) frame.slots[i] = Slot.MISC;
              frame.spills[s] = undefined;
            }
          }
          frame.slots.fill(Slot.MISC, base, base + size);
        }
        return;
      }
      case 'pkt':
      case 'pkt_meta':
        this.checkPacketRange(pc, regno, reg, 0, size);
        return;
      case 'map_value': {
        const m = this.maps[reg.map];
        this.checkMapAccessType(pc, m, access, reg.off, size);
        this.checkRegion(pc, regno, reg, 0, size, m?.valueSize ?? 0, (o) => `invalid access to map value, value_size=${m?.valueSize ?? 0} off=${o} size=${size}`);
        return;
      }
      case 'mem':
        this.checkRegion(pc, regno, reg, 0, size, reg.memSize, (o) => `invalid access to memory, mem_size=${reg.memSize} off=${o} size=${size}`);
        return;
      case 'input':
        return;
      default:
        this.fail(pc, `R${regno} type=${typeName(reg.type)} expected=fp, pkt, pkt_meta, map_value, mem`);
    }
  }
}

/** True for the pointer kinds that may be NULL until checked. */
function nullable(r: RegState): boolean {
  return r.type === 'map_value_or_null' || r.type === 'mem_or_null' || r.type === 'map_ptr_or_null';
}

/** True for pointers known not to be NULL (the raw type's input pointer may be NULL when there is no input). */
function nonNull(r: RegState): boolean {
  return isPointer(r) && !nullable(r) && r.type !== 'input';
}

/** True for the scalar constant 0. */
function isZero(r: RegState): boolean {
  return r.type === 'scalar' && scalarIsConst(r.value) && r.value.var.value === 0n;
}

const REG_ZERO: RegState = scalarReg(scalarConst(0n));

const SIZED_SCALARS: readonly RegState[] = [1, 2, 3, 4, 5, 6, 7, 8].map((n) => scalarReg(scalarOfSize(n)));

/** The unknown scalar of a zero-extending `size`-byte load (shared, registers are immutable). */
function sizedScalar(size: number): RegState {
  return SIZED_SCALARS[size - 1] ?? scalarReg(scalarOfSize(size));
}

/** The zero-extended value of a `size`-byte load of an abstract scalar. */
function scalarZext(v: Scalar, size: number): Scalar {
  if (size >= 8) return v;
  if (size === 4) return scalarZext32(v);
  return scalarIsConst(v) ? scalarConst(v.var.value & ((1n << BigInt(size * 8)) - 1n)) : scalarOfSize(size);
}
