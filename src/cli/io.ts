/**
 * @fileoverview Where CLI output goes: the Io bundle the commands write through (stdout, stderr,
 * whether stderr is a terminal, the Ctrl-C signal), a progress bar for long capture runs, and
 * all-or-nothing file writes (temp file + rename, so an error never leaves a half-written file).
 */
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** The CLI's connection to the outside: output streams, terminal detection and Ctrl-C. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** stderr is a terminal: progress bars are drawn only then */
  readonly isTTY: boolean;
  /** aborted on Ctrl-C (SIGINT) */
  readonly signal: AbortSignal;
}

/** Seconds of running after which a progress bar appears (short runs never show one). */
const PROGRESS_DELAY_MS = 1000;
/** Minimum time between two redraws. */
const PROGRESS_INTERVAL_MS = 100;
/** Width of the bar in characters. */
const BAR_WIDTH = 30;

/** A one-line progress bar on stderr, drawn only on a terminal and only once a run takes a while. */
export class Progress {
  private readonly io: Io;
  private readonly startMs = Date.now();
  private lastDrawMs = 0;
  private isShown = false;

  constructor(io: Io) {
    this.io = io;
  }

  /** Redraws the bar for `fraction` (0..1) of the input and `packets` run so far. */
  update(fraction: number, packets: number): void {
    if (!this.io.isTTY) return;
    const now = Date.now();
    if (now - this.startMs < PROGRESS_DELAY_MS || now - this.lastDrawMs < PROGRESS_INTERVAL_MS) return;
    this.lastDrawMs = now;
    this.isShown = true;
    const filled = Math.round(Math.max(0, Math.min(1, fraction)) * BAR_WIDTH);
    const percent = (fraction * 100).toFixed(0).padStart(3);
    this.io.err(`\r[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${percent}% ${packets} packets`);
  }

  /** Erases the bar if it was drawn. */
  finish(): void {
    if (this.isShown) this.io.err('\r\x1b[K');
    this.isShown = false;
  }
}

/**
 * Writes `bytes` to `path` through a temporary file in the same directory and a rename, so readers
 * see the old file or the complete new one, never a partial one.
 */
export function writeFileAtomically(path: string, bytes: Uint8Array | string): void {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  try {
    writeFileSync(temp, bytes);
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}
