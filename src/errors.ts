/**
 * @fileoverview The typed error hierarchy. Every error the library throws on bad input or a failed run
 * extends EbpfError and carries a stable `code`; tests assert on `code` and fields, never on text.
 * Messages say what, where and what was expected, lowercase, no trailing period.
 */

/** Stable error codes, one per error class. */
export const ErrorCode = {
  DECODE: 'EBPF_DECODE',
  ENCODE: 'EBPF_ENCODE',
  ASSEMBLE: 'EBPF_ASSEMBLE',
  VERIFIER: 'EBPF_VERIFIER',
  RUNTIME: 'EBPF_RUNTIME',
  ELF: 'EBPF_ELF',
  JIT: 'EBPF_JIT',
  MAP: 'EBPF_MAP',
  CBPF: 'EBPF_CBPF',
  PCAP: 'EBPF_PCAP',
  USAGE: 'EBPF_USAGE',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Base class of every error this library throws on purpose. */
export class EbpfError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** Why bytes did not decode. */
export type DecodeReason = 'length' | 'lddw-half' | 'opcode' | 'register' | 'reserved' | 'field' | 'size';

/** Bytes that are not a valid instruction stream; `byteOffset` is where the bad instruction starts. */
export class DecodeError extends EbpfError {
  readonly byteOffset: number;
  readonly reason: DecodeReason;

  constructor(message: string, byteOffset: number, reason: DecodeReason) {
    super(ErrorCode.DECODE, message);
    this.byteOffset = byteOffset;
    this.reason = reason;
  }
}

/** Instructions whose fields cannot be encoded (out-of-range register, off or imm). */
export class EncodeError extends EbpfError {
  readonly pc: number;

  constructor(message: string, pc: number) {
    super(ErrorCode.ENCODE, message);
    this.pc = pc;
  }
}

/** Assembly text that does not assemble; line and column are 1-based. */
export class AssembleError extends EbpfError {
  readonly line: number;
  readonly column: number;

  constructor(message: string, line: number, column: number) {
    super(ErrorCode.ASSEMBLE, `line ${line}, column ${column}: ${message}`);
    this.line = line;
    this.column = column;
  }
}

/** A program the verifier rejects: `pc` of the offending instruction, its text, the rule, the log. */
export class VerifierError extends EbpfError {
  readonly pc: number;
  /** disassembly of the offending instruction, empty when the error is about the whole program */
  readonly insn: string;
  /** the rule that failed, without the location prefix */
  readonly reason: string;
  /** kernel-style verifier log up to the failure */
  readonly log: string;

  constructor(pc: number, insn: string, reason: string, log = '') {
    super(ErrorCode.VERIFIER, pc >= 0 ? `${reason} at pc ${pc}${insn === '' ? '' : ` (${insn})`}` : reason);
    this.pc = pc;
    this.insn = insn;
    this.reason = reason;
    this.log = log;
  }
}

/** What went wrong at run time. */
export type RuntimeErrorKind =
  | 'out-of-bounds' // memory access outside every region the program may touch
  | 'call-depth' // more than MAX_CALL_DEPTH nested local calls
  | 'helper' // a helper threw or is missing
  | 'tail-call' // tail call chain or target problem that aborts the run
  | 'budget' // instruction budget exhausted (only when a budget was asked for)
  | 'callx'; // callx to something that is not a helper or function

/** A run that failed; `pc` is the instruction that failed. */
export class RuntimeError extends EbpfError {
  readonly pc: number;
  readonly kind: RuntimeErrorKind;

  constructor(message: string, pc: number, kind: RuntimeErrorKind, options?: { cause?: unknown }) {
    super(ErrorCode.RUNTIME, message, options);
    this.pc = pc;
    this.kind = kind;
  }
}

/** A malformed ELF object: the section (name or index) and byte offset that are wrong. */
export class ElfError extends EbpfError {
  readonly section: string;
  readonly offset: number;

  constructor(message: string, section: string, offset: number, options?: { cause?: unknown }) {
    super(ErrorCode.ELF, section === '' ? message : `section ${section}: ${message}`, options);
    this.section = section;
    this.offset = offset;
  }
}

/** The JIT failed to lower or instantiate a program; `pc` is -1 when no instruction is to blame. */
export class JitError extends EbpfError {
  readonly pc: number;

  constructor(message: string, pc: number, options?: { cause?: unknown }) {
    super(ErrorCode.JIT, message, options);
    this.pc = pc;
  }
}

/** A map operation from JavaScript that the kernel would refuse; `errno` is the kernel's (ENOENT, ...). */
export class MapError extends EbpfError {
  readonly errno: number;

  constructor(message: string, errno: number) {
    super(ErrorCode.MAP, message);
    this.errno = errno;
  }
}

/** A classic BPF program that cannot be translated; `pc` is the classic instruction index. */
export class CbpfError extends EbpfError {
  readonly pc: number;

  constructor(message: string, pc: number) {
    super(ErrorCode.CBPF, message);
    this.pc = pc;
  }
}

/** A malformed capture file; `byteOffset` is where the bad record or block starts. */
export class PcapError extends EbpfError {
  readonly byteOffset: number;

  constructor(message: string, byteOffset: number) {
    super(ErrorCode.PCAP, message);
    this.byteOffset = byteOffset;
  }
}

/** Wrong use of the API or CLI (bad option value, unknown program name). */
export class UsageError extends EbpfError {
  constructor(message: string) {
    super(ErrorCode.USAGE, message);
  }
}
