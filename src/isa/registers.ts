/**
 * @fileoverview Registers and calling-convention constants (RFC 9669 §2.4, kernel ABI).
 * r0 return value, r1-r5 arguments (clobbered by calls), r6-r9 callee-saved, r10 read-only frame pointer.
 */

/** Number of registers, r0..r10. */
export const REGISTER_COUNT = 11;

/** The return-value register. */
export const R0 = 0;
/** First argument register. */
export const R1 = 1;
/** Last argument register. */
export const R5 = 5;
/** First callee-saved register. */
export const R6 = 6;
/** Last callee-saved register. */
export const R9 = 9;
/** The read-only frame pointer. */
export const FP = 10;

/** Bytes of stack each frame owns (kernel MAX_BPF_STACK). */
export const STACK_SIZE = 512;

/** Maximum depth of bpf-to-bpf calls, the entry frame included (kernel MAX_CALL_FRAMES). */
export const MAX_CALL_DEPTH = 8;

/** Maximum chain of tail calls (kernel MAX_TAIL_CALL_CNT). */
export const MAX_TAIL_CALLS = 33;

/** Largest program the loader accepts, in instruction slots (kernel BPF_COMPLEXITY_LIMIT_INSNS). */
export const MAX_INSNS = 1_000_000;
