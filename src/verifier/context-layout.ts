/**
 * @fileoverview What the data-flow verifier needs to know about a program type's context struct
 * and about maps: field offsets, sizes, readability and writability, and which fields load packet
 * pointers. The default rules are the runtime's context tables (runtime/context.ts: UAPI xdp_md and
 * __sk_buff with the kernel's *_is_valid_access rules); a ContextLayout replaces them for tests or
 * embedders with their own context struct.
 */
import type { ProgramType } from './program.js';
import { contextAccess } from '../../runtime/context.js';

/** What a context load yields: a scalar, or one of the packet pointers. */
export type ContextFieldKind = 'scalar' | 'pkt' | 'pkt_end' | 'pkt_meta';

/** One field of a context struct. */
export interface ContextField {
  readonly name: string;
  readonly offset: number;
  readonly size: number;
  readonly readable: boolean;
  readonly writable: boolean;
  readonly kind: ContextFieldKind;
  /** true when loads narrower than the field (1/2 bytes of a u32, aligned) are allowed */
  readonly narrowRead?: boolean;
}

/** A context struct: its size and fields. */
export interface ContextLayout {
  readonly name: string;
  readonly size: number;
  readonly fields: readonly ContextField[];
}

/** BPF_F_RDONLY_PROG: the program may not write the map's values. */
export const BPF_F_RDONLY_PROG = 0x80;
/** BPF_F_WRONLY_PROG: the program may not read the map's values. */
export const BPF_F_WRONLY_PROG = 0x100;

/** What the verifier needs to know about a map (type is the UAPI enum bpf_map_type value). */
export interface MapInfo {
  readonly type: number;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  /** true when the program may only read the values (.rodata) */
  readonly readonly?: boolean;
  /** BPF_F_* map flags: BPF_F_RDONLY_PROG (0x80) forbids program writes, BPF_F_WRONLY_PROG (0x100) reads */
  readonly flags?: number;
  /** map-in-map (ARRAY_OF_MAPS, HASH_OF_MAPS): the inner map a lookup yields */
  readonly innerMap?: MapInfo;
}

/** Decides one context access: the kind of the field it reads or writes, or undefined when refused. */
export type ContextAccessRule = (offset: number, size: number, isWrite: boolean) => ContextFieldKind | undefined;

/**
 * The access rule of a ContextLayout: the access lies inside one field, is aligned to its size,
 * reads need `readable` and the full field size (or a narrower size when `narrowRead`), writes
 * need `writable` and the full field size; packet pointers are loaded only whole.
 */
export function layoutAccessRule(layout: ContextLayout): ContextAccessRule {
  return (offset, size, isWrite) => {
    if (offset < 0 || offset % size !== 0 || offset + size > layout.size) return undefined;
    const field = layout.fields.find((f) => offset >= f.offset && offset < f.offset + f.size);
    if (field === undefined || offset + size > field.offset + field.size) return undefined;
    if (isWrite) return field.writable && size === field.size ? field.kind : undefined;
    if (!field.readable) return undefined;
    if (size === field.size) return field.kind;
    return field.narrowRead === true && field.kind === 'scalar' ? 'scalar' : undefined;
  };
}

/**
 * The default rule of a program type: the runtime's context tables (runtime/context.ts, the
 * kernel's *_is_valid_access), so the verifier and the engines agree on every field. Socket
 * pointers (`__sk_buff.sk`) load as unknown scalars: this verifier has no socket pointer type, so
 * they can be compared and passed around but never dereferenced. Undefined for the raw type.
 */
export function defaultContextRule(type: ProgramType): ContextAccessRule | undefined {
  if (type === 'raw') return undefined;
  return (offset, size, isWrite) => {
    const field = contextAccess(type, offset, size, isWrite);
    if (field === undefined) return undefined;
    switch (field.kind) {
      case 'scalar':
      case 'socket':
        return 'scalar';
      case 'packet':
        return 'pkt';
      case 'packet_end':
        return 'pkt_end';
      case 'packet_meta':
        return 'pkt_meta';
      default: {
        const never: never = field.kind;
        throw new Error(`unknown context field kind ${String(never)}`);
      }
    }
  };
}
