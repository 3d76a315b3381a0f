/**
 * @fileoverview Hand-built pcapng blocks for tests, in either byte order (the library only writes
 * classic pcap). Each builder returns a complete block: type, total length, body padded to 4, length.
 */

/** Byte order of a section. */
export type Endian = 'le' | 'be';

/** Writer of u16/u32/u64 values in a chosen byte order. */
class Bytes {
  private readonly parts: number[] = [];

  constructor(private readonly endian: Endian) {}

  u8(value: number): this {
    this.parts.push(value & 0xff);
    return this;
  }

  u16(value: number): this {
    const bytes = [value & 0xff, (value >>> 8) & 0xff];
    this.parts.push(...(this.endian === 'le' ? bytes : bytes.reverse()));
    return this;
  }

  u32(value: number): this {
    const bytes = [value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, (value >>> 24) & 0xff];
    this.parts.push(...(this.endian === 'le' ? bytes : bytes.reverse()));
    return this;
  }

  i64(value: bigint): this {
    const v = BigInt.asUintN(64, value);
    const lo = Number(v & 0xffffffffn);
    const hi = Number(v >> 32n);
    return this.endian === 'le' ? this.u32(lo).u32(hi) : this.u32(hi).u32(lo);
  }

  raw(bytes: Uint8Array | readonly number[]): this {
    this.parts.push(...bytes);
    return this;
  }

  pad4(): this {
    while (this.parts.length % 4 !== 0) this.parts.push(0);
    return this;
  }

  get length(): number {
    return this.parts.length;
  }

  build(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

/** One option: code and raw value (padded by the builder); end-of-options is appended automatically. */
export interface Option {
  readonly code: number;
  readonly value: Uint8Array | readonly number[];
}

function options(endian: Endian, list: readonly Option[]): Uint8Array {
  if (list.length === 0) return new Uint8Array(0);
  const out = new Bytes(endian);
  for (const option of list) out.u16(option.code).u16(option.value.length).raw(option.value).pad4();
  out.u16(0).u16(0);
  return out.build();
}

/** Any block: type, body (padded to 4), total length at both ends. */
export function block(endian: Endian, type: number, body: Uint8Array): Uint8Array {
  const padded = (body.length + 3) & ~3;
  const total = 12 + padded;
  return new Bytes(endian).u32(type).u32(total).raw(body).pad4().u32(total).build();
}

/** Section header block (version 1.0, unknown section length). */
export function shb(endian: Endian, opts: readonly Option[] = []): Uint8Array {
  const body = new Bytes(endian).u32(0x1a2b3c4d).u16(1).u16(0).i64(-1n).raw(options(endian, opts)).build();
  return block(endian, 0x0a0d0d0a, body);
}

/** Interface description block. */
export function idb(endian: Endian, linkType: number, snapLength: number, opts: readonly Option[] = []): Uint8Array {
  const body = new Bytes(endian).u16(linkType).u16(0).u32(snapLength).raw(options(endian, opts)).build();
  return block(endian, 1, body);
}

/** Enhanced packet block; `units` is the timestamp in the interface's resolution. */
export function epb(endian: Endian, interfaceId: number, units: bigint, data: Uint8Array, originalLength = data.length, opts: readonly Option[] = []): Uint8Array {
  const body = new Bytes(endian)
    .u32(interfaceId)
    .u32(Number(units >> 32n))
    .u32(Number(units & 0xffffffffn))
    .u32(data.length)
    .u32(originalLength)
    .raw(data)
    .pad4()
    .raw(options(endian, opts))
    .build();
  return block(endian, 6, body);
}

/** Simple packet block. */
export function spb(endian: Endian, data: Uint8Array, originalLength = data.length): Uint8Array {
  return block(endian, 3, new Bytes(endian).u32(originalLength).raw(data).pad4().build());
}

/** Obsolete packet block (type 2). */
export function obsoletePacket(endian: Endian, interfaceId: number, units: bigint, data: Uint8Array): Uint8Array {
  const body = new Bytes(endian).u16(interfaceId).u16(0).u32(Number(units >> 32n)).u32(Number(units & 0xffffffffn)).u32(data.length).u32(data.length).raw(data).pad4().build();
  return block(endian, 2, body);
}

/** Name resolution block with one IPv4 record. */
export function nrb(endian: Endian): Uint8Array {
  const record = new Bytes(endian).u16(1).u16(10).raw([10, 0, 0, 1]).raw(new TextEncoder().encode('host\0')).u8(0).pad4().build();
  return block(endian, 4, new Bytes(endian).raw(record).u16(0).u16(0).build());
}

/** Interface statistics block. */
export function isb(endian: Endian, interfaceId: number): Uint8Array {
  return block(endian, 5, new Bytes(endian).u32(interfaceId).u32(0).u32(0).build());
}

/** Custom block (type 0x00000BAD) with a private enterprise number. */
export function customBlock(endian: Endian): Uint8Array {
  return block(endian, 0x00000bad, new Bytes(endian).u32(32473).raw([1, 2, 3]).build());
}

/** u32 value option in the section's byte order. */
export function u32Option(endian: Endian, code: number, value: number): Option {
  return { code, value: new Bytes(endian).u32(value).build() };
}

/** i64 value option in the section's byte order. */
export function i64Option(endian: Endian, code: number, value: bigint): Option {
  return { code, value: new Bytes(endian).i64(value).build() };
}

/** Concatenates blocks into one file. */
export function file(...blocks: readonly Uint8Array[]): Uint8Array {
  const total = blocks.reduce((sum, b) => sum + b.length, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const b of blocks) {
    out.set(b, offset);
    offset += b.length;
  }
  return out;
}
