/**
 * @fileoverview Reads the CO-RE relocation records of a `.BTF.ext` section, only so the loader can
 * name programs that need CO-RE (which this project does not perform). func_info and line_info are
 * skipped. Errors are ElfError on section `.BTF.ext` with the file offset of the bad field.
 *
 *   header: 0 magic u16 = 0xeb9f | 2 version u8 | 3 flags u8 | 4 hdr_len u32
 *           8 func_info_off, func_info_len | 16 line_info_off, line_info_len
 *           24 core_relo_off, core_relo_len (present when hdr_len >= 32; offsets from the header end)
 *   info block: rec_size u32, then per section { sec_name_off u32, num_info u32, records[num_info] }
 *   core_relo record: insn_off u32 (bytes into the section), type_id u32, access_str_off u32, kind u32
 */
import { ElfError } from '../errors.js';
import { BTF_MAGIC } from './parse.js';
import { type Btf, readBtfString } from './types.js';

/** CO-RE relocation kinds (enum bpf_core_relo_kind). */
export const CoreReloKind = [
  'field_byte_offset',
  'field_byte_size',
  'field_exists',
  'field_signed',
  'field_lshift_u64',
  'field_rshift_u64',
  'type_id_local',
  'type_id_target',
  'type_exists',
  'type_size',
  'enumval_exists',
  'enumval_value',
  'type_matches',
] as const;

/** One CO-RE relocation record of a `.BTF.ext` section. */
export interface CoreRelocation {
  /** the ELF section holding the instruction */
  readonly section: string;
  /** byte offset of the instruction inside that section */
  readonly insnOffset: number;
  readonly typeId: number;
  /** the type's name, '' for anonymous types */
  readonly typeName: string;
  /** the access string, e.g. `0:1` */
  readonly accessString: string;
  /** the kind's name (`field_byte_offset`, ...) or `kind N` when unknown */
  readonly kind: string;
  /** file byte offset of the record in `.BTF.ext` */
  readonly recordOffset: number;
}

const SECTION = '.BTF.ext';
const CORE_RELO_SIZE = 16;

/**
 * Parses the CO-RE relocation records of `.BTF.ext`; empty when the section has none.
 * @throws ElfError on a bad magic or version, an info block out of range, or a bad string offset
 */
export function parseCoreRelocations(data: Uint8Array, fileOffset: number, btf: Btf): CoreRelocation[] {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const fail = (message: string, at: number): never => {
    throw new ElfError(message, SECTION, fileOffset + at);
  };
  if (data.length < 8) fail(`section of ${data.length} bytes is shorter than the BTF.ext header`, 0);
  if (view.getUint16(0, true) !== BTF_MAGIC) fail('bad BTF.ext magic, expected 0xeb9f (little-endian)', 0);
  if (view.getUint8(2) !== 1) fail(`BTF.ext version ${view.getUint8(2)} is not 1`, 2);
  const hdrLen = view.getUint32(4, true);
  if (hdrLen < 24 || hdrLen > data.length) fail(`BTF.ext header length ${hdrLen} is outside 24..${data.length}`, 4);
  if (hdrLen < 32) return [];
  const off = view.getUint32(24, true);
  const len = view.getUint32(28, true);
  const body = data.length - hdrLen;
  if (off > body || len > body - off) fail(`core_relo block (${len} bytes at ${off}) is past the end of the section`, 24);
  if (len === 0) return [];
  const str = (offset: number, at: number): string => {
    const s = readBtfString(btf.strings, offset);
    if (s === undefined) fail(`string offset ${offset} is outside the BTF string section`, at);
    return s ?? '';
  };
  const start = hdrLen + off;
  const end = start + len;
  if (len < 4) fail(`core_relo block of ${len} bytes has no record size`, start);
  const recSize = view.getUint32(start, true);
  if (recSize < CORE_RELO_SIZE || recSize % 4 !== 0) fail(`core_relo record size ${recSize} is not a multiple of 4 of at least ${CORE_RELO_SIZE}`, start);
  const out: CoreRelocation[] = [];
  let at = start + 4;
  while (at < end) {
    if (end - at < 8) fail('core_relo section header is truncated', at);
    const section = str(view.getUint32(at, true), at);
    const count = view.getUint32(at + 4, true);
    at += 8;
    if (count > Math.floor((end - at) / recSize)) fail(`core_relo count ${count} for section ${section} is past the end of the block`, at - 4);
    for (let i = 0; i < count; i++, at += recSize) {
      const typeId = view.getUint32(at + 4, true);
      const kindNumber = view.getUint32(at + 12, true);
      let typeName = '';
      if (typeId !== 0 && typeId < btf.count) typeName = btf.types[typeId]?.name ?? '';
      out.push({
        section,
        insnOffset: view.getUint32(at, true),
        typeId,
        typeName,
        accessString: str(view.getUint32(at + 8, true), at + 8),
        kind: CoreReloKind[kindNumber] ?? `kind ${kindNumber}`,
        recordOffset: fileOffset + at,
      });
    }
  }
  return out;
}
