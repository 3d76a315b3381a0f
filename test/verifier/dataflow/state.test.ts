/**
 * @fileoverview Copy-on-write stacks and the cached stack hash of verifier states: a write to one
 * copy never shows in another, the hash follows every change, and a whole program whose branch
 * arms write different stack bytes is still judged per path.
 */
import { describe, expect, it } from 'vitest';
import { VerifierError } from '../../../src/errors.js';
import { scalarConst } from '../../../src/verifier/bounds.js';
import { Slot, copyState, newFrame, ownStack, scalarReg, stateHash, stateSafe, type FuncState, type VerifierState } from '../../../src/verifier/state.js';
import { run } from './support.js';

function fresh(): VerifierState {
  return { frames: [newFrame(0, -1, 0)], refs: [], mayGotoDepth: 0 };
}

function frame(s: VerifierState): FuncState {
  const f = s.frames[0];
  if (f === undefined) throw new Error('no frame');
  return f;
}

describe('copy-on-write stacks', () => {
  it('shares the stack until one copy writes it', () => {
    const a = fresh();
    const b = copyState(a);
    expect(frame(b).slots).toBe(frame(a).slots);
    ownStack(frame(b));
    frame(b).slots[504] = Slot.MISC;
    frame(b).spills[63] = scalarReg(scalarConst(7n));
    expect(frame(b).slots).not.toBe(frame(a).slots);
    expect(frame(a).slots[504]).toBe(Slot.INVALID);
    expect(frame(a).spills[63]).toBe(undefined);
  });

  it('the writer of the original copies too: the copy keeps its bytes', () => {
    const a = fresh();
    const b = copyState(a);
    ownStack(frame(a));
    frame(a).slots.fill(Slot.ZERO, 504, 512);
    expect([...frame(b).slots.slice(504)]).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('keeps the stack hash in step with the stack', () => {
    const a = fresh();
    const b = copyState(a);
    const before = stateHash(a);
    expect(stateHash(b)).toBe(before);
    ownStack(frame(b));
    frame(b).slots.fill(Slot.MISC, 504, 512);
    expect(stateHash(b)).not.toBe(before);
    expect(stateHash(a)).toBe(before);
    expect(stateSafe(a, b, true)).toBe(false);
    expect(stateSafe(a, b, false)).toBe(true);
    expect(stateSafe(b, a, false)).toBe(false);
    ownStack(frame(b));
    frame(b).slots.fill(Slot.INVALID, 504, 512);
    expect(stateHash(b)).toBe(before);
    expect(stateSafe(a, b, true)).toBe(true);
  });

  it('a store on one branch arm is not seen by the other arm', () => {
    const asm = 'if r2 > 5 goto a\n*(u64 *)(r10 - 8) = 0\ngoto j\na:\nr3 = 1\nj:\nr0 = *(u64 *)(r10 - 8)\nexit';
    let error: unknown;
    try {
      run(asm, { type: 'raw' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(VerifierError);
    expect((error as VerifierError).pc).toBe(4);
    expect((error as VerifierError).reason).toBe('invalid read from stack off -8+0 size 8');
  });
});
