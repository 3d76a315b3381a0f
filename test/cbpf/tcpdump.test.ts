/**
 * @fileoverview Classic programs produced by tcpdump (committed fixtures) against tcpdump's own match
 * counts on the committed mixed capture: the reference evaluator must match tcpdump exactly, and the
 * translated eBPF (run on the subset evaluator) must return the same value on every packet.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkClassic, formatClassic, parseClassic, translateClassic } from '../../src/cbpf.js';
import { decode } from '../../src/decode.js';
import { encode } from '../../src/encode.js';
import { branchTarget, isBranch } from '../../src/isa/instruction.js';
import { Opcode } from '../../src/isa/opcodes.js';
import { readCapture } from '../../src/pcap.js';
import { evalClassic } from '../support/cbpf-eval.js';
import { makeSkBuff, runSubset } from '../support/cbpf-ebpf-eval.js';
import { makeMixedCapture } from '../support/make-capture.js';
import { DD_FORM_NAMES } from '../fixtures/cbpf/expressions.js';

interface ExpectedEntry {
  readonly name: string;
  readonly expr: string;
  readonly program: string;
  readonly matches: number;
}

const fixtureDir = join(import.meta.dirname, '..', 'fixtures', 'cbpf');
const captureBytes = new Uint8Array(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'pcap', 'mixed.pcap')));
const expected = JSON.parse(readFileSync(join(fixtureDir, 'expected.json'), 'utf8')) as { packets: number; expressions: ExpectedEntry[] };
const capture = readCapture(captureBytes);

describe('mixed capture fixture', () => {
  it('is what make-capture generates (fixture not stale)', () => {
    expect(Buffer.from(makeMixedCapture()).equals(Buffer.from(captureBytes))).toBe(true);
  });

  it('holds the expected number of Ethernet packets', () => {
    expect(capture.linkType).toBe(1);
    expect(capture.packets.length).toBe(expected.packets);
  });
});

describe.each(expected.expressions)('tcpdump expression $expr', (entry) => {
  const text = readFileSync(join(fixtureDir, entry.program), 'utf8');
  const prog = parseClassic(text);

  it('parses and passes the kernel checks', () => {
    expect(prog.length).toBeGreaterThan(0);
    expect(() => checkClassic(prog)).not.toThrow();
    expect(formatClassic(prog)).toBe(text);
  });

  it('reference evaluator matches tcpdump count', () => {
    let matches = 0;
    for (const packet of capture.packets) {
      if (evalClassic(prog, packet.data, { len: packet.originalLength }) !== 0) matches++;
    }
    expect(matches).toBe(entry.matches);
  });

  it('translates to valid eBPF ending in exit, jumps in range', () => {
    const insns = translateClassic(prog);
    expect(decode(encode(insns))).toEqual(insns);
    expect(insns.at(-1)?.op).toBe(Opcode.EXIT);
    insns.forEach((insn, pc) => {
      if (!isBranch(insn)) return;
      const target = branchTarget(insn, pc);
      expect(target).toBeGreaterThan(pc);
      expect(target).toBeLessThan(insns.length);
    });
  });

  it('every translated instruction is reachable (the eBPF verifier rejects dead code)', () => {
    const insns = translateClassic(prog);
    const seen = new Set<number>();
    const work = [0];
    while (work.length > 0) {
      const pc = work.pop() ?? 0;
      const insn = insns[pc];
      if (seen.has(pc) || insn === undefined) continue;
      seen.add(pc);
      if (insn.op === Opcode.EXIT) continue;
      if (isBranch(insn)) work.push(branchTarget(insn, pc));
      if (insn.op !== Opcode.JA) work.push(pc + 1);
    }
    expect(seen.size).toBe(insns.length);
  });

  it('translated program returns the classic result on every packet', () => {
    const insns = translateClassic(prog);
    const mismatches: string[] = [];
    capture.packets.forEach((packet, index) => {
      const want = evalClassic(prog, packet.data, { len: packet.originalLength });
      const have = runSubset(insns, { packet: packet.data, ctx: makeSkBuff({ len: packet.originalLength }) });
      if (have !== want) mismatches.push(`packet ${index}: eBPF ${have}, classic ${want}`);
    });
    expect(mismatches).toEqual([]);
  });
});

describe.each(DD_FORM_NAMES)('tcpdump -dd form of %s', (name) => {
  it('parses to the same program as -ddd', () => {
    const dd = parseClassic(readFileSync(join(fixtureDir, `${name}.dd`), 'utf8'));
    const ddd = parseClassic(readFileSync(join(fixtureDir, `${name}.ddd`), 'utf8'));
    expect(dd).toEqual(ddd);
  });
});
