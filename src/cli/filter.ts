/**
 * @fileoverview `filter --cbpf FILE|- --pcap IN [--out OUT]`: a classic BPF filter in tcpdump's
 * `-ddd` (or `-dd`) form, loaded through the public loadClassic as a socket filter, over a capture.
 * The last line is always `matched N of M packets`, as comparable with `tcpdump -r IN EXPR | wc -l`.
 */
import { loadClassic } from './api.js';
import { type Args, checkOptions, CliUsageError, engineOption, stringOption } from './args.js';
import { formatRate } from './format.js';
import { type Io, Progress } from './io.js';
import { runPackets } from './packets.js';
import { EXIT_INTERRUPTED, writeOutput } from './run.js';
import { engineLoadOptions, readInput } from './source.js';

/** `filter --cbpf FILE|- --pcap IN [--out OUT] [--engine E]`. */
export async function filterCommand(args: Args, io: Io): Promise<number> {
  checkOptions(args, 'filter', ['cbpf', 'pcap', 'out', 'engine', 'no-blinding', 'optimize']);
  if (args.positional.length > 1) throw new CliUsageError(`filter takes no positional arguments, got '${args.positional[1] ?? ''}'`);
  const cbpfPath = stringOption(args, 'cbpf');
  const pcapPath = stringOption(args, 'pcap');
  if (cbpfPath === undefined) throw new CliUsageError('filter needs --cbpf FILE (or - for stdin)');
  if (pcapPath === undefined) throw new CliUsageError('filter needs --pcap IN');
  const outPath = stringOption(args, 'out');
  const engine = engineOption(args, 'jit');
  const text = new TextDecoder().decode(readInput(cbpfPath));
  const capture = readInput(pcapPath);
  const program = await loadClassic(text, { ...engineLoadOptions(args, engine), type: 'socket_filter' });
  const progress = new Progress(io);
  const result = await runPackets(program, 'socket_filter', capture, {
    keepOutput: outPath !== undefined,
    signal: io.signal,
    onChunk: (packets, fraction) => progress.update(fraction, packets),
  });
  progress.finish();
  const seconds = result.loopMs / 1000;
  io.out(`${engine}: ${formatRate(result.packets / Math.max(seconds, 1e-9))} packets/s\n`);
  if (result.interrupted) io.out(`interrupted after ${result.packets} packets${outPath === undefined ? '' : `; ${outPath} not written`}\n`);
  else if (outPath !== undefined) {
    writeOutput(outPath, result.outputs, result.linkType);
    io.out(`wrote ${result.outputs.length} packets to ${outPath}\n`);
  }
  io.out(`matched ${result.counts.get('accepted') ?? 0} of ${result.packets} packets\n`);
  return result.interrupted ? EXIT_INTERRUPTED : 0;
}
