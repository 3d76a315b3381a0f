/**
 * @fileoverview The public API contract of src/index.ts: load/verify options and their errors, the Program shape,
 * Insn[] input, and the engine switch (JIT expectations depend on whether jit/compile.ts exists).
 */
import { describe, expect, it } from 'vitest';
import {
  assemble,
  DecodeError,
  EncodeError,
  ErrorCode,
  JitError,
  load,
  makeInsn,
  UsageError,
  VerifierError,
  verify,
  type LoadOptions,
  type ProgramType,
} from 'ebpf-wasm';
import { jitAvailable } from '../support/engines.js';

const RETURN_7 = assemble('mov %r0, 7\nexit');

async function loadError(code: Uint8Array | readonly ReturnType<typeof makeInsn>[], options: LoadOptions): Promise<unknown> {
  try {
    await load(code, options);
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('load', () => {
  it('defaults to the raw type on the interpreter', async () => {
    const prog = await load(RETURN_7);
    expect(prog.engine).toBe('interpreter');
    expect(prog.type).toBe('raw');
    expect(prog.insns).toEqual([makeInsn(0xb7, 0, 0, 0, 7), makeInsn(0x95)]);
    expect(prog.wasm).toBeUndefined();
    expect(() => prog.wat()).toThrow(UsageError);
    expect(prog.run()).toEqual({ r0: 7n, data: new Uint8Array() });
  });

  it('accepts instruction slots and normalises unsigned immediates', async () => {
    const prog = await load([makeInsn(0xb7, 0, 0, 0, 0xffffffff), makeInsn(0x95)]);
    expect(prog.insns[0]?.imm).toBe(-1);
    expect(prog.run().r0).toBe(0xffffffffffffffffn);
  });

  it('passes r1 = 0 and r2 = 0 without memory, and the length with memory', async () => {
    const prog = await load(assemble('mov %r0, %r1\nlsh %r0, 32\nor %r0, %r2\nexit'), { verifier: 'structural' });
    expect(prog.run().r0).toBe(0n);
    expect(prog.run(new Uint8Array()).r0).toBe(0n);
    expect(prog.run(new Uint8Array(3)).r0 & 0xffffffffn).toBe(3n);
  });

  it.each([
    { name: 'an unknown engine', options: { engine: 'vm' } as unknown as LoadOptions, code: ErrorCode.USAGE },
    { name: 'an unsupported program type', options: { type: 'kprobe' as ProgramType }, code: ErrorCode.USAGE },
    { name: 'an optimize level out of range', options: { optimize: 4 }, code: ErrorCode.USAGE },
    { name: 'a helper id that is not an integer', options: { helpers: { ['x' as unknown as number]: () => 0 } }, code: ErrorCode.USAGE },
    { name: 'a helper that is not a function', options: { helpers: { 1: 5 as unknown as () => number } }, code: ErrorCode.USAGE },
  ])('rejects $name', async ({ options, code }) => {
    expect(await loadError(RETURN_7, options)).toMatchObject({ code });
  });

  it('rejects undecodable bytes with a DecodeError', async () => {
    expect(await loadError(new Uint8Array(7), {})).toBeInstanceOf(DecodeError);
  });

  it('rejects unencodable slots with an EncodeError', async () => {
    expect(await loadError([makeInsn(0xb7, 0, 0, 0x10000, 0), makeInsn(0x95)], {})).toBeInstanceOf(EncodeError);
  });

  it('rejects a call to a helper that was not given', async () => {
    const error = await loadError(assemble('call 5\nexit'), {});
    expect(error).toBeInstanceOf(VerifierError);
    expect((error as VerifierError).reason).toBe('invalid func unknown#5');
  });

  it.runIf(!jitAvailable)('reports a missing JIT as a JitError', async () => {
    expect(await loadError(RETURN_7, { engine: 'jit' })).toBeInstanceOf(JitError);
  });

  it.runIf(jitAvailable)('builds the JIT engine with its wasm', async () => {
    const prog = await load(RETURN_7, { engine: 'jit' });
    expect(prog.engine).toBe('jit');
    expect(prog.wasm).toBeInstanceOf(Uint8Array);
    expect(typeof prog.wat()).toBe('string');
    expect(prog.run().r0).toBe(7n);
  });
});

describe('verify', () => {
  it('returns the verified program', () => {
    // r1 is clobbered by the call: the input pointer survives in r6. The stack store is proven (0),
    // the input read through r6 is checked at run time (1).
    const program = verify(assemble('mov %r6, %r1\nstdw [%r10-8], 1\ncall 1\nldxb %r0, [%r6]\nexit'), { helpers: { 1: () => 0 } });
    expect(program.functions).toEqual([0]);
    expect(program.helperIds).toEqual([1]);
    expect([...program.checkedAccess]).toEqual([0, 0, 0, 1, 0]);
    expect(program.stats.fallback).toBe(false);
    expect(program.loopBudget).toBeUndefined();
  });

  it('throws VerifierError for a rejected program', () => {
    expect(() => verify(assemble('mov %r0, 0'))).toThrow(VerifierError);
  });
});
