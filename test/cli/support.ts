/**
 * @fileoverview Helpers of the CLI tests: run `main` in-process with captured stdout/stderr, fixture
 * paths, temporary directories, and the --maps JSON out of a run's stdout.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli.js';
import type { MapJson } from '../../src/cli/format.js';

/** The repository root. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A path under the repository root. */
export function fixture(path: string): string {
  return join(ROOT, path);
}

/** The 300-packet capture shared with the cbpf and pcap tests. */
export const MIXED_PCAP = fixture('test/fixtures/pcap/mixed.pcap');

/** What one CLI invocation produced. */
export interface CliResult {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

/** Runs the CLI in-process (stderr is not a terminal; `signal` stands in for Ctrl-C). */
export async function cli(argv: readonly string[], options: { signal?: AbortSignal; isTTY?: boolean } = {}): Promise<CliResult> {
  let out = '';
  let err = '';
  const code = await main(argv, {
    out: (s) => (out += s),
    err: (s) => (err += s),
    isTTY: options.isTTY ?? false,
    signal: options.signal ?? new AbortController().signal,
  });
  return { code, out, err };
}

/** A fresh temporary directory and its remover. */
export function tempDir(): { readonly dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'ebpf-wasm-cli-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The --maps JSON a `run` printed (everything from the first line that is `{`). */
export function mapsJson(out: string): Record<string, MapJson> {
  const start = out.indexOf('\n{\n');
  if (start < 0) throw new Error(`no maps JSON in:\n${out}`);
  return JSON.parse(out.slice(start + 1)) as Record<string, MapJson>;
}

/** The verdict table of a `run` as { name: count }. */
export function verdicts(out: string): Record<string, number> {
  const lines = out.split('\n');
  const start = lines.indexOf('verdicts:');
  const counts: Record<string, number> = {};
  for (const line of lines.slice(start + 1)) {
    const match = /^ {2}(\S+)\s+(\d+)$/.exec(line);
    if (match === null) break;
    counts[match[1] ?? ''] = Number(match[2]);
  }
  return counts;
}

/** A u64 little-endian from hex at byte offset `at`. */
export function u64At(hex: string, at: number): bigint {
  return Buffer.from(hex, 'hex').readBigUInt64LE(at);
}
