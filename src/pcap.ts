/**
 * @fileoverview Capture files: reading classic pcap (both byte orders, microsecond and nanosecond
 * magic) and pcapng (sections of either byte order, IDB/EPB/SPB/obsolete PB, other blocks skipped),
 * and writing classic little-endian pcap. Every read is bounds-checked; a malformed file gives a
 * PcapError with the byte offset of the bad header, record or block, never a crash or a hang.
 * Packet data are views into the input bytes (no copy); what runs on them is other files' job.
 *
 *   pcap: global header (24 bytes), then records      pcapng: a sequence of blocks
 *   +-------+-----+-----+----+----+------+------+      +------+--------+------------+--------+
 *   | magic | maj | min |zone|figs|snaplen|link |      | type | length |   body     | length |
 *   +-------+-----+-----+----+----+------+------+      +------+--------+------------+--------+
 *   record: ts_sec | ts_frac | caplen | origlen | data   u32    u32    (padded to 4)   u32
 */
import { PcapError, UsageError } from './errors.js';

/** One captured packet. */
export interface CapturePacket {
  /** captured bytes (a view into the file's bytes) */
  readonly data: Uint8Array;
  /** capture time in nanoseconds since the Unix epoch */
  readonly timestampNs: bigint;
  /** length of the packet on the wire (may exceed data.length when the capture was truncated) */
  readonly originalLength: number;
  /** index of the interface in Capture.interfaces (counted over all sections of a pcapng file; 0 for pcap) */
  readonly interfaceIndex: number;
  /** link-layer type of the packet's interface (LINKTYPE_*, 1 = Ethernet) */
  readonly linkType: number;
}

/** One capture interface (the pcap header, or a pcapng IDB). */
export interface CaptureInterface {
  readonly linkType: number;
  /** maximum captured length per packet; 0 means not specified */
  readonly snapLength: number;
  /** duration of one timestamp unit in nanoseconds, as a fraction: `unitNs = numerator / denominator` */
  readonly timestampUnit: { readonly numerator: bigint; readonly denominator: bigint };
  /** seconds added to every timestamp (pcapng if_tsoffset) */
  readonly timestampOffsetSeconds: bigint;
}

/** A whole capture read into memory. */
export interface Capture {
  readonly format: 'pcap' | 'pcapng';
  /** link type of the first interface, -1 when the file declares none */
  readonly linkType: number;
  readonly interfaces: CaptureInterface[];
  readonly packets: CapturePacket[];
}

/** Options of writePcap. */
export interface WritePcapOptions {
  /** LINKTYPE_* of every packet (1 = Ethernet) */
  readonly linkType: number;
  /** write the nanosecond magic (a1b23c4d) and nanosecond fractions instead of microseconds */
  readonly nanosecond?: boolean;
  /** snaplen field of the header (default 262144, raised to the longest packet if needed) */
  readonly snapLength?: number;
}

/** A packet to write; timestamp defaults to 0 and originalLength to data.length. */
export interface WritablePacket {
  readonly data: Uint8Array;
  readonly timestampNs?: bigint;
  readonly originalLength?: number;
}

/** LINKTYPE_ETHERNET. */
export const LINKTYPE_ETHERNET = 1;

/** Largest record or block this reader accepts (bytes); anything larger is treated as corrupt. */
export const MAX_RECORD_LENGTH = 1 << 26;

/** Magic numbers as read little-endian from the first four bytes. */
const PCAP_MAGIC_MICRO = 0xa1b2c3d4;
const PCAP_MAGIC_NANO = 0xa1b23c4d;
const PCAP_MAGIC_MICRO_SWAPPED = 0xd4c3b2a1;
const PCAP_MAGIC_NANO_SWAPPED = 0x4d3cb2a1;
const PCAPNG_SHB = 0x0a0d0d0a;
const PCAPNG_BYTE_ORDER_MAGIC = 0x1a2b3c4d;

/** pcapng block types read here (everything else is skipped by its length). */
const BlockType = {
  SECTION_HEADER: PCAPNG_SHB,
  INTERFACE_DESCRIPTION: 0x00000001,
  PACKET_OBSOLETE: 0x00000002,
  SIMPLE_PACKET: 0x00000003,
  ENHANCED_PACKET: 0x00000006,
} as const;

/** pcapng option codes read here. */
const OPTION_END = 0;
const OPTION_IF_TSRESOL = 9;
const OPTION_IF_TSOFFSET = 14;

const PCAP_HEADER_LENGTH = 24;
const PCAP_RECORD_HEADER_LENGTH = 16;
const NS_PER_SECOND = 1_000_000_000n;
const MICRO_UNIT = { numerator: 1000n, denominator: 1n };
const NANO_UNIT = { numerator: 1n, denominator: 1n };

/**
 * Reads a whole pcap or pcapng file.
 * @throws PcapError with the byte offset of the malformed header, record or block
 */
export function readCapture(bytes: Uint8Array): Capture {
  const interfaces: CaptureInterface[] = [];
  const packets: CapturePacket[] = [];
  const format = detectFormat(bytes);
  for (const packet of readPackets(bytes, format, interfaces)) packets.push(packet);
  return { format, linkType: interfaces[0]?.linkType ?? -1, interfaces, packets };
}

/**
 * Yields the packets of a pcap or pcapng file one at a time, so a huge capture never becomes one
 * array. Errors surface when the iteration reaches the malformed part.
 * @throws PcapError with the byte offset of the malformed header, record or block
 */
export function* iterateCapture(bytes: Uint8Array): Generator<CapturePacket, void, undefined> {
  yield* readPackets(bytes, detectFormat(bytes), []);
}

/** Identifies the file by its first four bytes. */
function detectFormat(bytes: Uint8Array): 'pcap' | 'pcapng' {
  if (bytes.length < 4) throw new PcapError(`truncated file: ${bytes.length} bytes, no magic number`, 0);
  const magic = new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true);
  switch (magic) {
    case PCAP_MAGIC_MICRO:
    case PCAP_MAGIC_NANO:
    case PCAP_MAGIC_MICRO_SWAPPED:
    case PCAP_MAGIC_NANO_SWAPPED:
      return 'pcap';
    case PCAPNG_SHB:
      return 'pcapng';
    default:
      throw new PcapError(`bad magic 0x${magic.toString(16).padStart(8, '0')}: not a pcap or pcapng file`, 0);
  }
}

function readPackets(bytes: Uint8Array, format: 'pcap' | 'pcapng', interfaces: CaptureInterface[]): Generator<CapturePacket, void, undefined> {
  switch (format) {
    case 'pcap':
      return readPcap(bytes, interfaces);
    case 'pcapng':
      return readPcapng(bytes, interfaces);
    default: {
      const never: never = format;
      throw new Error(`unknown capture format ${String(never)}`);
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// pcap

function* readPcap(bytes: Uint8Array, interfaces: CaptureInterface[]): Generator<CapturePacket, void, undefined> {
  if (bytes.length < PCAP_HEADER_LENGTH) throw new PcapError(`truncated pcap header: ${bytes.length} of ${PCAP_HEADER_LENGTH} bytes`, 0);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, true);
  const littleEndian = magic === PCAP_MAGIC_MICRO || magic === PCAP_MAGIC_NANO;
  const isNano = magic === PCAP_MAGIC_NANO || magic === PCAP_MAGIC_NANO_SWAPPED;
  const major = view.getUint16(4, littleEndian);
  const minor = view.getUint16(6, littleEndian);
  if (major !== 2) throw new PcapError(`unsupported pcap version ${major}.${minor}: expected 2.x`, 4);
  const snapLength = view.getUint32(16, littleEndian);
  // the upper bits of the link-type field carry FCS information (pcap spec: LinkType is the low 26 bits)
  const linkType = view.getUint32(20, littleEndian) & 0x03ffffff;
  const iface: CaptureInterface = {
    linkType,
    snapLength,
    timestampUnit: isNano ? NANO_UNIT : MICRO_UNIT,
    timestampOffsetSeconds: 0n,
  };
  interfaces.push(iface);
  const fracScale = isNano ? 1n : 1000n;
  let offset = PCAP_HEADER_LENGTH;
  while (offset < bytes.length) {
    if (bytes.length - offset < PCAP_RECORD_HEADER_LENGTH) {
      throw new PcapError(`truncated record header at byte ${offset}: ${bytes.length - offset} of ${PCAP_RECORD_HEADER_LENGTH} bytes`, offset);
    }
    const seconds = view.getUint32(offset, littleEndian);
    const fraction = view.getUint32(offset + 4, littleEndian);
    const capturedLength = view.getUint32(offset + 8, littleEndian);
    const originalLength = view.getUint32(offset + 12, littleEndian);
    if (capturedLength > MAX_RECORD_LENGTH) {
      throw new PcapError(`record at byte ${offset}: captured length ${capturedLength} is absurd (limit ${MAX_RECORD_LENGTH})`, offset);
    }
    const dataStart = offset + PCAP_RECORD_HEADER_LENGTH;
    if (capturedLength > bytes.length - dataStart) {
      throw new PcapError(`record at byte ${offset}: captured length ${capturedLength} runs past the end of the file (${bytes.length - dataStart} bytes left)`, offset);
    }
    yield {
      data: bytes.subarray(dataStart, dataStart + capturedLength),
      timestampNs: BigInt(seconds) * NS_PER_SECOND + BigInt(fraction) * fracScale,
      originalLength,
      interfaceIndex: 0,
      linkType,
    };
    offset = dataStart + capturedLength;
  }
}

// ---------------------------------------------------------------------------------------------------
// pcapng

/** Interfaces of the current section, with their index in the overall interface list. */
interface SectionState {
  readonly littleEndian: boolean;
  readonly interfaces: { readonly global: number; readonly iface: CaptureInterface }[];
}

function* readPcapng(bytes: Uint8Array, interfaces: CaptureInterface[]): Generator<CapturePacket, void, undefined> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let section: SectionState | undefined;
  let offset = 0;
  while (offset < bytes.length) {
    if (bytes.length - offset < 12) throw new PcapError(`truncated block header at byte ${offset}: ${bytes.length - offset} bytes left`, offset);
    const rawType = view.getUint32(offset, true);
    if (rawType === PCAPNG_SHB) {
      section = readSectionHeader(view, offset);
    } else if (section === undefined) {
      throw new PcapError(`block at byte ${offset} precedes the first section header block`, offset);
    }
    const littleEndian = section.littleEndian;
    const type = view.getUint32(offset, littleEndian);
    const totalLength = view.getUint32(offset + 4, littleEndian);
    checkBlockLength(view, offset, totalLength, littleEndian);
    if (type === BlockType.SECTION_HEADER && totalLength < 28) {
      throw new PcapError(`section header block at byte ${offset}: total length ${totalLength} is below the minimum 28`, offset);
    }
    const body = offset + 8;
    const bodyEnd = offset + totalLength - 4;
    switch (type) {
      case BlockType.INTERFACE_DESCRIPTION: {
        const iface = readInterfaceDescription(view, offset, body, bodyEnd, littleEndian);
        section.interfaces.push({ global: interfaces.length, iface });
        interfaces.push(iface);
        break;
      }
      case BlockType.ENHANCED_PACKET:
        yield readEnhancedPacket(bytes, view, offset, body, bodyEnd, section);
        break;
      case BlockType.SIMPLE_PACKET:
        yield readSimplePacket(bytes, view, offset, body, bodyEnd, section);
        break;
      case BlockType.PACKET_OBSOLETE:
        yield readObsoletePacket(bytes, view, offset, body, bodyEnd, section);
        break;
      default:
        break; // SHB (handled above), NRB, ISB, DSB, custom and unknown blocks carry no packets
    }
    offset += totalLength;
  }
}

/** Validates an SHB's byte-order magic and version and opens a new section. */
function readSectionHeader(view: DataView, offset: number): SectionState {
  if (view.byteLength - offset < 24) throw new PcapError(`truncated section header block at byte ${offset}`, offset);
  const magic = view.getUint32(offset + 8, true);
  let littleEndian: boolean;
  if (magic === PCAPNG_BYTE_ORDER_MAGIC) littleEndian = true;
  else if (magic === swap32(PCAPNG_BYTE_ORDER_MAGIC)) littleEndian = false;
  else throw new PcapError(`section header block at byte ${offset}: bad byte-order magic 0x${magic.toString(16).padStart(8, '0')}`, offset);
  const major = view.getUint16(offset + 12, littleEndian);
  if (major !== 1) throw new PcapError(`section header block at byte ${offset}: unsupported pcapng version ${major}`, offset);
  return { littleEndian, interfaces: [] };
}

/** Checks a block's total length: at least 12, a multiple of 4, inside the file, same value at both ends. */
function checkBlockLength(view: DataView, offset: number, totalLength: number, littleEndian: boolean): void {
  if (totalLength < 12 || totalLength % 4 !== 0) {
    throw new PcapError(`block at byte ${offset}: total length ${totalLength} is not a multiple of 4 of at least 12`, offset);
  }
  if (totalLength > MAX_RECORD_LENGTH) throw new PcapError(`block at byte ${offset}: total length ${totalLength} is absurd (limit ${MAX_RECORD_LENGTH})`, offset);
  if (totalLength > view.byteLength - offset) {
    throw new PcapError(`block at byte ${offset}: total length ${totalLength} runs past the end of the file (${view.byteLength - offset} bytes left)`, offset);
  }
  const trailing = view.getUint32(offset + totalLength - 4, littleEndian);
  if (trailing !== totalLength) throw new PcapError(`block at byte ${offset}: trailing length ${trailing} does not match total length ${totalLength}`, offset);
}

function readInterfaceDescription(view: DataView, offset: number, body: number, bodyEnd: number, littleEndian: boolean): CaptureInterface {
  if (bodyEnd - body < 8) throw new PcapError(`interface description block at byte ${offset}: body of ${bodyEnd - body} bytes, need 8`, offset);
  const linkType = view.getUint16(body, littleEndian);
  const snapLength = view.getUint32(body + 4, littleEndian);
  let timestampUnit = MICRO_UNIT;
  let timestampOffsetSeconds = 0n;
  for (const option of readOptions(view, offset, body + 8, bodyEnd, littleEndian)) {
    if (option.code === OPTION_IF_TSRESOL) {
      if (option.length !== 1) throw new PcapError(`interface description block at byte ${offset}: if_tsresol has length ${option.length}, expected 1`, option.offset);
      timestampUnit = resolutionUnit(view.getUint8(option.offset + 4), offset);
    } else if (option.code === OPTION_IF_TSOFFSET) {
      if (option.length !== 8) throw new PcapError(`interface description block at byte ${offset}: if_tsoffset has length ${option.length}, expected 8`, option.offset);
      timestampOffsetSeconds = view.getBigInt64(option.offset + 4, littleEndian);
    }
  }
  return { linkType, snapLength, timestampUnit, timestampOffsetSeconds };
}

/**
 * if_tsresol: high bit clear = 10^-n seconds per unit, set = 2^-n. As nanoseconds per unit that is
 * 10^(9-n) (or 1 / 10^(n-9)), or 10^9 / 2^n.
 */
function resolutionUnit(value: number, offset: number): { numerator: bigint; denominator: bigint } {
  const exponent = value & 0x7f;
  if ((value & 0x80) === 0) {
    if (exponent > 30) throw new PcapError(`interface description block at byte ${offset}: if_tsresol 10^-${exponent} is absurd`, offset);
    return exponent <= 9 ? { numerator: 10n ** BigInt(9 - exponent), denominator: 1n } : { numerator: 1n, denominator: 10n ** BigInt(exponent - 9) };
  }
  if (exponent > 64) throw new PcapError(`interface description block at byte ${offset}: if_tsresol 2^-${exponent} is absurd`, offset);
  return { numerator: NS_PER_SECOND, denominator: 1n << BigInt(exponent) };
}

/** One option: code, value length and the offset of its header. */
interface BlockOption {
  readonly code: number;
  readonly length: number;
  readonly offset: number;
}

/** Walks an option list up to opt_endofopt or the end of the block body. */
function readOptions(view: DataView, blockOffset: number, start: number, end: number, littleEndian: boolean): BlockOption[] {
  const options: BlockOption[] = [];
  let offset = start;
  while (end - offset >= 4) {
    const code = view.getUint16(offset, littleEndian);
    const length = view.getUint16(offset + 2, littleEndian);
    if (code === OPTION_END) break;
    const padded = (length + 3) & ~3;
    if (padded > end - offset - 4) throw new PcapError(`block at byte ${blockOffset}: option ${code} at byte ${offset} runs past the block end`, blockOffset);
    options.push({ code, length, offset });
    offset += 4 + padded;
  }
  return options;
}

function interfaceOf(section: SectionState, id: number, offset: number): { readonly global: number; readonly iface: CaptureInterface } {
  const entry = section.interfaces[id];
  if (entry === undefined) {
    throw new PcapError(`packet block at byte ${offset}: interface ${id} is not described (section has ${section.interfaces.length})`, offset);
  }
  return entry;
}

function timestampOf(iface: CaptureInterface, units: bigint): bigint {
  return (units * iface.timestampUnit.numerator) / iface.timestampUnit.denominator + iface.timestampOffsetSeconds * NS_PER_SECOND;
}

/** Packet data of `capturedLength` bytes at `start`, which must fit before `bodyEnd`. */
function packetData(bytes: Uint8Array, offset: number, start: number, bodyEnd: number, capturedLength: number): Uint8Array {
  if (capturedLength > bodyEnd - start) {
    throw new PcapError(`packet block at byte ${offset}: captured length ${capturedLength} exceeds the block body (${bodyEnd - start} bytes)`, offset);
  }
  return bytes.subarray(start, start + capturedLength);
}

function readEnhancedPacket(bytes: Uint8Array, view: DataView, offset: number, body: number, bodyEnd: number, section: SectionState): CapturePacket {
  if (bodyEnd - body < 20) throw new PcapError(`enhanced packet block at byte ${offset}: body of ${bodyEnd - body} bytes, need 20`, offset);
  const le = section.littleEndian;
  const { global, iface } = interfaceOf(section, view.getUint32(body, le), offset);
  const units = (BigInt(view.getUint32(body + 4, le)) << 32n) | BigInt(view.getUint32(body + 8, le));
  const capturedLength = view.getUint32(body + 12, le);
  const originalLength = view.getUint32(body + 16, le);
  const data = packetData(bytes, offset, body + 20, bodyEnd, capturedLength);
  return { data, timestampNs: timestampOf(iface, units), originalLength, interfaceIndex: global, linkType: iface.linkType };
}

function readObsoletePacket(bytes: Uint8Array, view: DataView, offset: number, body: number, bodyEnd: number, section: SectionState): CapturePacket {
  if (bodyEnd - body < 20) throw new PcapError(`packet block at byte ${offset}: body of ${bodyEnd - body} bytes, need 20`, offset);
  const le = section.littleEndian;
  const { global, iface } = interfaceOf(section, view.getUint16(body, le), offset);
  const units = (BigInt(view.getUint32(body + 4, le)) << 32n) | BigInt(view.getUint32(body + 8, le));
  const capturedLength = view.getUint32(body + 12, le);
  const originalLength = view.getUint32(body + 16, le);
  const data = packetData(bytes, offset, body + 20, bodyEnd, capturedLength);
  return { data, timestampNs: timestampOf(iface, units), originalLength, interfaceIndex: global, linkType: iface.linkType };
}

/** SPB: no timestamp, interface 0; captured length = min(original length, snaplen, body room). */
function readSimplePacket(bytes: Uint8Array, view: DataView, offset: number, body: number, bodyEnd: number, section: SectionState): CapturePacket {
  if (bodyEnd - body < 4) throw new PcapError(`simple packet block at byte ${offset}: body of ${bodyEnd - body} bytes, need 4`, offset);
  const { global, iface } = interfaceOf(section, 0, offset);
  const originalLength = view.getUint32(body, section.littleEndian);
  let capturedLength = Math.min(originalLength, bodyEnd - body - 4);
  if (iface.snapLength !== 0) capturedLength = Math.min(capturedLength, iface.snapLength);
  const data = bytes.subarray(body + 4, body + 4 + capturedLength);
  return { data, timestampNs: 0n, originalLength, interfaceIndex: global, linkType: iface.linkType };
}

function swap32(value: number): number {
  return (((value & 0xff) << 24) | ((value & 0xff00) << 8) | ((value >>> 8) & 0xff00) | (value >>> 24)) >>> 0;
}

// ---------------------------------------------------------------------------------------------------
// writing

/**
 * Writes classic little-endian pcap (version 2.4).
 * @throws UsageError for a timestamp before 1970 or past 2106, a link type or length out of range,
 *   or an original length below the captured length
 */
export function writePcap(packets: Iterable<WritablePacket>, options: WritePcapOptions): Uint8Array {
  const list = [...packets];
  const { linkType } = options;
  const isNano = options.nanosecond === true;
  if (!Number.isInteger(linkType) || linkType < 0 || linkType > 0x03ffffff) throw new UsageError(`link type ${linkType} out of range 0..${0x03ffffff}`);
  let longest = 0;
  let total = PCAP_HEADER_LENGTH;
  for (const packet of list) {
    longest = Math.max(longest, packet.data.length);
    total += PCAP_RECORD_HEADER_LENGTH + packet.data.length;
  }
  const snapLength = options.snapLength ?? Math.max(262144, longest);
  if (!Number.isInteger(snapLength) || snapLength < 0 || snapLength > 0xffffffff) throw new UsageError(`snap length ${snapLength} out of range`);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  view.setUint32(0, isNano ? PCAP_MAGIC_NANO : PCAP_MAGIC_MICRO, true);
  view.setUint16(4, 2, true);
  view.setUint16(6, 4, true);
  view.setInt32(8, 0, true);
  view.setUint32(12, 0, true);
  view.setUint32(16, snapLength, true);
  view.setUint32(20, linkType, true);
  let offset = PCAP_HEADER_LENGTH;
  list.forEach((packet, index) => {
    const timestampNs = packet.timestampNs ?? 0n;
    const seconds = timestampNs / NS_PER_SECOND;
    if (timestampNs < 0n || seconds > 0xffffffffn) throw new UsageError(`packet ${index}: timestamp ${timestampNs} ns does not fit a pcap record`);
    const remainder = timestampNs % NS_PER_SECOND;
    const fraction = isNano ? remainder : remainder / 1000n;
    const originalLength = packet.originalLength ?? packet.data.length;
    if (!Number.isInteger(originalLength) || originalLength < packet.data.length || originalLength > 0xffffffff) {
      throw new UsageError(`packet ${index}: original length ${originalLength} is below the captured length ${packet.data.length} or out of range`);
    }
    view.setUint32(offset, Number(seconds), true);
    view.setUint32(offset + 4, Number(fraction), true);
    view.setUint32(offset + 8, packet.data.length, true);
    view.setUint32(offset + 12, originalLength, true);
    out.set(packet.data, offset + PCAP_RECORD_HEADER_LENGTH);
    offset += PCAP_RECORD_HEADER_LENGTH + packet.data.length;
  });
  return out;
}
