/**
 * @fileoverview The reject catalogue of the data-flow verifier: one rule per program, each asserting
 * the failing pc and the kernel-worded reason.
 */
import { describe, expect, it } from 'vitest';
import { VerifierError } from '../../../src/errors.js';
import { run, type RunOptions } from './support.js';

interface RejectCase {
  readonly name: string;
  readonly asm: string;
  readonly pc: number;
  readonly reason: string;
  readonly options?: RunOptions;
}

const PKT = `r2 = *(u32 *)(r1 + 0)
r3 = *(u32 *)(r1 + 4)
`;

// key at fp-4 = 0, r2 = fp-4, r1 = map[0] (slots 4-5), call lookup at 6
const LOOKUP = `r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map[0]
call 1
`;

// LOOKUP then NULL check at 7 (to the final exit), map_value in r0 from 8
const LOOKUP_CHECKED = `${LOOKUP}if r0 == 0 goto out
`;
const OUT = `r0 = 0
exit
out:
r0 = 0
exit`;

const TC: RunOptions = { type: 'tc' };
const SOCK: RunOptions = { type: 'socket_filter' };
const UNPRIV: RunOptions = { unprivileged: true };

const CASES: readonly RejectCase[] = [
  // registers
  { name: 'uninit register read', asm: 'r0 = r2\nexit', pc: 0, reason: 'R2 !read_ok' },
  { name: 'exit with uninit r0', asm: 'exit', pc: 0, reason: 'R0 !read_ok' },
  { name: 'uninit register in alu', asm: 'r0 = 0\nr0 += r5\nexit', pc: 1, reason: 'R5 !read_ok' },
  { name: 'uninit register in compare', asm: 'r0 = 0\nif r4 > 3 goto +0\nexit', pc: 1, reason: 'R4 !read_ok' },
  { name: 'frame pointer write', asm: 'r10 = 0\nr0 = 0\nexit', pc: 0, reason: 'frame pointer is read only' },
  { name: 'r1 clobbered by helper call', asm: 'call 5\nr0 = r1\nexit', pc: 1, reason: 'R1 !read_ok' },
  { name: 'div by zero immediate', asm: 'r0 = 1\nr0 /= 0\nexit', pc: 1, reason: 'div by zero' },
  // stack
  { name: 'uninit stack read', asm: 'r0 = *(u64 *)(r10 - 8)\nexit', pc: 0, reason: 'invalid read from stack off -8+0 size 8' },
  { name: 'partially init stack read', asm: '*(u32 *)(r10 - 8) = 0\nr0 = *(u64 *)(r10 - 8)\nexit', pc: 1, reason: 'invalid read from stack off -8+4 size 8' },
  { name: 'stack write below frame', asm: '*(u64 *)(r10 - 520) = 0\nr0 = 0\nexit', pc: 0, reason: 'invalid write to stack R10 off=-520 size=8' },
  { name: 'stack write above fp', asm: '*(u64 *)(r10 + 0) = r1\nr0 = 0\nexit', pc: 0, reason: 'invalid write to stack R10 off=0 size=8' },
  { name: 'stack read below frame', asm: 'r0 = *(u64 *)(r10 - 520)\nexit', pc: 0, reason: 'invalid read from stack R10 off=-520 size=8' },
  { name: 'stack write through derived pointer out of frame', asm: 'r2 = r10\nr2 += -512\n*(u64 *)(r2 - 8) = 0\nr0 = 0\nexit', pc: 2, reason: 'invalid write to stack R2 off=-520 size=8' },
  { name: 'misaligned stack access', asm: '*(u32 *)(r10 - 6) = 0\nr0 = 0\nexit', pc: 0, reason: 'misaligned stack access off -6 size 4' },
  {
    name: 'variable-offset stack read of uninitialised bytes',
    asm: '*(u64 *)(r10 - 8) = 0\nr2 = *(u32 *)(r1 + 0)\nr2 &= 15\nr3 = r10\nr3 += -16\nr3 += r2\nr0 = *(u8 *)(r3 + 0)\nexit',
    pc: 6,
    reason: 'invalid variable-offset read from stack R3',
    options: TC,
  },
  {
    name: 'variable-offset stack write past the frame',
    asm: 'r2 = *(u32 *)(r1 + 0)\nr2 &= 15\nr3 = r10\nr3 += -8\nr3 += r2\n*(u8 *)(r3 + 0) = 0\nr0 = 0\nexit',
    pc: 5,
    reason: 'invalid variable-offset write to stack R3',
    options: TC,
  },
  {
    name: 'misaligned variable-offset stack access',
    asm: '*(u64 *)(r10 - 16) = 0\n*(u64 *)(r10 - 8) = 0\nr2 = *(u32 *)(r1 + 0)\nr2 &= 7\nr3 = r10\nr3 += -16\nr3 += r2\nr0 = *(u64 *)(r3 + 0)\nexit',
    pc: 7,
    reason: 'misaligned stack access off',
    options: TC,
  },
  { name: 'pointer spill of 4 bytes', asm: '*(u32 *)(r10 - 8) = r1\nr0 = 0\nexit', pc: 0, reason: 'invalid size of register spill' },
  { name: 'partial fill of spilled pointer', asm: '*(u64 *)(r10 - 8) = r1\nr0 = *(u32 *)(r10 - 8)\nexit', pc: 1, reason: 'invalid size of register fill' },
  { name: 'scalar dereference', asm: 'r1 = 0\nr0 = *(u32 *)(r1 + 0)\nexit', pc: 1, reason: "R1 invalid mem access 'scalar'" },
  { name: 'store through scalar', asm: 'r1 = 4096\n*(u64 *)(r1 + 0) = 0\nr0 = 0\nexit', pc: 1, reason: "R1 invalid mem access 'scalar'" },
  // packet
  { name: 'packet read without check', asm: `${PKT}r0 = *(u16 *)(r2 + 12)\nexit`, pc: 2, reason: 'invalid access to packet, off=12 size=2, R2(id=0,off=0,r=0)' },
  {
    name: 'packet read beyond check',
    asm: `${PKT}r4 = r2\nr4 += 14\nif r4 > r3 goto +2\nr0 = *(u32 *)(r2 + 12)\nexit\nr0 = 1\nexit`,
    pc: 5,
    reason: 'invalid access to packet, off=12 size=4, R2(id=0,off=0,r=14)',
  },
  {
    name: 'packet read on the failing branch',
    asm: `${PKT}r4 = r2\nr4 += 14\nif r4 > r3 goto +2\nr0 = 0\nexit\nr0 = *(u8 *)(r2 + 0)\nexit`,
    pc: 7,
    reason: 'invalid access to packet, off=0 size=1, R2(id=0,off=0,r=0)',
  },
  {
    name: 'packet read at negative offset',
    asm: `${PKT}r4 = r2\nr4 += 14\nif r4 > r3 goto +2\nr0 = *(u8 *)(r2 - 1)\nexit\nr0 = 1\nexit`,
    pc: 5,
    reason: 'invalid access to packet, off=-1 size=1, R2(id=0,off=0,r=14)',
  },
  {
    name: 'packet read through pointer with unchecked variable offset',
    asm: `${PKT}r4 = r2\nr4 += 14\nif r4 > r3 goto +4\nr5 = *(u8 *)(r2 + 0)\nr2 += r5\nr0 = *(u8 *)(r2 + 0)\nexit\nr0 = 1\nexit`,
    pc: 7,
    reason: 'invalid access to packet, off=0 size=1, R2(id=1,off=0,r=0)',
  },
  { name: 'pointer arithmetic on pkt_end', asm: `${PKT}r3 += 1\nr0 = 0\nexit`, pc: 2, reason: 'R3 pointer arithmetic on pkt_end prohibited' },
  { name: 'pkt_end dereference', asm: `${PKT}r0 = *(u8 *)(r3 + 0)\nexit`, pc: 2, reason: "R3 invalid mem access 'pkt_end'" },
  {
    name: 'packet pointers invalidated by xdp_adjust_head',
    asm: `${PKT}r6 = r2\nr4 = r2\nr4 += 14\nif r4 > r3 goto +4\nr2 = 0\ncall 44\nr0 = *(u8 *)(r6 + 0)\nexit\nr0 = 1\nexit`,
    pc: 8,
    reason: "R6 invalid mem access 'scalar'",
  },
  {
    name: 'pkt_meta read without check against data',
    asm: 'r2 = *(u32 *)(r1 + 8)\nr0 = *(u8 *)(r2 + 0)\nexit',
    pc: 1,
    reason: 'invalid access to packet, off=0 size=1, R2(id=0,off=0,r=0)',
  },
  // map values
  { name: 'map value before NULL check', asm: `${LOOKUP}r0 = *(u64 *)(r0 + 0)\nexit`, pc: 7, reason: "R0 invalid mem access 'map_value_or_null'" },
  { name: 'map value past value_size', asm: `${LOOKUP_CHECKED}r0 = *(u32 *)(r0 + 8)\n${OUT}`, pc: 8, reason: 'invalid access to map value, value_size=8 off=8 size=4' },
  { name: 'map value write past value_size', asm: `${LOOKUP_CHECKED}*(u64 *)(r0 + 4) = 1\n${OUT}`, pc: 8, reason: 'invalid access to map value, value_size=8 off=4 size=8' },
  {
    name: 'map value with unbounded variable offset',
    asm: `${LOOKUP_CHECKED}r1 = *(u64 *)(r0 + 0)\nr0 += r1\n${OUT}`,
    pc: 9,
    reason: 'math between map_value pointer and register with unbounded min value is not allowed',
  },
  {
    name: 'map value with too large variable offset',
    asm: `${LOOKUP_CHECKED}r1 = *(u8 *)(r0 + 0)\nr0 += r1\nr1 = *(u8 *)(r0 + 0)\n${OUT}`,
    pc: 10,
    reason: 'invalid access to map value, value_size=8 off=255 size=1',
  },
  {
    name: 'map value with negative variable offset',
    asm: `${LOOKUP_CHECKED}r1 = *(u8 *)(r0 + 0)\nr1 += -10\nr0 += r1\nr1 = *(u8 *)(r0 + 0)\n${OUT}`,
    pc: 11,
    reason: 'R0 min value is negative, either use unsigned index or do a if (index >=0) check.',
  },
  {
    name: 'map value offset bounded only from above (signed)',
    asm: `${LOOKUP_CHECKED}r1 = *(u64 *)(r0 + 0)\nif r1 s> 7 goto out\nr0 += r1\n${OUT}`,
    pc: 10,
    reason: 'math between map_value pointer and register with unbounded min value is not allowed',
  },
  { name: 'pointer arithmetic on map_value_or_null', asm: `${LOOKUP}r0 += 1\nr0 = 0\nexit`, pc: 7, reason: 'R0 pointer arithmetic on map_value_or_null prohibited' },
  { name: 'pointer arithmetic on map_ptr', asm: 'r1 = map[0]\nr1 += 8\nr0 = 0\nexit', pc: 2, reason: 'R1 pointer arithmetic on map_ptr prohibited' },
  { name: 'map pointer dereference', asm: 'r1 = map[0]\nr0 = *(u64 *)(r1 + 0)\nexit', pc: 2, reason: "R1 invalid mem access 'map_ptr'" },
  { name: 'unknown map index', asm: 'r1 = map[9]\nr0 = 0\nexit', pc: 0, reason: 'map index 9 is not pointing to valid bpf_map' },
  {
    name: 'write into a read-only map value',
    asm: 'r1 = map_value[0]+0\n*(u32 *)(r1 + 4) = 1\nr0 = 0\nexit',
    pc: 2,
    reason: 'write into map forbidden, value_size=8 off=4 size=4',
    options: { maps: [{ type: 2, keySize: 4, valueSize: 8, maxEntries: 1, readonly: true }] },
  },
  {
    name: 'read from a write-only map value',
    asm: 'r1 = map_value[0]+0\nr0 = *(u32 *)(r1 + 0)\nexit',
    pc: 2,
    reason: 'read from map forbidden, value_size=8 off=0 size=4',
    options: { maps: [{ type: 2, keySize: 4, valueSize: 8, maxEntries: 1, flags: 0x100 }] },
  },
  {
    name: 'helper writes into a BPF_F_RDONLY_PROG map value',
    asm: 'r1 = map_value[0]+0\nr2 = 8\nr3 = 0\ncall 113\nr0 = 0\nexit',
    pc: 4,
    reason: 'write into map forbidden, value_size=8 off=0 size=8',
    options: { maps: [{ type: 2, keySize: 4, valueSize: 8, maxEntries: 1, flags: 0x80 }] },
  },
  { name: 'direct map value offset past value_size', asm: 'r1 = map_value[1]+16\nr0 = 0\nexit', pc: 0, reason: 'invalid access to map value pointer, value_size=16 off=16' },
  // helper arguments
  { name: 'map key uninitialised', asm: 'r2 = r10\nr2 += -4\nr1 = map[0]\ncall 1\nr0 = 0\nexit', pc: 4, reason: 'invalid indirect read from stack R2 off -4+0 size 4' },
  { name: 'map key is a scalar', asm: 'r2 = 0\nr1 = map[0]\ncall 1\nr0 = 0\nexit', pc: 3, reason: 'R2 type=scalar expected=fp' },
  { name: 'map argument is a scalar', asm: 'r1 = 0\nr2 = r10\ncall 1\nr0 = 0\nexit', pc: 2, reason: 'R1 type=scalar expected=map_ptr' },
  {
    name: 'map key crosses the frame top',
    asm: '*(u64 *)(r10 - 8) = 0\nr2 = r10\nr2 += -2\nr1 = map[0]\ncall 1\nr0 = 0\nexit',
    pc: 5,
    reason: 'invalid indirect access to stack R2 off=-2 size=4',
  },
  {
    name: 'map update value shorter than value_size',
    asm: '*(u64 *)(r10 - 8) = 0\nr2 = r10\nr2 += -8\nr3 = r10\nr3 += -4\nr4 = 0\nr1 = map[0]\ncall 2\nr0 = 0\nexit',
    pc: 8,
    reason: 'invalid indirect access to stack R3 off=-4 size=8',
  },
  { name: 'helper not allowed for the program type', asm: 'r2 = 0\ncall 44\nr0 = 0\nexit', pc: 1, reason: 'unknown func bpf_xdp_adjust_head#44', options: SOCK },
  { name: 'tc helper in xdp', asm: 'r2 = 0\ncall 26\nr0 = 0\nexit', pc: 1, reason: 'unknown func bpf_skb_load_bytes#26' },
  { name: 'unknown helper id', asm: 'call 9999\nr0 = 0\nexit', pc: 0, reason: 'invalid func unknown#9999' },
  { name: 'unregistered helper in the raw type', asm: 'call 77\nr0 = 0\nexit', pc: 0, reason: 'invalid func unknown#77', options: { type: 'raw' } },
  {
    name: 'ringbuf map passed to map_lookup_elem',
    asm: '*(u32 *)(r10 - 4) = 0\nr2 = r10\nr2 += -4\nr1 = map[2]\ncall 1\nr0 = 0\nexit',
    pc: 5,
    reason: 'cannot pass map_type 27 into func bpf_map_lookup_elem#1',
  },
  { name: 'tail call with a hash map', asm: 'r2 = map[0]\nr3 = 0\ncall 12\nr0 = 0\nexit', pc: 3, reason: 'cannot pass map_type 1 into func bpf_tail_call#12' },
  { name: 'redirect_map with a hash map', asm: 'r1 = map[0]\nr2 = 0\nr3 = 0\ncall 51\nexit', pc: 4, reason: 'cannot pass map_type 1 into func bpf_redirect_map#51' },
  { name: 'ctx argument is the frame pointer', asm: 'r1 = r10\nr2 = 0\ncall 44\nr0 = 0\nexit', pc: 2, reason: 'R1 type=fp expected=ctx' },
  { name: 'ctx argument with offset', asm: 'r1 += 4\nr2 = 0\ncall 44\nr0 = 0\nexit', pc: 2, reason: 'dereference of modified ctx ptr R1 off=4 disallowed' },
  {
    name: 'helper size possibly negative',
    asm: 'r2 = *(u32 *)(r1 + 12)\nr2 -= 5\n*(u64 *)(r10 - 8) = 0\nr1 = r10\nr1 += -8\ncall 6\nr0 = 0\nexit',
    pc: 5,
    reason: 'R2 min value is negative',
  },
  { name: 'helper size zero', asm: '*(u64 *)(r10 - 8) = 0\nr1 = r10\nr1 += -8\nr2 = 0\ncall 6\nr0 = 0\nexit', pc: 4, reason: 'R2 invalid zero-sized read' },
  {
    name: 'helper size unbounded',
    asm: 'r2 = *(u32 *)(r1 + 12)\nr2 |= 1\n*(u64 *)(r10 - 8) = 0\nr1 = r10\nr1 += -8\ncall 6\nr0 = 0\nexit',
    pc: 5,
    reason: "R2 unbounded memory access, use 'var &= const' or 'if (var < const)'",
  },
  { name: 'helper memory past the frame', asm: '*(u64 *)(r10 - 8) = 0\nr1 = r10\nr1 += -8\nr2 = 16\ncall 6\nr0 = 0\nexit', pc: 4, reason: 'invalid indirect access to stack R1 off=-8 size=16' },
  { name: 'helper memory uninitialised', asm: 'r1 = r10\nr1 += -8\nr2 = 8\ncall 6\nr0 = 0\nexit', pc: 3, reason: 'invalid indirect read from stack R1 off -8+0 size 8' },
  { name: 'helper argument uninitialised', asm: 'call 5\nr2 = 0\ncall 23\nexit', pc: 2, reason: 'R1 !read_ok' },
  // ringbuf references
  {
    name: 'ringbuf reserve with unknown size',
    asm: 'r2 = *(u32 *)(r1 + 12)\nr1 = map[2]\nr3 = 0\ncall 131\nr0 = 0\nexit',
    pc: 4,
    reason: "R2 is not a known constant'",
  },
  {
    name: 'ringbuf record never submitted',
    asm: 'r1 = map[2]\nr2 = 8\nr3 = 0\ncall 131\nr0 = 0\nexit',
    pc: 6,
    reason: 'Unreleased reference id=1 alloc_insn=4',
  },
  {
    name: 'ringbuf record written past its size',
    asm: 'r1 = map[2]\nr2 = 8\nr3 = 0\ncall 131\nif r0 == 0 goto +5\n*(u64 *)(r0 + 8) = 0\nr1 = r0\nr2 = 0\ncall 132\nr0 = 0\nexit',
    pc: 6,
    reason: 'invalid access to memory, mem_size=8 off=8 size=8',
  },
  { name: 'ringbuf record before NULL check', asm: 'r1 = map[2]\nr2 = 8\nr3 = 0\ncall 131\n*(u64 *)(r0 + 0) = 0\nexit', pc: 5, reason: "R0 invalid mem access 'mem_or_null'" },
  { name: 'ringbuf submit of a stack pointer', asm: 'r1 = r10\nr2 = 0\ncall 132\nr0 = 0\nexit', pc: 2, reason: 'R1 type=fp expected=ringbuf_mem' },
  {
    name: 'ringbuf submit with offset',
    asm: 'r1 = map[2]\nr2 = 8\nr3 = 0\ncall 131\nif r0 == 0 goto +5\nr1 = r0\nr1 += 4\nr2 = 0\ncall 132\nr0 = 0\nexit',
    pc: 9,
    reason: 'R1 must have zero offset when passed to release func',
  },
  {
    name: 'ringbuf record submitted twice',
    asm: 'r1 = map[2]\nr2 = 8\nr3 = 0\ncall 131\nif r0 == 0 goto +7\nr6 = r0\nr1 = r0\nr2 = 0\ncall 132\nr1 = r6\nr2 = 0\ncall 132\nr0 = 0\nexit',
    pc: 12,
    reason: 'R1 type=scalar expected=ringbuf_mem',
  },
  {
    name: 'tail call while holding a ringbuf record',
    asm: 'r6 = r1\nr1 = map[2]\nr2 = 8\nr3 = 0\ncall 131\nif r0 == 0 goto +8\nr7 = r0\nr1 = r6\nr2 = map[3]\nr3 = 0\ncall 12\nr0 = 0\nexit\nr0 = 0\nexit',
    pc: 12,
    reason: 'tail_call would lead to reference leak',
  },
  // context
  { name: 'ctx write to read-only field (tc len)', asm: 'r2 = 1\n*(u32 *)(r1 + 0) = r2\nr0 = 0\nexit', pc: 1, reason: 'invalid bpf_context access off=0 size=4', options: TC },
  { name: 'ctx write to xdp data', asm: '*(u32 *)(r1 + 0) = 0\nr0 = 0\nexit', pc: 0, reason: 'invalid bpf_context access off=0 size=4' },
  { name: 'ctx read past xdp_md', asm: 'r0 = *(u32 *)(r1 + 24)\nexit', pc: 0, reason: 'invalid bpf_context access off=24 size=4' },
  { name: 'ctx misaligned read', asm: 'r0 = *(u32 *)(r1 + 2)\nexit', pc: 0, reason: 'invalid bpf_context access off=2 size=4' },
  { name: 'ctx narrow read in xdp', asm: 'r0 = *(u8 *)(r1 + 12)\nexit', pc: 0, reason: 'invalid bpf_context access off=12 size=1' },
  { name: 'ctx narrow read of packet pointer (tc)', asm: 'r0 = *(u16 *)(r1 + 76)\nexit', pc: 0, reason: 'invalid bpf_context access off=76 size=2', options: TC },
  { name: 'ctx data in a socket filter', asm: 'r0 = *(u32 *)(r1 + 76)\nexit', pc: 0, reason: 'invalid bpf_context access off=76 size=4', options: SOCK },
  { name: 'ctx mark write in a socket filter', asm: '*(u32 *)(r1 + 8) = 0\nr0 = 0\nexit', pc: 0, reason: 'invalid bpf_context access off=8 size=4', options: SOCK },
  { name: 'ctx sk-only field in tc', asm: 'r0 = *(u32 *)(r1 + 88)\nexit', pc: 0, reason: 'invalid bpf_context access off=88 size=4', options: TC },
  {
    name: 'custom context layout: write to a read-only field',
    asm: '*(u64 *)(r1 + 8) = 1\nr0 = 0\nexit',
    pc: 0,
    reason: 'invalid bpf_context access off=8 size=8',
    options: { context: { name: 'custom', size: 16, fields: [{ name: 'value', offset: 8, size: 8, readable: true, writable: false, kind: 'scalar' }] } },
  },
  { name: 'ctx 8-byte read outside cb (tc)', asm: 'r0 = *(u64 *)(r1 + 64)\nexit', pc: 0, reason: 'invalid bpf_context access off=64 size=8', options: TC },
  { name: 'dereference of modified ctx', asm: 'r1 += 4\nr0 = *(u32 *)(r1 + 0)\nexit', pc: 1, reason: 'dereference of modified ctx ptr R1 off=4 disallowed' },
  // pointer arithmetic
  { name: '32-bit pointer arithmetic', asm: 'w1 += 1\nr0 = 0\nexit', pc: 0, reason: 'R1 32-bit pointer arithmetic prohibited' },
  { name: 'bitwise and on pointer', asm: 'r1 &= 1\nr0 = 0\nexit', pc: 0, reason: 'R1 bitwise operator &= on pointer prohibited' },
  { name: 'division through pointer', asm: 'r1 /= 2\nr0 = 0\nexit', pc: 0, reason: 'R1 pointer arithmetic with /= operator prohibited' },
  { name: 'multiplication of pointer', asm: 'r1 *= 3\nr0 = 0\nexit', pc: 0, reason: 'R1 pointer arithmetic with *= operator prohibited' },
  { name: 'pointer plus pointer', asm: 'r1 += r10\nr0 = 0\nexit', pc: 0, reason: 'R1 pointer += pointer prohibited' },
  { name: 'scalar minus pointer', asm: 'r0 = 1\nr0 -= r1\nexit', pc: 1, reason: 'R0 tried to subtract pointer from scalar' },
  { name: 'huge constant pointer offset', asm: 'r2 = r10\nr2 += 1073741824\nr0 = 0\nexit', pc: 1, reason: 'fp pointer offset 1073741824 is not allowed' },
  // unprivileged
  { name: 'pointer returned (unprivileged)', asm: 'r0 = r10\nexit', pc: 1, reason: 'R0 leaks addr as return value', options: UNPRIV },
  { name: 'pointer stored into map (unprivileged)', asm: `${LOOKUP_CHECKED}*(u64 *)(r0 + 0) = r10\n${OUT}`, pc: 8, reason: 'R10 leaks addr into map', options: UNPRIV },
  {
    name: 'pointer passed to helper (unprivileged)',
    asm: '*(u64 *)(r10 - 8) = 0\nr2 = r10\nr2 += -8\nr3 = r10\nr3 += -8\nr4 = r10\nr1 = map[0]\ncall 2\nr0 = 0\nexit',
    pc: 8,
    reason: 'R4 leaks addr into helper function',
    options: UNPRIV,
  },
  { name: 'data_end - data (unprivileged)', asm: `${PKT}r3 -= r2\nr0 = 0\nexit`, pc: 2, reason: 'R3 pointer -= pointer prohibited', options: UNPRIV },
  { name: 'pointer comparison (unprivileged)', asm: 'r0 = 0\nif r1 == r10 goto +0\nexit', pc: 1, reason: 'R1 pointer comparison prohibited', options: UNPRIV },
  { name: 'partial copy of pointer (unprivileged)', asm: 'w0 = w1\nexit', pc: 0, reason: 'R1 partial copy of pointer', options: UNPRIV },
  {
    name: 'variable stack offset (unprivileged)',
    asm: 'r1 = *(u8 *)(r1 + 0)\nr2 = r10\nr2 += r1\nr0 = 0\nexit',
    pc: 2,
    reason: 'R2 variable stack access prohibited for !root',
    options: { ...UNPRIV, type: 'raw' },
  },
  {
    name: 'corrupting a spilled pointer (unprivileged)',
    asm: '*(u64 *)(r10 - 8) = r1\n*(u32 *)(r10 - 8) = 0\nr0 = 0\nexit',
    pc: 1,
    reason: 'attempt to corrupt spilled pointer on stack',
    options: UNPRIV,
  },
  // loops and complexity
  { name: 'infinite loop', asm: 'r0 = 0\ngoto -2', pc: 0, reason: 'infinite loop detected at insn 0' },
  { name: 'unbounded loop hits the complexity limit', asm: 'r0 = 0\nr0 += 1\ngoto -2', pc: 2, reason: 'BPF program is too large. Processed 1001 insn', options: { complexityLimit: 1000 } },
  {
    name: 'loop whose bound is unknown',
    asm: 'r1 = *(u32 *)(r1 + 12)\nr0 = 0\nr0 += 1\nif r0 != r1 goto -2\nexit',
    pc: 4,
    reason: 'BPF program is too large. Processed 1001 insn',
    options: { complexityLimit: 1000 },
  },
  // calls
  { name: 'callee reads callee-saved register of the caller', asm: 'r6 = 1\ncall f\nexit\nf:\nr0 = r6\nexit', pc: 3, reason: 'R6 !read_ok' },
  { name: 'caller reads argument register after call', asm: 'r1 = 1\ncall f\nr0 = r1\nexit\nf:\nr0 = 0\nexit', pc: 2, reason: 'R1 !read_ok' },
  { name: 'callee returns its stack pointer', asm: 'call f\nexit\nf:\nr0 = r10\nexit', pc: 3, reason: 'cannot return stack pointer to the caller' },
  {
    name: 'call chain too deep',
    asm: 'call f1\nexit\nf1:\ncall f2\nexit\nf2:\ncall f3\nexit\nf3:\ncall f4\nexit\nf4:\ncall f5\nexit\nf5:\ncall f6\nexit\nf6:\ncall f7\nexit\nf7:\ncall f8\nexit\nf8:\nr0 = 0\nexit',
    pc: 14,
    reason: 'the call stack of 9 frames is too deep',
  },
  {
    name: 'combined stack too large',
    asm: '*(u64 *)(r10 - 512) = 0\ncall f\nexit\nf:\n*(u64 *)(r10 - 64) = 0\nr0 = 0\nexit',
    pc: 1,
    reason: 'combined stack size of 2 calls is 576. Too large',
  },
  // legacy packet access and program size
  { name: 'ld_abs in xdp', asm: 'r6 = r1\nr0 = *(u16 *)skb[12]\nexit', pc: 1, reason: 'BPF_LD_[ABS|IND] instructions not allowed for this program type' },
  { name: 'ld_abs without ctx in r6', asm: 'r0 = *(u16 *)skb[12]\nexit', pc: 0, reason: 'at the time of BPF_LD_ABS|IND R6 != pointer to skb', options: SOCK },
  { name: 'unprivileged program too large', asm: `${'r0 = 0\n'.repeat(4096)}exit`, pc: -1, reason: 'BPF program is too large: 4097 insns (limit 4096)', options: UNPRIV },
];

describe('verifyDataflow rejects', () => {
  it('has at least 60 cases', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(60);
  });

  it.each(CASES)('$name', ({ asm, pc, reason, options }) => {
    let error: unknown;
    try {
      run(asm, { logLevel: 1, ...options });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(VerifierError);
    const v = error as VerifierError;
    expect({ pc: v.pc, reason: v.reason.slice(0, reason.length) }).toEqual({ pc, reason });
    if (pc >= 0) expect(v.log).toContain(reason);
  });
});
