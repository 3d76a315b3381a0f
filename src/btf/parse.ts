/**
 * @fileoverview Parses a `.BTF` section (header, type section, string section) into a Btf of plain
 * records, bounds-checking every field; errors are ElfError on section `.BTF` with the file offset of
 * the bad field. The meaning of types (map definitions) is left to src/elf/maps.ts.
 *
 *   header (24 bytes):  0 magic u16 = 0xeb9f | 2 version u8 = 1 | 3 flags u8 | 4 hdr_len u32
 *                       8 type_off u32 | 12 type_len u32 | 16 str_off u32 | 20 str_len u32
 *                       (offsets count from the end of the header)
 *   type record:        0 name_off u32 | 4 info u32 (vlen 0-15, kind 24-28, kind_flag 31)
 *                       8 size_or_type u32 | kind-specific tail
 */
import { ElfError } from '../errors.js';
import { Btf, type BtfMember, type BtfType, BtfKind, readBtfString } from './types.js';

/** The BTF magic, 0xeb9f, as stored little-endian. */
export const BTF_MAGIC = 0xeb9f;

const HEADER_MIN = 24;
const SECTION = '.BTF';

/**
 * Parses the contents of a `.BTF` section. `fileOffset` is where the section starts in the file.
 * @throws ElfError on a bad magic or version, sections out of range, unknown kinds, truncated records or
 *   bad name offsets
 */
export function parseBtf(data: Uint8Array, fileOffset: number): Btf {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const fail = (message: string, at: number): never => {
    throw new ElfError(message, SECTION, fileOffset + at);
  };
  if (data.length < HEADER_MIN) fail(`section of ${data.length} bytes is shorter than the ${HEADER_MIN}-byte BTF header`, 0);
  const magic = view.getUint16(0, true);
  if (magic !== BTF_MAGIC) fail(`bad BTF magic 0x${magic.toString(16)}, expected 0x${BTF_MAGIC.toString(16)} (little-endian)`, 0);
  const version = view.getUint8(2);
  if (version !== 1) fail(`BTF version ${version} is not 1`, 2);
  const hdrLen = view.getUint32(4, true);
  if (hdrLen < HEADER_MIN || hdrLen > data.length) fail(`BTF header length ${hdrLen} is outside ${HEADER_MIN}..${data.length}`, 4);
  for (let i = HEADER_MIN; i < hdrLen; i++) if (data[i] !== 0) fail('unknown nonzero BTF header field', i);
  const typeOff = view.getUint32(8, true);
  const typeLen = view.getUint32(12, true);
  const strOff = view.getUint32(16, true);
  const strLen = view.getUint32(20, true);
  const body = data.length - hdrLen;
  if (typeOff > body || typeLen > body - typeOff) fail(`type section (${typeLen} bytes at ${typeOff}) is past the end of the BTF data (${body} bytes)`, 8);
  if (strOff > body || strLen > body - strOff) fail(`string section (${strLen} bytes at ${strOff}) is past the end of the BTF data (${body} bytes)`, 16);
  if (typeOff % 4 !== 0) fail(`type section offset ${typeOff} is not 4-byte aligned`, 8);
  if (strLen === 0 || data[hdrLen + strOff] !== 0) fail('string section must start with an empty string', 16);
  if (data[hdrLen + strOff + strLen - 1] !== 0) fail('string section does not end with NUL', 20);
  const strings = data.subarray(hdrLen + strOff, hdrLen + strOff + strLen);

  const types: (BtfType | undefined)[] = [undefined];
  const recordOffsets: number[] = [0];
  const start = hdrLen + typeOff;
  const end = start + typeLen;
  let at = start;
  const need = (bytes: number, what: string): void => {
    if (at + bytes > end) fail(`${what} of type ${types.length} is truncated (needs ${bytes} bytes, ${end - at} left)`, at);
  };
  const u32 = (pos: number): number => view.getUint32(pos, true);
  const name = (nameOff: number, pos: number): string => {
    const s = readBtfString(strings, nameOff);
    if (s === undefined) fail(`name offset ${nameOff} of type ${types.length} is outside the string section (${strLen} bytes) or its name is too long`, pos);
    return s ?? '';
  };

  while (at < end) {
    need(12, 'header');
    const id = types.length;
    const recordAt = at;
    recordOffsets.push(at);
    const typeName = name(u32(at), at);
    const info = u32(at + 4);
    const sizeOrType = u32(at + 8);
    const vlen = info & 0xffff;
    const kind = (info >>> 24) & 0x1f;
    const kindFlag = info >>> 31 === 1;
    at += 12;
    switch (kind) {
      case BtfKind.INT: {
        need(4, 'int encoding');
        const enc = u32(at);
        at += 4;
        types.push({ id, name: typeName, kind, size: sizeOrType, encoding: (enc >>> 24) & 0x0f, bitOffset: (enc >>> 16) & 0xff, bits: enc & 0xff });
        break;
      }
      case BtfKind.PTR:
        types.push({ id, name: typeName, kind, type: sizeOrType });
        break;
      case BtfKind.ARRAY:
        need(12, 'array');
        types.push({ id, name: typeName, kind, type: u32(at), indexType: u32(at + 4), nelems: u32(at + 8) });
        at += 12;
        break;
      case BtfKind.STRUCT:
      case BtfKind.UNION: {
        need(vlen * 12, 'member list');
        const members: BtfMember[] = [];
        for (let i = 0; i < vlen; i++, at += 12) {
          const offset = u32(at + 8);
          members.push({
            name: name(u32(at), at),
            type: u32(at + 4),
            bitOffset: kindFlag ? offset & 0xffffff : offset,
            bitfieldSize: kindFlag ? offset >>> 24 : 0,
          });
        }
        types.push({ id, name: typeName, kind, size: sizeOrType, members });
        break;
      }
      case BtfKind.ENUM: {
        need(vlen * 8, 'enumerator list');
        const values = [];
        for (let i = 0; i < vlen; i++, at += 8) {
          const raw = u32(at + 4);
          values.push({ name: name(u32(at), at), value: kindFlag ? BigInt(raw) : BigInt(raw | 0) });
        }
        types.push({ id, name: typeName, kind, size: sizeOrType, isSigned: !kindFlag, values });
        break;
      }
      case BtfKind.ENUM64: {
        need(vlen * 12, 'enumerator list');
        const values = [];
        for (let i = 0; i < vlen; i++, at += 12) {
          const raw = (BigInt(u32(at + 8)) << 32n) | BigInt(u32(at + 4));
          values.push({ name: name(u32(at), at), value: kindFlag ? raw : BigInt.asIntN(64, raw) });
        }
        types.push({ id, name: typeName, kind, size: sizeOrType, isSigned: !kindFlag, values });
        break;
      }
      case BtfKind.FWD:
        types.push({ id, name: typeName, kind, isUnion: kindFlag });
        break;
      case BtfKind.TYPEDEF:
      case BtfKind.VOLATILE:
      case BtfKind.CONST:
      case BtfKind.RESTRICT:
      case BtfKind.TYPE_TAG:
        types.push({ id, name: typeName, kind, type: sizeOrType });
        break;
      case BtfKind.FUNC:
        types.push({ id, name: typeName, kind, type: sizeOrType, linkage: vlen });
        break;
      case BtfKind.FUNC_PROTO: {
        need(vlen * 8, 'parameter list');
        const params = [];
        for (let i = 0; i < vlen; i++, at += 8) params.push({ name: name(u32(at), at), type: u32(at + 4) });
        types.push({ id, name: typeName, kind, returnType: sizeOrType, params });
        break;
      }
      case BtfKind.VAR:
        need(4, 'var linkage');
        types.push({ id, name: typeName, kind, type: sizeOrType, linkage: u32(at) });
        at += 4;
        break;
      case BtfKind.DATASEC: {
        need(vlen * 12, 'variable list');
        const vars = [];
        for (let i = 0; i < vlen; i++, at += 12) vars.push({ type: u32(at), offset: u32(at + 4), size: u32(at + 8) });
        types.push({ id, name: typeName, kind, size: sizeOrType, vars });
        break;
      }
      case BtfKind.FLOAT:
        types.push({ id, name: typeName, kind, size: sizeOrType });
        break;
      case BtfKind.DECL_TAG:
        need(4, 'decl tag component index');
        types.push({ id, name: typeName, kind, type: sizeOrType, componentIndex: view.getInt32(at, true) });
        at += 4;
        break;
      default:
        fail(`unknown BTF kind ${kind} of type ${id}`, recordAt + 4);
    }
  }
  // Every type reference must name an existing type; checking once here keeps later lookups simple.
  const count = types.length;
  for (const t of types) {
    if (t === undefined) continue;
    for (const ref of references(t)) {
      if (ref >= count) fail(`type ${t.id} refers to type id ${ref}, but there are ${count - 1} types`, recordOffsets[t.id] ?? start);
    }
  }
  return new Btf(types, strings, fileOffset);
}

/** The type ids a record refers to. */
function references(t: BtfType): number[] {
  switch (t.kind) {
    case BtfKind.INT:
    case BtfKind.FWD:
    case BtfKind.FLOAT:
    case BtfKind.ENUM:
    case BtfKind.ENUM64:
      return [];
    case BtfKind.PTR:
    case BtfKind.TYPEDEF:
    case BtfKind.VOLATILE:
    case BtfKind.CONST:
    case BtfKind.RESTRICT:
    case BtfKind.TYPE_TAG:
    case BtfKind.FUNC:
    case BtfKind.VAR:
    case BtfKind.DECL_TAG:
      return [t.type];
    case BtfKind.ARRAY:
      return [t.type, t.indexType];
    case BtfKind.STRUCT:
    case BtfKind.UNION:
      return t.members.map((m) => m.type);
    case BtfKind.FUNC_PROTO:
      return [t.returnType, ...t.params.map((p) => p.type)];
    case BtfKind.DATASEC:
      return t.vars.map((v) => v.type);
    default:
      return assertNever(t);
  }
}

function assertNever(value: never): never {
  throw new Error(`unreachable: ${JSON.stringify(value)}`);
}
