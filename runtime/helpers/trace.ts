/**
 * @fileoverview bpf_trace_printk (6): the kernel's bpf_bprintf_prepare checks (NUL-terminated
 * printable format, at most three conversions, only the supported ones) and a vsnprintf-like
 * formatter for them: %d %i %u %x %X with l / ll, flags 0 - + space and a width, %c, %s (a string in
 * linear memory), %p %pK %px (printed as 16 hex digits; the kernel hashes plain %p), %pI4 %pi4 %pI6
 * %pi6 (addresses in linear memory), %%. The formatted line goes to rt.log.
 */
import { Errno } from '../maps/common.js';
import { type HelperRuntime, type KernelHelper, toU64, u32 } from './runtime.js';

/** Size of the kernel's formatting buffer (MAX_BPRINTF_BUF): output is cut to this minus the NUL. */
export const MAX_BPRINTF_BUF = 1024;

/** Formats `format` with `args` as bpf_trace_printk does; a negative errno when the kernel refuses it. */
export function formatTrace(u8: Uint8Array, format: Uint8Array, args: readonly bigint[]): string | number {
  if (format.length === 0 || format[format.length - 1] !== 0) return -Errno.EINVAL;
  const end = format.indexOf(0);
  let out = '';
  let next = 0;
  for (let i = 0; i < end; i++) {
    const c = format[i]!;
    if (!((c >= 0x20 && c < 0x7f) || (c >= 0x09 && c <= 0x0d))) return -Errno.EINVAL;
    if (c !== 0x25) {
      out += String.fromCharCode(c);
      continue;
    }
    if (format[i + 1] === 0x25) {
      out += '%';
      i++;
      continue;
    }
    if (next >= args.length) return -Errno.EINVAL;
    const arg = args[next++]!;
    i++;
    let flags = '';
    while (i < end && '0+- '.includes(String.fromCharCode(format[i]!))) flags += String.fromCharCode(format[i++]!);
    let width = 0;
    if (format[i]! >= 0x31 && format[i]! <= 0x39) {
      while (format[i]! >= 0x30 && format[i]! <= 0x39) width = width * 10 + (format[i++]! - 0x30);
    }
    const spec = String.fromCharCode(format[i] ?? 0);
    let text: string;
    if (spec === 'p') {
      const after = String.fromCharCode(format[i + 1] ?? 0);
      const after2 = String.fromCharCode(format[i + 2] ?? 0);
      if ((after === 'i' || after === 'I') && (after2 === '4' || after2 === '6')) {
        text = formatIp(u8, u32(arg), after === 'I', after2 === '4');
        i += 2;
      } else if (after === '\0' || !/[0-9A-Za-z]/.test(after) || 'KxsS'.includes(after)) {
        text = arg.toString(16).padStart(16, '0');
        if ('KxsS'.includes(after)) i++;
      } else {
        return -Errno.EINVAL;
      }
    } else if (spec === 's') {
      text = readString(u8, u32(arg));
    } else if (spec === 'c') {
      text = String.fromCharCode(Number(arg & 0xffn));
    } else {
      let bits = 32;
      if (format[i] === 0x6c) {
        bits = 64;
        i++;
        if (format[i] === 0x6c) i++;
      }
      const conversion = String.fromCharCode(format[i] ?? 0);
      if (conversion === 'd' || conversion === 'i') {
        const value = BigInt.asIntN(bits, arg);
        text = value < 0n ? `-${(-value).toString()}` : (flags.includes('+') ? '+' : flags.includes(' ') ? ' ' : '') + value.toString();
      } else if (conversion === 'u') {
        text = BigInt.asUintN(bits, arg).toString();
      } else if (conversion === 'x') {
        text = BigInt.asUintN(bits, arg).toString(16);
      } else if (conversion === 'X') {
        text = BigInt.asUintN(bits, arg).toString(16).toUpperCase();
      } else {
        return -Errno.EINVAL;
      }
    }
    out += pad(text, width, flags);
  }
  return out.length >= MAX_BPRINTF_BUF ? out.slice(0, MAX_BPRINTF_BUF - 1) : out;
}

/** Pads `text` to `width` per the printf flags ('-' left-justifies, '0' zero-fills after a sign). */
function pad(text: string, width: number, flags: string): string {
  if (text.length >= width) return text;
  if (flags.includes('-')) return text.padEnd(width, ' ');
  if (flags.includes('0')) {
    const sign = /^[-+ ]/.test(text) ? text[0]! : '';
    return sign + text.slice(sign.length).padStart(width - sign.length, '0');
  }
  return text.padStart(width, ' ');
}

/** The NUL-terminated string at `address` (latin1), cut at the buffer size; empty when unreadable. */
function readString(u8: Uint8Array, address: number): string {
  if (address === 0 || address >= u8.length) return '';
  let s = '';
  for (let i = address; i < u8.length && u8[i] !== 0 && s.length < MAX_BPRINTF_BUF - 1; i++) s += String.fromCharCode(u8[i]!);
  return s;
}

/** %pI4 (1.2.3.4), %pi4 (001.002.003.004), %pI6 (colon groups), %pi6 (32 hex digits). */
function formatIp(u8: Uint8Array, address: number, isDotted: boolean, isV4: boolean): string {
  const length = isV4 ? 4 : 16;
  if (address + length > u8.length) return '';
  const bytes = [...u8.subarray(address, address + length)];
  if (isV4) return bytes.map((b) => (isDotted ? String(b) : String(b).padStart(3, '0'))).join('.');
  const hex = bytes.map((b) => b.toString(16).padStart(2, '0'));
  if (!isDotted) return hex.join('');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(hex[i]! + hex[i + 1]!);
  return groups.join(':');
}

/** bpf_trace_printk(fmt, fmt_size, arg1, arg2, arg3): the formatted length, or -EINVAL. */
export function tracePrintk(rt: HelperRuntime): KernelHelper {
  return (r1, r2, r3, r4, r5) => {
    const address = u32(r1);
    const size = u32(r2);
    const u8 = rt.space.u8;
    const line = formatTrace(u8, u8.subarray(address, address + size), [r3, r4, r5]);
    if (typeof line === 'number') return toU64(line);
    rt.log(line);
    return BigInt(line.length);
  };
}
