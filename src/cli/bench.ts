/**
 * @fileoverview `bench OBJ --pcap IN [--prog NAME] [--svg OUT.svg]`: the same program and capture on
 * the interpreter and on the JIT (each with a fresh copy of the object's maps), packets per second
 * for each and the speed-up, as a table and optionally as an SVG bar chart.
 */
import { type Engine } from '../index.js';
import { type Args, checkOptions, intOption, onePath, parseContextJson, stringOption } from './args.js';
import { formatRate, formatTable } from './format.js';
import { type Io, writeFileAtomically } from './io.js';
import { runPackets } from './packets.js';
import { loadPacketProgram, openSource, readInput } from './source.js';

/** One engine's measurement. */
export interface BenchRow {
  readonly engine: Engine;
  readonly packets: number;
  readonly ms: number;
  readonly perSecond: number;
}

/** Escapes text for SVG. */
function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A horizontal bar chart of packets/s per engine. */
export function benchSvg(title: string, rows: readonly BenchRow[]): string {
  const width = 640;
  const barHeight = 36;
  const left = 110;
  const top = 50;
  const chartWidth = width - left - 140;
  const height = top + rows.length * (barHeight + 16) + 20;
  const best = Math.max(...rows.map((r) => r.perSecond), 1);
  const colors: Record<Engine, string> = { interpreter: '#8c8c8c', jit: '#2f7ed8' };
  const bars = rows.map((row, i) => {
    const y = top + i * (barHeight + 16);
    const w = Math.max(1, Math.round((row.perSecond / best) * chartWidth));
    return [
      `  <text x="${left - 10}" y="${y + barHeight / 2 + 5}" text-anchor="end">${row.engine}</text>`,
      `  <rect x="${left}" y="${y}" width="${w}" height="${barHeight}" fill="${colors[row.engine]}"/>`,
      `  <text x="${left + w + 8}" y="${y + barHeight / 2 + 5}">${escapeXml(formatRate(row.perSecond))} packets/s</text>`,
    ].join('\n');
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="14">`,
    `  <rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `  <text x="${width / 2}" y="28" text-anchor="middle" font-size="16">${escapeXml(title)}</text>`,
    ...bars,
    '</svg>',
    '',
  ].join('\n');
}

/** `bench OBJ --pcap IN [--prog NAME] [--type T] [--ctx JSON] [--svg OUT] [--min-ms N]`. */
export async function benchCommand(args: Args, io: Io): Promise<number> {
  checkOptions(args, 'bench', ['pcap', 'prog', 'type', 'ctx', 'svg', 'min-ms']);
  const path = onePath(args, 'bench', 'OBJ');
  const capture = readInput(stringOption(args, 'pcap') ?? '');
  const ctx = parseContextJson(stringOption(args, 'ctx'));
  const minMs = intOption(args, 'min-ms', 0, 600_000, 500);
  const rows: BenchRow[] = [];
  let name = path;
  for (const engine of ['interpreter', 'jit'] as const) {
    const loaded = await loadPacketProgram(await openSource(path), args, engine);
    name = loaded.info.name;
    let packets = 0;
    let ms = 0;
    do {
      const result = await runPackets(loaded.program, loaded.type, capture, { ctx, keepOutput: false, signal: io.signal });
      packets += result.packets;
      ms += result.loopMs;
      if (result.interrupted || result.packets === 0) break;
    } while (ms < minMs);
    rows.push({ engine, packets, ms, perSecond: packets / Math.max(ms / 1000, 1e-9) });
  }
  const table: string[][] = [['engine', 'packets', 'time (ms)', 'packets/s', 'ns/packet']];
  for (const row of rows) {
    table.push([row.engine, String(row.packets), row.ms.toFixed(1), formatRate(row.perSecond), row.packets === 0 ? 'n/a' : ((row.ms * 1e6) / row.packets).toFixed(0)]);
  }
  const [interpreter, jit] = rows;
  const speedUp = interpreter !== undefined && jit !== undefined && interpreter.perSecond > 0 ? jit.perSecond / interpreter.perSecond : Number.NaN;
  io.out(`${formatTable(table)}\nspeed-up (jit / interpreter): ${Number.isFinite(speedUp) ? speedUp.toFixed(2) : 'n/a'}x\n`);
  const svgPath = stringOption(args, 'svg');
  if (svgPath !== undefined) {
    writeFileAtomically(svgPath, benchSvg(`${name}: interpreter vs JIT (speed-up ${Number.isFinite(speedUp) ? speedUp.toFixed(2) : 'n/a'}x)`, rows));
    io.out(`wrote ${svgPath}\n`);
  }
  return 0;
}
