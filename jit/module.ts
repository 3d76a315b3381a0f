/**
 * @fileoverview The only file that touches binaryen: lazy loading (once per process), the typed names
 * the lowering files use for modules and expressions, and FunctionBuilder, which owns the wasm locals
 * of one generated function (eBPF registers and scratch locals). What to emit is decided by the
 * lower-*.ts files; how the module is assembled and instantiated is compile.ts's job.
 */
import type binaryenNamespace from 'binaryen';
import { JitError } from '../src/errors.js';
import type { FastHelperEntry } from '../runtime/env.js';

/** The binaryen namespace object (runtime constants such as `i64`, `Relooper`, `Features`). */
export type Binaryen = typeof binaryenNamespace;
/** A binaryen module under construction. */
export type WasmModule = binaryenNamespace.Module;
/** A reference to an expression inside a module. */
export type ExpressionRef = number;
/** A wasm value type (binaryen.i32, binaryen.i64, ...). */
export type WasmType = number;
/** A binaryen Relooper. */
export type Relooper = binaryenNamespace.Relooper;
/** A Relooper block handle. */
export type RelooperBlock = number;

let loading: Promise<Binaryen> | undefined;
let loaded: Binaryen | undefined;

/** Imports binaryen on first use (~350 ms) and caches it for the rest of the process. */
export function loadBinaryen(): Promise<Binaryen> {
  loading ??= import('binaryen').then(
    (ns) => {
      loaded = ns.default;
      return ns.default;
    },
    (error: unknown) => {
      loading = undefined;
      throw new JitError(`cannot load binaryen: ${describeFailure(error)}`, -1, { cause: error });
    },
  );
  return loading;
}

/** binaryen when loadBinaryen has completed, else undefined (for synchronous paths such as wat()). */
export function loadedBinaryen(): Binaryen | undefined {
  return loaded;
}

/** Text of a failure thrown by binaryen, which throws strings and plain objects as well as Errors. */
export function describeFailure(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'string') return error;
  try {
    return JSON.stringify(error) ?? String(error);
  } catch {
    return String(error);
  }
}

/**
 * The locals of one generated function. eBPF registers are i64 locals at fixed indices; scratch
 * locals are shared by all instructions of the function (each instruction's lowering is
 * self-contained, so one set suffices).
 */
export class FunctionBuilder {
  readonly b: Binaryen;
  readonly mod: WasmModule;
  /** register number -> local index */
  private readonly regLocal: readonly number[];
  private readonly vars: WasmType[] = [];
  private readonly paramCount: number;
  /** scratch i64 locals */
  readonly t64a: number;
  readonly t64b: number;
  readonly t64c: number;
  /** scratch i32 locals */
  readonly t32a: number;
  readonly t32b: number;
  /** the Relooper's label helper */
  readonly label: number;

  /**
   * @param params the function's parameter types
   * @param regParams register number -> parameter index for registers that arrive as parameters;
   *   the other registers get fresh i64 locals
   */
  constructor(b: Binaryen, mod: WasmModule, params: readonly WasmType[], regParams: ReadonlyMap<number, number>) {
    this.b = b;
    this.mod = mod;
    this.paramCount = params.length;
    const regLocal: number[] = [];
    for (let r = 0; r <= 10; r++) {
      regLocal.push(regParams.get(r) ?? this.addLocal(b.i64));
    }
    this.regLocal = regLocal;
    this.t64a = this.addLocal(b.i64);
    this.t64b = this.addLocal(b.i64);
    this.t64c = this.addLocal(b.i64);
    this.t32a = this.addLocal(b.i32);
    this.t32b = this.addLocal(b.i32);
    this.label = this.addLocal(b.i32);
  }

  /** blinding key index -> the local that holds it in this function */
  private readonly keyLocals = new Map<number, number>();

  /**
   * The local holding blinding key `index` (an i64 import), allocated on first use. Reading the key
   * once per call into a local is cheaper than reading the imported global at every use in a loop.
   */
  keyLocal(index: number): number {
    let local = this.keyLocals.get(index);
    if (local === undefined) {
      local = this.addLocal(this.b.i64);
      this.keyLocals.set(index, local);
    }
    return local;
  }

  /** (type, key index, blinded value) -> the local holding the unblinded constant, and its init */
  private readonly unblinded = new Map<string, { local: number; init: () => ExpressionRef }>();

  /**
   * A local that holds `blinded ^ key[index]` (the program's immediate), computed once in the
   * prologue rather than at every use: the binary still holds only the blinded value and the key
   * stays an import, but a loop no longer pays an xor (and a key reload) per blinded immediate.
   */
  unblindedLocal(type: 'i64' | 'i32', index: number, blinded: bigint): number {
    const id = `${type}:${index}:${blinded}`;
    let entry = this.unblinded.get(id);
    if (entry === undefined) {
      const key = this.keyLocal(index);
      const local = this.addLocal(type === 'i64' ? this.b.i64 : this.b.i32);
      const { mod, b } = this;
      const init =
        type === 'i64'
          ? (): ExpressionRef => mod.local.set(local, mod.i64.xor(this.i64(blinded), mod.local.get(key, b.i64)))
          : (): ExpressionRef => mod.local.set(local, mod.i32.xor(this.i32(Number(BigInt.asIntN(32, blinded))), mod.i32.wrap(mod.local.get(key, b.i64))));
      entry = { local, init };
      this.unblinded.set(id, entry);
    }
    return entry.local;
  }

  /**
   * Statements that load every key used so far into its local (`global` names key `index`), then
   * compute every unblinded constant from them.
   */
  loadKeys(global: (index: number) => string): ExpressionRef[] {
    return [
      ...[...this.keyLocals].map(([index, local]) => this.mod.local.set(local, this.mod.global.get(global(index), this.b.i64))),
      ...[...this.unblinded.values()].map((entry) => entry.init()),
    ];
  }

  /** Adds a local of `type` and returns its index. */
  addLocal(type: WasmType): number {
    this.vars.push(type);
    return this.paramCount + this.vars.length - 1;
  }

  /** The local types after the parameters, for addFunction. */
  get varTypes(): readonly WasmType[] {
    return this.vars;
  }

  /** Local index of register `r`. */
  regIndex(r: number): number {
    const index = this.regLocal[r];
    if (index === undefined) throw new JitError(`invalid register r${r}`, -1);
    return index;
  }

  /** Value of register `r` (i64). */
  reg(r: number): ExpressionRef {
    return this.mod.local.get(this.regIndex(r), this.b.i64);
  }

  /** Low 32 bits of register `r` (i32). */
  reg32(r: number): ExpressionRef {
    return this.mod.i32.wrap(this.reg(r));
  }

  /** Sets register `r` to an i64 value. */
  setReg(r: number, value: ExpressionRef): ExpressionRef {
    return this.mod.local.set(this.regIndex(r), value);
  }

  /** Sets register `r` to an i32 value, zero-extended (the rule for every 32-bit result). */
  setReg32(r: number, value: ExpressionRef): ExpressionRef {
    return this.setReg(r, this.mod.i64.extend_u(value));
  }

  /** i64 constant from a bigint (taken modulo 2^64). */
  i64(value: bigint): ExpressionRef {
    return this.mod.i64.const(BigInt.asIntN(64, value));
  }

  /** i32 constant (taken modulo 2^32). */
  i32(value: number): ExpressionRef {
    return this.mod.i32.const(value | 0);
  }

  /** local.get of a scratch or other local. */
  get(index: number, type: WasmType): ExpressionRef {
    return this.mod.local.get(index, type);
  }

  /** local.tee of a scratch or other local. */
  tee(index: number, value: ExpressionRef, type: WasmType): ExpressionRef {
    return this.mod.local.tee(index, value, type);
  }

  /** local.set of a scratch or other local. */
  set(index: number, value: ExpressionRef): ExpressionRef {
    return this.mod.local.set(index, value);
  }
}

/** Names of the module-level globals every generated module defines. */
export const Globals = {
  /** may_goto loop budget (i32), reset by run */
  BUDGET: 'budget',
  /**
   * taken backward jumps left in this run (i64), reset by run to VerifiedProgram.loopBudget; declared
   * only when the program has a loop budget. Each function counts in its own local (LowerContext.loopLeft)
   * and synchronises with this global only around local calls and at its entry and return
   */
  LOOP_BUDGET: 'loop_budget',
  /** input region start (i64), set by run */
  INPUT_START: 'input_start',
  /** input region length (i64), set by run */
  INPUT_LENGTH: 'input_length',
} as const;

/** Name of the global through which a callee hands its r1..r5 back to the caller. */
export function returnGlobal(r: number): string {
  return `ret_r${r}`;
}

/** What the lowering of one instruction may use besides the instruction itself. */
export interface LowerContext {
  readonly fb: FunctionBuilder;
  /** stack region [start, end) (constants of the loaded program's ExecEnv) */
  readonly stackStart: number;
  readonly stackEnd: number;
  /** the program's VerifiedProgram.checkedAccess (lets lower-mem.ts check groups of accesses at once) */
  readonly checkedAccess?: Uint8Array;
  /**
   * the i64 local holding the taken backward jumps left (the loop budget), when the program has one:
   * loaded from the LOOP_BUDGET global when the function starts, written back to it before a local
   * call (and reloaded after) and before the function returns, so a back-edge costs no global access
   */
  readonly loopLeft?: number;
  /** the i32 call depth of the current frame */
  depth(): ExpressionRef;
  /** the pc's immediate as i64 (sign-extended imm, or the lddw value), blinded when blinding is on */
  immI64(pc: number): ExpressionRef;
  /** the pc's immediate as i32 (its low 32 bits), blinded when blinding is on */
  immI32(pc: number): ExpressionRef;
  /**
   * the value of the pc's immediate (unsigned 64-bit), for choosing code shapes at compile time (a
   * division by a nonzero immediate needs no zero guard); the emitted operand must still come from
   * immI64/immI32 so that blinding hides it
   */
  immValue(pc: number): bigint;
  /** wasm function name of the eBPF function starting at `pc` */
  functionName(pc: number): string;
  /** the fast variant of helper `id` the module imports (jit/abi.ts fastHelperImportName), if any */
  fastHelper(id: number): FastHelperEntry | undefined;
}
