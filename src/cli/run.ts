/**
 * @fileoverview `run OBJ --pcap IN`: an XDP, tc or socket-filter program over every packet of a
 * capture, on one thread or on --workers N threads; prints the verdict counts, the packet rate and
 * the maps, and writes the packets that go on to --out. Ctrl-C prints what was done so far and
 * exits 130 without writing --out.
 */
import { writePcap } from '../pcap.js';
import type { CliMap } from './api.js';
import { type Args, checkOptions, engineOption, hasFlag, intOption, onePath, parseContextJson, stringOption } from './args.js';
import { formatMapSummary, formatRate, formatTable, mapsToJson } from './format.js';
import { type Io, Progress, writeFileAtomically } from './io.js';
import { type OutputPacket, type PacketRunResult, runPackets } from './packets.js';
import { type LoadedProgram, loadPacketProgram, openSource, readInput } from './source.js';
import { orderedCounts, type PacketType } from './verdicts.js';
import { checkWorkerMaps, runOnWorkers, storePerCpu } from './workers.js';

/** Exit code after Ctrl-C (128 + SIGINT). */
export const EXIT_INTERRUPTED = 130;

/** Options `run --pcap` accepts. */
const RUN_CAPTURE_OPTIONS = ['pcap', 'out', 'prog', 'type', 'engine', 'ctx', 'maps', 'workers', 'no-blinding', 'optimize'];

/** Writes `packets` as a pcap file of `linkType`, atomically. */
export function writeOutput(path: string, packets: readonly OutputPacket[], linkType: number): void {
  writeFileAtomically(path, writePcap(packets, { linkType }));
}

/** The summary lines of a capture run: program, rate, verdicts. */
export function formatRunSummary(loaded: Pick<LoadedProgram, 'info'>, type: PacketType, engine: string, result: PacketRunResult, workers: number): string {
  // loop time (for workers: the slowest worker's), so thread start-up and JIT compilation are not counted
  const seconds = result.loopMs / 1000;
  const rate = result.packets / Math.max(seconds, 1e-9);
  const lines = [
    `program ${loaded.info.name} (section ${loaded.info.section}, ${type}) on ${engine}${workers > 0 ? `, ${workers} worker${workers === 1 ? '' : 's'}` : ''}`,
    `${result.packets} packets in ${(seconds * 1000).toFixed(1)} ms: ${formatRate(rate)} packets/s`,
    'verdicts:',
  ];
  const rows = orderedCounts(type, result.counts).map(([name, count]) => [`  ${name}`, String(count)]);
  if (rows.length > 0) lines.push(formatTable(rows));
  return lines.join('\n') + '\n';
}

/** Prints the maps: one summary line each, or the JSON dump with --maps. */
function printMaps(io: Io, maps: ReadonlyMap<string, CliMap>, isJson: boolean): void {
  if (isJson) {
    io.out(JSON.stringify(mapsToJson(maps.values()), null, 2) + '\n');
  } else if (maps.size > 0) {
    io.out(`maps:\n${formatMapSummary(maps.values())}\n`);
  }
}

/**
 * `run OBJ --pcap IN [--out OUT] [--prog NAME] [--type T] [--engine E] [--ctx JSON] [--maps] [--workers N]`.
 * @returns the exit code (0, or 130 after Ctrl-C)
 */
export async function runCapture(argv: readonly string[], args: Args, io: Io): Promise<number> {
  checkOptions(args, 'run', RUN_CAPTURE_OPTIONS);
  const path = onePath(args, 'run', 'OBJ');
  const capture = readInput(stringOption(args, 'pcap') ?? '');
  const outPath = stringOption(args, 'out');
  const engine = engineOption(args, 'jit');
  const ctx = parseContextJson(stringOption(args, 'ctx'));
  const workers = args.options.has('workers') ? intOption(args, 'workers', 1, 256, 1) : 0;
  const progress = new Progress(io);

  let loaded: LoadedProgram;
  let result: PacketRunResult;
  if (workers > 0) {
    const source = await openSource(path, workers);
    loaded = await loadPacketProgram(source, args, 'interpreter');
    checkWorkerMaps(loaded, workers);
    const merged = await runOnWorkers(argv, workers, io, (packets, fraction) => progress.update(fraction, packets));
    storePerCpu(merged.perCpu, loaded.maps);
    result = merged;
  } else {
    const source = await openSource(path);
    loaded = await loadPacketProgram(source, args, engine);
    result = await runPackets(loaded.program, loaded.type, capture, {
      ctx,
      keepOutput: outPath !== undefined,
      signal: io.signal,
      onChunk: (packets, fraction) => progress.update(fraction, packets),
    });
  }
  progress.finish();

  io.out(formatRunSummary(loaded, loaded.type, engine, result, workers));
  if (result.interrupted) {
    io.out(`interrupted after ${result.packets} packets${outPath === undefined ? '' : `; ${outPath} not written`}\n`);
  } else if (outPath !== undefined) {
    writeOutput(outPath, result.outputs, result.linkType);
    io.out(`wrote ${result.outputs.length} packets to ${outPath}\n`);
  }
  printMaps(io, loaded.maps, hasFlag(args, 'maps'));
  return result.interrupted ? EXIT_INTERRUPTED : 0;
}
