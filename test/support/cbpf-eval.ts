/**
 * @fileoverview Reference evaluator of classic BPF, written straight from the classic semantics (Linux
 * flavour: A, X and M[16] are 32-bit, a packet read outside the packet or a division by X = 0 returns
 * 0, shifts by X use the low 5 bits as eBPF does). Tests compare it with tcpdump's match counts and
 * with the translated eBPF. It assumes a program that passed checkClassic.
 */
import { type ClassicInsn, ClassicClass, ClassicMode, SKF_AD_OFF, SkfAd } from '../../src/cbpf.js';

/** Values the ancillary loads and `ld #len` read; len defaults to the packet length. */
export interface ClassicContext {
  readonly len?: number;
  /** ethertype in host order (what `ld #proto` yields) */
  readonly protocol?: number;
  readonly pktType?: number;
  readonly ifindex?: number;
  readonly mark?: number;
  readonly queueMapping?: number;
  readonly hash?: number;
  readonly vlanTci?: number;
  readonly vlanPresent?: number;
  /** VLAN TPID in host order */
  readonly vlanProto?: number;
  readonly cpu?: number;
  readonly random?: number;
}

/** Reads `size` bytes big-endian at `offset`, or undefined outside the packet. */
function loadPacket(packet: Uint8Array, offset: number, size: number): number | undefined {
  if (offset < 0 || offset + size > packet.length) return undefined;
  let value = 0;
  for (let i = 0; i < size; i++) value = value * 256 + (packet[offset + i] ?? 0);
  return value >>> 0;
}

function sizeBytes(code: number): number {
  switch (code & 0x18) {
    case 0x00:
      return 4;
    case 0x08:
      return 2;
    default:
      return 1;
  }
}

function ancillary(offset: number, ctx: ClassicContext, x: number): number {
  switch (offset) {
    case SkfAd.PROTOCOL:
      return ctx.protocol ?? 0;
    case SkfAd.PKTTYPE:
      return ctx.pktType ?? 0;
    case SkfAd.IFINDEX:
      return ctx.ifindex ?? 0;
    case SkfAd.MARK:
      return ctx.mark ?? 0;
    case SkfAd.QUEUE:
      return ctx.queueMapping ?? 0;
    case SkfAd.RXHASH:
      return ctx.hash ?? 0;
    case SkfAd.VLAN_TAG:
      return ctx.vlanTci ?? 0;
    case SkfAd.VLAN_TAG_PRESENT:
      return ctx.vlanPresent ?? 0;
    case SkfAd.VLAN_TPID:
      return ctx.vlanProto ?? 0;
    case SkfAd.CPU:
      return ctx.cpu ?? 0;
    case SkfAd.RANDOM:
      return ctx.random ?? 0;
    case SkfAd.ALU_XOR_X:
      return x; // caller xors it into A
    default:
      throw new Error(`evaluator does not support ancillary offset ${offset}`);
  }
}

function alu(op: number, a: number, operand: number): number | undefined {
  switch (op) {
    case 0x00:
      return (a + operand) >>> 0;
    case 0x10:
      return (a - operand) >>> 0;
    case 0x20:
      return Math.imul(a, operand) >>> 0;
    case 0x30:
      return operand === 0 ? undefined : Math.floor(a / operand) >>> 0;
    case 0x40:
      return (a | operand) >>> 0;
    case 0x50:
      return (a & operand) >>> 0;
    case 0x60:
      return (a << (operand & 31)) >>> 0;
    case 0x70:
      return a >>> (operand & 31);
    case 0x80:
      return -a >>> 0;
    case 0x90:
      return operand === 0 ? undefined : a % operand >>> 0;
    case 0xa0:
      return (a ^ operand) >>> 0;
    default:
      throw new Error(`unknown alu op 0x${op.toString(16)}`);
  }
}

/** Runs a checked classic program on a packet; returns the RET value (0 = drop). */
export function evalClassic(prog: readonly ClassicInsn[], packet: Uint8Array, ctx: ClassicContext = {}): number {
  let a = 0;
  let x = 0;
  const mem = new Uint32Array(16);
  let pc = 0;
  for (;;) {
    const insn = prog[pc];
    if (insn === undefined) throw new Error(`fell off the program at pc ${pc}`);
    const { code, jt, jf, k } = insn;
    pc++;
    switch (code & 0x07) {
      case ClassicClass.LD: {
        const mode = code & 0xe0;
        if (mode === ClassicMode.ABS && k >= SKF_AD_OFF) {
          const value = ancillary(k - SKF_AD_OFF, ctx, x);
          a = k - SKF_AD_OFF === SkfAd.ALU_XOR_X ? (a ^ value) >>> 0 : value >>> 0;
        } else if (mode === ClassicMode.ABS || mode === ClassicMode.IND) {
          const offset = mode === ClassicMode.ABS ? k | 0 : (x + k) | 0;
          const value = loadPacket(packet, offset, sizeBytes(code));
          if (value === undefined) return 0;
          a = value;
        } else if (mode === ClassicMode.LEN) {
          a = ctx.len ?? packet.length;
        } else if (mode === ClassicMode.IMM) {
          a = k;
        } else {
          a = mem[k] ?? 0;
        }
        break;
      }
      case ClassicClass.LDX: {
        const mode = code & 0xe0;
        if (mode === ClassicMode.IMM) x = k;
        else if (mode === ClassicMode.MEM) x = mem[k] ?? 0;
        else if (mode === ClassicMode.LEN) x = ctx.len ?? packet.length;
        else {
          const value = loadPacket(packet, k | 0, 1);
          if (value === undefined) return 0;
          x = (value & 0xf) * 4;
        }
        break;
      }
      case ClassicClass.ST:
        mem[k] = a;
        break;
      case ClassicClass.STX:
        mem[k] = x;
        break;
      case ClassicClass.ALU: {
        const result = alu(code & 0xf0, a, (code & 0x08) !== 0 ? x : k);
        if (result === undefined) return 0;
        a = result;
        break;
      }
      case ClassicClass.JMP: {
        const op = code & 0xf0;
        const operand = (code & 0x08) !== 0 ? x : k;
        let taken: boolean;
        if (op === 0x00) {
          pc += k;
          break;
        } else if (op === 0x10) taken = a === operand;
        else if (op === 0x20) taken = a > operand;
        else if (op === 0x30) taken = a >= operand;
        else taken = (a & operand) !== 0;
        pc += taken ? jt : jf;
        break;
      }
      case ClassicClass.RET:
        return ((code & 0x18) === 0x10 ? a : k) >>> 0;
      case ClassicClass.MISC:
        if ((code & 0xf8) === 0x00) x = a;
        else a = x;
        break;
      default:
        throw new Error(`unknown class at pc ${pc - 1}`);
    }
  }
}
