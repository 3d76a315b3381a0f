/**
 * @fileoverview The helper registry: helper id -> implementation (and, later, the argument kinds the
 * verifier checks calls against). No kernel helper is built in yet; user helpers passed to `load`
 * are validated and merged here. Adding a built-in helper is one row in BUILTIN_HELPERS.
 */
import type { HelperFn } from '../env.js';
import { UsageError } from '../../src/errors.js';

/** Largest helper id accepted (the call instruction's imm is a signed 32-bit field). */
export const MAX_HELPER_ID = 0x7fff_ffff;

/** One registry row: a helper's name and implementation. */
export interface HelperEntry {
  readonly name: string;
  readonly implementation: HelperFn;
}

/** Built-in helpers by id (empty until the kernel helpers land). */
export const BUILTIN_HELPERS: ReadonlyMap<number, HelperEntry> = new Map();

/**
 * The helper map of one loaded program: the built-ins, overridden by `userHelpers`.
 * @throws UsageError when a key is not an integer id in [0, MAX_HELPER_ID] or a value is not a function
 */
export function createHelperMap(userHelpers?: Readonly<Record<number, HelperFn>>): Map<number, HelperFn> {
  const map = new Map<number, HelperFn>();
  for (const [id, entry] of BUILTIN_HELPERS) map.set(id, entry.implementation);
  if (userHelpers === undefined) return map;
  for (const [key, value] of Object.entries(userHelpers)) {
    const id = Number(key);
    if (!/^\d+$/.test(key) || !Number.isSafeInteger(id) || id > MAX_HELPER_ID) {
      throw new UsageError(`helper id '${key}' is not an integer in 0..${MAX_HELPER_ID}`);
    }
    if (typeof value !== 'function') throw new UsageError(`helper ${id} is not a function`);
    map.set(id, value);
  }
  return map;
}
