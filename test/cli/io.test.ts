/**
 * @fileoverview The progress bar (drawn only on a terminal and only after a second of running) and
 * the all-or-nothing file writes of src/cli/io.ts.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { type Io, Progress, writeFileAtomically } from '../../src/cli/io.js';
import { tempDir } from './support.js';

function fakeIo(isTTY: boolean): Io & { readonly text: () => string } {
  let err = '';
  return { out: () => undefined, err: (s) => (err += s), isTTY, signal: new AbortController().signal, text: () => err };
}

describe('Progress', () => {
  afterEach(() => vi.useRealTimers());

  it.each([
    { name: 'terminal, long run', isTTY: true, afterMs: 1500, want: '\r[###############...............]  50% 1234 packets' },
    { name: 'terminal, short run', isTTY: true, afterMs: 500, want: '' },
    { name: 'not a terminal', isTTY: false, afterMs: 5000, want: '' },
  ])('$name', ({ isTTY, afterMs, want }) => {
    vi.useFakeTimers({ now: 1_000_000 });
    const io = fakeIo(isTTY);
    const progress = new Progress(io);
    vi.setSystemTime(1_000_000 + afterMs);
    progress.update(0.5, 1234);
    expect(io.text()).toBe(want);
    progress.finish();
    expect(io.text()).toBe(want === '' ? '' : `${want}\r\x1b[K`);
  });
});

describe('writeFileAtomically', () => {
  const temp = tempDir();
  afterAll(() => temp.remove());

  it('replaces the file and leaves no temporary file', () => {
    const path = join(temp.dir, 'out.bin');
    writeFileAtomically(path, new Uint8Array([1, 2, 3]));
    writeFileAtomically(path, 'text');
    expect(readFileSync(path, 'utf8')).toBe('text');
    expect(readdirSync(temp.dir)).toEqual(['out.bin']);
  });

  it('leaves nothing behind when the target cannot be written', () => {
    const path = join(temp.dir, 'missing-dir', 'out.bin');
    expect(() => writeFileAtomically(path, 'x')).toThrow(/ENOENT/);
    expect(readdirSync(temp.dir)).toEqual(['out.bin']);
  });
});
