/**
 * @fileoverview The CLI as a separate process: exit codes, stdout/stderr and stdin through a real
 * `node` process running the TypeScript source (tsx), and the published launcher bin/ebpf-wasm.js on
 * the built dist/ (worker threads included) when dist/ is up to date with src/cli.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixture, MIXED_PCAP, ROOT } from './support.js';

/** Runs `node ...args` in the repository root. */
function node(args: readonly string[], input?: string): { code: number | null; out: string; err: string } {
  const result = spawnSync(process.execPath, args, { cwd: ROOT, input, encoding: 'utf8', timeout: 120_000 });
  return { code: result.status, out: result.stdout, err: result.stderr };
}

/** True when every src/cli source has a newer compiled file in dist/ (npm run build after the last edit). */
function isDistFresh(): boolean {
  const sources = ['src/cli.ts', ...readdirSync(join(ROOT, 'src/cli')).map((f) => `src/cli/${f}`)].filter((f) => f.endsWith('.ts'));
  return sources.every((source) => {
    const built = join(ROOT, 'dist', source.replace(/\.ts$/, '.js'));
    return existsSync(built) && statSync(built).mtimeMs >= statSync(join(ROOT, source)).mtimeMs;
  });
}

describe('ebpf-wasm as a process (source through tsx)', () => {
  const CLI = ['--import', 'tsx', 'test/cli/main.ts'];

  it('reads the classic program from stdin with --cbpf -', () => {
    const program = readFileSync(fixture('test/fixtures/cbpf/udp-dns.ddd'), 'utf8');
    const result = node([...CLI, 'filter', '--cbpf', '-', '--pcap', MIXED_PCAP, '--engine', 'interpreter'], program);
    const expected = (JSON.parse(readFileSync(fixture('test/fixtures/cbpf/expected.json'), 'utf8')) as { expressions: { name: string; matches: number }[] }).expressions.find(
      (e) => e.name === 'udp-dns',
    );
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    expect(result.out.trimEnd().split('\n').at(-1)).toBe(`matched ${expected?.matches} of 300 packets`);
  });

  it.each([
    { name: 'usage error', args: ['frobnicate'], code: 2, err: /^ebpf-wasm: unknown command 'frobnicate'\n/ },
    {
      name: 'error',
      args: ['run', fixture('test/fixtures/cli/percpu.o'), '--pcap', fixture('test/fixtures/cbpf/README.md'), '--engine', 'interpreter'],
      code: 1, err: /^ebpf-wasm: PcapError: bad magic .*\(at byte offset 0\)\n$/,
    },
  ])('exits $code on $name', ({ args, code, err }) => {
    const result = node([...CLI, ...args]);
    expect(result.code).toBe(code);
    expect(result.err).toMatch(err);
  });
});

describe('bin/ebpf-wasm.js on dist/', () => {
  const fresh = isDistFresh();

  // skipped only when dist/ is missing or older than src/cli (run `npm run build`; CI builds in `npm ci`)
  it.runIf(fresh)('runs a capture on 2 worker threads', () => {
    const result = node(['bin/ebpf-wasm.js', 'run', fixture('test/fixtures/cli/percpu.o'), '--pcap', MIXED_PCAP, '--engine', 'interpreter', '--workers', '2']);
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    expect(result.out).toContain('verdicts:\n  XDP_DROP  54\n  XDP_PASS  163\n  XDP_TX    83\n');
  });
});
