/**
 * @fileoverview The JIT's number-typed helper imports (ExecEnv.fastHelpers): for arguments that fit in
 * 32 bits it calls the fast variant, for wider ones the bigint helper; both engines must give the same
 * results, argument-guard failures and error messages, and a user helper must replace the fast one.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { assemble, decode, load, loadObject, PacketProgram, type BpfObject, type Engine } from 'ebpf-wasm';
import { ObjectRuntime } from '../../src/packet-program.js';
import { ipv4Packet, u64At } from './packets.js';

const ENGINES: readonly Engine[] = ['interpreter', 'jit'];

function xdpCount(): BpfObject {
  return loadObject(readFileSync(new URL('../fixtures/programs/xdp_count.o', import.meta.url)));
}

/** Key 17 (u32) at fp-4 and r2 = fp-4, then `r1` = the map address plus `high` in the upper half. */
function lookupAsm(address: number, high: number, helper: number, tail: string): string {
  const r1 = BigInt(address) + (BigInt(high) << 32n);
  return [`stw [%r10-4], 17`, `mov %r2, %r10`, `add %r2, -4`, `lddw %r1, ${r1}`, `call ${helper}`, tail].join('\n');
}

const CASES: readonly { name: string; asm: (address: number) => string; want: bigint | ((address: number) => string) }[] = [
  // r0 = value of key 17 (3, set below), or 99 when absent
  { name: 'lookup of a present key', asm: (a) => lookupAsm(a, 0, 1, 'mov %r6, 99\njeq %r0, 0, +1\nldxdw %r6, [%r0+0]\nmov %r0, %r6\nexit'), want: 3n },
  { name: 'delete of a present key', asm: (a) => lookupAsm(a, 0, 3, 'exit'), want: 0n },
  // mapAt takes the low 32 bits of r1, as the bigint helper always did
  { name: 'map pointer with upper bits set (bigint path)', asm: (a) => lookupAsm(a, 1, 1, 'mov %r6, 99\njeq %r0, 0, +1\nldxdw %r6, [%r0+0]\nmov %r0, %r6\nexit'), want: 3n },
  {
    name: 'key outside the program memory',
    asm: (a) => [`lddw %r1, ${a}`, 'lddw %r2, 0x100', 'call 1', 'exit'].join('\n'),
    want: () => "helper 1 failed at pc 4: helper 1: argument r2 (4 bytes at 0x100) is outside the program's memory",
  },
  {
    name: 'key with upper bits set (bigint path)',
    asm: (a) => [`lddw %r1, ${a}`, 'lddw %r2, 0x100000100', 'call 3', 'exit'].join('\n'),
    want: () => "helper 3 failed at pc 4: helper 3: argument r2 (4 bytes at 0x100000100) is outside the program's memory",
  },
];

describe.each(ENGINES)('%s', (engine) => {
  it.each(CASES)('$name', async ({ asm, want }) => {
    const obj = xdpCount();
    const counts = obj.maps.get('proto_counts')!;
    const key = new Uint8Array([17, 0, 0, 0]);
    counts.update(key, new Uint8Array([3, 0, 0, 0, 0, 0, 0, 0]));
    const insns = decode(assemble(asm(counts.address)));
    const prog = await PacketProgram.create(obj.runtime, insns, { name: 'probe', section: 'xdp', type: 'xdp' }, { engine, verifier: 'structural' }, undefined, () => undefined);
    if (typeof want === 'bigint') {
      expect(prog.run(ipv4Packet()).r0).toBe(want);
    } else {
      expect(() => prog.run(ipv4Packet())).toThrow(expect.objectContaining({ message: want(counts.address), kind: 'helper' }));
    }
    // a delete of an absent key gives -ENOENT, sign-extended to 64 bits
    const again = await PacketProgram.create(obj.runtime, decode(assemble(lookupAsm(counts.address, 0, 3, 'exit'))), { name: 'again', section: 'xdp', type: 'xdp' }, { engine, verifier: 'structural' }, undefined, () => undefined);
    again.run(ipv4Packet());
    expect(again.run(ipv4Packet()).r0).toBe(0xffff_ffff_ffff_fffen);
    expect(counts.lookup(key)).toBeUndefined();
  });

  it('get_smp_processor_id and a user get_prandom_u32 replacing the fast one', async () => {
    const prog = await load(assemble('call 7\nmov %r6, %r0\ncall 8\nadd %r0, %r6\nexit'), { type: 'xdp', engine, cpus: 4, cpu: 2, helpers: { 7: () => 0xffff_fff0n } });
    expect(prog.run(ipv4Packet()).r0).toBe(0xffff_fff2n);
    const runtime = new ObjectRuntime({ helpers: { 7: () => 0xffff_fff0n } });
    expect([...runtime.env.fastHelpers.keys()]).toEqual([1, 3, 8, 88, 89]);
  });

  it('lookup value read back through the returned pointer', async () => {
    const obj = xdpCount();
    const counts = obj.maps.get('proto_counts')!;
    counts.update(new Uint8Array([17, 0, 0, 0]), new Uint8Array([5, 0, 0, 0, 0, 0, 0, 0]));
    const asm = lookupAsm(counts.address, 0, 1, 'jeq %r0, 0, +2\nldxdw %r1, [%r0+0]\nadd %r1, 1\nstxdw [%r0+0], %r1\nmov %r0, 2\nexit');
    const prog = await PacketProgram.create(obj.runtime, decode(assemble(asm)), { name: 'inc', section: 'xdp', type: 'xdp' }, { engine, verifier: 'structural' }, undefined, () => undefined);
    expect(prog.runBatch([ipv4Packet(), ipv4Packet()])).toEqual(new Int32Array([2, 2]));
    expect(u64At(counts.lookup(new Uint8Array([17, 0, 0, 0]))!)).toBe(7n);
  });
});
