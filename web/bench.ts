/**
 * @fileoverview The page's live benchmark: runs the same program on the interpreter and on the JIT,
 * in short alternating batches (so both see the same machine load), yields to the event loop between
 * batches to keep the page responsive, and reports ns per run. Also draws the result as an SVG bar
 * chart. Timing only ever feeds the display, never a pass/fail decision.
 */

/** One engine to measure: `run` performs one program run (one packet, or the input memory). */
export interface BenchSubject {
  readonly name: string;
  readonly color: string;
  run(): void;
}

/** Measured cost of one subject. */
export interface BenchResult {
  readonly name: string;
  readonly color: string;
  readonly runs: number;
  readonly elapsedMs: number;
  readonly nsPerRun: number;
}

/** Target duration of one batch; short enough to keep the page responsive. */
const BATCH_MS = 15;
/** Warm-up time per subject, so the JIT's wasm and the interpreter are both past V8's first tiers. */
const WARMUP_MS = 40;

function yieldToPage(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** Runs `run` `count` times and returns the elapsed milliseconds. */
function timeBatch(subject: BenchSubject, count: number): number {
  const start = performance.now();
  for (let i = 0; i < count; i++) subject.run();
  return performance.now() - start;
}

/** Number of runs that take about `ms`, found by doubling from one run. */
function calibrate(subject: BenchSubject, ms: number): number {
  let count = 1;
  for (;;) {
    const elapsed = timeBatch(subject, count);
    if (elapsed >= ms || count >= 1 << 24) return Math.max(1, Math.round((count * ms) / Math.max(elapsed, 0.001)));
    count *= 2;
  }
}

/**
 * Measures every subject for about `budgetMs` of run time each, alternating batches.
 * @param onProgress called after every round with the results so far
 */
export async function runBenchmark(
  subjects: readonly BenchSubject[],
  budgetMs: number,
  onProgress: (results: readonly BenchResult[]) => void,
): Promise<BenchResult[]> {
  const batchSizes: number[] = [];
  for (const subject of subjects) {
    calibrate(subject, WARMUP_MS);
    batchSizes.push(calibrate(subject, BATCH_MS));
    await yieldToPage();
  }
  const runs = subjects.map(() => 0);
  const elapsed = subjects.map(() => 0);
  const results = (): BenchResult[] =>
    subjects.map((subject, i) => {
      const count = runs[i] ?? 0;
      const ms = elapsed[i] ?? 0;
      return { name: subject.name, color: subject.color, runs: count, elapsedMs: ms, nsPerRun: count === 0 ? 0 : (ms * 1e6) / count };
    });
  while (elapsed.some((ms) => ms < budgetMs)) {
    subjects.forEach((subject, i) => {
      if ((elapsed[i] ?? 0) >= budgetMs) return;
      const count = batchSizes[i] ?? 1;
      elapsed[i] = (elapsed[i] ?? 0) + timeBatch(subject, count);
      runs[i] = (runs[i] ?? 0) + count;
    });
    onProgress(results());
    await yieldToPage();
  }
  return results();
}

/** Formats a duration in ns with a unit that keeps 3 significant digits. */
export function formatNs(ns: number): string {
  if (ns >= 1e6) return `${(ns / 1e6).toPrecision(3)} ms`;
  if (ns >= 1e3) return `${(ns / 1e3).toPrecision(3)} µs`;
  return `${ns.toPrecision(3)} ns`;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

function svgElement(name: string, attributes: Record<string, string | number>, text?: string): SVGElement {
  const element = document.createElementNS(SVG_NS, name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
  if (text !== undefined) element.textContent = text;
  return element;
}

/** A horizontal bar chart of ns/run (shorter is faster), one bar per subject. */
export function drawChart(results: readonly BenchResult[]): SVGSVGElement {
  const width = 420;
  const rowHeight = 34;
  const labelWidth = 90;
  const valueWidth = 80;
  const height = results.length * rowHeight + 24;
  const svg = svgElement('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': 'ns per run by engine' }) as SVGSVGElement;
  const longest = Math.max(...results.map((result) => result.nsPerRun), 1);
  const span = width - labelWidth - valueWidth;
  results.forEach((result, i) => {
    const y = 8 + i * rowHeight;
    const barWidth = Math.max(2, (result.nsPerRun / longest) * span);
    svg.append(svgElement('text', { x: 0, y: y + 17, 'font-size': 13, fill: '#1d2430' }, result.name));
    svg.append(svgElement('rect', { x: labelWidth, y: y + 4, width: barWidth, height: 18, rx: 3, fill: result.color }));
    svg.append(
      svgElement('text', { x: labelWidth + barWidth + 6, y: y + 17, 'font-size': 12, fill: '#1d2430' }, `${formatNs(result.nsPerRun)}/run`),
    );
  });
  svg.append(svgElement('text', { x: labelWidth, y: height - 4, 'font-size': 10, fill: '#667085' }, 'time per run (shorter is faster)'));
  return svg;
}
