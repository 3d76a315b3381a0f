/**
 * @fileoverview The inert, deterministic result of parsing a BPF ELF object: ObjectSpec, ProgramSpec
 * and MapSpec. Plain data only; the runtime turns these into live maps and programs. Produced by
 * object.ts (with maps.ts and relocate.ts), re-exported from there.
 */
import type { CoreRelocation } from '../btf/ext.js';
import type { Btf } from '../btf/types.js';
import type { Insn } from '../isa/instruction.js';
import type { ProgramType } from '../verifier/program.js';

/** A map as the object defines it. Global data sections become single-entry ARRAY maps. */
export interface MapSpec {
  /** symbol name, or the section name for global data (`.data`, `.rodata`, `.bss`, `.rodata.str1.1`) */
  readonly name: string;
  /** BPF_MAP_TYPE_* */
  readonly type: number;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  /** BPF_F_* map flags */
  readonly flags: number;
  /** global data only: the section bytes (zero for .bss), valueSize long */
  readonly initialValue?: Uint8Array;
  /** global data only: true for .rodata* (the program may not write it) */
  readonly readonly?: boolean;
  /** map-in-map: the inner map template (`values` of the definition), named `<outer>.inner` */
  readonly innerMap?: MapSpec;
  /** LIBBPF_PIN_* when the definition sets `pinning` */
  readonly pinning?: number;
  /** when the definition sets `numa_node` */
  readonly numaNode?: number;
  /** when the definition sets `map_extra` (bloom filter hash count, arena address, ...) */
  readonly mapExtra?: number;
  /** PROG_ARRAY: slots filled at load time from `.values = { [i] = &prog }`, by index */
  readonly initialSlots?: readonly { readonly index: number; readonly program: string }[];
  /** map-in-map: slots filled at load time from `.values = { [i] = &map }`, by index */
  readonly initialMapSlots?: readonly { readonly index: number; readonly map: string }[];
  /** the ELF section defining the map: `.maps`, `maps`, `.data`, `.rodata`, `.bss`, ... */
  readonly section: string;
}

/** Where an lddw refers to a map: `kind` 'map' loads the map pointer, 'value' a pointer into its value. */
export interface MapRef {
  /** pc of the lddw's first slot in ProgramSpec.insns */
  readonly pc: number;
  /** MapSpec.name */
  readonly map: string;
  readonly kind: 'map' | 'value';
  /** byte offset into the value ('value' only; 0 for 'map') */
  readonly offset: number;
}

/** One entry program with its subprograms appended and every relocation applied. */
export interface ProgramSpec {
  /** the entry function's symbol name */
  readonly name: string;
  /** the ELF section holding the entry function */
  readonly section: string;
  readonly type: ProgramType | 'unknown';
  /** the section name up to the first `/`: `xdp`, `xdp.frags`, `tc`, `classifier`, `socket`, `kprobe` */
  readonly sectionType: string;
  /**
   * relocated slots: the entry function, then each reachable subprogram, breadth-first in call order.
   * Map lddws have src PseudoSrc.MAP_IDX (imm = index into ObjectSpec.maps) or MAP_IDX_VALUE (imm = map
   * index, second slot imm = byte offset); local calls have imm = target pc - (pc + 1), and function
   * pointers (lddw src PseudoSrc.FUNC) imm = target pc - (pc + 1) as the kernel expects
   */
  readonly insns: readonly Insn[];
  /** the lddws that refer to maps, in pc order */
  readonly mapRefs: readonly MapRef[];
  /** start pc of every function in `insns`: 0 (the entry) first, then the appended subprograms */
  readonly functions: readonly { readonly name: string; readonly pc: number }[];
  /** number of CO-RE relocations the program (or a subprogram it calls) needs; loading must refuse when > 0 */
  readonly coreRelocations: number;
  /** the CO-RE relocations counted in `coreRelocations`, with `insnOffset` turned into the pc in `insns` */
  readonly coreRelocationDetails: readonly (CoreRelocation & { readonly pc: number })[];
  /** the object's license string */
  readonly license: string;
}

/** Everything parseObject found in an object file. */
export interface ObjectSpec {
  /** entry programs, ordered by section index then symbol offset */
  readonly programs: readonly ProgramSpec[];
  /** legacy `maps` maps, then `.maps` maps (by offset), then global data maps by section index */
  readonly maps: readonly MapSpec[];
  /** contents of the `license` section up to the first NUL, '' when absent */
  readonly license: string;
  /** the parsed `.BTF` section, when present */
  readonly btf?: Btf;
}
