/**
 * @fileoverview The `ebpf-wasm` command line, built on the public API (index.ts) only. This file
 * parses the command, dispatches to src/cli/*.ts and turns errors into one line on stderr:
 * `ebpf-wasm: <ErrorName>: message`, exit 1; command-line misuse exits 2 and Ctrl-C during a
 * capture run exits 130 after printing the partial summary.
 */
import { writeFileSync } from 'node:fs';
import { assemble, EbpfError, load, PcapError } from './index.js';
import { type Args, checkOptions, CliUsageError, engineOption, onePath, parseArgs, parseHex, stringOption } from './cli/args.js';
import { benchCommand } from './cli/bench.js';
import { filterCommand } from './cli/filter.js';
import { disasmCommand, mapsCommand, testRunCommand, verifyCommand } from './cli/inspect.js';
import { type CliProgram, loadCode, watOf } from './cli/api.js';
import type { Io } from './cli/io.js';
import { EXIT_INTERRUPTED, runCapture } from './cli/run.js';
import { engineLoadOptions, isElf, openSource, readCode, readInput, selectProgram } from './cli/source.js';
import { WorkerError } from './cli/workers.js';

const USAGE = `usage: ebpf-wasm <command> [options]

packet programs (OBJ is an ELF object, or a bare program with --type xdp|tc|socket_filter):
  run OBJ --pcap IN [--out OUT.pcap] [--prog NAME] [--engine jit|interpreter] [--ctx JSON]
          [--maps] [--workers N]
                         run an XDP, tc or socket-filter program over every packet of a capture;
                         print verdict counts, packets/s and the maps (--maps: as JSON); write
                         the packets that pass (XDP_PASS/XDP_TX, TC_ACT_OK, accepted) to OUT
  test-run OBJ --data HEX [--prog NAME] [--ctx JSON] [--engine E] [--repeat N]
                         run one packet: return value, data out, time per run
  filter --cbpf FILE|- --pcap IN [--out OUT] [--engine E]
                         run a classic BPF filter (tcpdump -ddd) over a capture
  bench OBJ --pcap IN [--prog NAME] [--svg OUT.svg]
                         interpreter vs JIT on a capture: packets/s and speed-up
  verify OBJ|FILE [--prog NAME] [--log] [--type T]
                         run the verifier; print stats, or the log with --log; exit 1 on rejection
  disasm OBJ|FILE [--prog NAME]
                         disassemble (objects: per program, map and helper names as comments)
  maps OBJ               list the object's map definitions

bare programs (assembly text or raw 8-byte instructions):
  run FILE [--mem HEX] [--engine interpreter|jit] [--no-blinding] [--optimize N]
                         run a raw program on input memory and print r0
  asm FILE -o OUT        assemble text into raw 8-byte instructions
  wasm OBJ|FILE [--prog NAME] [--wat] [-o OUT] [--no-blinding] [--optimize N]
                         the JIT's WebAssembly (binary to OUT, or text with --wat)

capture commands default to --engine jit; the others to the interpreter.
exit codes: 0 ok, 1 error, 2 usage error, 130 interrupted (Ctrl-C)
`;

/** Output and control of one CLI invocation (defaults: process streams, SIGINT). */
export interface MainIo {
  out?: (text: string) => void;
  err?: (text: string) => void;
  /** draw progress bars on stderr (default: process.stderr.isTTY) */
  isTTY?: boolean;
  /** stops capture runs like Ctrl-C (default: SIGINT) */
  signal?: AbortSignal;
}

/** `run FILE [--mem HEX]`: a raw program on input memory. */
async function runRaw(args: Args, io: Io): Promise<number> {
  checkOptions(args, 'run', ['mem', 'engine', 'no-blinding', 'optimize']);
  const path = onePath(args, 'run');
  const memHex = stringOption(args, 'mem');
  const engine = engineOption(args, 'interpreter');
  if (isElf(readInput(path))) throw new CliUsageError('run OBJ needs --pcap IN (for one packet: test-run OBJ --data HEX)');
  const prog = await load(readCode(path), { type: 'raw', ...engineLoadOptions(args, engine) });
  const { r0 } = prog.run(memHex === undefined ? undefined : parseHex(memHex, '--mem'));
  io.out(`0x${r0.toString(16)}\n`);
  return 0;
}

/** `wasm OBJ|FILE [--prog NAME] [--wat] [-o OUT]`. */
async function wasmCommand(args: Args, io: Io): Promise<number> {
  checkOptions(args, 'wasm', ['prog', 'wat', 'out', 'no-blinding', 'optimize']);
  const target = stringOption(args, 'out');
  const isWat = args.options.has('wat');
  if (!isWat && target === undefined) throw new CliUsageError('wasm prints text with --wat, or writes the binary with -o OUT');
  const source = await openSource(onePath(args, 'wasm', 'OBJ|FILE'));
  const options = engineLoadOptions(args, 'jit');
  let prog: CliProgram;
  if (source.kind === 'code') {
    if (args.options.has('prog')) throw new CliUsageError('--prog is for ELF objects');
    prog = await loadCode(source.code, { type: 'raw', ...options });
  } else {
    const info = selectProgram(source.object, stringOption(args, 'prog'), ['xdp', 'tc', 'socket_filter', 'raw']);
    prog = await source.object.load(info.name, options);
  }
  if (isWat) {
    if (target === undefined) io.out(watOf(prog));
    else writeFileSync(target, watOf(prog));
  } else if (target !== undefined) {
    writeFileSync(target, prog.wasm ?? new Uint8Array());
  }
  return 0;
}

async function runCommand(argv: readonly string[], args: Args, io: Io): Promise<number> {
  const command = args.positional[0];
  switch (command) {
    case 'run':
      return args.options.has('pcap') ? runCapture(argv, args, io) : runRaw(args, io);
    case 'asm': {
      checkOptions(args, 'asm', ['out']);
      const path = onePath(args, 'asm');
      const target = stringOption(args, 'out');
      if (target === undefined) throw new CliUsageError('asm needs -o OUT');
      writeFileSync(target, assemble(new TextDecoder().decode(readInput(path))));
      return 0;
    }
    case 'disasm':
      return disasmCommand(args, io);
    case 'wasm':
      return wasmCommand(args, io);
    case 'verify':
      return verifyCommand(args, io);
    case 'maps':
      return mapsCommand(args, io);
    case 'test-run':
      return testRunCommand(args, io);
    case 'filter':
      return filterCommand(args, io);
    case 'bench':
      return benchCommand(args, io);
    case undefined:
    case 'help':
      io.out(USAGE);
      return command === undefined ? 2 : 0;
    default:
      throw new CliUsageError(`unknown command '${command}'`);
  }
}

/** The one-line message of an error, with a capture error's byte offset. */
function describeError(error: EbpfError | WorkerError): string {
  if (error instanceof PcapError && !error.message.includes(`byte ${error.byteOffset}`)) {
    return `${error.name}: ${error.message} (at byte offset ${error.byteOffset})`;
  }
  return `${error.name}: ${error.message}`;
}

/** A closed stdout (`ebpf-wasm ... | head`) ends the process quietly, as other command-line tools do. */
function onStdoutError(error: Error & { code?: string }): void {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
}

/**
 * Runs the CLI with `argv` (without node and script) and returns the exit code: 0 ok, 1 error,
 * 2 usage error, 130 interrupted.
 */
export async function main(argv: readonly string[], io: MainIo = {}): Promise<number> {
  if (io.out === undefined) process.stdout.once('error', onStdoutError);
  const out = io.out ?? ((s: string) => void process.stdout.write(s));
  const err = io.err ?? ((s: string) => void process.stderr.write(s));
  const interrupt = new AbortController();
  const onSigint = (): void => {
    if (interrupt.signal.aborted) process.exit(EXIT_INTERRUPTED);
    interrupt.abort();
  };
  if (io.signal === undefined) process.on('SIGINT', onSigint);
  const cliIo: Io = { out, err, isTTY: io.isTTY ?? process.stderr.isTTY === true, signal: io.signal ?? interrupt.signal };
  try {
    const args = parseArgs(argv);
    if (args.options.has('help')) {
      out(USAGE);
      return 0;
    }
    return await runCommand(argv, args, cliIo);
  } catch (error) {
    if (error instanceof CliUsageError || (error instanceof WorkerError && error.isUsage)) {
      err(`ebpf-wasm: ${error.message}\nrun 'ebpf-wasm help' for usage\n`);
      return 2;
    }
    if (error instanceof EbpfError || error instanceof WorkerError) {
      err(`ebpf-wasm: ${describeError(error)}\n`);
      return 1;
    }
    if (error instanceof Error && 'code' in error && typeof error.code === 'string' && error.code.startsWith('E')) {
      err(`ebpf-wasm: ${error.message}\n`);
      return 1;
    }
    throw error;
  } finally {
    if (io.signal === undefined) process.off('SIGINT', onSigint);
  }
}
