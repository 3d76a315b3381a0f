/**
 * @fileoverview Text the CLI prints: hex strings, aligned tables, rates, the map-definition table of
 * `maps`, the one-line-per-map summary after a run and the JSON dump of --maps (keys and values as
 * little-endian hex, per-CPU maps with one value per CPU).
 */
import { BPF_F_RDONLY_PROG, type CliMap, mapTypeName, PER_CPU_MAP_TYPES } from './api.js';

/** Lowercase hex of `bytes`, no separators. */
export function toHex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

/** Rows as left-aligned columns separated by two spaces (the last column is not padded). */
export function formatTable(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ')).join('\n');
}

/** A rate with an SI suffix: `1.23 M`, `456.7 k`, `12`. */
export function formatRate(perSecond: number): string {
  if (!Number.isFinite(perSecond)) return 'n/a';
  if (perSecond >= 1e6) return `${(perSecond / 1e6).toFixed(2)} M`;
  if (perSecond >= 1e3) return `${(perSecond / 1e3).toFixed(1)} k`;
  return perSecond.toFixed(0);
}

/** True for the per-CPU map types. */
export function isPerCpuMap(map: CliMap): boolean {
  return PER_CPU_MAP_TYPES.has(map.type);
}

/** True when programs may only read the map (BPF_F_RDONLY_PROG, as .rodata gets). */
export function isReadOnlyMap(map: CliMap): boolean {
  return (map.flags & BPF_F_RDONLY_PROG) !== 0;
}

/** The `maps` command's table: name, type, key/value size, max entries, flags. */
export function formatMapDefinitions(maps: Iterable<CliMap>): string {
  const rows: string[][] = [['name', 'type', 'key', 'value', 'max_entries', 'flags']];
  for (const map of maps) {
    rows.push([map.name, mapTypeName(map.type), String(map.keySize), String(map.valueSize), String(map.maxEntries), `0x${map.flags.toString(16)}`]);
  }
  return formatTable(rows);
}

/** True when every byte is zero. */
function isZero(bytes: Uint8Array): boolean {
  return bytes.every((b) => b === 0);
}

/** Keys of a map; maps without keys (ringbuf, perf events, queues) give none. */
function safeKeys(map: CliMap): Uint8Array[] {
  try {
    return map.keys();
  } catch {
    return [];
  }
}

/** One summary line per map: `name  type  N entries (M non-zero)`. */
export function formatMapSummary(maps: Iterable<CliMap>): string {
  const rows: string[][] = [];
  for (const map of maps) {
    const keys = safeKeys(map);
    let nonZero = 0;
    for (const key of keys) {
      const value = map.lookup(key);
      if (value !== undefined && !isZero(value)) nonZero++;
    }
    rows.push([`  ${map.name}`, mapTypeName(map.type), `${keys.length} entries (${nonZero} non-zero)`]);
  }
  return formatTable(rows);
}

/** One map entry in the --maps JSON. */
export interface MapEntryJson {
  key: string;
  /** the value (non-per-CPU maps) */
  value?: string;
  /** one value per CPU (per-CPU maps) */
  values?: string[];
}

/** One map in the --maps JSON. */
export interface MapJson {
  type: string;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  entries: MapEntryJson[];
}

/** The values of one per-CPU key, one array per CPU (each valueSize bytes). */
export function perCpuValues(map: CliMap, key: Uint8Array): Uint8Array[] {
  const split = map.lookupPerCpu?.(key);
  if (split !== undefined) return split.map((v) => v.subarray(0, map.valueSize));
  const whole = map.lookup(key);
  if (whole === undefined) return [];
  const stride = (map.valueSize + 7) & ~7;
  const out: Uint8Array[] = [];
  for (let at = 0; at + map.valueSize <= whole.length; at += stride) out.push(whole.subarray(at, at + map.valueSize));
  return out;
}

/** Every map's contents as JSON-ready data, keys and values as hex. */
export function mapsToJson(maps: Iterable<CliMap>): Record<string, MapJson> {
  const out: Record<string, MapJson> = {};
  for (const map of maps) {
    const entries: MapEntryJson[] = [];
    for (const key of safeKeys(map)) {
      if (isPerCpuMap(map)) entries.push({ key: toHex(key), values: perCpuValues(map, key).map(toHex) });
      else {
        const value = map.lookup(key);
        if (value !== undefined) entries.push({ key: toHex(key), value: toHex(value) });
      }
    }
    out[map.name] = { type: mapTypeName(map.type), keySize: map.keySize, valueSize: map.valueSize, maxEntries: map.maxEntries, entries };
  }
  return out;
}
