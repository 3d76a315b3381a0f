/**
 * @fileoverview The verifier's soundness oracle in CI (test/support/soundness-oracle.ts): seeded
 * random XDP programs (test/support/gen-packet-program.ts) go through the data-flow verifier; every
 * accepted one runs on random packets through the precisely checked interpreter and must never
 * fault; the normal interpreter and, for a share of the programs, the JIT must give the same r0 and
 * packet. The other tests show that the oracle sees violations: refused programs, run with the
 * 'structural' verifier (everything checked), do fault under the precise check.
 * Set SOUNDNESS_SEED / SOUNDNESS_COUNT to vary the campaign; `npm run fuzz -- --mode soundness` runs long ones.
 */
import { describe, expect, it } from 'vitest';
import { RuntimeError } from '../../src/errors.js';
import { makeInsn } from '../../src/isa/instruction.js';
import { AluOp, Class, Mode, Opcode, Size, Source } from '../../src/isa/opcodes.js';
import { generatePacketProgram, rng } from '../support/gen-packet-program.js';
import { checkProgram, PreciseRunner, randomPacket } from '../support/soundness-oracle.js';

const SEED = Number(process.env['SOUNDNESS_SEED'] ?? 20261124);
const COUNT = Number(process.env['SOUNDNESS_COUNT'] ?? 3000);
/** every JIT_EVERY-th accepted program also runs on the JIT (compiling is the expensive part) */
const JIT_EVERY = 4;
const PACKETS_PER_PROGRAM = 4;

describe('verifier soundness oracle (seeded xdp programs)', () => {
  it(`accepted programs never fault under the precise check and agree across engines (seed ${SEED}, ${COUNT} programs)`, async () => {
    const next = rng(SEED);
    let accepted = 0;
    let jitted = 0;
    let runs = 0;
    const failures: string[] = [];
    for (let i = 0; i < COUNT && failures.length < 5; i++) {
      const programSeed = Math.floor(next() * 0x1_0000_0000);
      const jit = (accepted + 1) % JIT_EVERY === 0;
      const check = await checkProgram(programSeed, { packets: PACKETS_PER_PROGRAM, jit, context: `campaign seed ${SEED}, #${i}` });
      if (!check.accepted) continue;
      accepted++;
      if (jit) jitted++;
      runs += check.runs;
      failures.push(...check.failures);
    }
    const stats = `${accepted}/${COUNT} accepted (${((100 * accepted) / COUNT).toFixed(1)}%), ${runs} runs, ${jitted} on the jit too`;
    expect(failures, stats).toEqual([]);
    expect(accepted / COUNT, stats).toBeGreaterThan(0.2);
  }, 120_000);

  it('the precise check reports the violations of refused programs run unverified', async () => {
    const next = rng(SEED ^ 0x5eed);
    let refused = 0;
    let violations = 0;
    for (let i = 0; i < 300; i++) {
      const programSeed = Math.floor(next() * 0x1_0000_0000);
      const r = rng(programSeed);
      const { insns } = generatePacketProgram(r, 0.5);
      const verifier = new PreciseRunner();
      if ((await verifier.load(insns, 'dataflow')) !== undefined) continue;
      refused++;
      const precise = new PreciseRunner();
      if ((await precise.load(insns, 'structural')) === undefined) continue;
      for (let p = 0; p < PACKETS_PER_PROGRAM; p++) {
        try {
          precise.run(randomPacket(r));
        } catch (error) {
          if (!(error instanceof RuntimeError)) throw error;
          violations++;
          break;
        }
      }
    }
    expect(refused).toBeGreaterThan(50);
    expect(violations, `${violations} of ${refused} refused programs fault`).toBeGreaterThan(10);
  }, 60_000);

  it('an unchecked packet read faults on a short packet', async () => {
    // r2 = *(u32 *)(r1 + 0); r0 = *(u8 *)(r2 + 20); exit
    const insns = [makeInsn(Class.LDX | Mode.MEM | Size.W, 2, 1, 0), makeInsn(Class.LDX | Mode.MEM | Size.B, 0, 2, 20), makeInsn(Opcode.EXIT)];
    expect(await new PreciseRunner().load(insns, 'dataflow')).toBeUndefined();
    const precise = new PreciseRunner();
    expect(await precise.load(insns, 'structural')).toBeDefined();
    expect(precise.run(new Uint8Array(21)).r0).toBe(0n);
    expect(() => precise.run(new Uint8Array(20))).toThrow(RuntimeError);
  });

  it('a write to the xdp_md fields faults', async () => {
    // *(u32 *)(r1 + 12) = 5; r0 = 2; exit
    const insns = [makeInsn(Class.ST | Mode.MEM | Size.W, 1, 0, 12, 5), makeInsn(Class.ALU64 | AluOp.MOV | Source.K, 0, 0, 0, 2), makeInsn(Opcode.EXIT)];
    expect(await new PreciseRunner().load(insns, 'dataflow')).toBeUndefined();
    const precise = new PreciseRunner();
    expect(await precise.load(insns, 'structural')).toBeDefined();
    expect(() => precise.run(new Uint8Array(4))).toThrow('the program wrote xdp_md byte 12');
  });
});
