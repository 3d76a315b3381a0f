/**
 * @fileoverview `run --workers N`: the capture is spread over N worker_threads, worker i running as
 * CPU i of N (every i-th packet, so the load is even), each with its own copy of the object. That is
 * only sound when the program shares no writable state between CPUs: every map it can write must be
 * per-CPU or read-only. The parent merges verdict counts, output packets (back in capture order) and
 * per-CPU map values (worker i contributes CPU i's slot) into its own copy of the maps.
 */
import { Worker } from 'node:worker_threads';
import { UsageError } from '../index.js';
import { type CliMap, type CliProgram, insnsOf, mapPointerResolver, mapTypeName } from './api.js';
import type { Insn } from '../index.js';
import { isPerCpuMap, isReadOnlyMap } from './format.js';
import type { Io } from './io.js';
import type { OutputPacket, PacketRunResult } from './packets.js';
import type { LoadedProgram } from './source.js';
import { mergeCounts, type VerdictCounts } from './verdicts.js';

/** What the parent sends a worker at start. */
export interface WorkerRequest {
  /** the command line, as given to `main` (the worker re-reads files and options from it) */
  readonly argv: readonly string[];
  /** this worker's CPU id (also its packet phase) */
  readonly cpu: number;
  /** number of workers = number of CPUs */
  readonly cpus: number;
}

/** One per-CPU map's keys with this worker's CPU slot of each value. */
export interface PerCpuDump {
  readonly map: string;
  readonly entries: [Uint8Array, Uint8Array][];
}

/** Messages from a worker. */
export type WorkerMessage =
  | { readonly kind: 'progress'; readonly packets: number; readonly fraction: number }
  | {
      readonly kind: 'done';
      readonly counts: [string, number][];
      readonly packets: number;
      readonly outputs: OutputPacket[];
      readonly linkType: number;
      readonly loopMs: number;
      readonly startMs: number;
      readonly endMs: number;
      readonly interrupted: boolean;
      readonly perCpu: PerCpuDump[];
    }
  | { readonly kind: 'error'; readonly name: string; readonly message: string; readonly isUsage: boolean };

/** Messages to a worker. */
export type ParentMessage = { readonly kind: 'stop' };

/** An error a worker reported, keeping the worker's error name for the one-line message. */
export class WorkerError extends Error {
  override readonly name: string;
  /** the worker's error was a command-line misuse (exit code 2) */
  readonly isUsage: boolean;

  constructor(name: string, message: string, isUsage: boolean) {
    super(message);
    this.name = name;
    this.isUsage = isUsage;
  }
}

/** lddw's opcode. */
const LDDW = 0x18;

/** The 64-bit constant of the lddw at `pc` (both slots), as a number (addresses fit in 32 bits). */
export function lddwValue(insns: readonly Insn[], pc: number): number {
  return ((insns[pc]?.imm ?? 0) >>> 0) + ((insns[pc + 1]?.imm ?? 0) >>> 0) * 2 ** 32;
}

/**
 * The maps a program can reach: the maps whose header or value address one of its lddws loads.
 * When the maps do not expose their addresses, every map of the object counts.
 */
export function reachableMaps(program: CliProgram, maps: ReadonlyMap<string, CliMap>): CliMap[] {
  if ([...maps.values()].some((m) => m.address === undefined)) return [...maps.values()];
  const resolve = mapPointerResolver(maps);
  const found = new Set<CliMap>();
  const insns = insnsOf(program);
  for (let pc = 0; pc < insns.length; pc++) {
    if (insns[pc]?.op !== LDDW) continue;
    const pointer = resolve(lddwValue(insns, pc));
    if (pointer !== undefined) found.add(pointer.map);
    pc++;
  }
  return [...found];
}

/**
 * Refuses --workers for a program that can write a map shared between CPUs.
 * @throws UsageError naming the first shared writable map
 */
export function checkWorkerMaps(loaded: LoadedProgram, workers: number): void {
  for (const map of reachableMaps(loaded.program, loaded.maps)) {
    if (isPerCpuMap(map) || isReadOnlyMap(map)) continue;
    throw new UsageError(
      `--workers ${workers} needs every map program ${loaded.info.name} can write to be per-CPU or read-only, but map ${map.name} (${mapTypeName(map.type)}) is shared`,
    );
  }
}

/** A worker script: the compiled .js next to this file, or the .ts source through tsx (tests). */
function startWorker(request: WorkerRequest): Worker {
  const isSource = import.meta.url.endsWith('.ts');
  const url = new URL(isSource ? './worker.ts' : './worker.js', import.meta.url);
  if (!isSource) return new Worker(url, { workerData: request });
  const code = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(url.href)}); })`;
  return new Worker(code, { eval: true, workerData: request });
}

/** The merged outcome of all workers. */
export interface WorkersResult extends PacketRunResult {
  /** per-CPU map contents: map name -> key hex -> [key, value per CPU] */
  readonly perCpu: Map<string, Map<string, { key: Uint8Array; slots: (Uint8Array | undefined)[] }>>;
}

/**
 * Runs the command line `argv` on `workers` worker threads and merges what they report.
 * @throws WorkerError with the first worker's error
 */
export async function runOnWorkers(argv: readonly string[], workers: number, io: Io, onProgress: (packets: number, fraction: number) => void): Promise<WorkersResult> {
  const threads: Worker[] = [];
  const progress = Array.from({ length: workers }, () => ({ packets: 0, fraction: 0 }));
  const stop = (): void => {
    for (const thread of threads) thread.postMessage({ kind: 'stop' } satisfies ParentMessage);
  };
  io.signal.addEventListener('abort', stop);
  try {
    const results = await Promise.all(
      Array.from({ length: workers }, (_, cpu) => {
        const thread = startWorker({ argv, cpu, cpus: workers });
        threads.push(thread);
        return new Promise<Extract<WorkerMessage, { kind: 'done' }>>((resolve, reject) => {
          thread.on('message', (message: WorkerMessage) => {
            switch (message.kind) {
              case 'progress': {
                progress[cpu] = { packets: message.packets, fraction: message.fraction };
                onProgress(
                  progress.reduce((sum, p) => sum + p.packets, 0),
                  Math.min(...progress.map((p) => p.fraction)),
                );
                break;
              }
              case 'done':
                resolve(message);
                break;
              case 'error':
                reject(new WorkerError(message.name, message.message, message.isUsage));
                break;
              default: {
                const unknown: never = message;
                reject(new Error(`unknown worker message ${JSON.stringify(unknown)}`));
              }
            }
          });
          thread.on('error', reject);
          thread.on('exit', (code) => reject(new Error(`worker ${cpu} exited with code ${code} before reporting`)));
        });
      }),
    );
    return mergeResults(results, workers);
  } finally {
    io.signal.removeEventListener('abort', stop);
    await Promise.all(threads.map((thread) => thread.terminate()));
  }
}

/** Combines the workers' reports: counts summed, outputs in capture order, per-CPU slots side by side. */
export function mergeResults(results: readonly Extract<WorkerMessage, { kind: 'done' }>[], workers: number): WorkersResult {
  const counts: VerdictCounts = new Map();
  const outputs: OutputPacket[] = [];
  const perCpu: WorkersResult['perCpu'] = new Map();
  let packets = 0;
  results.forEach((result, cpu) => {
    mergeCounts(counts, result.counts);
    packets += result.packets;
    for (const packet of result.outputs) outputs.push(packet);
    for (const dump of result.perCpu) {
      let entries = perCpu.get(dump.map);
      if (entries === undefined) perCpu.set(dump.map, (entries = new Map()));
      for (const [key, value] of dump.entries) {
        const id = Buffer.from(key).toString('hex');
        let entry = entries.get(id);
        if (entry === undefined) entries.set(id, (entry = { key, slots: new Array<Uint8Array | undefined>(workers).fill(undefined) }));
        entry.slots[cpu] = value;
      }
    }
  });
  outputs.sort((a, b) => a.index - b.index);
  const startMs = Math.min(...results.map((r) => r.startMs));
  const endMs = Math.max(...results.map((r) => r.endMs));
  return {
    counts,
    packets,
    outputs,
    linkType: results[0]?.linkType ?? 1,
    loopMs: Math.max(...results.map((r) => r.loopMs)),
    startMs,
    endMs,
    interrupted: results.some((r) => r.interrupted),
    perCpu,
  };
}

/** Writes merged per-CPU values into `maps` (the parent's copy of the object's maps, with `cpus` CPUs). */
export function storePerCpu(perCpu: WorkersResult['perCpu'], maps: ReadonlyMap<string, CliMap>): void {
  for (const [name, entries] of perCpu) {
    const map = maps.get(name);
    if (map === undefined) continue;
    const stride = (map.valueSize + 7) & ~7;
    for (const { key, slots } of entries.values()) {
      const value = new Uint8Array(stride * slots.length);
      slots.forEach((slot, cpu) => {
        if (slot !== undefined) value.set(slot.subarray(0, map.valueSize), cpu * stride);
      });
      map.update(key, value);
    }
  }
}
