/**
 * @fileoverview Benchmark harness (`npm run bench`): interpreter vs JIT vs JIT with constant blinding
 * vs native C on the programs in bench/programs, plus JS->wasm call cost and compile latency.
 * Writes bench/results.json, bench/results.md, bench/chart.svg and the table in README.md.
 * Numbers are ratios measured in one run on one machine; absolute times are only for context.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { load, makeInsn, encode, type Insn, type Program } from '../src/index.js';
import { makeBenchPacket } from './packet.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const PROGRAMS = ['fnv1a', 'checksum', 'parse', 'xorshift'] as const;
type ProgramName = (typeof PROGRAMS)[number];

/** Median time per call in ns: calls `fn` in batches until each sample lasts ~`sampleMs`. */
function timeNs(fn: () => void, sampleMs = 150, samples = 5): number {
  let iterations = 1;
  for (;;) {
    const start = performance.now();
    for (let i = 0; i < iterations; i++) fn();
    if (performance.now() - start >= sampleMs / 4) break;
    iterations *= 2;
  }
  iterations = Math.max(1, Math.round(iterations * 4));
  const results: number[] = [];
  for (let s = 0; s < samples; s++) {
    const start = performance.now();
    for (let i = 0; i < iterations; i++) fn();
    results.push(((performance.now() - start) * 1e6) / iterations);
  }
  results.sort((a, b) => a - b);
  return results[Math.floor(results.length / 2)] ?? NaN;
}

interface NativeResult {
  nsPerRun: number;
  r0: string;
}

/** Builds and runs the gcc baseline, or returns null when gcc is missing. */
function runNative(buffer: Uint8Array): Record<string, NativeResult> | null {
  const binary = join(here, 'native', 'bin', 'harness');
  try {
    mkdirSync(dirname(binary), { recursive: true });
    execFileSync('gcc', ['-O2', '-fno-tree-vectorize', '-o', binary, join(here, 'native', 'harness.c')], { stdio: 'pipe' });
  } catch {
    if (!existsSync(binary)) return null;
  }
  const bufferFile = join(tmpdir(), `ebpf-wasm-bench-${process.pid}.bin`);
  writeFileSync(bufferFile, buffer);
  return JSON.parse(execFileSync(binary, [bufferFile], { encoding: 'utf8' })) as Record<string, NativeResult>;
}

/** A straight-line-with-branches program of `count` slots for compile-latency measurement. */
function syntheticProgram(count: number): Uint8Array {
  // r0..r5 = 1, so that no path reads an uninitialised register
  const insns: Insn[] = [0, 1, 2, 3, 4, 5].map((reg) => makeInsn(0xb7, reg, 0, 0, 1));
  let i = 0;
  while (insns.length < count - 3) {
    const reg = 1 + (i % 5);
    switch (i % 4) {
      case 0:
        insns.push(makeInsn(0x07, 0, 0, 0, i)); // r0 += i
        break;
      case 1:
        insns.push(makeInsn(0xbf, reg, 0)); // rN = r0
        break;
      case 2:
        insns.push(makeInsn(0x2f, 0, reg)); // r0 *= rN
        break;
      default:
        insns.push(makeInsn(0x25, 0, 0, 1, i)); // if r0 > i goto +1
        insns.push(makeInsn(0xa7, 0, 0, 0, 0x55)); // r0 ^= 0x55
    }
    i++;
  }
  while (insns.length < count - 1) insns.push(makeInsn(0x07, 0, 0, 0, 1));
  insns.push(makeInsn(0x95));
  return encode(insns);
}

function fmt(n: number, digits = 2): string {
  if (!Number.isFinite(n)) return 'n/a';
  return n >= 100 ? n.toFixed(0) : n.toFixed(digits);
}

async function main(): Promise<void> {
  const packet = makeBenchPacket(1500);
  const native = runNative(packet);
  const rows: Record<string, Record<string, number | string>> = {};

  for (const name of PROGRAMS) {
    const code = new Uint8Array(readFileSync(join(here, 'programs', `${name}.bin`)));
    const engines: [string, Program][] = [
      ['interpreter', await load(code, { type: 'raw', engine: 'interpreter' })],
      ['jit', await load(code, { type: 'raw', engine: 'jit', blinding: false })],
      ['jitBlinded', await load(code, { type: 'raw', engine: 'jit', blinding: true })],
    ];
    const expected = engines[0]![1].run(packet).r0;
    const row: Record<string, number | string> = { r0: expected.toString() };
    for (const [engine, prog] of engines) {
      const got = prog.run(packet).r0;
      if (got !== expected) throw new Error(`${name}: ${engine} returned ${got}, interpreter ${expected}`);
      row[engine] = timeNs(() => prog.run(packet, { data: false }));
    }
    const nativeRow = native?.[name as ProgramName];
    if (nativeRow !== undefined) {
      if (nativeRow.r0 !== expected.toString()) throw new Error(`${name}: native returned ${nativeRow.r0}, interpreter ${expected}`);
      row.native = nativeRow.nsPerRun;
    }
    rows[name] = row;
    console.log(name, row);
  }

  const empty = await load(encode([makeInsn(0xb7, 0, 0, 0, 0), makeInsn(0x95)]), { type: 'raw', engine: 'jit', blinding: false });
  const callNs = timeNs(() => empty.run(undefined, { data: false }));
  const compile: Record<string, number> = {};
  for (const count of [100, 1000, 4096]) {
    const code = syntheticProgram(count);
    await load(code, { type: 'raw', engine: 'jit' }); // warm binaryen and V8
    const reps = 5;
    const start = performance.now();
    for (let r = 0; r < reps; r++) await load(code, { type: 'raw', engine: 'jit' });
    compile[count] = (performance.now() - start) / reps;
  }

  const results = { date: new Date().toISOString(), node: process.version, programs: rows, callNs, compileMs: compile };
  writeFileSync(join(here, 'results.json'), JSON.stringify(results, null, 2) + '\n');
  const table = renderTable(rows, callNs, compile);
  writeFileSync(join(here, 'results.md'), table);
  writeFileSync(join(here, 'chart.svg'), renderChart(rows));
  const readmePath = join(root, 'README.md');
  if (existsSync(readmePath)) {
    const readme = readFileSync(readmePath, 'utf8');
    const updated = readme.replace(/<!-- bench:start -->[\s\S]*<!-- bench:end -->/, `<!-- bench:start -->\n${table}<!-- bench:end -->`);
    writeFileSync(readmePath, updated);
  }
  console.log(table);
}

function renderTable(rows: Record<string, Record<string, number | string>>, callNs: number, compile: Record<string, number>): string {
  const lines = [
    '| program | interpreter / native | JIT / native | JIT+blinding / native | JIT speed-up over interpreter | blinding cost |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  for (const [name, row] of Object.entries(rows)) {
    const native = typeof row.native === 'number' ? row.native : NaN;
    const interp = row.interpreter as number;
    const jit = row.jit as number;
    const blinded = row.jitBlinded as number;
    lines.push(
      `| ${name} | ${fmt(interp / native)}x | ${fmt(jit / native)}x | ${fmt(blinded / native)}x | ${fmt(interp / jit)}x | ${fmt((blinded / jit - 1) * 100, 1)}% |`,
    );
  }
  lines.push('');
  lines.push(`JS->wasm call (whole \`run()\` of an empty JIT program): ${fmt(callNs)} ns. Compile latency (decode + verify + lower + instantiate): ${Object.entries(compile).map(([n, ms]) => `${n} insns ${fmt(ms)} ms`).join(', ')}.`);
  lines.push('');
  return lines.join('\n') + '\n';
}

function renderChart(rows: Record<string, Record<string, number | string>>): string {
  const engines = ['interpreter', 'jit', 'jitBlinded'] as const;
  const colors = { interpreter: '#c0504d', jit: '#4f81bd', jitBlinded: '#9bbb59' };
  const names = Object.keys(rows);
  const barH = 14;
  const groupH = barH * engines.length + 16;
  const width = 720;
  const left = 90;
  const maxLog = Math.log10(200);
  const bars: string[] = [];
  names.forEach((name, gi) => {
    const row = rows[name]!;
    const native = typeof row.native === 'number' ? row.native : NaN;
    const y0 = 30 + gi * groupH;
    bars.push(`<text x="4" y="${y0 + barH * 2}" font-size="12">${name}</text>`);
    engines.forEach((engine, ei) => {
      const ratio = (row[engine] as number) / native;
      const w = Number.isFinite(ratio) ? Math.max(2, (Math.log10(Math.max(ratio, 1)) / maxLog) * (width - left - 80)) : 0;
      const y = y0 + ei * barH;
      bars.push(`<rect x="${left}" y="${y}" width="${w.toFixed(1)}" height="${barH - 2}" fill="${colors[engine]}"/>`);
      bars.push(`<text x="${(left + w + 4).toFixed(1)}" y="${y + barH - 4}" font-size="10">${fmt(ratio)}x</text>`);
    });
  });
  const height = 40 + names.length * groupH;
  const legend = engines.map((e, i) => `<rect x="${left + i * 130}" y="6" width="10" height="10" fill="${colors[e]}"/><text x="${left + 14 + i * 130}" y="15" font-size="11">${e}</text>`).join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif">` +
    `<title>time per run relative to native C (log scale, lower is better)</title>${legend}${bars.join('')}</svg>\n`;
}

await main();
