/**
 * @fileoverview Data-flow verifier benchmark (`npx tsx bench/verifier.ts`): verification time and
 * processed instructions / states / pruning hits for every program of the ELF fixtures, the
 * benchmark programs (raw type, run-time-check fallback) and synthetic programs: a 4,096-insn
 * straight line (ALU, spills/fills, rejoining branches), nested bounded loops needing ~1,000,000
 * processed insns, and a loop the 1,000,000-insn limit rejects. Writes bench/verifier-results.json
 * and prints a markdown table (times: the fastest of several runs, wall clock and process CPU). `--baseline` stores this run as the baseline the later runs compare
 * with; `--quick` takes one sample per row; `--only=TEXT` runs the rows whose name contains TEXT
 * (and writes no file).
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAssembly } from '../src/asm/assembler.js';
import { parseObject } from '../src/elf/object.js';
import { isHelperCall, isLocalCall, isMemoryAccess, type Insn } from '../src/isa/instruction.js';
import type { ProgramType, VerifiedProgram } from '../src/verifier/program.js';
import { verifyDataflow, type DataflowOptions, type DataflowStats } from '../src/verifier/dataflow.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const OUT = join(here, 'verifier-results.json');

/** One benchmark case: a program and the options it is verified with. */
interface Case {
  readonly name: string;
  readonly program: VerifiedProgram;
  readonly options: DataflowOptions;
}

/** One measured row. */
interface Row {
  readonly name: string;
  readonly insns: number;
  /** accepted, fallback (raw run-time checks) or the rejection reason */
  readonly outcome: string;
  /** wall-clock time of the first run of this program (earlier rows have already warmed the JIT up) */
  readonly coldMs: number;
  /** fastest wall-clock time of the runs */
  readonly ms: number;
  /** fastest process CPU time (user + system) of the runs: less disturbed by other processes */
  readonly cpuMs: number;
  /** cpuMs per processed insn, in microseconds */
  readonly usPerInsn: number;
  readonly processed: number;
  readonly states: number;
  readonly peakStates: number;
  readonly pruned: number;
  readonly maxStatesPerInsn: number;
}

/** The VerifiedProgram the structural pass would produce (every memory access marked). */
function verified(insns: readonly Insn[], type: ProgramType, functions?: readonly number[]): VerifiedProgram {
  const fns = new Set<number>(functions ?? [0]);
  const helperIds = new Set<number>();
  const checkedAccess = new Uint8Array(insns.length);
  insns.forEach((insn, pc) => {
    if (functions === undefined && isLocalCall(insn)) fns.add(pc + 1 + insn.imm);
    if (isHelperCall(insn)) helperIds.add(insn.imm);
    if (isMemoryAccess(insn)) checkedAccess[pc] = 1;
  });
  return { type, insns, functions: [...fns].sort((a, b) => a - b), checkedAccess, helperIds: [...helperIds].sort((a, b) => a - b) };
}

function objectCases(dir: string, prefix: string, raw: boolean): Case[] {
  const cases: Case[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.o')).sort()) {
    const object = parseObject(readFileSync(join(dir, file)));
    for (const p of object.programs) {
      const type: ProgramType = raw || p.type === 'unknown' ? 'raw' : p.type;
      const options: DataflowOptions = raw ? { type, maps: object.maps, onComplexityLimit: 'check-at-run-time' } : { type, maps: object.maps };
      cases.push({ name: `${prefix}${file.replace('.o', '')}/${p.name}`, program: verified(p.insns, type, p.functions.map((f) => f.pc)), options });
    }
  }
  return cases;
}

/**
 * A straight-line raw program of exactly `n` insns: blocks of mixed ALU, a spill and a fill, a
 * narrow store and load, and a diamond on an unknown value whose two arms rejoin (the arms differ
 * only in a register that is dead at the join, so the second arm is pruned there).
 */
function straightLine(n: number): Insn[] {
  const head = ['*(u64 *)(r10 - 8) = r2', 'r0 = 0', 'r9 = 1'];
  const block = [
    'r3 = *(u64 *)(r10 - 8)',
    'r3 += 7',
    'r4 = r3',
    'r4 ^= 85',
    'r4 <<= 3',
    'r4 &= 4095',
    '*(u64 *)(r10 - 16) = r4',
    'r5 = *(u64 *)(r10 - 16)',
    '*(u32 *)(r10 - 24) = 0',
    'r8 = *(u32 *)(r10 - 24)',
    'w9 += 3',
    'r9 |= r8',
    'if r5 > 100 goto +2',
    'r6 = 1',
    'goto +1',
    'r6 = 2',
  ];
  const lines = [...head];
  while (lines.length + block.length + 1 <= n) lines.push(...block);
  while (lines.length + 1 < n) lines.push('r7 = r9');
  lines.push('exit');
  const insns = parseAssembly(lines.join('\n'), { syntax: 'llvm' });
  if (insns.length !== n) throw new Error(`straight line has ${insns.length} insns, want ${n}`);
  return insns;
}

/** Two nested counting loops (outer < `outer`, inner < `inner`) the verifier must unroll completely. */
function nestedLoops(outer: number, inner: number): Insn[] {
  return parseAssembly(
    ['r0 = 0', 'r2 = 0', 'O:', 'r1 = 0', 'I:', 'r0 += r1', 'r1 += 1', `if r1 < ${inner} goto I`, 'r2 += 1', `if r2 < ${outer} goto O`, 'exit'].join('\n'),
    { syntax: 'llvm' },
  );
}

function syntheticCases(): Case[] {
  return [
    { name: 'synthetic/straight-line-4096', program: verified(straightLine(4096), 'raw'), options: { type: 'raw' } },
    { name: 'synthetic/nested-loops-330x1000', program: verified(nestedLoops(330, 1000), 'raw'), options: { type: 'raw' } },
    { name: 'synthetic/limit-rejection-400x1000', program: verified(nestedLoops(400, 1000), 'raw'), options: { type: 'raw' } },
  ];
}

const ZERO_STATS: DataflowStats = { insnsProcessed: 0, states: 0, peakStates: 0, pruned: 0, maxStatesPerInsn: 0, fallback: false };

/** Verifies once; returns the time in ms, the outcome and the stats (parsed from the log's summary when rejected). */
function once(c: Case): { ms: number; cpuMs: number; outcome: string; stats: DataflowStats } {
  const start = performance.now();
  const cpu = process.cpuUsage();
  const cpuMs = (): number => {
    const d = process.cpuUsage(cpu);
    return (d.user + d.system) / 1000;
  };
  try {
    const r = verifyDataflow(c.program, c.options);
    const ms = performance.now() - start;
    return { ms, cpuMs: cpuMs(), outcome: r.stats.fallback ? 'fallback' : 'accepted', stats: r.stats };
  } catch (e) {
    const ms = performance.now() - start;
    const used = cpuMs();
    const reason = e instanceof Error ? ((e as { reason?: string }).reason ?? e.message) : String(e);
    const m = /Processed (\d+) insn/.exec(reason);
    return { ms, cpuMs: used, outcome: `rejected: ${reason}`, stats: { ...ZERO_STATS, insnsProcessed: m === null ? 0 : Number(m[1]) } };
  }
}

/**
 * Fastest of several runs after warming up (at least 300 ms or 3 runs, so that the JIT has
 * optimised the verifier), then at least 3 runs and 1 s: the minimum is the figure least
 * disturbed by other processes on a shared machine. `quick` takes one run after one warm-up.
 */
function measure(c: Case, quick: boolean): Row {
  let last = once(c);
  const coldMs = last.ms;
  const warmStart = performance.now();
  for (let i = 0; !quick && (i < 2 || performance.now() - warmStart < 300); i++) last = once(c);
  let ms = Infinity;
  let cpuMs = Infinity;
  const start = performance.now();
  for (let i = 0; i < (quick ? 1 : 1000) && (i < 3 || performance.now() - start < 1000); i++) {
    last = once(c);
    ms = Math.min(ms, last.ms);
    cpuMs = Math.min(cpuMs, last.cpuMs);
  }
  const s = last.stats;
  return {
    name: c.name,
    insns: c.program.insns.length,
    outcome: last.outcome,
    coldMs: Math.round(coldMs * 1000) / 1000,
    ms: Math.round(ms * 1000) / 1000,
    cpuMs: Math.round(cpuMs * 1000) / 1000,
    usPerInsn: s.insnsProcessed === 0 ? 0 : Math.round((cpuMs * 1000 * 100) / s.insnsProcessed) / 100,
    processed: s.insnsProcessed,
    states: s.states,
    peakStates: s.peakStates,
    pruned: s.pruned,
    maxStatesPerInsn: s.maxStatesPerInsn,
  };
}

interface Results {
  readonly node: string;
  readonly date: string;
  /** wall ms of the very first verification in the process (the 4,096-insn straight line, nothing JIT-compiled yet) */
  readonly coldStraightLineMs: number;
  readonly rows: readonly Row[];
  readonly baseline?: { readonly date: string; readonly coldStraightLineMs: number; readonly rows: readonly Row[] };
}

function table(rows: readonly Row[], baseline: readonly Row[] | undefined): string {
  const before = new Map((baseline ?? []).map((r) => [r.name, r]));
  const head = ['program', 'insns', 'outcome', 'processed', 'states', 'peak', 'pruned', 'max/insn', ...(baseline === undefined ? [] : ['before cpu ms']), 'wall ms', 'cpu ms', 'us/insn', ...(baseline === undefined ? [] : ['speed-up (cpu)'])];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map((_, i) => (i < 3 ? ' --- ' : ' ---: ')).join('|')}|`];
  for (const r of rows) {
    const b = before.get(r.name);
    const outcome = r.outcome.length > 60 ? `${r.outcome.slice(0, 57)}...` : r.outcome;
    const cells = [r.name, r.insns, outcome, r.processed, r.states, r.peakStates, r.pruned, r.maxStatesPerInsn];
    if (baseline !== undefined) cells.push(b === undefined ? '-' : b.cpuMs.toFixed(2));
    cells.push(r.ms.toFixed(2), r.cpuMs.toFixed(2), r.usPerInsn.toFixed(2));
    if (baseline !== undefined) cells.push(b === undefined || r.cpuMs === 0 ? '-' : `${(b.cpuMs / r.cpuMs).toFixed(1)}x`);
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

function main(): void {
  const args = new Set(process.argv.slice(2));
  const quick = args.has('--quick');
  const only = process.argv.slice(2).find((a) => a.startsWith('--only='))?.slice(7);
  const synthetic = syntheticCases();
  const straight = synthetic[0];
  const coldStraightLineMs = straight === undefined ? 0 : Math.round(once(straight).ms * 1000) / 1000;
  const cases = [...objectCases(join(root, 'test/fixtures/elf'), 'elf/', false), ...objectCases(join(root, 'bench/programs'), 'bench/', true), ...synthetic].filter(
    (c) => only === undefined || c.name.includes(only),
  );
  const rows: Row[] = [];
  for (const c of cases) {
    const row = measure(c, quick);
    rows.push(row);
    process.stderr.write(`${row.name}: ${row.ms.toFixed(2)} ms (cpu ${row.cpuMs.toFixed(2)} ms), ${row.processed} insns processed (${row.outcome})\n`);
  }
  const previous: Results | undefined = existsSync(OUT) ? (JSON.parse(readFileSync(OUT, 'utf8')) as Results) : undefined;
  const date = new Date().toISOString();
  const baseline = args.has('--baseline') ? { date, coldStraightLineMs, rows } : previous?.baseline;
  if (only === undefined) {
    const results: Results = { node: process.version, date, coldStraightLineMs, rows, ...(baseline === undefined ? {} : { baseline }) };
    writeFileSync(OUT, `${JSON.stringify(results, null, 2)}\n`);
  }
  console.log(table(rows, args.has('--baseline') ? undefined : baseline?.rows));
  const coldBefore = args.has('--baseline') ? undefined : (baseline?.coldStraightLineMs as number | undefined);
  const before = coldBefore === undefined ? '' : ` (before: ${coldBefore.toFixed(2)} ms)`;
  console.log(`\nFirst verification in a fresh process (4,096-insn straight line, nothing JIT-compiled yet): ${coldStraightLineMs.toFixed(2)} ms${before}`);
}

main();
