/**
 * @fileoverview The packet loop behind `run`, `filter` and `bench`: runs a loaded program over every
 * packet of a capture (or every `stride`-th one, for workers), tallies verdicts, keeps the packets
 * that go on, and yields to the event loop between chunks so Ctrl-C and progress output get a turn.
 * Capture parsing is src/pcap.ts's job; printing is the commands'.
 */
import { EbpfError } from '../index.js';
import { iterateCapture, LINKTYPE_ETHERNET } from '../pcap.js';
import type { CliProgram } from './api.js';
import { type PacketType, passedBytes, type VerdictCounts, verdictName } from './verdicts.js';

/** Packets run between two looks at the event loop (Ctrl-C, progress). */
export const CHUNK_PACKETS = 2048;

/** A packet that went on, with its place in the capture. */
export interface OutputPacket {
  /** index of the packet in the capture */
  readonly index: number;
  readonly data: Uint8Array;
  readonly timestampNs: bigint;
  readonly originalLength: number;
}

/** Options of runPackets. */
export interface PacketRunOptions {
  /** ctx field values applied to every packet (--ctx) */
  readonly ctx?: Readonly<Record<string, number | number[]>> | undefined;
  /** keep the packets that go on (for --out) */
  readonly keepOutput: boolean;
  /** run only packets whose index % stride === phase (workers); default 1 and 0 */
  readonly stride?: number;
  readonly phase?: number;
  /** stops the loop between chunks (Ctrl-C) */
  readonly signal?: AbortSignal | undefined;
  /** called after each chunk with the packets run so far and the fraction of the file read */
  readonly onChunk?: (packets: number, fraction: number, counts: VerdictCounts) => void;
}

/** What a packet loop produced. */
export interface PacketRunResult {
  readonly counts: VerdictCounts;
  /** packets run */
  readonly packets: number;
  readonly outputs: OutputPacket[];
  /** link type of the first packet (Ethernet when the capture is empty) */
  readonly linkType: number;
  /** time spent in the loop (program runs, capture parsing, output copies), milliseconds */
  readonly loopMs: number;
  /** wall-clock start and end of the loop (ms since the epoch), to combine workers' times */
  readonly startMs: number;
  readonly endMs: number;
  readonly interrupted: boolean;
}

/** Resolves after pending I/O and signal handlers have had a turn. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Adds `packet N: ` to an error's message, keeping its class (and so its name and code). */
function atPacket(error: unknown, index: number): unknown {
  if (error instanceof EbpfError) error.message = `packet ${index}: ${error.message}`;
  return error;
}

/**
 * Runs `program` over the capture in `bytes`.
 * @throws PcapError for a malformed capture (with the byte offset); the program's run errors, with
 *   the packet index prefixed to the message
 */
export async function runPackets(program: CliProgram, type: PacketType, bytes: Uint8Array, options: PacketRunOptions): Promise<PacketRunResult> {
  const stride = options.stride ?? 1;
  const phase = options.phase ?? 0;
  const counts: VerdictCounts = new Map();
  const outputs: OutputPacket[] = [];
  const ctx = options.ctx;
  const iterator = iterateCapture(bytes);
  let linkType = -1;
  let index = -1;
  let packets = 0;
  let loopMs = 0;
  let interrupted = false;
  let done = false;
  let lastData: Uint8Array | undefined;
  const startMs = Date.now();
  while (!done) {
    if (options.signal?.aborted === true) {
      interrupted = true;
      break;
    }
    const chunkStart = performance.now();
    for (let n = 0; n < CHUNK_PACKETS * stride; n++) {
      const next = iterator.next();
      if (next.done === true) {
        done = true;
        break;
      }
      const packet = next.value;
      lastData = packet.data;
      index++;
      if (linkType < 0) linkType = packet.linkType;
      if (index % stride !== phase) continue;
      let r0: bigint;
      let data: Uint8Array;
      try {
        ({ r0, data } = ctx === undefined ? program.run(packet.data) : program.run(packet.data, ctx));
      } catch (error) {
        throw atPacket(error, index);
      }
      packets++;
      const name = verdictName(type, r0);
      counts.set(name, (counts.get(name) ?? 0) + 1);
      if (options.keepOutput) {
        const kept = passedBytes(type, r0, data);
        if (kept !== undefined) {
          const originalLength = Math.max(kept.length, packet.originalLength - packet.data.length + data.length);
          outputs.push({ index, data: kept, timestampNs: packet.timestampNs, originalLength });
        }
      }
    }
    loopMs += performance.now() - chunkStart;
    if (options.onChunk !== undefined) {
      const reached = lastData === undefined ? 0 : lastData.byteOffset - bytes.byteOffset + lastData.length;
      options.onChunk(packets, done || bytes.length === 0 ? 1 : Math.min(1, reached / bytes.length), counts);
    }
    if (!done) await yieldToEventLoop();
  }
  return { counts, packets, outputs, linkType: linkType < 0 ? LINKTYPE_ETHERNET : linkType, loopMs, startMs, endMs: Date.now(), interrupted };
}
