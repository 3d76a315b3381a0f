/**
 * @fileoverview The commands that look at a program without a capture: `verify` (accepted + stats,
 * or the verifier log), `disasm` (per program of an object, with map names and helper names as
 * comments), `maps` (the object's map definitions) and `test-run` (one packet, like
 * `bpftool prog run`: return value, data out, time per run).
 */
import { type DataflowStats, disassemble, formatInsn, type Insn, VerifierError, verify } from '../index.js';
import { type CliObject, type CliProgram, type CliProgramInfo, helperNames, insnsOf, loadCode, loadObject, mapPointerResolver } from './api.js';
import { type Args, checkOptions, CliUsageError, engineOption, hasFlag, intOption, onePath, parseContextJson, parseHex, stringOption } from './args.js';
import { formatMapDefinitions, toHex } from './format.js';
import type { Io } from './io.js';
import { isElf, loadPacketProgram, openSource, readInput, selectProgram, typeOption } from './source.js';
import { verdictName } from './verdicts.js';
import { lddwValue } from './workers.js';

/** lddw's opcode and the helper-call opcode (BPF_JMP | BPF_CALL). */
const LDDW = 0x18;
const CALL = 0x85;

/** Program types an object's program must have to be loaded here. */
const LOADABLE_TYPES: readonly string[] = ['xdp', 'tc', 'socket_filter', 'raw'];

/** The programs a command covers: the --prog one, else every loadable program of the object. */
function programsOf(object: CliObject, args: Args): CliProgramInfo[] {
  const name = stringOption(args, 'prog');
  if (name !== undefined) return [selectProgram(object, name, LOADABLE_TYPES)];
  return object.programs.filter((p) => LOADABLE_TYPES.includes(p.type));
}

/** Numeric facts of a verification result (instruction count, functions, helpers, verifier stats). */
function formatStats(result: unknown, insns: readonly Insn[]): string {
  const lines = [`  insns: ${insns.length}`];
  const outer = (typeof result === 'object' && result !== null ? result : {}) as Record<string, unknown>;
  const inner = outer['program'];
  const record = typeof inner === 'object' && inner !== null ? { ...(inner as Record<string, unknown>), stats: outer['stats'] } : outer;
  const functions = record['functions'];
  if (Array.isArray(functions)) lines.push(`  functions: ${functions.length}`);
  const helpers = record['helperIds'];
  if (Array.isArray(helpers)) {
    const names = helperNames();
    lines.push(`  helpers: ${helpers.length === 0 ? 'none' : helpers.map((id: number) => names.get(id) ?? `#${id}`).join(', ')}`);
  }
  const stats = (record['stats'] ?? (outer['verification'] as Record<string, unknown> | undefined)?.['stats']) as DataflowStats | undefined;
  if (stats !== undefined) {
    // the kernel's summary line (kernel/bpf/verifier.c prints the same counters)
    lines.push(
      `  processed ${stats.insnsProcessed} insns, max_states_per_insn ${stats.maxStatesPerInsn} total_states ${stats.states} peak_states ${stats.peakStates} pruned ${stats.pruned}` +
        (stats.fallback ? ' (loops not bounded: every access checked at run time, back-edges counted)' : ''),
    );
  }
  return lines.join('\n') + '\n';
}

/** The slots of a verification result: a VerifiedProgram, or a `{ program, log, stats }` wrapper. */
function verifiedInsns(result: unknown): readonly Insn[] {
  const record = result as { readonly insns?: readonly Insn[]; readonly program?: { readonly insns?: readonly Insn[] } };
  return record.insns ?? record.program?.insns ?? [];
}

/** The verifier log a result or program carries, if the API provides one. */
function logOf(result: unknown): string | undefined {
  const log = (result as { readonly log?: unknown } | undefined)?.log;
  return typeof log === 'string' ? log : undefined;
}

/** Prints the log of a rejection (with --log) and prefixes the program name to its message. */
function explainRejection(error: unknown, io: Io, isLog: boolean, name: string | undefined): unknown {
  if (error instanceof VerifierError) {
    if (isLog && error.log !== '') io.out(error.log.endsWith('\n') ? error.log : `${error.log}\n`);
    if (name !== undefined) error.message = `program ${name}: ${error.message}`;
  }
  return error;
}

/** `verify OBJ|FILE [--prog NAME] [--log] [--type T]`: exit 0 when accepted, 1 on rejection. */
export async function verifyCommand(args: Args, io: Io): Promise<number> {
  checkOptions(args, 'verify', ['prog', 'log', 'type']);
  const source = await openSource(onePath(args, 'verify', 'OBJ|FILE'));
  const isLog = hasFlag(args, 'log');
  if (source.kind === 'code') {
    if (args.options.has('prog')) throw new CliUsageError('--prog is for ELF objects');
    const type = typeOption(args, undefined, 'raw');
    let result: unknown;
    let insns: readonly Insn[];
    try {
      if (type === 'raw') {
        result = verify(source.code, { type, logLevel: isLog ? 2 : 0 });
        insns = verifiedInsns(result);
      } else {
        // packet types: loading runs the full data-flow verifier with the type's context rules
        const program = await loadCode(source.code, { type, engine: 'interpreter', logLevel: isLog ? 2 : 0 });
        result = { ...(program.verified ?? program), ...((program as { verification?: object }).verification ?? {}) };
        insns = insnsOf(program);
      }
    } catch (error) {
      throw explainRejection(error, io, isLog, undefined);
    }
    printVerified(io, undefined, result, insns, isLog);
    return 0;
  }
  if (args.options.has('type')) throw new CliUsageError('--type is for bare programs; an object names its program types by section');
  const programs = programsOf(source.object, args);
  if (programs.length === 0) throw new CliUsageError('the object has no xdp, tc, socket_filter or raw programs to verify');
  for (const info of programs) {
    let program: CliProgram;
    try {
      program = await source.object.load(info.name, { engine: 'interpreter', logLevel: isLog ? 2 : 0 });
    } catch (error) {
      throw explainRejection(error, io, isLog, info.name);
    }
    const verified = { ...((program as { readonly verified?: object }).verified ?? program), ...((program as { verification?: object }).verification ?? {}) };
    printVerified(io, info, verified, insnsOf(program), isLog);
  }
  return 0;
}

function printVerified(io: Io, info: CliProgramInfo | undefined, result: unknown, insns: readonly Insn[], isLog: boolean): void {
  const log = logOf(result);
  if (isLog && log !== undefined) io.out(log.endsWith('\n') ? log : `${log}\n`);
  io.out(`${info === undefined ? '' : `${info.name} (section ${info.section}, ${info.type}): `}accepted\n`);
  if (!isLog || log === undefined) io.out(formatStats(result, insns));
}

/** The comment of slot `pc`: the map an lddw loads, or the helper a call calls. */
function commentOf(insns: readonly Insn[], pc: number, maps: ReadonlyMap<number, string>, helpers: ReadonlyMap<number, string>): string {
  const insn = insns[pc];
  if (insn === undefined) return '';
  const map = maps.get(pc);
  if (map !== undefined) return map;
  if (insn.op === CALL && insn.src === 0) return helpers.get(insn.imm) ?? '';
  return '';
}

/** Disassembly of one program with slot numbers and `; comment`s. */
function disassembleAnnotated(insns: readonly Insn[], maps: ReadonlyMap<number, string>): string {
  const helpers = helperNames();
  const lines: string[] = [];
  for (let pc = 0; pc < insns.length; pc++) {
    const insn = insns[pc];
    if (insn === undefined) break;
    const comment = commentOf(insns, pc, maps, helpers);
    lines.push(`${String(pc).padStart(8)}:\t${formatInsn(insns, pc)}${comment === '' ? '' : `\t; ${comment}`}`);
    if (insn.op === LDDW) pc++;
  }
  return lines.join('\n');
}

/** The map each lddw refers to, by pc (`map counts`, `map .data + 8`), from the maps' addresses. */
function mapNamesByPc(insns: readonly Insn[], object: CliObject): Map<number, string> {
  const names = new Map<number, string>();
  const resolve = mapPointerResolver(object.maps);
  for (let pc = 0; pc < insns.length; pc++) {
    if (insns[pc]?.op !== LDDW) continue;
    const pointer = resolve(lddwValue(insns, pc));
    if (pointer !== undefined) names.set(pc, `map ${pointer.map.name}${pointer.offset === undefined ? '' : ` + ${pointer.offset}`}`);
    pc++;
  }
  return names;
}

/** `disasm OBJ|FILE [--prog NAME]`. */
export async function disasmCommand(args: Args, io: Io): Promise<number> {
  checkOptions(args, 'disasm', ['prog']);
  const source = await openSource(onePath(args, 'disasm', 'OBJ|FILE'));
  if (source.kind === 'code') {
    if (args.options.has('prog')) throw new CliUsageError('--prog is for ELF objects');
    io.out(disassemble(source.code) + '\n');
    return 0;
  }
  const programs = stringOption(args, 'prog') === undefined ? source.object.programs : programsOf(source.object, args);
  const blocks: string[] = [];
  for (const info of programs) {
    const insns = insnsOf(await source.object.load(info.name, { engine: 'interpreter' }));
    blocks.push(`${info.name} (section ${info.section}, ${info.type}):\n${disassembleAnnotated(insns, mapNamesByPc(insns, source.object))}\n`);
  }
  io.out(blocks.join('\n'));
  return 0;
}

/** `maps OBJ`: the object's map definitions. */
export async function mapsCommand(args: Args, io: Io): Promise<number> {
  checkOptions(args, 'maps', []);
  const path = onePath(args, 'maps', 'OBJ');
  const bytes = readInput(path);
  if (!isElf(bytes)) throw new CliUsageError(`${path} is not an ELF object`);
  const object = await loadObject(bytes, 1);
  io.out(object.maps.size === 0 ? 'no maps\n' : formatMapDefinitions(object.maps.values()) + '\n');
  return 0;
}

/** JSON of a ctx record with bigints as numbers where exact (strings otherwise). */
function ctxJson(ctx: unknown): string {
  return JSON.stringify(ctx, (_key, value: unknown) => (typeof value === 'bigint' ? (value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString()) : value));
}

/** `test-run OBJ --prog NAME --data HEX [--ctx JSON] [--engine E] [--repeat N]`: one packet. */
export async function testRunCommand(args: Args, io: Io): Promise<number> {
  checkOptions(args, 'test-run', ['prog', 'type', 'data', 'ctx', 'engine', 'repeat', 'no-blinding', 'optimize']);
  const dataHex = stringOption(args, 'data');
  if (dataHex === undefined) throw new CliUsageError('test-run needs --data HEX');
  const data = parseHex(dataHex, '--data');
  const ctx = parseContextJson(stringOption(args, 'ctx'));
  const repeat = intOption(args, 'repeat', 1, 100_000_000, 1);
  const source = await openSource(onePath(args, 'test-run', 'OBJ'));
  const loaded = await loadPacketProgram(source, args, engineOption(args, 'jit'));
  const run = (): ReturnType<CliProgram['run']> => (ctx === undefined ? loaded.program.run(data) : loaded.program.run(data, ctx));
  const start = process.hrtime.bigint();
  let result = run();
  for (let i = 1; i < repeat; i++) result = run();
  const elapsed = process.hrtime.bigint() - start;
  io.out(`retval: ${result.r0} (${verdictName(loaded.type, result.r0)})\n`);
  io.out(`data_out: ${toHex(result.data)}\n`);
  if (ctx !== undefined && result.ctx !== undefined) io.out(`ctx_out: ${ctxJson(result.ctx)}\n`);
  io.out(`duration: ${(elapsed / BigInt(repeat)).toString()} ns/run (average of ${repeat} run${repeat === 1 ? '' : 's'})\n`);
  return 0;
}
