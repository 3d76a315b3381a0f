/**
 * @fileoverview The `.data` reader (test/support/data-file.ts) against the format rules of
 * shared/conformance/README.md: comments first, directive order, raw precedence, mem bytes, skipping.
 */
import { describe, expect, it } from 'vitest';
import { parseDataFile, rawWordsToBytes, SkippedDataFile } from '../support/data-file.js';

describe('parseDataFile', () => {
  it('reads asm, mem over several lines and a hex result', () => {
    const data = parseDataFile('# licence\n-- asm\nmov %r0, %r2 # trailing comment\nexit\n-- mem\n00 01\n\nff 7F\n-- result\n0xFFFFFFFFFFFFFFFF\n');
    expect(data.asm).toBe('mov %r0, %r2 \nexit');
    expect([...data.mem!]).toEqual([0x00, 0x01, 0xff, 0x7f]);
    expect(data.result).toBe(0xffffffffffffffffn);
    expect(data.raw).toBeUndefined();
    expect(data.error).toBeUndefined();
  });

  it.each([
    { name: 'decimal', text: '42', want: 42n },
    { name: 'negative decimal as u64', text: '-1', want: 0xffffffffffffffffn },
    { name: 'upper-case hex digits', text: '0xABCDEF', want: 0xabcdefn },
  ])('reads a $name result', ({ text, want }) => {
    expect(parseDataFile(`-- asm\nexit\n-- result\n${text}\n`).result).toBe(want);
  });

  it('strips carriage returns and ignores text before the first directive', () => {
    const data = parseDataFile('stray text\r\n-- asm\r\nexit\r\n-- result\r\n0x1\r\n');
    expect(data.asm).toBe('exit');
    expect(data.result).toBe(1n);
  });

  it('removes comments before looking for directives', () => {
    const data = parseDataFile('-- asm\nexit # -- mem\n-- result\n0x2\n');
    expect(data.mem).toBeUndefined();
    expect(data.result).toBe(2n);
  });

  it('keeps raw words beside asm (raw takes precedence for the caller)', () => {
    const data = parseDataFile('-- asm\nexit\n-- raw\n0x0000000000000095\n-- result\n0x0\n');
    expect(data.raw).toEqual([0x95n]);
    expect([...rawWordsToBytes(data.raw!)]).toEqual([0x95, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('ignores the informational sections', () => {
    const data = parseDataFile('-- asm\nexit\n-- no register offset\ncall instruction\n-- c\nint main() {}\n-- result\n0x3\n');
    expect(data.asm).toBe('exit');
    expect(data.result).toBe(3n);
  });

  it('reads an error expectation without trailing whitespace', () => {
    expect(parseDataFile('-- asm\nexit\n-- error\nVerifierError: empty program   \n').error).toBe('VerifierError: empty program');
  });

  it.each([
    { name: 'an unknown directive', text: '-- asm\nexit\n-- bogus\n-- result\n0x0\n' },
    { name: 'no result and no error', text: '-- asm\nexit\n' },
  ])('skips a file with $name', ({ text }) => {
    expect(() => parseDataFile(text)).toThrow(SkippedDataFile);
  });
});
