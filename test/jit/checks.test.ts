/**
 * @fileoverview The JIT's run-time memory checks (jit/lower-mem.ts checkAccess) against
 * ExecEnv.isAccessible and the interpreter: region edges for every access size, both test orders
 * (r10 bases test the stack first), offsets beyond the region start (the no-wrap guard), 64-bit
 * pointers that would wrap into a region, inputs in the reserve, grown in place, relocated, or set
 * as a span, and one compiled program run on inputs of changing lengths.
 */
import { describe, expect, it } from 'vitest';
import { compileProgram, type CompiledProgram } from '../../jit/compile.js';
import { checkGroups, type GroupRole } from '../../jit/lower-mem.js';
import { CHECK_BLOCK_SIZE, CheckSlot, checkLayout, ExecEnv, INPUT_RESERVE, REGION_GAP } from '../../runtime/env.js';
import { RuntimeError } from '../../src/errors.js';
import { execute } from '../../src/interpreter.js';
import type { Insn } from '../../src/isa/instruction.js';
import { FP } from '../../src/isa/registers.js';
import { alu64, alu64x, AluOp, atomic, AtomicOp, exit, ja, jmp, JmpOp, lddw, ldx, mov, movx, prog, Size, st, stx, verify } from './harness.js';

const SIZE_OP = { 1: Size.B, 2: Size.H, 4: Size.W, 8: Size.DW } as const;

/** What one engine did: r0, or the error's message, pc and kind. */
interface Outcome {
  r0?: bigint;
  message?: string;
  pc?: number;
  kind?: string;
}

function outcome(run: () => bigint): Outcome {
  try {
    return { r0: run() };
  } catch (error) {
    if (!(error instanceof RuntimeError)) throw error;
    return { message: error.message, pc: error.pc, kind: error.kind };
  }
}

/** A program compiled once for the JIT and an interpreter env prepared the same way. */
interface Pair {
  jitEnv: ExecEnv;
  interpreterEnv: ExecEnv;
  compiled: CompiledProgram;
  insns: Insn[];
}

async function pair(insns: Insn[], prepare: (env: ExecEnv) => void = () => undefined): Promise<Pair> {
  const jitEnv = new ExecEnv();
  const interpreterEnv = new ExecEnv();
  prepare(jitEnv);
  prepare(interpreterEnv);
  const compiled = await compileProgram(verify(insns), jitEnv, { blinding: false });
  return { jitEnv, interpreterEnv, compiled, insns };
}

/** Runs both engines on `mem` (r1 = its address, or `r1` when given) and returns both outcomes. */
function runBoth(p: Pair, mem: Uint8Array | undefined, r1?: (env: ExecEnv, address: number) => bigint): { jit: Outcome; interpreter: Outcome } {
  const go = (env: ExecEnv, run: (a: bigint, b: bigint) => bigint): Outcome => {
    env.clearStack();
    const address = env.setInput(mem);
    return outcome(() => run(r1 === undefined ? BigInt(address) : r1(env, address), BigInt(mem?.length ?? 0)));
  };
  return {
    jit: go(p.jitEnv, (a, b) => p.compiled.run(a, b)),
    interpreter: go(p.interpreterEnv, (a, b) => execute(verify(p.insns), p.interpreterEnv, a, b)),
  };
}

function bytes(length: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (i * 37 + 11) & 0xff);
}

/** Little-endian value of mem[at, at + size). */
function valueAt(mem: Uint8Array, at: number, size: number): bigint {
  let v = 0n;
  for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(mem[at + i] ?? 0);
  return v;
}

function oob(what: string, size: number, address: number, pc: number): Outcome {
  return { message: `out-of-bounds ${what} of ${size} bytes at 0x${address.toString(16)} at pc ${pc}`, pc, kind: 'out-of-bounds' };
}

describe('checked loads at the input edges', () => {
  interface Row {
    name: string;
    length: number;
    size: 1 | 2 | 4 | 8;
    /** bytes from the input start */
    at: number;
    /** r1 -= shift, offset = at + shift (8000 + at exceeds the reserve start when at > 784: the no-wrap guard) */
    shift: number;
  }
  const rows: Row[] = [];
  for (const size of [1, 2, 4, 8] as const) {
    for (const length of [1, 7, 8, 9, 1500]) {
      for (const at of [-size, -1, 0, length - size, length - size + 1, length]) {
        const shifts = length === 1500 && at > 1000 ? [0, 100, -100, 8000] : [0, 100, -100];
        for (const shift of shifts) rows.push({ name: `size ${size}, length ${length}, at ${at}, shift ${shift}`, length, size, at, shift });
      }
    }
  }
  it.each(rows)('$name', async ({ length, size, at, shift }) => {
    const insns = prog(alu64(AluOp.SUB, 1, shift), ldx(SIZE_OP[size], 0, 1, at + shift), exit());
    const p = await pair(insns);
    const mem = bytes(length);
    const { jit, interpreter } = runBoth(p, mem);
    const start = p.jitEnv.layout.inputBase;
    if (shift === 8000) expect(at + shift).toBeGreaterThan(start);
    const want = at >= 0 && at + size <= length ? { r0: valueAt(mem, at, size) } : oob('read', size, start + at, 1);
    expect(jit).toEqual(want);
    expect(interpreter).toEqual(want);
  });
});

describe('checked accesses at the stack edges', () => {
  const rows: { name: string; size: 1 | 2 | 4 | 8; below: number; viaCopy: boolean }[] = [];
  const stackBytes = 4096;
  for (const size of [1, 2, 4, 8] as const) {
    for (const below of [size - 1, size, 512, stackBytes, stackBytes + 1]) {
      for (const viaCopy of [false, true]) rows.push({ name: `size ${size}, fp - ${below}, ${viaCopy ? 'copy of r10' : 'r10'}`, size, below, viaCopy });
    }
  }
  // store 0x5a..., read it back: through r10 itself (stack tested first) or through a copy (input reserve first)
  it.each(rows)('$name', async ({ size, below, viaCopy }) => {
    const base = viaCopy ? 3 : FP;
    const insns = prog(movx(3, FP), st(SIZE_OP[size], base, -below, 0x5a), ldx(SIZE_OP[size], 0, base, -below), exit());
    const p = await pair(insns);
    const { jit, interpreter } = runBoth(p, bytes(16));
    const address = p.jitEnv.stack.end - below;
    const inside = address >= p.jitEnv.stack.start && address + size <= p.jitEnv.stack.end;
    const want = inside ? { r0: 0x5an } : oob('write', size, address, 1);
    expect(jit).toEqual(want);
    expect(interpreter).toEqual(want);
  });
});

describe('checks that must not wrap around 64 bits', () => {
  const rows = [
    { name: 'all-ones base, offset onto the input', base: (): bigint => (1n << 64n) - 1n, off: (start: number): number => start + 1 },
    { name: '2^64 - 8 base, offset 8 + input start', base: (): bigint => (1n << 64n) - 8n, off: (start: number): number => start + 8 },
    { name: 'all-ones base, offset onto the stack', base: (): bigint => (1n << 64n) - 1n, off: (): number => new ExecEnv().stack.start + 1 },
    { name: '2^32 base, negative offset', base: (): bigint => 1n << 32n, off: (): number => -8 },
  ];
  it.each(rows)('$name', async ({ base, off }) => {
    const layout = checkLayout(new ExecEnv().stack.end);
    const start = layout.inputBase;
    const insns = prog(lddw(2, base()), ldx(Size.B, 0, 2, off(start)), exit());
    const p = await pair(insns);
    const { jit, interpreter } = runBoth(p, bytes(64));
    expect(jit.kind).toBe('out-of-bounds');
    expect(jit.pc).toBe(2);
    expect(jit).toEqual(interpreter);
  });

  it('uses the no-wrap guard when the offset exceeds the region start', async () => {
    // [r1 - 5000 + 30000]: the offset is larger than every region start
    const insns = prog(alu64(AluOp.SUB, 1, 5000), ldx(Size.W, 0, 1, 30000), exit());
    const p = await pair(insns);
    const mem = bytes(25004);
    expect(runBoth(p, mem)).toEqual({ jit: { r0: valueAt(mem, 25000, 4) }, interpreter: { r0: valueAt(mem, 25000, 4) } });
    const { jit, interpreter } = runBoth(p, bytes(25003));
    expect(jit).toEqual(oob('read', 4, p.jitEnv.layout.inputBase + 25000, 1));
    expect(interpreter).toEqual(jit);
  });

  it('reaches the stack through a low base and an offset beyond the stack start', async () => {
    // r3 = r10 - 5000, [r3 + 4900] = fp - 100 (bias below 0 for the stack test)
    const insns = prog(movx(3, FP), alu64(AluOp.SUB, 3, 5000), st(Size.DW, 3, 4900, 3), ldx(Size.DW, 0, FP, -100), exit());
    const p = await pair(insns);
    expect(runBoth(p, bytes(8))).toEqual({ jit: { r0: 3n }, interpreter: { r0: 3n } });
  });
});

describe('where the input lies', () => {
  // r0 = first byte + last byte (r2 = length), then a read one past the end when r3 != 0
  const insns = prog(movx(4, 1), alu64x(AluOp.ADD, 4, 2), ldx(Size.B, 0, 1, 0), ldx(Size.B, 5, 4, -1), alu64x(AluOp.ADD, 0, 5), exit());
  const past = prog(movx(4, 1), alu64x(AluOp.ADD, 4, 2), ldx(Size.B, 0, 4, 0), exit());
  const cases = [
    { name: 'in the reserve', length: 1500, allocateAfter: false, inReserve: true },
    { name: 'reserve grown in place', length: INPUT_RESERVE + 5000, allocateAfter: false, inReserve: true },
    { name: 'relocated after a later allocation', length: INPUT_RESERVE + 5000, allocateAfter: true, inReserve: false },
  ];
  it.each(cases)('$name', async ({ length, allocateAfter, inReserve }) => {
    const prepare = (env: ExecEnv): void => {
      if (allocateAfter) env.space.alloc(64);
    };
    const mem = bytes(length);
    const sum = BigInt((mem[0] ?? 0) + (mem[length - 1] ?? 0));
    const ok = await pair(insns, prepare);
    expect(runBoth(ok, mem)).toEqual({ jit: { r0: sum }, interpreter: { r0: sum } });
    expect(ok.jitEnv.input.start === ok.jitEnv.layout.inputBase).toBe(inReserve);
    const bad = await pair(past, prepare);
    const { jit, interpreter } = runBoth(bad, mem);
    expect(jit).toEqual(oob('read', 1, bad.jitEnv.input.end, 2));
    expect(interpreter).toEqual(jit);
    // a small input afterwards goes back to the reserve and is still checked exactly
    const small = bytes(3);
    expect(runBoth(ok, small)).toEqual({ jit: { r0: BigInt((small[0] ?? 0) + (small[2] ?? 0)) }, interpreter: { r0: BigInt((small[0] ?? 0) + (small[2] ?? 0)) } });
    expect(ok.jitEnv.input.start).toBe(ok.jitEnv.layout.inputBase);
  });

  it('follows an input region assigned directly (a span over the reserve)', async () => {
    // r1 = an address given by the test; read one byte there
    const read = prog(ldx(Size.B, 0, 1, 0), exit());
    const p = await pair(read);
    const results: Outcome[] = [];
    for (const [env, run] of [
      [p.jitEnv, (a: bigint): bigint => p.compiled.run(a, 0n)],
      [p.interpreterEnv, (a: bigint): bigint => execute(verify(read), p.interpreterEnv, a, 0n)],
    ] as const) {
      env.input.start = env.stack.start;
      env.input.end = env.layout.inputBase + 100;
      env.space.u8[env.layout.inputBase + 99] = 0x77;
    expect(env.isAccessible(env.layout.block, 1)).toBe(false);
      results.push(outcome(() => run(BigInt(env.layout.inputBase + 99))), outcome(() => run(BigInt(env.layout.inputBase + 100))), outcome(() => run(BigInt(env.layout.block))));
    }
    const base = p.jitEnv.layout.inputBase;
    // the check block lies below the stack, outside the span
    const want = [{ r0: 0x77n }, oob('read', 1, base + 100, 0), oob('read', 1, p.jitEnv.layout.block, 0)];
    expect(results).toEqual([...want, ...want]);
  });

  it('runs one compiled program on inputs of changing lengths', async () => {
    const read = prog(ldx(Size.DW, 0, 1, 8), exit());
    const p = await pair(read);
    const rows = [16, 15, 0, 17, 8, 16];
    const got = rows.map((length) => runBoth(p, length === 0 ? undefined : bytes(length)));
    const want = rows.map((length) => {
      if (length >= 16) return { r0: valueAt(bytes(length), 8, 8) };
      return oob('read', 8, (length === 0 ? 0 : p.jitEnv.layout.inputBase) + 8, 0);
    });
    expect(got.map((g) => g.jit)).toEqual(want);
    expect(got.map((g) => g.interpreter)).toEqual(want);
  });
});

describe('ExecEnv check block', () => {
  const word = (env: ExecEnv, at: number): number => env.space.view.getUint32(env.layout.block + at, true) + env.space.view.getUint32(env.layout.block + at + 4, true) * 2 ** 32;
  const slots = (env: ExecEnv): number[][] => [
    [0, 1, 2, 3].map((s) => word(env, CheckSlot.RESERVED_LIMITS + 8 * s)),
    [word(env, CheckSlot.INPUT_START)],
    [0, 1, 2, 3].map((s) => word(env, CheckSlot.INPUT_LIMITS + 8 * s)),
  ];

  it('lays out block, gap, stack, gap, reserve, gap', () => {
    const env = new ExecEnv();
    expect(env.layout).toEqual({ block: env.stack.start - REGION_GAP - CHECK_BLOCK_SIZE, inputBase: env.stack.end + REGION_GAP });
    expect(env.space.top).toBe(env.layout.inputBase + INPUT_RESERVE + REGION_GAP);
  });

  const rows = [
    { name: 'no input', length: 0, allocateAfter: false, want: (): number[][] => [[0, 0, 0, 0], [0], [0, 0, 0, 0]] },
    { name: '5 bytes', length: 5, allocateAfter: false, want: (env: ExecEnv): number[][] => [[5, 4, 2, 0], [env.layout.inputBase], [5, 4, 2, 0]] },
    { name: '8 bytes', length: 8, allocateAfter: false, want: (env: ExecEnv): number[][] => [[8, 7, 5, 1], [env.layout.inputBase], [8, 7, 5, 1]] },
    {
      name: 'relocated input',
      length: INPUT_RESERVE + 1,
      allocateAfter: true,
      want: (env: ExecEnv): number[][] => [[0, 0, 0, 0], [env.input.start], [INPUT_RESERVE + 1, INPUT_RESERVE, INPUT_RESERVE - 2, INPUT_RESERVE - 6]],
    },
  ];
  it.each(rows)('$name', ({ length, allocateAfter, want }) => {
    const env = new ExecEnv();
    if (allocateAfter) env.space.alloc(8);
    env.setInput(length === 0 ? undefined : new Uint8Array(length));
    expect(slots(env)).toEqual(want(env));
  });

  it('keeps the block in step with direct assignments', () => {
    const env = new ExecEnv();
    env.setInput(new Uint8Array(10));
    env.input.start = env.layout.inputBase - 4;
    env.input.end = env.layout.inputBase + 6;
    expect(slots(env)).toEqual([[6, 5, 3, 0], [env.layout.inputBase - 4], [10, 9, 7, 3]]);
    env.input.start = 0;
    env.input.end = 0;
    expect(slots(env)).toEqual([[0, 0, 0, 0], [0], [0, 0, 0, 0]]);
  });

  it('stores through a copy of r10 land on the stack', async () => {
    const insns = prog(movx(2, FP), mov(3, 9), stx(Size.DW, 2, 3, -8), ldx(Size.DW, 0, FP, -8), exit());
    const p = await pair(insns);
    expect(runBoth(p, undefined)).toEqual({ jit: { r0: 9n }, interpreter: { r0: 9n } });
  });
});

describe('check groups', () => {
  /** pc -> leader's member pcs, or 'covered' */
  const shape = (insns: Insn[]): Record<number, number[] | 'covered'> => {
    const out: Record<number, number[] | 'covered'> = {};
    for (const [pc, role] of checkGroups(insns, verify(insns).checkedAccess) as Map<number, GroupRole>) out[pc] = role === 'covered' ? role : role.map((m) => m.pc);
    return out;
  };
  const shapes = [
    { name: 'two loads of one base', insns: prog(ldx(Size.B, 2, 1, 1), ldx(Size.B, 3, 1, 0), exit()), want: { 0: [0, 1], 1: 'covered' } },
    { name: 'loads around alu work', insns: prog(ldx(Size.H, 2, 1, 0), alu64(AluOp.ADD, 2, 1), ldx(Size.H, 3, 1, 2), ldx(Size.W, 4, 1, 4), exit()), want: { 0: [0, 2, 3], 2: 'covered', 3: 'covered' } },
    { name: 'hull over 8 bytes splits', insns: prog(ldx(Size.W, 2, 1, 0), ldx(Size.W, 3, 1, 4), ldx(Size.B, 4, 1, 8), ldx(Size.B, 5, 1, 9), exit()), want: { 0: [0, 1], 1: 'covered', 2: [2, 3], 3: 'covered' } },
    { name: 'store ends a group', insns: prog(ldx(Size.B, 2, 1, 0), stx(Size.B, 1, 2, 1), ldx(Size.B, 3, 1, 2), exit()), want: { 0: [0, 1], 1: 'covered' } },
    { name: 'atomic ends a group', insns: prog(ldx(Size.W, 2, 1, 0), atomic(Size.W, 1, 2, 4, AtomicOp.ADD), ldx(Size.B, 3, 1, 2), exit()), want: { 0: [0, 1], 1: 'covered' } },
    { name: 'a leading store forms no group', insns: prog(stx(Size.B, 1, 2, 0), ldx(Size.B, 3, 1, 1), exit()), want: {} },
    { name: 'base rewritten in between', insns: prog(ldx(Size.B, 2, 1, 0), alu64(AluOp.ADD, 1, 1), ldx(Size.B, 3, 1, 0), exit()), want: {} },
    { name: 'load into its own base ends a group', insns: prog(ldx(Size.B, 2, 1, 0), ldx(Size.B, 1, 1, 1), ldx(Size.B, 3, 1, 2), exit()), want: { 0: [0, 1], 1: 'covered' } },
    { name: 'leader loading into its base', insns: prog(ldx(Size.B, 1, 1, 0), ldx(Size.B, 3, 1, 1), exit()), want: {} },
    { name: 'other base in between', insns: prog(ldx(Size.B, 2, 1, 0), ldx(Size.B, 3, 10, -8), ldx(Size.B, 4, 1, 1), exit()), want: {} },
    { name: 'branch target in between', insns: prog(jmp(JmpOp.JEQ, 2, 0, 1), ldx(Size.B, 2, 1, 0), ldx(Size.B, 3, 1, 1), exit()), want: {} },
    { name: 'group after a branch', insns: prog(jmp(JmpOp.JEQ, 2, 0, 2), ldx(Size.B, 2, 1, 0), ldx(Size.B, 3, 1, 1), exit()), want: { 1: [1, 2], 2: 'covered' } },
    { name: 'jump target splits', insns: prog(ldx(Size.B, 2, 1, 0), ja(0), ldx(Size.B, 3, 1, 1), exit()), want: {} },
    { name: 'entry in the middle', insns: prog(jmp(JmpOp.JEQ, 2, 0, 1), ldx(Size.B, 2, 1, 0), ldx(Size.B, 3, 1, 1), jmp(JmpOp.JEQ, 2, 0, -2), exit()), want: {} },
  ];
  it.each(shapes)('groups: $name', ({ insns, want }) => {
    expect(shape(insns)).toEqual(want);
  });

  // input of `length` bytes; the group [r1 + 1] (1 byte), [r1 + 0] ... as in the checksum loop
  const rows = [
    { name: 'both inside', insns: prog(ldx(Size.B, 2, 1, 1), ldx(Size.B, 0, 1, 0), alu64x(AluOp.ADD, 0, 2), exit()), length: 2, want: { r0: 11n + 48n } },
    { name: 'second fails', insns: prog(ldx(Size.B, 2, 1, 0), ldx(Size.H, 0, 1, 1), exit()), length: 2, want: oob('read', 2, 1, 1) },
    { name: 'first fails', insns: prog(ldx(Size.H, 2, 1, 1), ldx(Size.B, 0, 1, 0), exit()), length: 2, want: oob('read', 2, 1, 0) },
    { name: 'store as last member fails, nothing written', insns: prog(ldx(Size.B, 2, 1, 0), stx(Size.W, 1, 2, 4), mov(0, 1), exit()), length: 7, want: oob('write', 4, 4, 1) },
    { name: 'store as last member inside', insns: prog(ldx(Size.B, 2, 1, 0), stx(Size.B, 1, 2, 6), ldx(Size.B, 0, 1, 6), exit()), length: 7, want: { r0: 11n } },
    { name: 'no input at all', insns: prog(ldx(Size.B, 2, 1, 1), ldx(Size.B, 0, 1, 0), exit()), length: 0, want: oob('read', 1, 1, 0) },
  ];
  it.each(rows)('$name', async ({ insns, length, want }) => {
    const p = await pair(insns);
    const mem = length === 0 ? undefined : bytes(length);
    const { jit, interpreter } = runBoth(p, mem);
    const base = length === 0 ? 0 : p.jitEnv.layout.inputBase;
    const expected = want.message === undefined ? want : { ...want, message: want.message.replace(/at 0x([0-9a-f]+) at/, (_, a: string) => `at 0x${(base + parseInt(a, 16)).toString(16)} at`) };
    expect(jit).toEqual(expected);
    expect(interpreter).toEqual(expected);
    expect(p.jitEnv.readInput()).toEqual(p.interpreterEnv.readInput());
    if (mem !== undefined) expect(p.jitEnv.readInput()).toEqual(want.message === undefined ? p.jitEnv.readInput() : mem);
  });

  it('groups r10 accesses against the stack', async () => {
    const insns = prog(st(Size.DW, 10, -16, 7), ldx(Size.W, 2, 10, -16), ldx(Size.W, 0, 10, -12), alu64x(AluOp.ADD, 0, 2), ldx(Size.W, 3, 10, -4), ldx(Size.W, 4, 10, 0), exit());
    expect(shape(insns)).toEqual({ 1: [1, 2], 2: 'covered', 4: [4, 5], 5: 'covered' });
    const p = await pair(insns);
    const { jit, interpreter } = runBoth(p, undefined);
    const want = oob('read', 4, p.jitEnv.stack.end, 5);
    expect(jit).toEqual(want);
    expect(interpreter).toEqual(want);
  });
});
