/**
 * @fileoverview The playground page: plain DOM over the library's public API. It reads the program
 * (typed assembly, classic BPF text, raw bytes or an ELF object) and an optional capture, then shows
 * the disassembly, the JIT's WebAssembly text, the verifier result, r0 or per-packet verdicts on both
 * engines, map contents and a live interpreter-vs-JIT benchmark. Every failure lands in the page.
 * File classification lives in inputs.ts, the examples in examples.ts, the benchmark in bench.ts.
 */
import * as api from '../src/index.js';
import {
  AssembleError,
  CbpfError,
  DecodeError,
  EbpfError,
  ElfError,
  JitError,
  PcapError,
  RuntimeError,
  VerifierError,
  assemble,
  disassemble,
  encode,
  load,
  verify,
  type AssemblySyntax,
} from '../src/index.js';
import { parseClassic, translateClassic } from '../src/cbpf.js';
import { readCapture } from '../src/pcap.js';
import { drawChart, formatNs, runBenchmark, type BenchResult } from './bench.js';
import { EXAMPLES, makeExampleCapture, makePatternMemory, type ExampleProgram } from './examples.js';
import { detectInput, InputError, isClassicText, parseMemory } from './inputs.js';
import { findLoadObject, TC_ACTIONS, XDP_ACTIONS, type LoadedObject, type ObjectProgram } from './object-api.js';

declare global {
  interface Window {
    /** set once the page is wired; index.html's startup error handler stands down then */
    ebpfWasmReady?: boolean;
  }
}

// ---------------------------------------------------------------------------------------------------
// DOM access

/** The element with this id, of the expected class. */
function byId<T extends HTMLElement>(id: string, type: new () => T): T {
  const element = document.getElementById(id);
  if (!(element instanceof type)) throw new Error(`page element #${id} is missing`);
  return element;
}

/** Creates an element with text and attributes. */
function make<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string, attributes: Record<string, string> = {}): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  if (text !== undefined) element.textContent = text;
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, value);
  return element;
}

const ui = {
  examples: byId('examples', HTMLElement),
  fileInput: byId('file-input', HTMLInputElement),
  status: byId('status', HTMLElement),
  errors: byId('errors', HTMLElement),
  sourceKind: byId('source-kind', HTMLElement),
  captureKind: byId('capture-kind', HTMLElement),
  source: byId('source', HTMLTextAreaElement),
  syntax: byId('syntax', HTMLSelectElement),
  memory: byId('memory', HTMLInputElement),
  blinding: byId('blinding', HTMLInputElement),
  optimize: byId('optimize', HTMLSelectElement),
  objectProgram: byId('object-program', HTMLSelectElement),
  run: byId('run', HTMLButtonElement),
  verifierBadge: byId('verifier-badge', HTMLElement),
  verifierLog: byId('verifier-log', HTMLElement),
  result: byId('result', HTMLElement),
  disassembly: byId('disassembly', HTMLElement),
  wat: byId('wat', HTMLElement),
  wasmSize: byId('wasm-size', HTMLElement),
  benchPanel: byId('bench-panel', HTMLElement),
  benchBudget: byId('bench-budget', HTMLSelectElement),
  benchRun: byId('bench-run', HTMLButtonElement),
  benchChart: byId('bench-chart', HTMLElement),
  benchSummary: byId('bench-summary', HTMLElement),
  maps: byId('maps', HTMLElement),
};

// ---------------------------------------------------------------------------------------------------
// Page state

/** Where the program comes from: the text area (assembly or classic text), raw bytes, or an ELF object. */
type Source =
  | { readonly kind: 'text' }
  | { readonly kind: 'raw'; readonly name: string; readonly bytes: Uint8Array }
  | { readonly kind: 'elf'; readonly name: string; readonly bytes: Uint8Array };

/** A capture read into memory. */
interface CaptureState {
  readonly name: string;
  readonly format: string;
  readonly linkType: number;
  readonly packets: readonly Uint8Array[];
}

/** Anything with a raw-program-like `run`. */
interface Runner {
  run(input?: Uint8Array): { readonly r0: bigint | number };
}

/** What the benchmark needs from the last successful analysis. */
interface Loaded {
  readonly interpreter: Runner;
  readonly jit: Runner | undefined;
  /** inputs cycled through by the benchmark: the packets, or the one input memory */
  readonly inputs: readonly (Uint8Array | undefined)[];
  readonly description: string;
}

let source: Source = { kind: 'text' };
let capture: CaptureState | undefined;
let describeVerdict: ((r0: bigint) => string) | undefined;
let loaded: Loaded | undefined;
let generation = 0;
let isFirstJitUse = true;
let queue: Promise<void> = Promise.resolve();

const classicVerdict = (r0: bigint): string => (r0 === 0n ? 'drop' : `accept (${r0} bytes)`);

// ---------------------------------------------------------------------------------------------------
// Errors and status

/** Text of an error with its place (line/column, pc, byte offset). */
function describeError(error: unknown): string {
  if (error instanceof AssembleError) return `assembler error: ${error.message}`;
  if (error instanceof VerifierError) return `verifier rejected the program: ${error.message}`;
  if (error instanceof RuntimeError) return `runtime error at pc ${error.pc} (${error.kind}): ${error.message}`;
  if (error instanceof CbpfError) return `classic BPF error${error.pc >= 0 ? ` at instruction ${error.pc}` : ''}: ${error.message}`;
  if (error instanceof PcapError) return `capture error at byte ${error.byteOffset}: ${error.message}`;
  if (error instanceof DecodeError) return `decode error at byte ${error.byteOffset}: ${error.message}`;
  if (error instanceof ElfError) return `ELF error in section ${error.section || '-'} at byte ${error.offset}: ${error.message}`;
  if (error instanceof JitError) return `JIT error: ${error.message}`;
  if (error instanceof EbpfError) return `${error.code}: ${error.message}`;
  if (error instanceof InputError) return error.message;
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return `error: ${String(error)}`;
}

/** Shows an error (or a notice) in the page; the source line and a caret for assembler errors. */
function showError(error: unknown, options: { notice?: boolean } = {}): void {
  const box = make('div', undefined, { class: options.notice === true ? 'error notice' : 'error' });
  let text = typeof error === 'string' ? error : describeError(error);
  if (error instanceof AssembleError && source.kind === 'text') {
    const line = ui.source.value.split(/\r?\n/)[error.line - 1];
    if (line !== undefined) text += `\n${String(error.line).padStart(4)} | ${line}\n       ${' '.repeat(Math.max(0, error.column - 1))}^`;
    selectLine(error.line);
  }
  box.append(text);
  const close = make('button', '×', { 'aria-label': 'dismiss' });
  close.addEventListener('click', () => box.remove());
  box.append(close);
  ui.errors.append(box);
  if (options.notice !== true) setStatus('error', 'error (see above)');
}

/** Selects a 1-based line of the text area without stealing focus. */
function selectLine(line: number): void {
  const lines = ui.source.value.split('\n');
  const start = lines.slice(0, line - 1).reduce((sum, text) => sum + text.length + 1, 0);
  ui.source.setSelectionRange(start, start + (lines[line - 1]?.length ?? 0));
}

function setStatus(state: 'busy' | 'ready' | 'error' | 'idle', text: string): void {
  ui.status.dataset['state'] = state;
  ui.status.textContent = text;
}

window.addEventListener('error', (event) => showError(event.error ?? event.message));
window.addEventListener('unhandledrejection', (event) => showError(event.reason));

// ---------------------------------------------------------------------------------------------------
// Analysis: program -> disassembly, verifier, engines, runs

/** Queues one analysis; analyses never overlap. */
function analyze(): Promise<void> {
  queue = queue.then(analyzeNow, analyzeNow);
  return queue;
}

function clearOutputs(): void {
  ui.errors.replaceChildren();
  ui.disassembly.textContent = '';
  ui.wat.textContent = '';
  ui.wasmSize.textContent = '';
  ui.verifierLog.textContent = '';
  ui.verifierBadge.textContent = '–';
  ui.verifierBadge.className = 'badge';
  ui.result.replaceChildren();
  ui.benchPanel.dataset['state'] = 'idle';
  ui.benchChart.replaceChildren();
  ui.benchSummary.textContent = 'Runs the loaded program repeatedly on both engines with the same input.';
  loaded = undefined;
  ui.benchRun.disabled = true;
}

async function analyzeNow(): Promise<void> {
  setStatus('busy', 'working…');
  clearOutputs();
  try {
    if (source.kind === 'elf') await analyzeObject(source.name, source.bytes);
    else await analyzeProgram();
    if (ui.status.dataset['state'] === 'busy') setStatus('ready', statusSummary());
  } catch (error) {
    showError(error);
  } finally {
    generation++;
    ui.status.dataset['generation'] = String(generation);
    ui.benchRun.disabled = loaded === undefined;
  }
}

function statusSummary(): string {
  return loaded === undefined ? 'ready' : `ready: ${loaded.description}`;
}

/** The program's bytes from the current source; names its form in the source tag. */
/** The type the current program loads as: classic BPF runs as a socket filter (LD_ABS needs an skb). */
let programType: 'raw' | 'socket_filter' = 'raw';

function programBytes(): Uint8Array {
  programType = 'raw';
  if (source.kind === 'raw') {
    ui.sourceKind.textContent = `raw bytes (${source.name})`;
    return source.bytes;
  }
  const text = ui.source.value;
  const isClassic = isClassicText(text);
  ui.sourceKind.textContent = isClassic ? 'classic BPF' : 'assembly';
  if (text.trim() === '') throw new InputError('no program: type assembly, pick an example, or open a file');
  if (isClassic) {
    programType = 'socket_filter';
    return encode(translateClassic(parseClassic(text)));
  }
  return assemble(text, { syntax: ui.syntax.value as AssemblySyntax });
}

/** The input memory for single runs and the benchmark (no capture). */
function inputMemory(): Uint8Array | undefined {
  return parseMemory(ui.memory.value, makePatternMemory);
}

async function analyzeProgram(): Promise<void> {
  const code = programBytes();
  ui.disassembly.textContent = disassemble(code, { addresses: true });
  try {
    const verified = verify(code, { type: programType });
    const checked = verified.checkedAccess.reduce((sum, flag) => sum + flag, 0);
    ui.verifierBadge.textContent = 'accepted';
    ui.verifierBadge.className = 'badge ok';
    ui.verifierLog.textContent = [
      `program type: ${verified.type}`,
      `instruction slots: ${verified.insns.length}`,
      `functions: ${verified.functions.length} (entry pcs ${verified.functions.join(', ')})`,
      `memory accesses checked at run time: ${checked}`,
      `helpers called: ${verified.helperIds.length === 0 ? 'none' : verified.helperIds.join(', ')}`,
      `processed ${verified.stats.insnsProcessed} insns, ${verified.stats.states} states, ${verified.stats.pruned} pruned` +
        (verified.stats.fallback ? ' (loops not bounded: accesses checked at run time, back-edges counted)' : ''),
    ].join('\n');
  } catch (error) {
    if (error instanceof VerifierError) {
      ui.verifierBadge.textContent = 'rejected';
      ui.verifierBadge.className = 'badge bad';
      ui.verifierLog.textContent = error.log === '' ? error.message : `${error.log}\n${error.message}`;
    }
    throw error;
  }
  const type = programType;
  const interpreter: Runner = type === 'raw' ? await load(code) : await load(code, { type });
  let jit: (Runner & { readonly wasm: Uint8Array | undefined; wat(): string }) | undefined;
  const blinding = ui.blinding.checked;
  const optimize = Number(ui.optimize.value);
  const started = performance.now();
  try {
    jit = type === 'raw' ? await load(code, { engine: 'jit', blinding, optimize }) : await load(code, { type, engine: 'jit', blinding, optimize });
    const wasm = jit.wasm;
    ui.wat.textContent = jit.wat();
    const firstUse = isFirstJitUse ? ' (includes loading Binaryen)' : '';
    isFirstJitUse = false;
    ui.wasmSize.textContent = `${wasm?.length ?? 0} bytes of wasm, compiled in ${Math.round(performance.now() - started)} ms${firstUse}`;
  } catch (error) {
    ui.wat.textContent = '(the JIT could not compile this program: see the error above)';
    showError(error);
  }
  runAll(interpreter, jit, `${code.length / 8} slots verified`);
}

/** Runs on the capture (per-packet verdicts) or once on the input memory, on both engines. */
function runAll(interpreter: Runner, jit: Runner | undefined, description: string): void {
  if (capture !== undefined) {
    showVerdicts(capture, interpreter, jit);
    loaded = { interpreter, jit, inputs: capture.packets, description: `${description}, ${capture.packets.length} packets run` };
  } else {
    const memory = inputMemory();
    showSingleRun(memory, interpreter, jit);
    loaded = { interpreter, jit, inputs: [memory], description };
  }
}

/** r0 of one run, or the error it ended with. */
function runOne(runner: Runner, input: Uint8Array | undefined): bigint | Error {
  try {
    return BigInt.asUintN(64, BigInt(runner.run(input).r0));
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}

function formatR0(value: bigint | Error): string {
  if (value instanceof Error) return describeError(value);
  const signed = BigInt.asIntN(64, value);
  return `${value}${signed < 0n ? ` (${signed})` : ''} = 0x${value.toString(16)}`;
}

function sameOutcome(a: bigint | Error, b: bigint | Error): boolean {
  if (typeof a === 'bigint' || typeof b === 'bigint') return a === b;
  return a.message === b.message;
}

function showSingleRun(memory: Uint8Array | undefined, interpreter: Runner, jit: Runner | undefined): void {
  const a = runOne(interpreter, memory);
  const lines: HTMLElement[] = [make('p', `input memory: ${memory === undefined ? 'none (r1 = 0, r2 = 0)' : `${memory.length} bytes`}`, { class: 'result-line' })];
  const row = (engine: string, value: bigint | Error): HTMLElement => {
    const line = make('p', `${engine}: r0 = `, { class: 'result-line' });
    line.append(make('code', formatR0(value), { 'data-engine': engine }));
    return line;
  };
  lines.push(row('interpreter', a));
  if (jit !== undefined) {
    const b = runOne(jit, memory);
    lines.push(row('jit', b));
    lines.push(sameOutcome(a, b) ? make('p', '✓ both engines agree', { class: 'agree' }) : make('p', '✗ the engines disagree', { class: 'disagree' }));
  }
  ui.result.replaceChildren(...lines);
  if (a instanceof Error) showError(a);
}

function showVerdicts(state: CaptureState, interpreter: Runner, jit: Runner | undefined): void {
  const tally = new Map<string, { r0: bigint | undefined; label: string; count: number }>();
  const rows: HTMLTableRowElement[] = [];
  let mismatches = 0;
  let firstError: Error | undefined;
  state.packets.forEach((packet, index) => {
    const a = runOne(interpreter, packet);
    const b = jit === undefined ? a : runOne(jit, packet);
    if (!sameOutcome(a, b)) mismatches++;
    if (a instanceof Error) firstError ??= a;
    const key = a instanceof Error ? 'error' : a.toString();
    const label = a instanceof Error ? 'runtime error' : (describeVerdict?.(a) ?? '');
    const entry = tally.get(key) ?? { r0: a instanceof Error ? undefined : a, label, count: 0 };
    entry.count++;
    tally.set(key, entry);
    if (index < 500) {
      const row = make('tr');
      row.append(make('td', String(index + 1), { class: 'num' }), make('td', String(packet.length), { class: 'num' }));
      row.append(make('td', a instanceof Error ? 'error' : a.toString(), { class: 'num' }), make('td', b instanceof Error ? 'error' : b.toString(), { class: 'num' }));
      rows.push(row);
    }
  });
  const summary = make('p', `${state.packets.length} packets from ${state.name} (${state.format}, link type ${state.linkType}), r1 = packet, r2 = length`, { class: 'result-line' });
  const agreement =
    jit === undefined
      ? make('p', 'JIT not available: interpreter only', { class: 'disagree' })
      : mismatches === 0
        ? make('p', `✓ interpreter and JIT agree on all ${state.packets.length} packets`, { class: 'agree' })
        : make('p', `✗ the engines disagree on ${mismatches} packets`, { class: 'disagree' });
  const table = make('table', undefined, { id: 'verdicts' });
  const head = make('tr');
  head.append(make('th', 'r0', { class: 'num' }), make('th', 'meaning'), make('th', 'packets', { class: 'num' }), make('th', ''));
  table.append(head);
  const sorted = [...tally.entries()].sort(([, x], [, y]) => (x.r0 === undefined ? 1 : y.r0 === undefined ? -1 : x.r0 < y.r0 ? -1 : 1));
  const most = Math.max(...[...tally.values()].map((entry) => entry.count), 1);
  for (const [key, entry] of sorted) {
    const row = make('tr', undefined, { 'data-r0': key });
    const barCell = make('td');
    barCell.style.width = '40%';
    const bar = make('div', undefined, { class: 'bar' });
    bar.style.width = `${(100 * entry.count) / most}%`;
    barCell.append(bar);
    row.append(make('td', key, { class: 'num' }), make('td', entry.label), make('td', String(entry.count), { class: 'num count' }), barCell);
    table.append(row);
  }
  const perPacket = make('table', undefined, { id: 'packets' });
  const packetHead = make('tr');
  packetHead.append(make('th', '#', { class: 'num' }), make('th', 'bytes', { class: 'num' }), make('th', 'r0 interp', { class: 'num' }), make('th', 'r0 jit', { class: 'num' }));
  perPacket.append(packetHead, ...rows);
  const scroll = make('div', undefined, { class: 'scroll' });
  scroll.append(perPacket);
  ui.result.replaceChildren(summary, agreement, table, scroll);
  if (firstError !== undefined) showError(firstError);
}

// ---------------------------------------------------------------------------------------------------
// ELF objects (feature-detected: needs the library's loadObject)

/** Hex text of bytes, grouped. */
function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join(' ');
}

async function analyzeObject(name: string, bytes: Uint8Array): Promise<void> {
  ui.sourceKind.textContent = `ELF object (${name})`;
  const loadObject = findLoadObject(api);
  if (loadObject === undefined) {
    showError('ELF objects need loadObject (not available in this build)', { notice: true });
    setStatus('ready', 'ELF objects need loadObject (not available in this build)');
    return;
  }
  const forInterpreter: LoadedObject = await loadObject(bytes);
  const forJit: LoadedObject = await loadObject(bytes);
  if (forInterpreter.programs.length === 0) throw new InputError(`${name}: the object has no programs`);
  const previous = ui.objectProgram.value;
  ui.objectProgram.replaceChildren(...forInterpreter.programs.map((info) => make('option', `${info.name} (${info.section}, ${info.type})`, { value: info.name })));
  ui.objectProgram.classList.remove('hidden');
  if (forInterpreter.programs.some((info) => info.name === previous)) ui.objectProgram.value = previous;
  const info = forInterpreter.programs.find((candidate) => candidate.name === ui.objectProgram.value) ?? forInterpreter.programs[0];
  if (info === undefined) return;
  const interpreter = await forInterpreter.load(info.name, { engine: 'interpreter' });
  let jit: ObjectProgram | undefined;
  try {
    jit = await forJit.load(info.name, { engine: 'jit' });
    ui.wat.textContent = jit.wat?.() ?? '(this build does not expose the wat of object programs)';
  } catch (error) {
    showError(error);
  }
  ui.verifierBadge.textContent = 'accepted';
  ui.verifierBadge.className = 'badge ok';
  ui.verifierLog.textContent = `program ${info.name}\nsection ${info.section}\ntype ${info.type}`;
  const insns = interpreter.insns;
  ui.disassembly.textContent = Array.isArray(insns) ? disassemble(insns as api.Insn[], { addresses: true }) : '(this build does not expose the instructions of object programs)';
  describeVerdict = (r0) => (info.type === 'xdp' ? XDP_ACTIONS : info.type === 'tc' ? TC_ACTIONS : new Map<bigint, string>()).get(r0) ?? '';
  runAll(interpreter, jit, `${info.name} loaded`);
  showMaps(forJit);
}

function showMaps(object: LoadedObject): void {
  const parts: HTMLElement[] = [];
  for (const [name, map] of object.maps) {
    parts.push(make('h3', name));
    const table = make('table', undefined, { 'data-map': name });
    const head = make('tr');
    head.append(make('th', 'key'), make('th', 'value'));
    table.append(head);
    let count = 0;
    for (const [key, value] of map.entries()) {
      if (++count > 200) break;
      const row = make('tr');
      row.append(make('td', hex(key)), make('td', hex(value)));
      table.append(row);
    }
    parts.push(table);
  }
  if (parts.length === 0) parts.push(make('p', 'this object has no maps', { class: 'hint' }));
  ui.maps.replaceChildren(...parts);
}

// ---------------------------------------------------------------------------------------------------
// Benchmark

async function benchmark(): Promise<void> {
  const current = loaded;
  if (current === undefined) throw new InputError('load a program first');
  const jit = current.jit;
  if (jit === undefined) throw new InputError('the benchmark needs the JIT, which could not compile this program');
  ui.benchRun.disabled = true;
  ui.run.disabled = true;
  ui.benchPanel.dataset['state'] = 'running';
  const inputs = current.inputs;
  const cycle = (runner: Runner): (() => void) => {
    let next = 0;
    return () => {
      runner.run(inputs[next]);
      next = next + 1 === inputs.length ? 0 : next + 1;
    };
  };
  const show = (results: readonly BenchResult[]): void => {
    ui.benchChart.replaceChildren(drawChart(results));
  };
  try {
    const results = await runBenchmark(
      [
        { name: 'interpreter', color: '#8a94a6', run: cycle(current.interpreter) },
        { name: 'JIT (wasm)', color: '#2f6fde', run: cycle(jit) },
      ],
      Number(ui.benchBudget.value),
      show,
    );
    show(results);
    const [slow, fast] = results;
    if (slow === undefined || fast === undefined) return;
    const speedup = slow.nsPerRun / fast.nsPerRun;
    ui.benchPanel.dataset['interpreterNs'] = String(slow.nsPerRun);
    ui.benchPanel.dataset['jitNs'] = String(fast.nsPerRun);
    ui.benchPanel.dataset['speedup'] = String(speedup);
    ui.benchPanel.dataset['state'] = 'done';
    const input = inputs.length > 1 ? `${inputs.length} packets in turn` : `${inputs[0]?.length ?? 0} bytes of input memory`;
    ui.benchSummary.textContent =
      `JIT ${speedup >= 1 ? `${speedup.toFixed(1)}× faster` : `${(1 / speedup).toFixed(1)}× slower`} than the interpreter: ` +
      `${formatNs(fast.nsPerRun)} vs ${formatNs(slow.nsPerRun)} per run (${fast.runs.toLocaleString('en')} and ${slow.runs.toLocaleString('en')} runs, ${input}). ` +
      'Each run includes the API work around the program (copying the input in and out), which dominates very short programs.';
  } finally {
    if (ui.benchPanel.dataset['state'] === 'running') ui.benchPanel.dataset['state'] = 'failed';
    ui.benchRun.disabled = loaded === undefined;
    ui.run.disabled = false;
  }
}

// ---------------------------------------------------------------------------------------------------
// Inputs: examples, files, drag and drop, editing

function loadExample(example: ExampleProgram): Promise<void> {
  source = { kind: 'text' };
  ui.objectProgram.classList.add('hidden');
  ui.source.value = example.text;
  ui.syntax.value = 'auto';
  ui.memory.value = example.memoryHex;
  const verdicts = example.verdicts;
  describeVerdict = example.kind === 'classic' ? classicVerdict : verdicts === undefined ? undefined : (r0) => verdicts.get(r0) ?? '';
  setCapture(example.hasCapture ? { name: 'example.pcap (generated in the page)', bytes: makeExampleCapture() } : undefined);
  return analyze();
}

function setCapture(file: { name: string; bytes: Uint8Array } | undefined): void {
  if (file === undefined) {
    capture = undefined;
    ui.captureKind.classList.add('hidden');
    return;
  }
  const read = readCapture(file.bytes);
  capture = { name: file.name, format: read.format, linkType: read.linkType, packets: read.packets.map((packet) => packet.data) };
  ui.captureKind.textContent = `capture: ${file.name}, ${read.packets.length} packets`;
  ui.captureKind.classList.remove('hidden');
}

async function openFiles(files: readonly File[]): Promise<void> {
  for (const file of files) {
    try {
      const detected = detectInput(file.name, new Uint8Array(await file.arrayBuffer()));
      switch (detected.kind) {
        case 'capture':
          setCapture(detected);
          break;
        case 'elf':
          source = { kind: 'elf', name: detected.name, bytes: detected.bytes };
          ui.source.value = `; ELF object ${detected.name} (${detected.bytes.length} bytes): pick a program beside "Verify & run"`;
          describeVerdict = undefined;
          break;
        case 'raw':
          source = { kind: 'raw', name: detected.name, bytes: detected.bytes };
          ui.source.value = `; raw eBPF bytes from ${detected.name} (${detected.bytes.length} bytes), disassembled; edit to assemble instead\n${disassemble(detected.bytes)}\n`;
          describeVerdict = undefined;
          ui.objectProgram.classList.add('hidden');
          break;
        case 'classic':
        case 'assembly':
          source = { kind: 'text' };
          ui.source.value = detected.text;
          describeVerdict = detected.kind === 'classic' ? classicVerdict : undefined;
          ui.objectProgram.classList.add('hidden');
          break;
        default: {
          const unreachable: never = detected;
          throw new Error(`unhandled input ${String(unreachable)}`);
        }
      }
    } catch (error) {
      ui.errors.replaceChildren();
      showError(error);
      return;
    }
  }
  await analyze();
}

function setUp(): void {
  EXAMPLES.forEach((example, index) => {
    const button = make('button', example.label, { id: `example-${index}`, title: example.description });
    button.addEventListener('click', () => void loadExample(example));
    ui.examples.append(button);
  });
  ui.fileInput.addEventListener('change', () => {
    const files = Array.from(ui.fileInput.files ?? []);
    ui.fileInput.value = '';
    void openFiles(files);
  });
  ui.source.addEventListener('input', () => {
    if (source.kind !== 'text') {
      source = { kind: 'text' };
      ui.objectProgram.classList.add('hidden');
    }
  });
  ui.source.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) void analyze();
  });
  ui.run.addEventListener('click', () => void analyze());
  ui.blinding.addEventListener('change', () => void analyze());
  ui.optimize.addEventListener('change', () => void analyze());
  ui.memory.addEventListener('keydown', (event) => {
    if (event.key === 'Enter') void analyze();
  });
  ui.objectProgram.addEventListener('change', () => void analyze());
  ui.benchRun.addEventListener('click', () => void benchmark().catch(showError));
  document.addEventListener('dragover', (event) => {
    event.preventDefault();
    document.body.classList.add('dragging');
  });
  document.addEventListener('dragleave', () => document.body.classList.remove('dragging'));
  document.addEventListener('drop', (event) => {
    event.preventDefault();
    document.body.classList.remove('dragging');
    void openFiles(Array.from(event.dataTransfer?.files ?? []));
  });
  ui.benchRun.disabled = true;
  setStatus('idle', 'ready: pick an example or type a program');
  window.ebpfWasmReady = true;
}

setUp();
