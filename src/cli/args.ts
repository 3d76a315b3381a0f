/**
 * @fileoverview Command-line argument parsing for the `ebpf-wasm` CLI: positional arguments and
 * `--name value` / `--name=value` / `--flag` options, plus typed accessors that turn bad values into
 * CliUsageError (exit code 2). Commands live in the other src/cli/*.ts files.
 */
import type { Engine } from '../index.js';

/** A misuse of the command line (unknown command, missing or malformed option): exit code 2. */
export class CliUsageError extends Error {
  override readonly name = 'CliUsageError';
}

/** Parsed command-line flags: positional arguments and `--name value` / `--flag` options. */
export interface Args {
  readonly positional: string[];
  readonly options: Map<string, string | true>;
}

/** Options that take no value. */
const FLAGS_WITHOUT_VALUE = new Set(['wat', 'no-blinding', 'help', 'log', 'maps', 'json']);

/** Short options and the long option each stands for. */
const SHORT_OPTIONS: ReadonlyMap<string, string> = new Map([
  ['-o', 'out'],
  ['-h', 'help'],
]);

/**
 * Splits argv into positional arguments and options. A lone `-` is positional (stdin).
 * @throws CliUsageError when an option that needs a value is last
 */
export function parseArgs(argv: readonly string[]): Args {
  const positional: string[] = [];
  const options = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const short = SHORT_OPTIONS.get(arg);
    let name: string | undefined;
    if (short !== undefined) name = short;
    else if (arg.startsWith('--') && arg.length > 2) {
      const eq = arg.indexOf('=');
      if (eq >= 0) {
        options.set(arg.slice(2, eq), arg.slice(eq + 1));
        continue;
      }
      name = arg.slice(2);
    }
    if (name === undefined) {
      positional.push(arg);
    } else if (FLAGS_WITHOUT_VALUE.has(name)) {
      options.set(name, true);
    } else {
      const value = argv[i + 1];
      if (value === undefined) throw new CliUsageError(`${arg} needs a value`);
      options.set(name, value);
      i++;
    }
  }
  return { positional, options };
}

/** Rejects options the command does not know (a typo must not be ignored silently). */
export function checkOptions(args: Args, command: string, allowed: readonly string[]): void {
  for (const name of args.options.keys()) {
    if (!allowed.includes(name)) throw new CliUsageError(`${command} does not take --${name}`);
  }
}

/** The value of `--name`, or undefined when absent. @throws CliUsageError for a bare flag */
export function stringOption(args: Args, name: string): string | undefined {
  const value = args.options.get(name);
  if (value === true) throw new CliUsageError(`--${name} needs a value`);
  return value;
}

/** True when `--name` was given. */
export function hasFlag(args: Args, name: string): boolean {
  return args.options.has(name);
}

/** The value of `--name` as an integer in [min, max], or `fallback`. */
export function intOption(args: Args, name: string, min: number, max: number, fallback: number): number {
  const text = stringOption(args, name);
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new CliUsageError(`--${name} must be an integer ${min}..${max}, got '${text}'`);
  }
  return value;
}

/** The --engine option (`fallback` when absent). */
export function engineOption(args: Args, fallback: Engine): Engine {
  const value = stringOption(args, 'engine');
  if (value === undefined) return fallback;
  if (value === 'interpreter' || value === 'jit') return value;
  throw new CliUsageError(`--engine must be interpreter or jit, got '${value}'`);
}

/** The one positional argument after the command. @throws CliUsageError when it is missing or there are more */
export function onePath(args: Args, command: string, what = 'FILE'): string {
  const path = args.positional[1];
  if (path === undefined) throw new CliUsageError(`${command} needs ${what}`);
  if (args.positional.length > 2) throw new CliUsageError(`${command} takes one ${what}, got extra '${args.positional[2] ?? ''}'`);
  return path;
}

/** Parses hex bytes (`0a0b`, `0x0a 0x0b`, `0a:0b`, `0a,0b`). @throws CliUsageError naming `flag` */
export function parseHex(text: string, flag: string): Uint8Array {
  const clean = text.replace(/0x/gi, '').replace(/[\s,:]/g, '');
  if (clean.length % 2 !== 0 || /[^0-9a-f]/i.test(clean)) throw new CliUsageError(`${flag} expects hex bytes, got '${text}'`);
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Context field values of --ctx. */
export type ContextJson = Record<string, number | number[]>;

/**
 * Parses --ctx JSON: an object of UAPI field names to integers (or an array of integers for `cb`).
 * @throws CliUsageError for invalid JSON or value shapes
 */
export function parseContextJson(text: string | undefined): ContextJson | undefined {
  if (text === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new CliUsageError(`--ctx is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new CliUsageError('--ctx must be a JSON object of field names to integers');
  const out: ContextJson = {};
  for (const [name, field] of Object.entries(value as Record<string, unknown>)) {
    if (typeof field === 'number' && Number.isInteger(field)) out[name] = field;
    else if (Array.isArray(field) && field.every((v) => typeof v === 'number' && Number.isInteger(v))) out[name] = field as number[];
    else throw new CliUsageError(`--ctx field ${name} must be an integer or an array of integers`);
  }
  return out;
}
