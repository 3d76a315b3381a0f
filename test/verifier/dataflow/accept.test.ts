/**
 * @fileoverview Programs the data-flow verifier must accept: bounded loops, packet parsing with
 * checks, map lookups with NULL checks, spills and fills of pointers, local calls, `data_end -
 * data`, helpers with memory arguments; plus the refined checkedAccess and the log format.
 */
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/errors.js';
import { verifyDataflow } from '../../../src/verifier/dataflow.js';
import { asm, program, run, type RunOptions } from './support.js';

interface AcceptCase {
  readonly name: string;
  readonly asm: string;
  readonly options?: RunOptions;
}

const PKT = `r2 = *(u32 *)(r1 + 0)
r3 = *(u32 *)(r1 + 4)
`;

const CASES: readonly AcceptCase[] = [
  { name: 'return constant', asm: 'r0 = 2\nexit' },
  { name: 'bounded loop (sum 0..99)', asm: 'r0 = 0\nr1 = 0\nL:\nr0 += r1\nr1 += 1\nif r1 < 100 goto L\nexit' },
  { name: 'bounded loop with 32-bit counter', asm: 'w0 = 0\nw1 = 10\nL:\nw0 += 3\nw1 -= 1\nif w1 != 0 goto L\nexit' },
  {
    name: 'nested bounded loops',
    asm: 'r0 = 0\nr1 = 0\nO:\nr2 = 0\nI:\nr0 += 1\nr2 += 1\nif r2 < 4 goto I\nr1 += 1\nif r1 < 4 goto O\nexit',
  },
  {
    name: 'loop over the stack with a spilled counter',
    asm: '*(u64 *)(r10 - 8) = 0\nL:\nr1 = *(u64 *)(r10 - 8)\nr1 += 1\n*(u64 *)(r10 - 8) = r1\nif r1 < 20 goto L\nr0 = r1\nexit',
  },
  {
    name: 'ethernet header check (pkt + 14 > end)',
    asm: `${PKT}r4 = r2\nr4 += 14\nif r4 > r3 goto drop\nr0 = *(u16 *)(r2 + 12)\nr0 = *(u8 *)(r2 + 13)\nr0 = 2\nexit\ndrop:\nr0 = 1\nexit`,
  },
  {
    name: 'packet check as end < pkt',
    asm: `${PKT}r4 = r2\nr4 += 14\nif r3 < r4 goto drop\nr0 = *(u32 *)(r2 + 10)\nexit\ndrop:\nr0 = 1\nexit`,
  },
  {
    name: 'packet check as pkt <= end (jump to the good branch)',
    asm: `${PKT}r4 = r2\nr4 += 8\nif r4 <= r3 goto ok\nr0 = 1\nexit\nok:\nr0 = *(u64 *)(r2 + 0)\nexit`,
  },
  {
    name: 'packet check as end >= pkt',
    asm: `${PKT}r4 = r2\nr4 += 8\nif r3 >= r4 goto ok\nr0 = 1\nexit\nok:\nr0 = *(u64 *)(r2 + 0)\nexit`,
  },
  {
    name: 'packet check as pkt != end (equal on the fall-through)',
    asm: `${PKT}r4 = r2\nr4 += 2\nif r4 != r3 goto out\nr0 = *(u16 *)(r2 + 0)\nexit\nout:\nr0 = 1\nexit`,
  },
  {
    name: 'packet write after check (xdp)',
    asm: `${PKT}r4 = r2\nr4 += 6\nif r4 > r3 goto drop\n*(u16 *)(r2 + 4) = 0\nr0 = 3\nexit\ndrop:\nr0 = 1\nexit`,
  },
  {
    name: 'IPv4 header with variable IHL',
    asm: `${PKT}r4 = r2
r4 += 34
if r4 > r3 goto drop
r5 = *(u8 *)(r2 + 14)
r5 &= 15
r5 <<= 2
r4 = r2
r4 += r5
r6 = r4
r6 += 18
if r6 > r3 goto drop
r0 = *(u32 *)(r4 + 14)
r0 = 2
exit
drop:
r0 = 1
exit`,
  },
  {
    name: 'data_end - data (privileged)',
    asm: `${PKT}r3 -= r2\nif r3 < 14 goto drop\nr0 = 2\nexit\ndrop:\nr0 = 1\nexit`,
  },
  {
    name: 'pkt_meta checked against data',
    asm: 'r2 = *(u32 *)(r1 + 8)\nr3 = *(u32 *)(r1 + 0)\nr4 = r2\nr4 += 4\nif r4 > r3 goto out\nr0 = *(u32 *)(r2 + 0)\nexit\nout:\nr0 = 0\nexit',
  },
  {
    name: 'map lookup with NULL check',
    asm: `r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map[0]
call 1
if r0 == 0 goto out
r1 = *(u64 *)(r0 + 0)
r1 += 1
*(u64 *)(r0 + 0) = r1
r0 = 0
exit
out:
r0 = 1
exit`,
  },
  {
    name: 'map lookup with NULL check on a copy (id propagation)',
    asm: `*(u32 *)(r10 - 4) = 0
r2 = r10
r2 += -4
r1 = map[1]
call 1
r6 = r0
if r0 != 0 goto ok
r0 = 0
exit
ok:
r0 = *(u64 *)(r6 + 8)
exit`,
  },
  {
    name: 'map value with bounded variable offset',
    asm: `*(u32 *)(r10 - 4) = 0
r2 = r10
r2 += -4
r1 = map[1]
call 1
if r0 == 0 goto out
r1 = *(u32 *)(r0 + 0)
if r1 > 12 goto out
r0 += r1
r0 = *(u32 *)(r0 + 0)
exit
out:
r0 = 0
exit`,
  },
  {
    name: 'bounds learnt through a register copy',
    asm: `*(u32 *)(r10 - 4) = 0
r2 = r10
r2 += -4
r1 = map[1]
call 1
if r0 == 0 goto out
r1 = *(u32 *)(r0 + 0)
r2 = r1
if r1 > 12 goto out
r0 += r2
r0 = *(u32 *)(r0 + 0)
exit
out:
r0 = 0
exit`,
  },
  {
    name: 'custom context layout',
    asm: 'r0 = *(u64 *)(r1 + 8)\n*(u32 *)(r1 + 0) = 1\nexit',
    options: {
      type: 'xdp',
      context: {
        name: 'custom',
        size: 16,
        fields: [
          { name: 'flags', offset: 0, size: 4, readable: true, writable: true, kind: 'scalar' },
          { name: 'value', offset: 8, size: 8, readable: true, writable: false, kind: 'scalar' },
        ],
      },
    },
  },
  {
    name: 'map value index masked with &=',
    asm: `*(u32 *)(r10 - 4) = 0
r2 = r10
r2 += -4
r1 = map[1]
call 1
if r0 == 0 goto out
r1 = *(u64 *)(r0 + 0)
r1 &= 15
r0 += r1
r0 = *(u8 *)(r0 + 0)
exit
out:
r0 = 0
exit`,
  },
  {
    name: 'signed range checks before map value access',
    asm: `*(u32 *)(r10 - 4) = 0
r2 = r10
r2 += -4
r1 = map[1]
call 1
if r0 == 0 goto out
r1 = *(u64 *)(r0 + 0)
if r1 s< 0 goto out
if r1 s> 7 goto out
r0 += r1
r0 = *(u64 *)(r0 + 0)
exit
out:
r0 = 0
exit`,
  },
  {
    name: 'JMP32 bound on a 32-bit index',
    asm: `*(u32 *)(r10 - 4) = 0
r2 = r10
r2 += -4
r1 = map[1]
call 1
if r0 == 0 goto out
w1 = *(u32 *)(r0 + 0)
if w1 > 15 goto out
r0 += r1
r0 = *(u8 *)(r0 + 0)
exit
out:
r0 = 0
exit`,
  },
  {
    name: 'map update with key and value on the stack',
    asm: `*(u32 *)(r10 - 4) = 0
*(u64 *)(r10 - 16) = 7
r2 = r10
r2 += -4
r3 = r10
r3 += -16
r4 = 0
r1 = map[0]
call 2
exit`,
  },
  {
    name: 'direct map value pointer (lddw MAP_IDX_VALUE)',
    asm: 'r1 = map_value[1]+8\nr0 = *(u64 *)(r1 + 0)\n*(u32 *)(r1 - 8) = 1\nexit',
  },
  {
    name: 'spill and fill of ctx across a helper call',
    asm: '*(u64 *)(r10 - 8) = r1\ncall 5\nr1 = *(u64 *)(r10 - 8)\nr0 = *(u32 *)(r1 + 12)\nexit',
  },
  {
    name: 'spilled packet pointer learns the range',
    asm: `${PKT}*(u64 *)(r10 - 16) = r2\nr4 = r2\nr4 += 4\nif r4 > r3 goto out\nr5 = *(u64 *)(r10 - 16)\nr0 = *(u32 *)(r5 + 0)\nexit\nout:\nr0 = 0\nexit`,
  },
  {
    name: 'constant dead branch is not explored',
    asm: 'r1 = 0\nif r1 != 0 goto bad\nr0 = 0\nexit\nbad:\nr0 = *(u64 *)(r1 + 0)\nexit',
  },
  {
    name: 'range-impossible branch is not explored',
    asm: 'r1 = *(u8 *)(r1 + 0)\nr0 = 0\nif r1 > 255 goto bad\nexit\nbad:\nr0 = *(u64 *)(r10 - 8)\nexit',
    options: { type: 'raw' },
  },
  {
    name: 'local call with pointer to the caller stack',
    asm: `r1 = r10
r1 += -8
call fill
r0 = *(u64 *)(r10 - 8)
exit
fill:
*(u64 *)(r1 + 0) = 42
r0 = 0
exit`,
  },
  {
    name: 'local call result and callee-saved registers',
    asm: 'r6 = 5\nr1 = 7\ncall add\nr0 += r6\nexit\nadd:\nr0 = r1\nr0 += 1\nexit',
  },
  {
    name: 'recursive-depth chain of 8 frames',
    asm: 'call f1\nexit\nf1:\ncall f2\nexit\nf2:\ncall f3\nexit\nf3:\ncall f4\nexit\nf4:\ncall f5\nexit\nf5:\ncall f6\nexit\nf6:\ncall f7\nexit\nf7:\nr0 = 0\nexit',
  },
  {
    name: 'ringbuf reserve, NULL check, write, submit',
    asm: `r1 = map[2]
r2 = 16
r3 = 0
call 131
if r0 == 0 goto out
*(u64 *)(r0 + 8) = 1
r1 = r0
r2 = 0
call 132
out:
r0 = 0
exit`,
  },
  {
    name: 'ringbuf output from the stack',
    asm: '*(u64 *)(r10 - 8) = 1\nr1 = map[2]\nr2 = r10\nr2 += -8\nr3 = 8\nr4 = 0\ncall 130\nexit',
  },
  {
    name: 'queue pop into uninitialised stack, then read',
    asm: 'r1 = map[4]\nr2 = r10\nr2 += -8\ncall 88\nr0 = *(u64 *)(r10 - 8)\nexit',
  },
  {
    name: 'tc skb_load_bytes into the stack',
    asm: 'r2 = 0\nr3 = r10\nr3 += -16\nr4 = 16\ncall 26\nr0 = *(u64 *)(r10 - 16)\nexit',
    options: { type: 'tc' },
  },
  { name: 'tc ctx writes to writable fields', asm: 'r2 = 1\n*(u32 *)(r1 + 8) = r2\n*(u32 *)(r1 + 48) = r2\nr0 = *(u16 *)(r1 + 0)\nexit', options: { type: 'tc' } },
  { name: 'socket filter cb write and narrow len read', asm: '*(u32 *)(r1 + 52) = 0\nr0 = *(u8 *)(r1 + 0)\nexit', options: { type: 'socket_filter' } },
  { name: 'socket filter legacy ld_abs', asm: 'r6 = r1\nr0 = *(u16 *)skb[12]\nexit', options: { type: 'socket_filter' } },
  { name: 'tail call then fall through', asm: 'r2 = map[3]\nr3 = 0\ncall 12\nr0 = 0\nexit' },
  { name: 'redirect_map with devmap', asm: 'r1 = map[5]\nr2 = 0\nr3 = 0\ncall 51\nexit' },
  {
    name: 'xdp_adjust_head then reload data',
    asm: `r6 = r1\nr2 = -14\ncall 44\nr2 = *(u32 *)(r6 + 0)\nr3 = *(u32 *)(r6 + 4)\nr4 = r2\nr4 += 14\nif r4 > r3 goto out\nr0 = *(u8 *)(r2 + 0)\nexit\nout:\nr0 = 1\nexit`,
  },
  {
    name: 'variable-offset stack read and write (privileged)',
    asm: '*(u64 *)(r10 - 16) = 0\n*(u64 *)(r10 - 8) = 0\nr2 = *(u32 *)(r1 + 0)\nr2 &= 15\nr3 = r10\nr3 += -16\nr3 += r2\n*(u8 *)(r3 + 0) = 1\nr0 = *(u8 *)(r3 + 0)\nr4 = *(u64 *)(r10 - 16)\nexit',
    options: { type: 'tc' },
  },
  { name: 'loop bounded by may_goto', asm: 'r0 = 0\nL:\nmay_goto +2\nr0 = 1\ngoto L\nexit' },
  { name: 'atomic add on the stack', asm: '*(u64 *)(r10 - 8) = 0\nr1 = 1\nlock *(u64 *)(r10 - 8) += r1\nr0 = *(u64 *)(r10 - 8)\nexit' },
  { name: 'unprivileged scalar-only program', asm: 'r0 = *(u32 *)(r1 + 12)\nr0 &= 3\nexit', options: { unprivileged: true } },
  { name: 'raw type input accesses', asm: 'r0 = *(u64 *)(r1 + 0)\nr1 += 8\n*(u32 *)(r1 + 100) = 1\nexit', options: { type: 'raw' } },
  { name: 'raw type user helper', asm: 'r1 = 1\ncall 77\nexit', options: { type: 'raw', userHelpers: new Set([77]) } },
  {
    name: 'jset refinement',
    asm: 'r1 = *(u32 *)(r1 + 12)\nr0 = 0\nif r1 & 1 goto odd\nexit\nodd:\nr0 = r1\nexit',
  },
  {
    name: 'movsx and byte swap on scalars',
    asm: 'r1 = *(u8 *)(r1 + 12)\nr2 = (s8)r1\nr1 = be16 r1\nr1 = bswap64 r1\nr2 = -r2\nr0 = r2\nr0 s>>= 1\nexit',
    options: { type: 'tc' },
  },
];

describe('verifyDataflow accepts', () => {
  it.each(CASES)('$name', ({ asm, options }) => {
    const result = run(asm, options);
    expect(result.stats.insnsProcessed).toBeGreaterThan(0);
  });
});

describe('verifyDataflow results', () => {
  it('prunes a diamond at the join point', () => {
    const asm = `r1 = *(u32 *)(r1 + 12)
if r1 > 5 goto a
r2 = 1
goto join
a:
r2 = 2
join:
r0 = 0
exit`;
    const result = run(asm);
    expect(result.stats).toEqual({ insnsProcessed: 7, states: 4, peakStates: 4, pruned: 1, maxStatesPerInsn: 1, fallback: false });
  });

  it('counts a bounded loop exactly', () => {
    const result = run('r0 = 0\nr1 = 0\nL:\nr0 += r1\nr1 += 1\nif r1 < 100 goto L\nexit');
    expect(result.stats).toEqual({ insnsProcessed: 303, states: 36, peakStates: 36, pruned: 0, maxStatesPerInsn: 34, fallback: false });
  });

  it('verifies a 10,000-iteration loop with a branch in its body', () => {
    const result = run('r0 = 0\nr1 = 0\nL:\nr0 += r1\nr2 = r0\nr2 &= 1\nif r2 == 0 goto S\nr0 += 1\nS:\nr1 += 1\nif r1 < 10000 goto L\nexit');
    expect(result.stats.insnsProcessed).toBe(65003);
  });

  it('prunes the second half of a loop body once the diamond converges', () => {
    const result = run(`r6 = *(u32 *)(r1 + 12)
r1 = 0
L:
if r6 > 7 goto a
r2 = 1
goto j
a:
r2 = 2
j:
r1 += 1
if r1 < 3 goto L
r0 = 0
exit`);
    expect(result.stats.pruned).toBeGreaterThan(0);
  });

  it('falls back to run-time checks for a raw loop bounded by the input length', () => {
    const asm = 'r0 = 0\nr3 = 0\nL:\nr4 = r1\nr4 += r3\nr5 = *(u8 *)(r4 + 0)\nr0 += r5\nr3 += 1\nif r3 < r2 goto L\nexit';
    const result = run(asm, { type: 'raw', complexityLimit: 2000, onComplexityLimit: 'check-at-run-time' });
    expect(result.stats.fallback).toBe(true);
    expect([...result.program.checkedAccess]).toEqual([0, 0, 0, 0, 1, 0, 0, 0, 0]);
    expect(() => run(asm, { type: 'raw', complexityLimit: 2000 })).toThrow('BPF program is too large. Processed 2001 insn');
  });

  it('refines checkedAccess: only raw input accesses stay checked', () => {
    const asm = '*(u64 *)(r10 - 8) = 0\nr0 = *(u64 *)(r1 + 0)\nr2 = *(u64 *)(r10 - 8)\nr1 += r2\n*(u8 *)(r1 + 3) = 1\nexit';
    const result = run(asm, { type: 'raw' });
    expect([...result.program.checkedAccess]).toEqual([0, 1, 0, 0, 1, 0]);
  });

  it('marks no access as checked for typed programs', () => {
    const result = run(`${PKT}r4 = r2\nr4 += 1\nif r4 > r3 goto +1\nr0 = *(u8 *)(r2 + 0)\nr0 = 0\nexit`);
    expect([...result.program.checkedAccess]).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('writes kernel-style log lines at level 2', () => {
    const result = run('r0 = *(u32 *)(r1 + 12)\nr0 &= 3\nexit', { logLevel: 2 });
    expect(result.log.split('\n')).toEqual([
      '0: (61) w0 = *(u32 *)(r1 + 12)          ; R0=scalar(smin=0,smax=umax=0xffffffff,var_off=(0x0; 0xffffffff)) R1=ctx() R10=fp0',
      '1: (57) r0 &= 3                         ; R0=scalar(smin=smin32=0,smax=umax=smax32=umax32=3,var_off=(0x0; 0x3)) R1=ctx() R10=fp0',
      '2: (95) exit',
      'processed 3 insns (limit 1000000) max_states_per_insn 1 total_states 1 peak_states 1',
      '',
    ]);
  });

  it('refuses a program verified structurally for another type', () => {
    expect(() => verifyDataflow(program(asm('r0 = 0\nexit'), 'xdp'), { type: 'tc' })).toThrow(UsageError);
  });

  it('writes no log at level 0', () => {
    expect(run('r0 = 0\nexit').log).toBe('');
  });

  it('keeps the failing instruction and reason at the end of the error log', () => {
    try {
      run('r0 = 1\nr0 = *(u64 *)(r10 - 8)\nexit', { logLevel: 2 });
      expect.unreachable();
    } catch (e) {
      const log = (e as { log: string }).log.trimEnd().split('\n');
      expect(log.slice(-3)).toEqual(['0: (b7) r0 = 1                          ; R0=1 R1=ctx() R10=fp0', '1: (79) r0 = *(u64 *)(r10 - 8)', 'invalid read from stack off -8+0 size 8']);
    }
  });
});
