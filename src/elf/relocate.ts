/**
 * @fileoverview Code relocation: splits executable sections into functions (STT_FUNC symbols), links
 * each entry program with the subprograms it calls (transitively, `.text` or same-section), fixes call
 * and function-pointer immediates, and turns lddw relocations into map references in the libbpf
 * fd_array convention (src MAP_IDX / MAP_IDX_VALUE). Map definitions come from maps.ts.
 */
import type { CoreRelocation } from '../btf/ext.js';
import { decode } from '../decode.js';
import { DecodeError, ElfError } from '../errors.js';
import { type Insn, makeInsn } from '../isa/instruction.js';
import { CallSrc, Opcode, PseudoSrc } from '../isa/opcodes.js';
import type { PlacedMap } from './maps.js';
import { type ElfFile, type ElfRelocation, type ElfSection, readRelocations, RelocationType, SectionFlag, SectionType, SpecialSection, SymbolType } from './reader.js';
import type { MapRef } from './spec.js';

const INSN_SIZE = 8;

/** Most instructions one linked program may have (the kernel's BPF_COMPLEXITY_LIMIT_INSNS). */
export const MAX_PROGRAM_INSNS = 1_000_000;

/** One executable section, decoded, with its functions and relocations by slot. */
export interface CodeSection {
  readonly section: ElfSection;
  /** every slot of the section */
  readonly insns: readonly Insn[];
  /** functions sorted by start slot; they do not overlap */
  readonly functions: readonly CodeFunction[];
  /** relocation at each slot that has one */
  readonly relocations: ReadonlyMap<number, ElfRelocation>;
}

/** One function: slots [start, end) of its section. */
export interface CodeFunction {
  readonly name: string;
  readonly sectionIndex: number;
  readonly start: number;
  readonly end: number;
  readonly isGlobal: boolean;
}

/** A linked program before it becomes a ProgramSpec. */
export interface LinkedProgram {
  readonly insns: Insn[];
  readonly mapRefs: MapRef[];
  readonly functions: { name: string; pc: number }[];
  readonly coreRelocations: (CoreRelocation & { pc: number })[];
}

/**
 * Decodes one executable section and finds its functions and code relocations.
 * @throws ElfError on undecodable instructions, misaligned or overlapping function symbols, and
 *   relocations that are out of range, on the second lddw slot or duplicated
 */
export function readCodeSection(elf: ElfFile, section: ElfSection): CodeSection {
  let insns: Insn[];
  try {
    insns = decode(section.data);
  } catch (e) {
    if (e instanceof DecodeError) throw new ElfError(e.message, section.name, section.offset + e.byteOffset, { cause: e });
    throw e;
  }
  const isSecondHalf = new Uint8Array(insns.length);
  for (let pc = 0; pc < insns.length; pc++) if (insns[pc]?.op === Opcode.LDDW) isSecondHalf[++pc] = 1;

  const symbols = (elf.symbolsBySection.get(section.index) ?? [])
    .filter((s) => s.type === SymbolType.FUNC)
    .sort((a, b) => a.value - b.value || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const functions: CodeFunction[] = [];
  symbols.forEach((sym, i) => {
    if (sym.name === '') throw new ElfError(`function symbol ${sym.index} has no name`, section.name, sym.entryOffset);
    if (sym.value % INSN_SIZE !== 0 || sym.value >= section.size) {
      throw new ElfError(`function ${sym.name} starts at byte ${sym.value}, not an instruction of the ${section.size}-byte section`, section.name, sym.entryOffset + 8);
    }
    const start = sym.value / INSN_SIZE;
    const next = symbols[i + 1];
    const end = sym.size === 0 ? (next === undefined ? insns.length : next.value / INSN_SIZE) : (sym.value + sym.size) / INSN_SIZE;
    if (sym.size % INSN_SIZE !== 0 || end > insns.length) {
      throw new ElfError(`function ${sym.name} has size ${sym.size}, which does not fit whole instructions in the section`, section.name, sym.entryOffset + 16);
    }
    const prev = functions[functions.length - 1];
    if (prev !== undefined && start < prev.end) throw new ElfError(`function ${sym.name} overlaps function ${prev.name}`, section.name, sym.entryOffset + 8);
    if (isSecondHalf[start] === 1 || (end < insns.length && isSecondHalf[end] === 1)) {
      throw new ElfError(`function ${sym.name} boundary splits an lddw`, section.name, sym.entryOffset + 8);
    }
    if (end <= start) throw new ElfError(`function ${sym.name} is empty`, section.name, sym.entryOffset + 16);
    functions.push({ name: sym.name, sectionIndex: section.index, start, end, isGlobal: sym.bind !== 0 });
  });

  const relocations = new Map<number, ElfRelocation>();
  for (const rel of elf.relocationsFor.get(section.index) ?? []) {
    if (rel.type === SectionType.RELA) throw new ElfError('RELA relocations are not supported for BPF code', rel.name, rel.headerOffset + 4);
    for (const r of readRelocations(elf, rel)) {
      if (r.type === RelocationType.NONE || r.type === RelocationType.R_BPF_64_NODYLD32) continue;
      if (r.offset % INSN_SIZE !== 0 || r.offset >= section.size) {
        throw new ElfError(`relocation offset ${r.offset} is not an instruction of the ${section.size}-byte section ${section.name}`, rel.name, r.entryOffset);
      }
      const pc = r.offset / INSN_SIZE;
      if (isSecondHalf[pc] === 1) throw new ElfError(`relocation at offset ${r.offset} points at the second slot of an lddw`, rel.name, r.entryOffset);
      if (relocations.has(pc)) throw new ElfError(`second relocation at offset ${r.offset}`, rel.name, r.entryOffset);
      relocations.set(pc, r);
    }
  }
  return { section, insns, functions, relocations };
}

/** Most instructions all linked programs of one object may have together: bounds the output size. */
export const MAX_OBJECT_INSNS = 4_000_000;

/** Everything linkProgram needs to resolve references, indexed; build it with createLinkContext. */
export interface LinkContext {
  readonly elf: ElfFile;
  /** code sections by section index */
  readonly code: ReadonlyMap<number, CodeSection>;
  /** every map in ObjectSpec.maps order */
  readonly maps: readonly PlacedMap[];
  /** per section index: the data map's index, or the map index by definition offset */
  readonly mapsBySection: ReadonlyMap<number, { readonly dataIndex?: number; readonly byOffset: ReadonlyMap<number, number> }>;
  /** CO-RE relocations by section name, sorted by instruction offset */
  readonly coreBySection: ReadonlyMap<string, readonly CoreRelocation[]>;
  /** instructions still allowed before MAX_OBJECT_INSNS is reached; linkProgram decrements it */
  readonly budget: { remaining: number };
}

/** Indexes maps and CO-RE relocations for linkProgram. */
export function createLinkContext(elf: ElfFile, code: ReadonlyMap<number, CodeSection>, maps: readonly PlacedMap[], coreRelocations: readonly CoreRelocation[]): LinkContext {
  const mapsBySection = new Map<number, { dataIndex?: number; byOffset: Map<number, number> }>();
  maps.forEach((m, i) => {
    const entry = mapsBySection.get(m.sectionIndex) ?? { byOffset: new Map<number, number>() };
    if (m.isData) entry.dataIndex = i;
    else if (!entry.byOffset.has(m.offset)) entry.byOffset.set(m.offset, i);
    mapsBySection.set(m.sectionIndex, entry);
  });
  const coreBySection = new Map<string, CoreRelocation[]>();
  for (const core of coreRelocations) {
    const list = coreBySection.get(core.section) ?? [];
    list.push(core);
    coreBySection.set(core.section, list);
  }
  for (const list of coreBySection.values()) list.sort((a, b) => a.insnOffset - b.insnOffset);
  return { elf, code, maps, mapsBySection, coreBySection, budget: { remaining: MAX_OBJECT_INSNS } };
}

interface Target {
  readonly code: CodeSection;
  readonly fn: CodeFunction;
  /** slot inside the section */
  readonly slot: number;
}

/**
 * Links the entry function `entry` of `code` with every function it reaches through calls or function
 * pointers, appended in first-reference order, and applies all relocations.
 * @throws ElfError on relocations of the wrong type or against symbols that are not maps, global data or
 *   functions, on calls outside every function, and on lddws with a pseudo src but no relocation
 */
export function linkProgram(ctx: LinkContext, code: CodeSection, entry: CodeFunction): LinkedProgram {
  const units: { code: CodeSection; fn: CodeFunction }[] = [{ code, fn: entry }];
  const base = new Map<CodeFunction, number>([[entry, 0]]);
  let total = entry.end - entry.start;
  // Phase 1: find every reachable function and give it a start pc (breadth-first, first-call order).
  for (let u = 0; u < units.length; u++) {
    const unit = units[u];
    if (unit === undefined) break;
    for (let slot = unit.fn.start; slot < unit.fn.end; slot++) {
      const target = referenceTarget(ctx, unit.code, slot);
      if (target === undefined || base.has(target.fn)) continue;
      base.set(target.fn, total);
      units.push({ code: target.code, fn: target.fn });
      total += target.fn.end - target.fn.start;
      if (total > MAX_PROGRAM_INSNS) {
        throw new ElfError(`program ${entry.name} links more than ${MAX_PROGRAM_INSNS} instructions`, code.section.name, code.section.offset + entry.start * INSN_SIZE);
      }
    }
  }
  if (total > ctx.budget.remaining) {
    throw new ElfError(`the object's programs link more than ${MAX_OBJECT_INSNS} instructions together`, code.section.name, code.section.offset + entry.start * INSN_SIZE);
  }
  ctx.budget.remaining -= total;
  // Phase 2: copy and rewrite.
  const insns: Insn[] = [];
  const mapRefs: MapRef[] = [];
  const coreRelocations: (CoreRelocation & { pc: number })[] = [];
  for (const unit of units) {
    const unitBase = insns.length;
    const { section } = unit.code;
    for (let slot = unit.fn.start; slot < unit.fn.end; slot++) {
      const insn = unit.code.insns[slot];
      if (insn === undefined) break;
      const pc = unitBase + slot - unit.fn.start;
      insns.push(insn);
      const target = referenceTarget(ctx, unit.code, slot);
      if (target !== undefined) {
        const targetPc = (base.get(target.fn) ?? 0) + target.slot - target.fn.start;
        insns[pc] = makeInsn(insn.op, insn.dst, insn.op === Opcode.LDDW ? PseudoSrc.FUNC : insn.src, insn.off, targetPc - (pc + 1));
        continue;
      }
      const r = unit.code.relocations.get(slot);
      if (insn.op === Opcode.LDDW) {
        const hi = unit.code.insns[slot + 1];
        if (hi === undefined) break;
        if (r === undefined) {
          if (insn.src !== PseudoSrc.IMM64) {
            throw new ElfError(`lddw with pseudo src ${insn.src} at pc ${slot} has no relocation`, section.name, section.offset + slot * INSN_SIZE + 1);
          }
          continue;
        }
        const ref = resolveMapReference(ctx, unit.code, slot, r, insn);
        const map = ctx.maps[ref.mapIndex];
        if (map === undefined) throw new ElfError(`map index ${ref.mapIndex} out of range`, section.name, section.offset + slot * INSN_SIZE);
        insns[pc] = makeInsn(insn.op, insn.dst, ref.kind === 'map' ? PseudoSrc.MAP_IDX : PseudoSrc.MAP_IDX_VALUE, 0, ref.mapIndex);
        insns.push(makeInsn(hi.op, hi.dst, hi.src, hi.off, ref.offset));
        mapRefs.push({ pc, map: map.spec.name, kind: ref.kind, offset: ref.offset });
        slot++;
      } else if (r !== undefined) {
        const where = section.offset + slot * INSN_SIZE;
        if (insn.op === Opcode.CALL && r.type === RelocationType.R_BPF_64_32) {
          const sym = r.symbol;
          const name = sym.name || `symbol ${sym.index}`;
          if (sym.sectionIndex === SpecialSection.UNDEF) throw new ElfError(`call at pc ${slot} to extern function ${name} is not supported`, section.name, where);
          throw new ElfError(`call at pc ${slot} relocated against ${name}, which is not a function`, section.name, where);
        }
        throw new ElfError(`relocation type ${r.type} against ${r.symbol.name || `symbol ${r.symbol.index}`} at pc ${slot} does not fit opcode 0x${insn.op.toString(16)}`, section.name, where);
      }
    }
    const cores = ctx.coreBySection.get(section.name) ?? [];
    for (let i = lowerBound(cores, unit.fn.start * INSN_SIZE); i < cores.length; i++) {
      const core = cores[i];
      if (core === undefined || core.insnOffset >= unit.fn.end * INSN_SIZE) break;
      if (core.insnOffset % INSN_SIZE === 0) coreRelocations.push({ ...core, pc: unitBase + core.insnOffset / INSN_SIZE - unit.fn.start });
    }
  }
  mapRefs.sort((a, b) => a.pc - b.pc);
  coreRelocations.sort((a, b) => a.pc - b.pc);
  const functions = units.map((u) => ({ name: u.fn.name, pc: base.get(u.fn) ?? 0 }));
  return { insns, mapRefs, functions, coreRelocations };
}

/**
 * The function a local call or function-pointer lddw at `slot` refers to, or undefined when the slot is
 * neither (helper calls, plain lddws, map lddws).
 */
function referenceTarget(ctx: LinkContext, code: CodeSection, slot: number): Target | undefined {
  const insn = code.insns[slot];
  if (insn === undefined) return undefined;
  const r = code.relocations.get(slot);
  const where = code.section.offset + slot * INSN_SIZE;
  if (insn.op === Opcode.CALL && insn.src === CallSrc.LOCAL) {
    if (r === undefined) return locate(code, slot + insn.imm + 1, slot, where);
    if (r.type !== RelocationType.R_BPF_64_32) throw new ElfError(`relocation type ${r.type} on the call at pc ${slot}, expected R_BPF_64_32`, code.section.name, where);
    const target = ctx.code.get(r.symbol.sectionIndex);
    if (target === undefined || r.symbol.value % INSN_SIZE !== 0) return undefined; // reported in phase 2
    return locate(target, r.symbol.value / INSN_SIZE + insn.imm + 1, slot, where);
  }
  if (insn.op === Opcode.LDDW && r !== undefined && r.type === RelocationType.R_BPF_64_64) {
    const target = ctx.code.get(r.symbol.sectionIndex);
    if (target === undefined) return undefined;
    const byteOffset = r.symbol.value + insn.imm;
    if (byteOffset % INSN_SIZE !== 0) throw new ElfError(`function pointer at pc ${slot} targets byte ${byteOffset}, not an instruction`, code.section.name, where);
    return locate(target, byteOffset / INSN_SIZE, slot, where);
  }
  return undefined;
}

/** First index of `sorted` whose insnOffset is >= `offset`. */
function lowerBound(sorted: readonly CoreRelocation[], offset: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid]?.insnOffset ?? Infinity) < offset) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The function containing `slot` (binary search over the sorted, disjoint functions). */
function locate(code: CodeSection, slot: number, from: number, where: number): Target {
  let lo = 0;
  let hi = code.functions.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((code.functions[mid]?.end ?? Infinity) <= slot) lo = mid + 1;
    else hi = mid;
  }
  const candidate = code.functions[lo];
  const fn = candidate !== undefined && candidate.start <= slot && slot < candidate.end ? candidate : undefined;
  if (fn === undefined) {
    throw new ElfError(`call or function pointer at pc ${from} targets slot ${slot} of ${code.section.name}, which is not inside a function`, code.section.name, where);
  }
  return { code, fn, slot };
}

/** Resolves an R_BPF_64_64 lddw relocation against a map or global data symbol. */
function resolveMapReference(ctx: LinkContext, code: CodeSection, slot: number, r: ElfRelocation, insn: Insn): { mapIndex: number; kind: 'map' | 'value'; offset: number } {
  const { section } = code;
  const where = section.offset + slot * INSN_SIZE;
  const sym = r.symbol;
  const name = sym.name || `symbol ${sym.index}`;
  if (r.type !== RelocationType.R_BPF_64_64) {
    throw new ElfError(`relocation type ${r.type} on the lddw at pc ${slot}, expected R_BPF_64_64`, section.name, where);
  }
  if (sym.sectionIndex === SpecialSection.UNDEF) throw new ElfError(`lddw at pc ${slot} refers to extern ${name}, which is not supported`, section.name, where);
  const target = ctx.elf.sections[sym.sectionIndex];
  if (target === undefined) throw new ElfError(`lddw at pc ${slot} refers to ${name} in special section ${sym.sectionIndex}`, section.name, where);
  const byteOffset = sym.value + insn.imm;
  const entry = ctx.mapsBySection.get(target.index);
  if (entry === undefined) {
    const what = (target.flags & SectionFlag.EXECINSTR) !== 0 ? 'code' : `section ${target.name}`;
    throw new ElfError(`lddw at pc ${slot} refers to ${name} in ${what}, which is not a map or global data`, section.name, where);
  }
  if (entry.dataIndex !== undefined) {
    const size = ctx.maps[entry.dataIndex]?.size ?? 0;
    if (byteOffset < 0 || byteOffset > size) {
      throw new ElfError(`lddw at pc ${slot} points ${byteOffset} bytes into ${target.name}, which has ${size}`, section.name, where);
    }
    return { mapIndex: entry.dataIndex, kind: 'value', offset: byteOffset };
  }
  const hit = entry.byOffset.get(byteOffset);
  if (hit === undefined) throw new ElfError(`lddw at pc ${slot} refers to offset ${byteOffset} of ${target.name}, where no map is defined`, section.name, where);
  return { mapIndex: hit, kind: 'map', offset: 0 };
}
