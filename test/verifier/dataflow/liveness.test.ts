/**
 * @fileoverview Static register liveness used by state pruning: exact live-in masks per pc.
 */
import { describe, expect, it } from 'vitest';
import { computeLiveness } from '../../../src/verifier/liveness.js';
import { asm } from './support.js';

const mask = (...regs: number[]): number => regs.reduce((m, r) => m | (1 << r), 0);

describe('computeLiveness', () => {
  it.each([
    { name: 'straight line', text: 'r2 = r1\nr0 = r2\nexit', want: [mask(1), mask(2), mask(0)] },
    { name: 'overwritten before read', text: 'r3 = 1\nr3 = 2\nr0 = r3\nexit', want: [0, 0, mask(3), mask(0)] },
    { name: 'branch reads both operands', text: 'r0 = 0\nif r1 > r2 goto +1\nr0 = r3\nexit', want: [mask(1, 2, 3), mask(0, 1, 2, 3), mask(3), mask(0)] },
    { name: 'helper call reads its arguments and clobbers r0-r5', text: 'r2 = 0\ncall 23\nexit', want: [mask(1), mask(1, 2), mask(0)] },
    { name: 'store reads base and value', text: '*(u64 *)(r10 - 8) = r6\nr0 = 0\nexit', want: [mask(6, 10), 0, mask(0)] },
    { name: 'loop keeps the counter live', text: 'r1 = 0\nr1 += 1\nif r1 < 5 goto -2\nr0 = 0\nexit', want: [0, mask(1), mask(1), 0, mask(0)] },
  ])('$name', ({ text, want }) => {
    expect([...computeLiveness(asm(text)).slice(0, want.length)]).toEqual(want);
  });
});
