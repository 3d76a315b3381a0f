/**
 * @fileoverview `load` with a packet type (raw code, no object), LD_ABS / LD_IND on socket filters,
 * and memory safety of packet programs: with the structural verifier only, every access is checked
 * against the program's regions, helpers check their memory arguments, and a program's writes to
 * the read-only ctx pointers never reach the packet helpers.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { assemble, type BpfObject, decode, load, loadObject, PacketProgram, RuntimeError, VerifierError, XdpAction, type Engine } from 'ebpf-wasm';
import type { QueueStackMap } from '../../runtime/maps/queue-stack.js';
import type { RingBufMap } from '../../runtime/maps/ringbuf.js';
import { ipv4Packet } from './packets.js';

const ENGINES: readonly Engine[] = ['interpreter', 'jit'];

describe.each(ENGINES)('%s', (engine) => {
  it.each([
    // r6 = ctx; A = ld [12] (ethertype, big-endian); return A
    { name: 'ldabsh', asm: 'mov %r6, %r1\nldabsh 12\nexit', want: 0x0800n },
    { name: 'ldabsw', asm: 'mov %r6, %r1\nldabsw 26\nexit', want: 0x0a000001n },
    { name: 'ldabsb', asm: 'mov %r6, %r1\nldabsb 23\nexit', want: 17n },
    { name: 'ldindb', asm: 'mov %r6, %r1\nmov %r7, 20\nldindb %r7, 3\nexit', want: 17n },
    { name: 'ldabsw out of bounds ends the program with 0', asm: 'mov %r6, %r1\nldabsw 1000\nmov %r0, 7\nexit', want: 0n },
    { name: 'ldindh with a negative offset gives 0', asm: 'mov %r6, %r1\nmov %r7, -20\nldindh %r7, 2\nmov %r0, 7\nexit', want: 0n },
  ])('socket_filter $name', async ({ asm, want }) => {
    const prog = await load(assemble(asm), { type: 'socket_filter', engine });
    expect(prog.run(ipv4Packet()).r0).toBe(want);
  });

  it('xdp from raw code: reads the packet through ctx->data', async () => {
    const asm = [
      'ldxw %r2, [%r1+0]', // data
      'ldxw %r3, [%r1+4]', // data_end
      'mov %r4, %r2',
      'add %r4, 14',
      'mov %r0, 1',
      'jgt %r4, %r3, +2',
      'ldxb %r0, [%r2+13]',
      'add %r0, 0',
      'exit',
    ].join('\n');
    const prog = await load(assemble(asm), { type: 'xdp', engine });
    expect(prog.run(ipv4Packet()).r0).toBe(0n); // byte 13 of 08 00
    expect(prog.run(new Uint8Array(10)).r0).toBe(1n);
  });

  it('user helpers replace kernel helpers of the same id; the others stay', async () => {
    // get_prandom_u32 (7) from the user, get_smp_processor_id (8) from the kernel
    const prog = await load(assemble('call 7\nmov %r6, %r0\ncall 8\nadd %r0, %r6\nexit'), { type: 'xdp', engine, cpus: 4, cpu: 3, helpers: { 7: () => 100n } });
    expect(prog.run(ipv4Packet()).r0).toBe(103n);
    expect(prog.run(ipv4Packet(), undefined, { cpu: 1 }).r0).toBe(101n);
  });

  it('the data-flow verifier rejects an unchecked packet read', async () => {
    const asm = 'ldxw %r2, [%r1+0]\nldxb %r0, [%r2+13]\nexit';
    await expect(load(assemble(asm), { type: 'xdp', engine })).rejects.toBeInstanceOf(VerifierError);
  });

  describe('structural verifier only: run-time checks', () => {
    it('a read of the packet inside the frame works, a wild write traps', async () => {
      const read = await load(assemble('ldxw %r2, [%r1+0]\nldxb %r0, [%r2+13]\nexit'), { type: 'xdp', engine, verifier: 'structural' });
      expect(read.run(ipv4Packet()).r0).toBe(0n);
      const write = await load(assemble('lddw %r2, 0x100\nstw [%r2+0], 1\nmov %r0, 2\nexit'), { type: 'xdp', engine, verifier: 'structural' });
      expect(() => write.run(ipv4Packet())).toThrow(expect.objectContaining({ kind: 'out-of-bounds' }));
      const past = await load(assemble('lddw %r2, 0xfffff000\nldxw %r0, [%r2+0]\nexit'), { type: 'tc', engine, verifier: 'structural' });
      expect(() => past.run(ipv4Packet())).toThrow(RuntimeError);
    });

    it('a helper memory argument outside the regions fails the run', async () => {
      // skb_load_bytes(ctx, 0, 0x100, 4): the destination is not the program's memory
      const asm = 'mov %r2, 0\nlddw %r3, 0x100\nmov %r4, 4\ncall 26\nexit';
      const prog = await load(assemble(asm), { type: 'tc', engine, verifier: 'structural' });
      expect(() => prog.run(ipv4Packet())).toThrow(expect.objectContaining({ kind: 'helper' }));
    });

    it('writes to ctx->data do not reach the packet helpers', async () => {
      // data = 0x100 (a forged pointer), then xdp_adjust_head(ctx, 0) and return data_end - data
      const asm = [
        'mov %r6, %r1',
        'stw [%r6+0], 0x100',
        'mov %r1, %r6',
        'mov %r2, 0',
        'call 44',
        'ldxw %r2, [%r6+0]',
        'ldxw %r0, [%r6+4]',
        'sub %r0, %r2',
        'exit',
      ].join('\n');
      const prog = await load(assemble(asm), { type: 'xdp', engine, verifier: 'structural' });
      const packet = ipv4Packet();
      const { r0, data } = prog.run(packet);
      expect(r0).toBe(BigInt(packet.length));
      expect(data).toEqual(packet);
    });
  });

  it('a run that fails leaves the packet program usable', async () => {
    const prog = await load(assemble('lddw %r2, 0x100\nldxw %r0, [%r2+0]\nexit'), { type: 'xdp', engine, verifier: 'structural' });
    expect(() => prog.run(ipv4Packet())).toThrow(RuntimeError);
    const ok = await load(assemble(`mov %r0, ${XdpAction.PASS}\nexit`), { type: 'xdp', engine });
    expect(ok.runBatch([ipv4Packet(), ipv4Packet()])).toEqual(new Int32Array([2, 2]));
  });
});

describe.each(ENGINES)('%s: memory outside the span', (engine) => {
  it.each([
    { name: 'the ExecEnv bookkeeping after the stack', address: (obj: BpfObject) => obj.runtime.env.stack.end + 300 },
    { name: 'a ring buffer data area', address: (obj: BpfObject) => (obj.maps.get('events') as RingBufMap).dataBase },
    { name: 'a queue slot', address: (obj: BpfObject) => (obj.maps.get('lengths') as QueueStackMap).slotsBase },
  ])('a write to $name traps', async ({ address }) => {
    const obj = loadObject(readFileSync(new URL('../fixtures/programs/features.o', import.meta.url)));
    const target = address(obj);
    expect(target).toBeLessThan(obj.runtime.spanStart);
    const insns = decode(assemble(`lddw %r2, ${target}\nstw [%r2+0], 1\nmov %r0, 2\nexit`));
    const prog = await PacketProgram.create(obj.runtime, insns, { name: 'probe', section: 'xdp', type: 'xdp' }, { engine, verifier: 'structural' }, undefined, () => undefined);
    expect(() => prog.run(ipv4Packet())).toThrow(expect.objectContaining({ kind: 'out-of-bounds' }));
  });
});

describe.each(ENGINES)('%s: a failed run', (engine) => {
  it('discards the ring buffer samples it reserved', async () => {
    const obj = loadObject(readFileSync(new URL('../fixtures/programs/features.o', import.meta.url)));
    const events = obj.maps.get('events') as RingBufMap;
    const asm = `lddw %r1, ${events.address}\nmov %r2, 8\nmov %r3, 0\ncall 131\nlddw %r2, 0x100\nstw [%r2+0], 1\nexit`;
    const faulty = await PacketProgram.create(obj.runtime, decode(assemble(asm)), { name: 'faulty', section: 'xdp', type: 'xdp' }, { engine, verifier: 'structural' }, undefined, () => undefined);
    expect(() => faulty.run(ipv4Packet())).toThrow(expect.objectContaining({ kind: 'out-of-bounds' }));
    expect(events.drain()).toEqual([]);
    const ring = await obj.load('ring', { engine });
    expect(ring.run(ipv4Packet()).r0).toBe(BigInt(XdpAction.PASS));
    expect(events.drain().length).toBe(2);
  });
});
