/**
 * @fileoverview Reader of the bpf_conformance `.data` format exactly as shared/conformance/README.md
 * specifies it: comments stripped first, `--` directives found by substring in a fixed order, `-- raw`
 * taking precedence over `-- asm`, `-- mem` hex bytes, `-- result` or `-- error` expectations.
 * Assembling the program text is left to the caller (asm/assembler.ts).
 */

/** Section keywords, in the order the reference reader searches for them. */
const DIRECTIVES = ['asm', 'result', 'mem', 'raw', 'no register offset', ' c', 'error'] as const;
type Directive = (typeof DIRECTIVES)[number];

/** One parsed `.data` file. */
export interface DataFile {
  /** assembler text (the `-- asm` lines joined by newlines); empty when absent */
  readonly asm: string;
  /** the `-- raw` program as 64-bit words, or undefined when the file has no raw section */
  readonly raw: readonly bigint[] | undefined;
  /** input memory (`-- mem`), or undefined when the file has none */
  readonly mem: Uint8Array | undefined;
  /** expected r0 as an unsigned 64-bit value, when the file has `-- result` */
  readonly result: bigint | undefined;
  /** expected error text, when the file has `-- error` */
  readonly error: string | undefined;
}

/** Why a file is skipped by the reference reader (unknown directive, or no expectation at all). */
export class SkippedDataFile extends Error {}

function parseNumber(text: string, what: string): bigint {
  const t = text.trim();
  if (!/^-?(0[xX][0-9a-fA-F]+|\d+)$/.test(t)) throw new Error(`bad ${what} '${text}'`);
  const negative = t.startsWith('-');
  const value = BigInt(negative ? t.slice(1) : t);
  return BigInt.asUintN(64, negative ? -value : value);
}

/**
 * Parses the text of a `.data` file.
 * @throws SkippedDataFile when the reference reader would skip the file; Error on malformed numbers
 */
export function parseDataFile(text: string): DataFile {
  const sections = new Map<Directive, string[]>();
  let current: Directive | undefined;
  for (const rawLine of text.split('\n')) {
    let line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    const hash = line.indexOf('#');
    if (hash >= 0) line = line.slice(0, hash);
    if (line.includes('--')) {
      const directive = DIRECTIVES.find((keyword) => line.includes(keyword));
      if (directive === undefined) throw new SkippedDataFile(`unknown directive '${line.trim()}'`);
      current = directive;
      if (!sections.has(directive)) sections.set(directive, []);
      continue;
    }
    if (line.trim() === '' || current === undefined) continue;
    sections.get(current)!.push(line);
  }
  const resultLines = sections.get('result');
  const errorLines = sections.get('error');
  if ((resultLines === undefined || resultLines.length === 0) && (errorLines === undefined || errorLines.length === 0)) {
    throw new SkippedDataFile('no result and no error expectation');
  }
  const rawLines = sections.get('raw');
  const memLines = sections.get('mem');
  let mem: Uint8Array | undefined;
  if (memLines !== undefined) {
    const tokens = memLines.join(' ').split(/\s+/).filter((t) => t !== '');
    mem = new Uint8Array(tokens.length);
    tokens.forEach((token, i) => {
      if (!/^[0-9a-fA-F]{2}$/.test(token)) throw new Error(`bad mem byte '${token}'`);
      mem![i] = parseInt(token, 16);
    });
  }
  return {
    asm: (sections.get('asm') ?? []).join('\n'),
    raw: rawLines?.map((line) => parseNumber(line, 'raw word')),
    mem,
    result: resultLines?.[0] === undefined ? undefined : parseNumber(resultLines[0], 'result'),
    error: errorLines?.[0]?.trimEnd(),
  };
}

/** The bytes of a `-- raw` program: each 64-bit word stored little-endian. */
export function rawWordsToBytes(words: readonly bigint[]): Uint8Array {
  const bytes = new Uint8Array(words.length * 8);
  const view = new DataView(bytes.buffer);
  words.forEach((word, i) => view.setBigUint64(i * 8, BigInt.asUintN(64, word), true));
  return bytes;
}
