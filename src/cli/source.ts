/**
 * @fileoverview What a CLI command runs: an ELF object (one program picked by --prog or by type) or
 * a bare program (assembly text or raw 8-byte instructions) with --type. Reading files, telling the
 * kinds apart and choosing the program happen here; the commands decide what to do with it.
 */
import { readFileSync } from 'node:fs';
import { assemble, type Engine, type ProgramType } from '../index.js';
import { type CliMap, type CliObject, type CliProgram, type CliProgramInfo, loadCode, loadObject } from './api.js';
import { type Args, CliUsageError, intOption, stringOption } from './args.js';
import type { PacketType } from './verdicts.js';

/** Program types that run over packets. */
export const PACKET_TYPES: readonly PacketType[] = ['xdp', 'tc', 'socket_filter'];

/** Every program type a bare program may be given with --type. */
const ALL_TYPES: readonly ProgramType[] = ['raw', 'xdp', 'tc', 'socket_filter'];

/** An input file: an object, or the instructions of a bare program. */
export type Source =
  | { readonly kind: 'object'; readonly path: string; readonly bytes: Uint8Array; readonly object: CliObject }
  | { readonly kind: 'code'; readonly path: string; readonly code: Uint8Array };

/** A program chosen for running, with the maps it can reach. */
export interface LoadedProgram {
  readonly program: CliProgram;
  /** name and section (for bare programs: the file name and the type) */
  readonly info: CliProgramInfo;
  readonly type: PacketType;
  readonly maps: ReadonlyMap<string, CliMap>;
}

/** True when `bytes` start with the ELF magic. */
export function isElf(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c && bytes[3] === 0x46;
}

/** True when the bytes look like assembly text rather than raw instructions. */
export function isText(bytes: Uint8Array): boolean {
  if (bytes.length === 0) return true;
  for (const b of bytes.subarray(0, 4096)) {
    if (b === 0 || (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d)) return false;
  }
  return true;
}

/** Reads a file or, for `-`, standard input. */
export function readInput(path: string): Uint8Array {
  return new Uint8Array(readFileSync(path === '-' ? 0 : path));
}

/** Reads FILE as a bare program: assembly text is assembled, anything else is taken as raw bytes. */
export function readCode(path: string): Uint8Array {
  const bytes = readInput(path);
  return isText(bytes) ? assemble(new TextDecoder().decode(bytes)) : bytes;
}

/** Opens OBJ|FILE: ELF objects are loaded with `cpus` CPUs, anything else is read as a bare program. */
export async function openSource(path: string, cpus = 1): Promise<Source> {
  const bytes = readInput(path);
  if (isElf(bytes)) return { kind: 'object', path, bytes, object: await loadObject(bytes, cpus) };
  return { kind: 'code', path, code: isText(bytes) ? assemble(new TextDecoder().decode(bytes)) : bytes };
}

/** The --type option of a bare program; `fallback` when absent (undefined: required). */
export function typeOption(args: Args, allowed: readonly ProgramType[] = ALL_TYPES, fallback?: ProgramType): ProgramType {
  const value = stringOption(args, 'type');
  if (value === undefined) {
    if (fallback !== undefined) return fallback;
    throw new CliUsageError(`a program that is not an ELF object needs --type ${allowed.join('|')}`);
  }
  const type = allowed.find((t) => t === value);
  if (type === undefined) throw new CliUsageError(`--type must be one of ${allowed.join(', ')}, got '${value}'`);
  return type;
}

/** One line per program, for error messages: `name (section, type)`. */
function describePrograms(programs: readonly CliProgramInfo[]): string {
  return programs.map((p) => `${p.name} (section ${p.section}, ${p.type})`).join(', ');
}

/**
 * Picks a program of `object`: the one named (by function name or section) with --prog, else the
 * only program, else the first whose type is in `types`.
 * @throws CliUsageError naming the choices when nothing fits
 */
export function selectProgram(object: CliObject, name: string | undefined, types: readonly string[]): CliProgramInfo {
  const programs = object.programs;
  if (name !== undefined) {
    const found = programs.find((p) => p.name === name) ?? programs.find((p) => p.section === name);
    if (found === undefined) throw new CliUsageError(`no program '${name}' in the object; choose one of: ${describePrograms(programs)}`);
    return found;
  }
  if (programs.length === 1 && programs[0] !== undefined) return programs[0];
  const first = programs.find((p) => types.includes(p.type));
  if (first === undefined) {
    if (programs.length === 0) throw new CliUsageError('the object has no programs');
    throw new CliUsageError(`no ${types.join('/')} program in the object; choose one with --prog: ${describePrograms(programs)}`);
  }
  return first;
}

/** Load options shared by the commands: engine, --no-blinding and --optimize. */
export function engineLoadOptions(args: Args, engine: Engine): { engine: Engine; blinding?: boolean; optimize?: number } {
  if (engine !== 'jit') return { engine };
  const optimize = args.options.has('optimize') ? intOption(args, 'optimize', 0, 3, 0) : undefined;
  return { engine, ...(args.options.has('no-blinding') ? { blinding: false } : {}), ...(optimize === undefined ? {} : { optimize }) };
}

/** The packet program type named `type`, or undefined for other types. */
function asPacketType(type: string): PacketType | undefined {
  return PACKET_TYPES.find((t) => t === type);
}

/**
 * Loads the program a packet command runs: from an object (by --prog or the first packet program)
 * or a bare program with --type.
 * @throws CliUsageError for a missing or wrong --type / --prog; the API's errors otherwise
 */
export async function loadPacketProgram(
  source: Source,
  args: Args,
  engine: Engine,
  extra: { cpu?: number } = {},
): Promise<LoadedProgram> {
  const load = engineLoadOptions(args, engine);
  if (source.kind === 'code') {
    const type = asPacketType(typeOption(args, PACKET_TYPES)) ?? 'xdp';
    const program = await loadCode(source.code, { ...load, type });
    return { program, info: { name: source.path, section: type, type }, type, maps: new Map() };
  }
  if (args.options.has('type')) throw new CliUsageError('--type is for bare programs; an object names its program types by section');
  const info = selectProgram(source.object, stringOption(args, 'prog'), PACKET_TYPES);
  const type = asPacketType(info.type);
  if (type === undefined) {
    throw new CliUsageError(`program ${info.name} is of type ${info.type}; this command runs ${PACKET_TYPES.join(', ')} programs`);
  }
  const program = await source.object.load(info.name, { ...load, ...extra });
  return { program, info, type, maps: source.object.maps };
}
