/**
 * @fileoverview Test support for the data-flow verifier: assembles LLVM-syntax programs (with the
 * extra forms `rN = map[I]` and `rN = map_value[I]+OFF` for lddw MAP_IDX / MAP_IDX_VALUE), wraps
 * them into a VerifiedProgram as the structural pass would, and runs verifyDataflow.
 */
import { parseAssembly } from '../../../src/asm/assembler.js';
import { isLddw, isLocalCall, isHelperCall, isMemoryAccess, type Insn } from '../../../src/isa/instruction.js';
import { PseudoSrc } from '../../../src/isa/opcodes.js';
import type { ProgramType, VerifiedProgram } from '../../../src/verifier/program.js';
import { verifyDataflow, type DataflowOptions, type DataflowResult, type MapInfo } from '../../../src/verifier/dataflow.js';

const MAP_MARK = 0x7eac0000;
const VALUE_MARK = 0x7ead0000;

/** Assembles `text`, turning the map pseudo-loads into lddw with src 5 / 6. */
export function asm(text: string): Insn[] {
  const src = text
    .replace(/(r\d+) = map\[(\d+)\]/g, (_m, r: string, i: string) => `${r} = 0x${MAP_MARK.toString(16)}${Number(i).toString(16).padStart(8, '0')} ll`)
    .replace(
      /(r\d+) = map_value\[(\d+)\]\+(\d+)/g,
      (_m, r: string, i: string, off: string) => `${r} = 0x${(VALUE_MARK | Number(off)).toString(16)}${Number(i).toString(16).padStart(8, '0')} ll`,
    );
  const insns = parseAssembly(src, { syntax: 'llvm' });
  for (let pc = 0; pc + 1 < insns.length; pc++) {
    const lo = insns[pc];
    const hi = insns[pc + 1];
    if (lo === undefined || hi === undefined || !isLddw(lo)) continue;
    const mark = hi.imm & 0xffff0000;
    if (mark === MAP_MARK) {
      insns[pc] = { ...lo, src: PseudoSrc.MAP_IDX };
      insns[pc + 1] = { ...hi, imm: 0 };
    } else if (mark === VALUE_MARK) {
      insns[pc] = { ...lo, src: PseudoSrc.MAP_IDX_VALUE };
      insns[pc + 1] = { ...hi, imm: hi.imm & 0xffff };
    }
    pc++;
  }
  return insns;
}

/** The VerifiedProgram the structural pass would produce (every memory access marked). */
export function program(insns: readonly Insn[], type: ProgramType): VerifiedProgram {
  const functions = new Set<number>([0]);
  const helperIds = new Set<number>();
  const checkedAccess = new Uint8Array(insns.length);
  insns.forEach((insn, pc) => {
    if (isLocalCall(insn)) functions.add(pc + 1 + insn.imm);
    if (isHelperCall(insn)) helperIds.add(insn.imm);
    if (isMemoryAccess(insn)) checkedAccess[pc] = 1;
  });
  return { type, insns, functions: [...functions].sort((a, b) => a - b), checkedAccess, helperIds: [...helperIds].sort((a, b) => a - b) };
}

/** Maps used by the tests, indexed by the lddw imm. */
export const TEST_MAPS: readonly MapInfo[] = [
  { type: 1, keySize: 4, valueSize: 8, maxEntries: 16 }, // 0: hash, key 4, value 8
  { type: 2, keySize: 4, valueSize: 16, maxEntries: 4 }, // 1: array, key 4, value 16
  { type: 27, keySize: 0, valueSize: 0, maxEntries: 4096 }, // 2: ringbuf
  { type: 3, keySize: 4, valueSize: 4, maxEntries: 4 }, // 3: prog array
  { type: 22, keySize: 0, valueSize: 8, maxEntries: 8 }, // 4: queue, value 8
  { type: 14, keySize: 4, valueSize: 4, maxEntries: 8 }, // 5: devmap
];

/** Options of one test run. */
export type RunOptions = Partial<Omit<DataflowOptions, 'type'>> & { readonly type?: ProgramType };

/** Assembles and verifies `text` (xdp by default, with TEST_MAPS). */
export function run(text: string, options: RunOptions = {}): DataflowResult {
  const type = options.type ?? 'xdp';
  return verifyDataflow(program(asm(text), type), { maps: TEST_MAPS, ...options, type });
}
