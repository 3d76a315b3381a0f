/**
 * @fileoverview The interpreter's run loop labels its cases with numeric literals (so that V8's bytecode can dispatch
 * through a jump table) and names them in a comment. This test reads the source and checks that every
 * `case N /* NAME *\/` matches the handler table `H`, and that every handler has exactly one case.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const source = readFileSync(new URL('../../src/interpreter.ts', import.meta.url), 'utf8');

function handlerTable(): Map<string, number> {
  const start = source.indexOf('const H = {');
  const end = source.indexOf('} as const;', start);
  const table = new Map<string, number>();
  for (const match of source.slice(start, end).matchAll(/([A-Z][A-Z0-9_]*): (\d+)/g)) table.set(match[1]!, Number(match[2]));
  return table;
}

describe('interpreter case labels', () => {
  const table = handlerTable();
  const runLoop = source.slice(source.indexOf('function run('));
  const cases = [...runLoop.matchAll(/case (\d+) \/\* ([A-Z0-9_]+) \*\//g)].map((m) => ({ value: Number(m[1]), name: m[2]! }));

  it('has a dense handler table', () => {
    expect([...table.values()].sort((a, b) => a - b)).toEqual([...table.keys()].map((_, i) => i));
  });

  it('labels every case with the value of its name', () => {
    const wrong = cases.filter(({ value, name }) => table.get(name) !== value);
    expect(wrong).toEqual([]);
  });

  it('handles every handler exactly once in the outer switch', () => {
    // the atomic cases repeat inside their group's inner switch; count the outer labels only
    const names = cases.map((c) => c.name);
    const counts = new Map<string, number>();
    for (const name of names) counts.set(name, (counts.get(name) ?? 0) + 1);
    for (const name of table.keys()) {
      const expected = name.startsWith('A') && /^A(F?(ADD|OR|AND|XOR)|XCHG|CMPXCHG)(32|64)$/.test(name) ? 2 : 1;
      expect(counts.get(name), name).toBe(expected);
    }
  });
});
