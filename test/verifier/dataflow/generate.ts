/**
 * @fileoverview Seeded random program generator for the soundness fuzz test: raw-type programs over
 * r0 and r2-r5 that store, load and compute stack pointers with variable offsets.
 */

/** mulberry32 */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SIZES: readonly [string, number][] = [
  ['u8', 1],
  ['u16', 2],
  ['u32', 4],
  ['u64', 8],
];
const ALU = ['+=', '-=', '*=', '&=', '|=', '^=', '<<=', '>>=', 's>>=', '/=', '%='];
const CMP = ['==', '!=', '>', '>=', '<', '<=', 's>', 's>=', 's<', 's<='];

/**
 * A random program with forward branches only: r0, r2-r4 hold scalars, r5 a stack pointer r10 - c
 * (+/- a masked scalar); stores and loads go through r10 or r5 at offsets near the frame top.
 */
export function generate(next: () => number): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)] as T;
  const scalar = (): string => `r${pick([0, 2, 2, 3, 4])}`;
  const lines: string[] = ['*(u64 *)(r10 - 8) = 0', '*(u64 *)(r10 - 16) = 0', '*(u64 *)(r10 - 24) = 0', '*(u64 *)(r10 - 32) = 0', '*(u64 *)(r10 - 40) = 0', '*(u64 *)(r10 - 48) = 0', 'r5 = r10', 'r5 += -16'];
  for (const r of ['r0', 'r3', 'r4']) lines.push(`${r} = ${Math.floor(next() * 100)}`);
  const n = 8 + Math.floor(next() * 14);
  for (let i = 0; i < n; i++) {
    const k = next();
    const [size, bytes] = pick(SIZES);
    const base = next() < 0.5 ? 'r10' : 'r5';
    const off = -bytes * (1 + Math.floor(next() * (40 / bytes)));
    const offText = off >= 0 ? `+ ${off}` : `- ${-off}`;
    if (k < 0.18) lines.push(`${scalar()} ${pick(ALU)} ${next() < 0.3 ? scalar() : Math.floor(next() * 40)}`);
    else if (k < 0.28) lines.push(`${scalar()} &= ${pick([1, 3, 7, 15, 31, 0xff])}`);
    else if (k < 0.4) {
      const x = scalar();
      lines.push('r5 = r10', `r5 += ${-8 * (1 + Math.floor(next() * 4))}`);
      const y = next() < 0.5 ? 'r2' : x;
      if (next() < 0.8) lines.push(`${y} &= ${pick([1, 3, 7, 8, 15, 16, 31])}`, `r5 ${pick(['+=', '-='])} ${y}`);
    } else if (k < 0.55) lines.push(`*(${size} *)(${base} ${offText}) = ${next() < 0.2 ? Math.floor(next() * 9) : scalar()}`);
    else if (k < 0.72) lines.push(`${scalar()} = *(${size} *)(${base} ${offText})`);
    else if (k < 0.87) lines.push(`if ${scalar()} ${pick(CMP)} ${next() < 0.5 ? scalar() : Math.floor(next() * 40)} goto +${1 + Math.floor(next() * 3)}`);
    else lines.push(`${scalar()} = ${scalar()}`);
  }
  lines.push('r0 = 0', 'exit', 'r0 = 1', 'exit', 'r0 = 2', 'exit');
  return lines.join('\n');
}
