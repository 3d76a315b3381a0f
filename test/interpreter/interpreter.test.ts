/**
 * @fileoverview Interpreter semantics beyond the conformance suite: 64-bit arithmetic on halves (carries, multiply
 * high bits, shifts), every conditional jump at signed/unsigned 32/64-bit edges, sign-extending loads
 * and moves, byte order, atomics, may_goto, local calls, helpers and run isolation. Exact values only.
 */
import { describe, expect, it } from 'vitest';
import { assemble, type HelperFn, load, type Program, RuntimeError } from 'ebpf-wasm';

async function r0Of(asm: string, mem?: Uint8Array, helpers: Record<number, HelperFn> = {}): Promise<bigint> {
  const prog = await load(assemble(asm), { helpers, verifier: 'structural' });
  return prog.run(mem).r0;
}

/** r1 = a, r2 = b (64-bit immediates), then `body`, returning r0. */
function binary(a: bigint, b: bigint, body: string): string {
  return `lddw %r1, 0x${a.toString(16)}\nlddw %r2, 0x${b.toString(16)}\n${body}\nexit`;
}

const hex = (v: bigint): string => `0x${v.toString(16)}`;

describe('64-bit arithmetic on halves', () => {
  it.each([
    { name: 'mul high bits', a: 0x123456789abcdef0n, b: 0x0fedcba987654321n, op: 'mul', want: 0x2236d88fe5618cf0n },
    { name: 'mul with a negative operand', a: 0xdeadbeefcafebaben, b: 0xffffffff87654321n, op: 'mul', want: 0x2b070f45b4abcc7en },
    { name: 'mul -1 * -1', a: 0xffffffffffffffffn, b: 0xffffffffffffffffn, op: 'mul', want: 1n },
    { name: 'mul u32 max squared', a: 0xffffffffn, b: 0xffffffffn, op: 'mul', want: 0xfffffffe00000001n },
    { name: 'mul 2^32 * 2^32 wraps to 0', a: 0x100000000n, b: 0x100000000n, op: 'mul', want: 0n },
    { name: 'add carry into the high half', a: 0xffffffffn, b: 1n, op: 'add', want: 0x100000000n },
    { name: 'add wraps at 2^64', a: 0xffffffffffffffffn, b: 1n, op: 'add', want: 0n },
    { name: 'add carries out of both halves', a: 0x7fffffffffffffffn, b: 0x80000000ffffffffn, op: 'add', want: 0xfffffffen },
    { name: 'sub borrow from the high half', a: 0x100000000n, b: 1n, op: 'sub', want: 0xffffffffn },
    { name: 'sub wraps below 0', a: 0n, b: 1n, op: 'sub', want: 0xffffffffffffffffn },
    { name: 'div large unsigned', a: 0xdeadbeefcafebaben, b: 0x12345n, op: 'div', want: 0xc3b6fa62cc6bn },
    { name: 'mod large unsigned', a: 0xdeadbeefcafebaben, b: 0x12345n, op: 'mod', want: 0xe7n },
    { name: 'sdiv negative by positive truncates', a: BigInt.asUintN(64, -0x123456789abcdefn), b: 0x12345n, op: 'sdiv', want: 0xfffffeffffa4ffe0n },
    { name: 'smod takes the sign of the dividend', a: BigInt.asUintN(64, -0x123456789abcdefn), b: 0x12345n, op: 'smod', want: 0xffffffffffff9ab1n },
    { name: 'sdiv small negatives', a: BigInt.asUintN(64, -7n), b: 2n, op: 'sdiv', want: BigInt.asUintN(64, -3n) },
    { name: 'smod small negatives', a: BigInt.asUintN(64, -7n), b: 2n, op: 'smod', want: BigInt.asUintN(64, -1n) },
    { name: 'sdiv int32 min by -1 stays positive in 64 bits', a: BigInt.asUintN(64, -0x80000000n), b: BigInt.asUintN(64, -1n), op: 'sdiv', want: 0x80000000n },
    { name: 'sdiv by zero', a: 5n, b: 0n, op: 'sdiv', want: 0n },
    { name: 'smod by zero keeps dst', a: 0xfffffffffffffff6n, b: 0n, op: 'smod', want: 0xfffffffffffffff6n },
    { name: 'lsh 1 << 63', a: 1n, b: 63n, op: 'lsh', want: 0x8000000000000000n },
    { name: 'lsh across the halves', a: 0x80000001n, b: 1n, op: 'lsh', want: 0x100000002n },
    { name: 'lsh by 32', a: 0x12345678n, b: 32n, op: 'lsh', want: 0x1234567800000000n },
    { name: 'lsh amount masked to 6 bits', a: 1n, b: 65n, op: 'lsh', want: 2n },
    { name: 'rsh 2^63 >> 63', a: 0x8000000000000000n, b: 63n, op: 'rsh', want: 1n },
    { name: 'rsh across the halves', a: 0x100000001n, b: 1n, op: 'rsh', want: 0x80000000n },
    { name: 'arsh sign fills 63 bits', a: 0x8000000000000000n, b: 63n, op: 'arsh', want: 0xffffffffffffffffn },
    { name: 'arsh by 32', a: 0x8000000000000000n, b: 32n, op: 'arsh', want: 0xffffffff80000000n },
    { name: 'arsh by 33', a: 0x8000000000000000n, b: 33n, op: 'arsh', want: 0xffffffffc0000000n },
    { name: 'arsh positive', a: 0x4000000000000000n, b: 62n, op: 'arsh', want: 1n },
    { name: 'arsh by 64 is masked to 0', a: 0x8000000000000000n, b: 64n, op: 'arsh', want: 0x8000000000000000n },
    { name: 'arsh across the halves', a: 0xffffffff00000000n, b: 4n, op: 'arsh', want: 0xfffffffff0000000n },
    { name: 'xor both halves', a: 0xff00ff00ff00ff00n, b: 0x0ff00ff00ff00ff0n, op: 'xor', want: 0xf0f0f0f0f0f0f0f0n },
  ])('$name', async ({ a, b, op, want }) => {
    expect(hex(await r0Of(binary(a, b, `${op} %r1, %r2\nmov %r0, %r1`)))).toBe(hex(want));
  });

  it.each([
    { name: 'neg 0', a: 0n, want: 0n },
    { name: 'neg 1', a: 1n, want: 0xffffffffffffffffn },
    { name: 'neg 2^32', a: 0x100000000n, want: 0xffffffff00000000n },
    { name: 'neg int64 min', a: 0x8000000000000000n, want: 0x8000000000000000n },
  ])('$name', async ({ a, want }) => {
    expect(hex(await r0Of(`lddw %r0, ${hex(a)}\nneg %r0\nexit`))).toBe(hex(want));
  });

  it.each([
    { name: 'add imm -1 sign-extends', asm: 'mov %r0, 0\nadd %r0, -1', want: 0xffffffffffffffffn },
    { name: 'and imm -2 keeps the high half', asm: 'lddw %r0, 0xffffffff00000003\nand %r0, -2', want: 0xffffffff00000002n },
    { name: 'or imm 0x80000000 sets the high half', asm: 'mov %r0, 0\nor %r0, 0x80000000', want: 0xffffffff80000000n },
    { name: 'mov imm negative', asm: 'mov %r0, -2', want: 0xfffffffffffffffen },
    { name: 'mov32 imm negative zero-extends', asm: 'mov32 %r0, -2', want: 0xfffffffen },
    { name: 'add32 wraps and zero-extends', asm: 'lddw %r0, 0x1ffffffff\nadd32 %r0, 1', want: 0n },
    { name: 'mul32 zero-extends', asm: 'mov %r0, 0x10001\nmul32 %r0, 0x10001', want: 0x20001n },
    { name: 'div32 uses unsigned low halves', asm: 'lddw %r0, 0x1fffffffe\ndiv32 %r0, 2', want: 0x7fffffffn },
    { name: 'sdiv32 int min by -1', asm: 'mov32 %r0, 0x80000000\nsdiv32 %r0, -1', want: 0x80000000n },
    { name: 'smod32 int min by -1', asm: 'mov32 %r0, 0x80000000\nsmod32 %r0, -1', want: 0n },
    { name: 'arsh32 zero-extends the sign fill', asm: 'mov32 %r0, 0x80000000\narsh32 %r0, 31', want: 0xffffffffn },
    { name: 'lsh32 amount masked to 5 bits', asm: 'mov %r0, 1\nlsh32 %r0, 33', want: 2n },
    { name: 'neg32 zero-extends', asm: 'mov %r0, 1\nneg32 %r0', want: 0xffffffffn },
    { name: 'div by imm -1 is unsigned after sign extension', asm: 'mov %r0, -1\ndiv %r0, -1', want: 1n },
    { name: 'movsx832', asm: 'mov %r1, 0x180\nmovsx832 %r0, %r1', want: 0xffffff80n },
    { name: 'movsx1632', asm: 'mov %r1, 0x18000\nmovsx1632 %r0, %r1', want: 0xffff8000n },
    { name: 'movsx864', asm: 'mov %r1, 0x7f\nmovsx864 %r0, %r1', want: 0x7fn },
    { name: 'movsx1664', asm: 'mov %r1, 0x8000\nmovsx1664 %r0, %r1', want: 0xffffffffffff8000n },
    { name: 'movsx3264', asm: 'mov32 %r1, 0x80000000\nmovsx3264 %r0, %r1', want: 0xffffffff80000000n },
    { name: 'be16', asm: 'lddw %r0, 0x1122334455667788\nbe16 %r0', want: 0x8877n },
    { name: 'be32', asm: 'lddw %r0, 0x1122334455667788\nbe32 %r0', want: 0x88776655n },
    { name: 'be64', asm: 'lddw %r0, 0x1122334455667788\nbe64 %r0', want: 0x8877665544332211n },
    { name: 'le16', asm: 'lddw %r0, 0x1122334455667788\nle16 %r0', want: 0x7788n },
    { name: 'le32', asm: 'lddw %r0, 0x1122334455667788\nle32 %r0', want: 0x55667788n },
    { name: 'le64', asm: 'lddw %r0, 0x1122334455667788\nle64 %r0', want: 0x1122334455667788n },
    { name: 'bswap16', asm: 'lddw %r0, 0x1122334455667788\nbswap16 %r0', want: 0x8877n },
    { name: 'bswap32', asm: 'lddw %r0, 0x1122334455667788\nbswap32 %r0', want: 0x88776655n },
    { name: 'bswap64', asm: 'lddw %r0, 0x1122334455667788\nbswap64 %r0', want: 0x8877665544332211n },
  ])('$name', async ({ asm, want }) => {
    expect(hex(await r0Of(`${asm}\nexit`))).toBe(hex(want));
  });
});

describe('conditional jumps at the edges', () => {
  const MAX = 0xffffffffffffffffn;
  const MIN64 = 0x8000000000000000n;
  const MAX64 = 0x7fffffffffffffffn;
  it.each([
    { op: 'jgt', a: MAX, b: 1n, taken: true },
    { op: 'jsgt', a: MAX, b: 1n, taken: false },
    { op: 'jsgt', a: 1n, b: MAX, taken: true },
    { op: 'jge', a: MIN64, b: MIN64, taken: true },
    { op: 'jsge', a: MIN64, b: MAX64, taken: false },
    { op: 'jge', a: MIN64, b: MAX64, taken: true },
    { op: 'jlt', a: MAX64, b: MIN64, taken: true },
    { op: 'jslt', a: MAX64, b: MIN64, taken: false },
    { op: 'jslt', a: MIN64, b: MAX64, taken: true },
    { op: 'jle', a: 0x100000000n, b: 0xffffffffn, taken: false },
    { op: 'jle', a: 0xffffffffn, b: 0x100000000n, taken: true },
    { op: 'jsle', a: MAX, b: 0n, taken: true },
    { op: 'jsle', a: 0n, b: MAX, taken: false },
    { op: 'jgt', a: 0x100000000n, b: 0xffffffffn, taken: true },
    { op: 'jgt', a: 0x1ffffffffn, b: 0x200000000n, taken: false },
    { op: 'jeq', a: 0x100000005n, b: 5n, taken: false },
    { op: 'jne', a: 0x100000005n, b: 5n, taken: true },
    { op: 'jset', a: 0x100000000n, b: 0x300000000n, taken: true },
    { op: 'jset', a: 0x100000000n, b: 0xffffffffn, taken: false },
    { op: 'jgt32', a: 0x100000000n, b: 1n, taken: false },
    { op: 'jgt32', a: 0x80000000n, b: 0x7fffffffn, taken: true },
    { op: 'jsgt32', a: 0x80000000n, b: 0x7fffffffn, taken: false },
    { op: 'jsge32', a: 0xffffffffn, b: 0xffffffffn, taken: true },
    { op: 'jge32', a: 0x1_00000000n, b: 0xffffffffn, taken: false },
    { op: 'jlt32', a: 0x2_00000001n, b: 2n, taken: true },
    { op: 'jslt32', a: 0xffffffffn, b: 0n, taken: true },
    { op: 'jlt32', a: 0xffffffffn, b: 0n, taken: false },
    { op: 'jsle32', a: 0xffffffffn, b: 0n, taken: true },
    { op: 'jle32', a: 0xffffffffn, b: 0n, taken: false },
    { op: 'jeq32', a: 0x100000005n, b: 5n, taken: true },
    { op: 'jne32', a: 0x100000005n, b: 5n, taken: false },
    { op: 'jset32', a: 0x100000000n, b: 0x100000000n, taken: false },
    { op: 'jset32', a: 0x80000000n, b: 0xffffffff80000000n, taken: true },
  ])('$op $a, $b taken=$taken', async ({ op, a, b, taken }) => {
    const asm = binary(a, b, `mov %r0, 0\n${op} %r1, %r2, yes\nexit\nyes:\nmov %r0, 1`);
    expect(await r0Of(asm)).toBe(taken ? 1n : 0n);
  });

  it.each([
    { name: 'jne imm -1 is sign-extended to 64 bits', a: 0xffffffffn, asm: 'jne %r1, -1, yes', taken: true },
    { name: 'jeq imm -1 equals all ones', a: 0xffffffffffffffffn, asm: 'jeq %r1, -1, yes', taken: true },
    { name: 'jeq32 imm -1 compares low halves', a: 0xffffffffn, asm: 'jeq32 %r1, -1, yes', taken: true },
    { name: 'jgt imm 0x80000000 is a huge unsigned value', a: 0xffffffff7fffffffn, asm: 'jgt %r1, 0x80000000, yes', taken: false },
    { name: 'jsgt imm -1 with zero', a: 0n, asm: 'jsgt %r1, -1, yes', taken: true },
    { name: 'jset imm with the high half from sign extension', a: 0x8000000000000000n, asm: 'jset %r1, -1, yes', taken: true },
  ])('$name', async ({ a, asm, taken }) => {
    const program = `lddw %r1, ${hex(a)}\nmov %r0, 0\n${asm}\nexit\nyes:\nmov %r0, 1\nexit`;
    expect(await r0Of(program)).toBe(taken ? 1n : 0n);
  });
});

describe('memory', () => {
  it.each([
    { name: 'ldxsb negative', asm: 'ldxsb %r0, [%r1]', mem: [0x80], want: 0xffffffffffffff80n },
    { name: 'ldxsb positive', asm: 'ldxsb %r0, [%r1]', mem: [0x7f], want: 0x7fn },
    { name: 'ldxsh negative', asm: 'ldxsh %r0, [%r1]', mem: [0x00, 0x80], want: 0xffffffffffff8000n },
    { name: 'ldxsw negative', asm: 'ldxsw %r0, [%r1]', mem: [0x00, 0x00, 0x00, 0x80], want: 0xffffffff80000000n },
    { name: 'ldxw zero-extends', asm: 'ldxw %r0, [%r1]', mem: [0x00, 0x00, 0x00, 0x80], want: 0x80000000n },
    { name: 'ldxh little-endian', asm: 'ldxh %r0, [%r1+1]', mem: [0x11, 0x22, 0x33], want: 0x3322n },
    { name: 'ldxdw unaligned', asm: 'ldxdw %r0, [%r1+1]', mem: [0, 1, 2, 3, 4, 5, 6, 7, 8], want: 0x0807060504030201n },
    { name: 'ldabsw big-endian', asm: 'ldabsw 0', mem: [0x11, 0x22, 0x33, 0x44], want: 0x11223344n },
    { name: 'ldindb with a register offset', asm: 'mov %r3, 2\nldindb %r3, 1', mem: [1, 2, 3, 4], want: 4n },
    { name: 'ldabsb out of bounds exits with 0', asm: 'mov %r0, 5\nldabsb 4\nmov %r0, 5', mem: [1, 2, 3, 4], want: 0n },
    { name: 'ldindh with a negative offset exits with 0', asm: 'mov %r0, 5\nmov %r3, -1\nldindh %r3, 0\nmov %r0, 5', mem: [1, 2, 3, 4], want: 0n },
  ])('$name', async ({ asm, mem, want }) => {
    expect(hex(await r0Of(`${asm}\nexit`, Uint8Array.from(mem)))).toBe(hex(want));
  });

  it.each([
    { name: 'lock add carries into the high half', asm: 'mov %r2, 1\nlock add [%r1], %r2\nldxdw %r0, [%r1]', mem: 0xffffffffn, want: 0x100000000n },
    { name: 'lock add32 wraps in 32 bits', asm: 'mov %r2, 1\nlock add32 [%r1], %r2\nldxdw %r0, [%r1]', mem: 0x1ffffffffn, want: 0x100000000n },
    { name: 'lock fetch add returns the old value', asm: 'mov %r2, 5\nlock fetch add [%r1], %r2\nmov %r0, %r2', mem: 0x1122334455667788n, want: 0x1122334455667788n },
    { name: 'lock fetch add32 zero-extends the old value', asm: 'mov %r2, -1\nlock fetch add32 [%r1], %r2\nmov %r0, %r2', mem: 0xfffffffffffffff0n, want: 0xfffffff0n },
    { name: 'lock fetch or', asm: 'mov %r2, 0xf0\nlock fetch or [%r1], %r2\nldxdw %r0, [%r1]\nadd %r0, %r2', mem: 0x0fn, want: 0xffn + 0x0fn },
    { name: 'lock fetch and32 leaves the high half', asm: 'mov %r2, 0xf0\nlock fetch and32 [%r1], %r2\nldxdw %r0, [%r1]', mem: 0x1000000ffn, want: 0x1000000f0n },
    { name: 'lock fetch xor', asm: 'mov %r2, -1\nlock fetch xor [%r1], %r2\nldxdw %r0, [%r1]', mem: 0x00ff00ff00ff00ffn, want: 0xff00ff00ff00ff00n },
    { name: 'lock xchg', asm: 'lddw %r2, 0xaaaabbbbccccdddd\nlock xchg [%r1], %r2\nldxdw %r0, [%r1]\nxor %r0, %r2', mem: 0x1111n, want: 0xaaaabbbbccccddddn ^ 0x1111n },
    { name: 'lock xchg32 zero-extends', asm: 'mov %r2, 7\nlock xchg32 [%r1], %r2\nmov %r0, %r2', mem: 0xffffffff80000000n, want: 0x80000000n },
    { name: 'cmpxchg success stores src', asm: 'lddw %r0, 0x123456789\nmov %r2, 9\nlock cmpxchg [%r1], %r2\nldxdw %r0, [%r1]', mem: 0x123456789n, want: 9n },
    { name: 'cmpxchg failure loads r0', asm: 'mov %r0, 1\nmov %r2, 9\nlock cmpxchg [%r1], %r2\nldxdw %r3, [%r1]\nadd %r0, %r3', mem: 0x100000000n, want: 0x200000000n },
    { name: 'cmpxchg32 compares low halves and zero-extends r0', asm: 'lddw %r0, 0xffffffff00000005\nmov %r2, 9\nlock cmpxchg32 [%r1], %r2\nldxdw %r3, [%r1]\nlsh %r3, 32\nor %r0, %r3', mem: 0x7700000005n, want: 0x0000000900000005n },
  ])('$name', async ({ asm, mem, want }) => {
    const bytes = new Uint8Array(8);
    new DataView(bytes.buffer).setBigUint64(0, mem, true);
    expect(hex(await r0Of(`${asm}\nexit`, bytes))).toBe(hex(want));
  });

  it('reports out-of-bounds accesses with the pc and kind', async () => {
    const prog = await load(assemble('mov %r0, 0\nldxw %r0, [%r1+2]\nexit'));
    const error = (() => {
      try {
        prog.run(new Uint8Array(4));
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(RuntimeError);
    expect((error as RuntimeError).pc).toBe(1);
    expect((error as RuntimeError).kind).toBe('out-of-bounds');
    expect((error as RuntimeError).message).toMatch(/^out-of-bounds read of 4 bytes at 0x[0-9a-f]+ at pc 1$/);
  });

  it('works on a private copy of the input and returns the memory after the run', async () => {
    const prog = await load(assemble('stb [%r1], 9\nmov %r0, 0\nexit'));
    const mem = Uint8Array.from([1, 2]);
    const { data } = prog.run(mem);
    expect([...data]).toEqual([9, 2]);
    expect([...mem]).toEqual([1, 2]);
  });

  it('clears the stack between runs', async () => {
    const prog = await load(assemble('ldxdw %r0, [%r10-8]\nadd %r0, 1\nstxdw [%r10-8], %r0\nexit'), { verifier: 'structural' });
    expect(prog.run().r0).toBe(1n);
    expect(prog.run().r0).toBe(1n);
  });
});

describe('control flow', () => {
  it('may_goto falls through while the budget lasts', async () => {
    expect(await r0Of('mov %r0, 1\nmay_goto out\nmov %r0, 2\nout:\nexit')).toBe(2n);
  });

  it('may_goto budget is per run', async () => {
    const prog = await load(assemble('mov %r0, 0\nloop:\nmay_goto done\nadd %r0, 1\nja loop\ndone:\nexit'));
    expect(prog.run().r0).toBe(8388608n);
    expect(prog.run().r0).toBe(8388608n);
  });

  it('gives each local call its own frame and restores r10', async () => {
    const asm = 'mov %r1, 1\nstxdw [%r10-8], %r1\ncall local f\nldxdw %r0, [%r10-8]\nexit\nf:\nmov %r1, 2\nstxdw [%r10-8], %r1\nmov %r0, %r10\nexit';
    expect(await r0Of(asm)).toBe(1n);
  });

  it('preserves r6-r9 across local calls and passes r1-r5', async () => {
    const asm = [
      'mov %r6, 6', 'mov %r9, 9', 'mov %r1, 10', 'mov %r5, 50', 'call local f',
      'add %r0, %r6', 'add %r0, %r9', 'exit',
      'f:', 'mov %r0, %r1', 'add %r0, %r5', 'mov %r6, 100', 'mov %r9, 100', 'exit',
    ].join('\n');
    expect(await r0Of(asm)).toBe(75n);
  });

  it('stops a ninth frame with a call-depth error at the call', async () => {
    const prog = await load(assemble('call local f\nexit\nf:\ncall local f\nexit'), { verifier: 'structural' });
    expect(() => prog.run()).toThrow(expect.objectContaining({ kind: 'call-depth', pc: 2 }));
  });
});

describe('helpers', () => {
  it('passes arguments as unsigned 64-bit values', async () => {
    const seen: bigint[] = [];
    const helpers = { 1: (r1: bigint, r2: bigint, r3: bigint, r4: bigint, r5: bigint) => (seen.push(r1, r2, r3, r4, r5), 0) };
    await r0Of('mov %r1, -1\nmov %r2, 2\nmov32 %r3, -1\nlddw %r4, 0x8000000000000000\nmov %r5, 0\ncall 1\nexit', undefined, helpers);
    expect(seen).toEqual([0xffffffffffffffffn, 2n, 0xffffffffn, 0x8000000000000000n, 0n]);
  });

  it.each([
    { name: 'negative number', result: -1, want: 0xffffffffffffffffn },
    { name: 'number above 2^32', result: 2 ** 40, want: 0x10000000000n },
    { name: 'negative bigint', result: -2n, want: 0xfffffffffffffffen },
    { name: 'bigint above 2^64 wraps', result: 2n ** 64n + 3n, want: 3n },
  ])('converts a $name result to u64', async ({ result, want }) => {
    expect(await r0Of('call 1\nexit', undefined, { 1: () => result })).toBe(want);
  });

  it('wraps a throwing helper in a RuntimeError with the cause', async () => {
    const cause = new Error('boom');
    const prog = await load(assemble('mov %r0, 0\ncall 3\nexit'), {
      helpers: {
        3: () => {
          throw cause;
        },
      },
    });
    let caught: unknown;
    try {
      prog.run();
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(RuntimeError);
    expect(caught).toMatchObject({ kind: 'helper', pc: 1, cause });
  });

  it('rejects a non-integer helper result', async () => {
    const prog = await load(assemble('call 1\nexit'), { helpers: { 1: () => 1.5 } });
    expect(() => prog.run()).toThrow(expect.objectContaining({ kind: 'helper', pc: 0 }));
  });

  it('reports callx to an unknown id', async () => {
    const prog = await load(assemble('mov %r0, 0\nmov %r3, 6\ncall %r3\nexit'), { helpers: { 5: (r1) => r1 } });
    expect(() => prog.run()).toThrow(expect.objectContaining({ kind: 'callx', pc: 2 }));
  });

  it('callx with the high half set is unknown', async () => {
    const prog = await load(assemble('lddw %r3, 0x100000005\ncall %r3\nexit'), { helpers: { 5: (r1) => r1 } });
    expect(() => prog.run()).toThrow(expect.objectContaining({ kind: 'callx', pc: 2 }));
  });

  it('keeps the registers of a run that a helper re-enters', async () => {
    const asm = 'jeq %r1, 0, leaf\nmov %r6, 5\nmov %r1, 0\ncall 1\nadd %r0, %r6\nexit\nleaf:\nmov %r6, 100\nmov %r0, 1\nexit';
    const prog: Program = await load(assemble(asm), { helpers: { 1: () => prog.run().r0 + 10n } });
    expect(prog.run(new Uint8Array(1)).r0).toBe(16n);
  });
});
