/**
 * @fileoverview What a dropped or chosen file is, decided from its bytes (magic numbers first, then
 * text shape): a capture (pcap / pcapng), an ELF object, classic BPF text (`tcpdump -ddd` / `-dd`),
 * assembly text, or raw eBPF instruction bytes. Also parses the page's input-memory field. No DOM.
 */

/** The kinds of input the page understands. */
export type InputKind = 'capture' | 'elf' | 'classic' | 'assembly' | 'raw';

/** A classified file. */
export type DetectedInput =
  | { readonly kind: 'capture' | 'elf' | 'raw'; readonly name: string; readonly bytes: Uint8Array }
  | { readonly kind: 'classic' | 'assembly'; readonly name: string; readonly text: string };

/** Thrown for input the page cannot use; the message says why. */
export class InputError extends Error {
  override readonly name = 'InputError';
}

const PCAP_MAGICS = new Set([0xa1b2c3d4, 0xa1b23c4d, 0xd4c3b2a1, 0x4d3cb2a1]);
const PCAPNG_MAGIC = 0x0a0d0d0a;

/** Little-endian u32 at 0, or -1 for a short file. */
function firstWord(bytes: Uint8Array): number {
  if (bytes.length < 4) return -1;
  return new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true);
}

/** The bytes as text when they are UTF-8 without control characters other than whitespace, else undefined. */
function asText(bytes: Uint8Array): string | undefined {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 && !(code >= 0x09 && code <= 0x0d)) return undefined;
  }
  return text;
}

/** True for classic BPF in `tcpdump -ddd` (count line + `code jt jf k` lines) or `-dd` (C array) form. */
export function isClassicText(text: string): boolean {
  const lines = text.split(/\r?\n/).map((line) => line.trim()).filter((line) => line !== '');
  if (lines.length === 0) return false;
  if (lines.every((line) => /^\{\s*0x[0-9a-f]+\s*,\s*\d+\s*,\s*\d+\s*,\s*0x[0-9a-f]+\s*\},?$/i.test(line))) return true;
  return /^\d+$/.test(lines[0] ?? '') && lines.length > 1 && lines.slice(1).every((line) => /^\d+\s+\d+\s+\d+\s+-?\d+$/.test(line));
}

/**
 * Classifies a file by content.
 * @throws InputError for an empty file, or binary data that is neither a capture, an ELF object nor
 *   a whole number of 8-byte instructions
 */
export function detectInput(name: string, bytes: Uint8Array): DetectedInput {
  if (bytes.length === 0) throw new InputError(`${name}: the file is empty`);
  const magic = firstWord(bytes);
  if (PCAP_MAGICS.has(magic) || magic === PCAPNG_MAGIC) return { kind: 'capture', name, bytes };
  if (bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c && bytes[3] === 0x46) return { kind: 'elf', name, bytes };
  const text = asText(bytes);
  if (text !== undefined && text.trim() !== '') {
    return { kind: isClassicText(text) ? 'classic' : 'assembly', name, text };
  }
  if (bytes.length % 8 !== 0) {
    throw new InputError(`${name}: ${bytes.length} bytes of binary data that are not a capture, an ELF object or raw instructions (length is not a multiple of 8)`);
  }
  return { kind: 'raw', name, bytes };
}

/**
 * Parses the input-memory field: hex bytes (spaces, commas and 0x prefixes allowed), or `repeat N`
 * for N bytes of a fixed pattern (see makePatternMemory). Empty means no memory.
 * @throws InputError with the offending token
 */
export function parseMemory(field: string, makePattern: (length: number) => Uint8Array): Uint8Array | undefined {
  const text = field.trim();
  if (text === '') return undefined;
  const repeat = /^repeat\s+(\d+)$/i.exec(text);
  if (repeat !== null) {
    const length = Number(repeat[1]);
    if (length > 1 << 24) throw new InputError(`input memory: repeat ${length} is larger than 16 MiB`);
    return makePattern(length);
  }
  const tokens = text.split(/[\s,]+/).map((token) => token.replace(/^0x/i, ''));
  const digits = tokens.length === 1 && (tokens[0] ?? '').length > 2 ? (tokens[0] ?? '').match(/.{1,2}/g) ?? [] : tokens;
  return Uint8Array.from(digits, (token) => {
    if (!/^[0-9a-f]{1,2}$/i.test(token)) throw new InputError(`input memory: '${token}' is not a hex byte`);
    return parseInt(token, 16);
  });
}
