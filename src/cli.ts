/**
 * @fileoverview The `ebpf-wasm` command line, built on the public API (index.ts) only.
 * Commands: run, asm, disasm, wasm, verify. Errors print one clear line to stderr and exit 1;
 * usage errors exit 2.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { assemble, disassemble, EbpfError, load, verify, type Engine, type Program } from './index.js';

const USAGE = `usage: ebpf-wasm <command> [options]

commands:
  run FILE [--mem HEX] [--engine interpreter|jit] [--no-blinding] [--optimize N]
                         run a raw program (assembly text or raw bytes) and print r0
  asm FILE -o OUT        assemble text into raw 8-byte instructions
  disasm FILE            print the LLVM-syntax disassembly of raw bytes or assembly
  wasm FILE [--wat] [-o OUT] [--no-blinding]
                         print the JIT's WebAssembly (binary to OUT, or text with --wat)
  verify FILE            run the verifier on a raw program, exit 1 on rejection
`;

/** Parsed command-line flags: positional arguments and `--name value` / `--flag` options. */
interface Args {
  positional: string[];
  options: Map<string, string | true>;
}

const FLAGS_WITHOUT_VALUE = new Set(['wat', 'no-blinding', 'help', 'log']);

function parseArgs(argv: readonly string[]): Args {
  const positional: string[] = [];
  const options = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '-o') {
      options.set('out', requireValue(argv, i, '-o'));
      i++;
    } else if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
      if (eq >= 0) options.set(name, arg.slice(eq + 1));
      else if (FLAGS_WITHOUT_VALUE.has(name)) options.set(name, true);
      else {
        options.set(name, requireValue(argv, i, arg));
        i++;
      }
    } else {
      positional.push(arg);
    }
  }
  return { positional, options };
}

class CliUsageError extends Error {}

function requireValue(argv: readonly string[], i: number, flag: string): string {
  const value = argv[i + 1];
  if (value === undefined) throw new CliUsageError(`${flag} needs a value`);
  return value;
}

function stringOption(args: Args, name: string): string | undefined {
  const value = args.options.get(name);
  if (value === true) throw new CliUsageError(`--${name} needs a value`);
  return value;
}

/** True when the bytes look like assembly text rather than raw instructions. */
function isText(bytes: Uint8Array): boolean {
  if (bytes.length === 0) return true;
  for (const b of bytes.subarray(0, 4096)) {
    if (b === 0 || (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d)) return false;
  }
  return true;
}

/** Reads FILE as a program: assembly text is assembled, anything else is taken as raw bytes. */
function readProgram(path: string): Uint8Array {
  const bytes = new Uint8Array(readFileSync(path));
  return isText(bytes) ? assemble(new TextDecoder().decode(bytes)) : bytes;
}

function parseHex(text: string): Uint8Array {
  const clean = text.replace(/0x/gi, '').replace(/[\s,:]/g, '');
  if (clean.length % 2 !== 0 || /[^0-9a-f]/i.test(clean)) throw new CliUsageError(`--mem expects hex bytes, got '${text}'`);
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function parseEngine(value: string | undefined): Engine {
  if (value === undefined) return 'interpreter';
  if (value === 'interpreter' || value === 'jit') return value;
  throw new CliUsageError(`--engine must be interpreter or jit, got '${value}'`);
}

function parseOptimize(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 3) throw new CliUsageError(`--optimize must be 0..3, got '${value}'`);
  return n;
}

function onePath(args: Args, command: string): string {
  const path = args.positional[1];
  if (path === undefined) throw new CliUsageError(`${command} needs a FILE`);
  return path;
}

async function loadFromArgs(args: Args, path: string, engine: Engine): Promise<Program> {
  const optimize = parseOptimize(stringOption(args, 'optimize'));
  return load(readProgram(path), {
    type: 'raw',
    engine,
    ...(engine === 'jit' ? { blinding: !args.options.has('no-blinding') } : {}),
    ...(optimize === undefined ? {} : { optimize }),
  });
}

async function runCommand(args: Args, out: (s: string) => void): Promise<number> {
  const command = args.positional[0];
  switch (command) {
    case 'run': {
      const path = onePath(args, 'run');
      const memHex = stringOption(args, 'mem');
      const prog = await loadFromArgs(args, path, parseEngine(stringOption(args, 'engine')));
      const { r0 } = prog.run(memHex === undefined ? undefined : parseHex(memHex));
      out(`0x${r0.toString(16)}\n`);
      return 0;
    }
    case 'asm': {
      const path = onePath(args, 'asm');
      const target = stringOption(args, 'out');
      if (target === undefined) throw new CliUsageError('asm needs -o OUT');
      writeFileSync(target, assemble(readFileSync(path, 'utf8')));
      return 0;
    }
    case 'disasm': {
      out(disassemble(readProgram(onePath(args, 'disasm'))) + '\n');
      return 0;
    }
    case 'wasm': {
      const prog = await loadFromArgs(args, onePath(args, 'wasm'), 'jit');
      const target = stringOption(args, 'out');
      if (args.options.has('wat')) {
        if (target === undefined) out(prog.wat());
        else writeFileSync(target, prog.wat());
      } else if (target !== undefined) {
        writeFileSync(target, prog.wasm ?? new Uint8Array());
      } else {
        throw new CliUsageError('wasm prints text with --wat, or writes the binary with -o OUT');
      }
      return 0;
    }
    case 'verify': {
      verify(readProgram(onePath(args, 'verify')), { type: 'raw' });
      out('accepted\n');
      return 0;
    }
    case undefined:
    case 'help':
      out(USAGE);
      return command === undefined ? 2 : 0;
    default:
      throw new CliUsageError(`unknown command '${command}'`);
  }
}

/** Runs the CLI with `argv` (without node and script) and returns the exit code. */
export async function main(argv: readonly string[], io: { out?: (s: string) => void; err?: (s: string) => void } = {}): Promise<number> {
  const out = io.out ?? ((s: string) => void process.stdout.write(s));
  const err = io.err ?? ((s: string) => void process.stderr.write(s));
  try {
    const args = parseArgs(argv);
    if (args.options.has('help')) {
      out(USAGE);
      return 0;
    }
    return await runCommand(args, out);
  } catch (error) {
    if (error instanceof CliUsageError) {
      err(`ebpf-wasm: ${error.message}\n${USAGE}`);
      return 2;
    }
    if (error instanceof EbpfError) {
      err(`ebpf-wasm: ${error.name}: ${error.message}\n`);
      return 1;
    }
    if (error instanceof Error && 'code' in error && typeof error.code === 'string' && error.code.startsWith('E')) {
      err(`ebpf-wasm: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}
