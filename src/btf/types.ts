/**
 * @fileoverview BTF type records as plain data, one variant per kind (include/uapi/linux/btf.h),
 * plus the questions the ELF loader asks about them: follow typedefs and modifiers, compute sizes,
 * find DATASECs. Parsing the raw section lives in parse.ts; nothing here touches bytes.
 */
import { ElfError } from '../errors.js';

/** BTF kinds, numbered as in the kernel's BTF_KIND_* constants. */
export const BtfKind = {
  INT: 1,
  PTR: 2,
  ARRAY: 3,
  STRUCT: 4,
  UNION: 5,
  ENUM: 6,
  FWD: 7,
  TYPEDEF: 8,
  VOLATILE: 9,
  CONST: 10,
  RESTRICT: 11,
  FUNC: 12,
  FUNC_PROTO: 13,
  VAR: 14,
  DATASEC: 15,
  FLOAT: 16,
  DECL_TAG: 17,
  TYPE_TAG: 18,
  ENUM64: 19,
} as const;
/** A BTF_KIND_* value. */
export type BtfKind = (typeof BtfKind)[keyof typeof BtfKind];

/** A struct or union member; `bitOffset` is the bit offset (the bitfield size is `bitfieldSize`). */
export interface BtfMember {
  readonly name: string;
  readonly type: number;
  readonly bitOffset: number;
  /** nonzero only for bitfields of a struct whose kind_flag is set */
  readonly bitfieldSize: number;
}

/** An enumerator; `value` is a bigint so ENUM64 values fit. */
export interface BtfEnumValue {
  readonly name: string;
  readonly value: bigint;
}

/** A function parameter (the last may be unnamed with type 0 for varargs). */
export interface BtfParam {
  readonly name: string;
  readonly type: number;
}

/** One variable of a DATASEC: the VAR type id and its place in the section. */
export interface BtfVarSecinfo {
  readonly type: number;
  readonly offset: number;
  readonly size: number;
}

/** Fields shared by every kind; `id` is the type id (1-based, 0 is void). */
interface BtfBase {
  readonly id: number;
  readonly name: string;
}

/** One BTF type, discriminated by `kind`. */
export type BtfType =
  | (BtfBase & { readonly kind: typeof BtfKind.INT; readonly size: number; readonly encoding: number; readonly bitOffset: number; readonly bits: number })
  | (BtfBase & { readonly kind: typeof BtfKind.PTR; readonly type: number })
  | (BtfBase & { readonly kind: typeof BtfKind.ARRAY; readonly type: number; readonly indexType: number; readonly nelems: number })
  | (BtfBase & { readonly kind: typeof BtfKind.STRUCT | typeof BtfKind.UNION; readonly size: number; readonly members: readonly BtfMember[] })
  | (BtfBase & { readonly kind: typeof BtfKind.ENUM | typeof BtfKind.ENUM64; readonly size: number; readonly isSigned: boolean; readonly values: readonly BtfEnumValue[] })
  | (BtfBase & { readonly kind: typeof BtfKind.FWD; readonly isUnion: boolean })
  | (BtfBase & { readonly kind: typeof BtfKind.TYPEDEF | typeof BtfKind.VOLATILE | typeof BtfKind.CONST | typeof BtfKind.RESTRICT | typeof BtfKind.TYPE_TAG; readonly type: number })
  | (BtfBase & { readonly kind: typeof BtfKind.FUNC; readonly type: number; readonly linkage: number })
  | (BtfBase & { readonly kind: typeof BtfKind.FUNC_PROTO; readonly returnType: number; readonly params: readonly BtfParam[] })
  | (BtfBase & { readonly kind: typeof BtfKind.VAR; readonly type: number; readonly linkage: number })
  | (BtfBase & { readonly kind: typeof BtfKind.DATASEC; readonly size: number; readonly vars: readonly BtfVarSecinfo[] })
  | (BtfBase & { readonly kind: typeof BtfKind.FLOAT; readonly size: number })
  | (BtfBase & { readonly kind: typeof BtfKind.DECL_TAG; readonly type: number; readonly componentIndex: number });

/** Maximum typedef/modifier/array chain followed before giving up (libbpf uses 32 as well). */
export const MAX_RESOLVE_DEPTH = 32;

/** Parsed BTF: the types (index = id, index 0 is undefined for void), the string section and the place. */
export class Btf {
  /** `types[id]`; `types[0]` is undefined (void) */
  readonly types: readonly (BtfType | undefined)[];
  /** the string section, for name lookups by offset (BTF.ext records refer to it) */
  readonly strings: Uint8Array;
  /** file byte offset of the .BTF section, used in error offsets */
  readonly fileOffset: number;

  constructor(types: readonly (BtfType | undefined)[], strings: Uint8Array, fileOffset: number) {
    this.types = types;
    this.strings = strings;
    this.fileOffset = fileOffset;
  }

  /** Number of type ids including void. */
  get count(): number {
    return this.types.length;
  }

  /**
   * The type with id `id`, or undefined for void (0).
   * @throws ElfError when the id is past the last type
   */
  typeById(id: number, context: string): BtfType | undefined {
    if (id === 0) return undefined;
    const t = this.types[id];
    if (t === undefined) throw new ElfError(`${context}: type id ${id} is out of range (${this.types.length - 1} types)`, '.BTF', this.fileOffset);
    return t;
  }

  /** The string at `offset` of the string section, or undefined when the offset is bad. */
  stringAt(offset: number): string | undefined {
    return readBtfString(this.strings, offset);
  }

  /**
   * Follows typedefs, modifiers (const, volatile, restrict) and type tags to the underlying type.
   * @throws ElfError on a chain longer than MAX_RESOLVE_DEPTH (a loop) or a bad id
   */
  skipModifiers(id: number, context: string): BtfType | undefined {
    let current = id;
    for (let depth = 0; depth < MAX_RESOLVE_DEPTH; depth++) {
      const t = this.typeById(current, context);
      if (t === undefined) return undefined;
      switch (t.kind) {
        case BtfKind.TYPEDEF:
        case BtfKind.VOLATILE:
        case BtfKind.CONST:
        case BtfKind.RESTRICT:
        case BtfKind.TYPE_TAG:
          current = t.type;
          break;
        default:
          return t;
      }
    }
    throw new ElfError(`${context}: type chain from id ${id} is longer than ${MAX_RESOLVE_DEPTH} (a loop?)`, '.BTF', this.fileOffset);
  }

  /**
   * Byte size of a type, following typedefs and modifiers and multiplying arrays out.
   * @throws ElfError for types without a size (void, functions, forward declarations) and for loops
   */
  sizeOf(id: number, context: string): number {
    let current = id;
    let multiplier = 1;
    for (let depth = 0; depth < MAX_RESOLVE_DEPTH; depth++) {
      const t = this.typeById(current, context);
      if (t === undefined) throw new ElfError(`${context}: void has no size`, '.BTF', this.fileOffset);
      switch (t.kind) {
        case BtfKind.INT:
        case BtfKind.STRUCT:
        case BtfKind.UNION:
        case BtfKind.ENUM:
        case BtfKind.ENUM64:
        case BtfKind.DATASEC:
        case BtfKind.FLOAT:
          return checkedSize(multiplier * t.size, context, this.fileOffset);
        case BtfKind.PTR:
          return checkedSize(multiplier * 8, context, this.fileOffset);
        case BtfKind.ARRAY:
          multiplier = checkedSize(multiplier * t.nelems, context, this.fileOffset);
          current = t.type;
          break;
        case BtfKind.TYPEDEF:
        case BtfKind.VOLATILE:
        case BtfKind.CONST:
        case BtfKind.RESTRICT:
        case BtfKind.TYPE_TAG:
        case BtfKind.VAR:
        case BtfKind.DECL_TAG:
          current = t.type;
          break;
        case BtfKind.FWD:
        case BtfKind.FUNC:
        case BtfKind.FUNC_PROTO:
          throw new ElfError(`${context}: type id ${current} (${kindName(t.kind)}) has no size`, '.BTF', this.fileOffset);
        default:
          return assertNever(t);
      }
    }
    throw new ElfError(`${context}: type chain from id ${id} is longer than ${MAX_RESOLVE_DEPTH} (a loop?)`, '.BTF', this.fileOffset);
  }

  /** The DATASEC named `name`, or undefined. */
  findDatasec(name: string): (BtfType & { kind: typeof BtfKind.DATASEC }) | undefined {
    for (const t of this.types) if (t !== undefined && t.kind === BtfKind.DATASEC && t.name === name) return t;
    return undefined;
  }
}

/** Sizes above this are rejected: no BPF map key or value comes near it, and it keeps arithmetic exact. */
export const MAX_TYPE_SIZE = 0xffffffff;

function checkedSize(size: number, context: string, fileOffset: number): number {
  if (!Number.isSafeInteger(size) || size > MAX_TYPE_SIZE) throw new ElfError(`${context}: type size ${size} is too large`, '.BTF', fileOffset);
  return size;
}

/**
 * Longest BTF name accepted, in bytes (the kernel rejects names over KSYM_NAME_LEN = 512). Bounds the
 * NUL search per name so crafted string sections cannot make parsing quadratic.
 */
export const MAX_BTF_NAME_LENGTH = 512;

// Each string section is decoded once; names are slices of it, which V8 shares rather than copies.
const decodedStrings = new WeakMap<Uint8Array, string>();

/** Reads a NUL-terminated string from a BTF string section; undefined when out of range, unterminated or too long. */
export function readBtfString(strings: Uint8Array, offset: number): string | undefined {
  if (offset < 0 || offset >= strings.length) return undefined;
  const length = strings.subarray(offset, offset + MAX_BTF_NAME_LENGTH + 1).indexOf(0);
  if (length < 0) return undefined;
  let text = decodedStrings.get(strings);
  if (text === undefined) {
    text = '';
    for (let i = 0; i < strings.length; i += 4096) text += String.fromCharCode(...strings.subarray(i, i + 4096));
    decodedStrings.set(strings, text);
  }
  return text.slice(offset, offset + length);
}

/** The lowercase kind name as bpftool prints it (`int`, `ptr`, `struct`, ...). */
export function kindName(kind: BtfKind): string {
  switch (kind) {
    case BtfKind.INT:
      return 'int';
    case BtfKind.PTR:
      return 'ptr';
    case BtfKind.ARRAY:
      return 'array';
    case BtfKind.STRUCT:
      return 'struct';
    case BtfKind.UNION:
      return 'union';
    case BtfKind.ENUM:
      return 'enum';
    case BtfKind.FWD:
      return 'fwd';
    case BtfKind.TYPEDEF:
      return 'typedef';
    case BtfKind.VOLATILE:
      return 'volatile';
    case BtfKind.CONST:
      return 'const';
    case BtfKind.RESTRICT:
      return 'restrict';
    case BtfKind.FUNC:
      return 'func';
    case BtfKind.FUNC_PROTO:
      return 'func_proto';
    case BtfKind.VAR:
      return 'var';
    case BtfKind.DATASEC:
      return 'datasec';
    case BtfKind.FLOAT:
      return 'float';
    case BtfKind.DECL_TAG:
      return 'decl_tag';
    case BtfKind.TYPE_TAG:
      return 'type_tag';
    case BtfKind.ENUM64:
      return 'enum64';
    default:
      return assertNever(kind);
  }
}

function assertNever(value: never): never {
  throw new Error(`unreachable: ${JSON.stringify(value)}`);
}
