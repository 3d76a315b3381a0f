/**
 * @fileoverview The body of one `run --workers N` thread: re-reads the command line it was given,
 * loads its own copy of the object as CPU `cpu` of `cpus`, runs every `cpus`-th packet starting at
 * packet `cpu`, and reports progress, verdicts, output packets and its CPU's per-CPU map slots.
 * Spawned by workers.ts; never imported by anything else.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { CliUsageError, engineOption, parseArgs, parseContextJson, stringOption } from './args.js';
import { isPerCpuMap, perCpuValues } from './format.js';
import { runPackets } from './packets.js';
import { loadPacketProgram, openSource, readInput } from './source.js';
import type { ParentMessage, PerCpuDump, WorkerMessage, WorkerRequest } from './workers.js';

/** Runs this worker's share and posts the outcome (or the error) to the parent. */
async function work(request: WorkerRequest): Promise<WorkerMessage> {
  const port = parentPort;
  if (port === null) throw new Error('worker.ts runs only as a worker thread');
  const stop = new AbortController();
  port.on('message', (message: ParentMessage) => {
    if (message.kind === 'stop') stop.abort();
  });
  const args = parseArgs(request.argv);
  const path = args.positional[1] ?? '';
  const capture = readInput(stringOption(args, 'pcap') ?? '');
  const source = await openSource(path, request.cpus);
  const loaded = await loadPacketProgram(source, args, engineOption(args, 'jit'), { cpu: request.cpu });
  const result = await runPackets(loaded.program, loaded.type, capture, {
    ctx: parseContextJson(stringOption(args, 'ctx')),
    keepOutput: args.options.has('out'),
    stride: request.cpus,
    phase: request.cpu,
    signal: stop.signal,
    onChunk: (packets, fraction) => port.postMessage({ kind: 'progress', packets, fraction } satisfies WorkerMessage),
  });
  const perCpu: PerCpuDump[] = [];
  for (const map of loaded.maps.values()) {
    if (!isPerCpuMap(map)) continue;
    const entries: [Uint8Array, Uint8Array][] = [];
    for (const key of map.keys()) {
      const slot = perCpuValues(map, key)[request.cpu];
      if (slot !== undefined) entries.push([key, slot.slice()]);
    }
    perCpu.push({ map: map.name, entries });
  }
  return {
    kind: 'done',
    counts: [...result.counts],
    packets: result.packets,
    outputs: result.outputs,
    linkType: result.linkType,
    loopMs: result.loopMs,
    startMs: result.startMs,
    endMs: result.endMs,
    interrupted: result.interrupted,
    perCpu,
  };
}

const request = workerData as WorkerRequest;
try {
  parentPort?.postMessage(await work(request));
} catch (error) {
  const message: WorkerMessage =
    error instanceof Error
      ? { kind: 'error', name: error.name, message: error.message, isUsage: error instanceof CliUsageError }
      : { kind: 'error', name: 'Error', message: String(error), isUsage: false };
  parentPort?.postMessage(message);
}
