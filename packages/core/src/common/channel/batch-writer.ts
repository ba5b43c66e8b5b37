import type { Duplex } from 'node:stream';

import { frameBytes, maxFrameBytes, writeFrame } from './frame.js';

/** Frames up to this size are merged into one buffer before writing; larger ones go as they are. */
export const MERGE_BYTES = 64 * 1024;
/** Size of the buffers small frames are written into. */
export const BATCH_BYTES = 64 * 1024;

/**
 * Writes frames to a socket: frames queued in one event-loop turn leave in one
 * write. Small frames are written in place, one after the other, into a batch
 * buffer; frames with raw parts are queued as their buffers, uncopied.
 */
export class BatchWriter {
  #socket: Duplex | null = null;
  // Buffers to write, in order; the batched bytes join them when they leave.
  #outgoing: Uint8Array[] = [];
  #outgoingBytes = 0;
  #flushScheduled = false;
  readonly #flushLater = (): void => this.flush();
  // The bytes from #batchStart to #batchEnd are queued but not yet in #outgoing.
  // Bytes already handed to the socket are never written over.
  #batch = Buffer.allocUnsafeSlow(BATCH_BYTES);
  #batchStart = 0;
  #batchEnd = 0;
  #closed = false;
  #writesEnded = false;
  // Bytes of frames queued, and of those handed to the socket: a frame that
  // ended at queued byte N was written once N <= #bytesWritten.
  #bytesQueued = 0;
  #bytesWritten = 0;

  /** Starts writing to `socket`: frames queued until now leave at once. */
  attach(socket: Duplex): void {
    this.#socket = socket;
    this.flush();
  }

  /** The socket closed: frames sent from now on, and those not yet written, are dropped. */
  socketClosed(): void {
    this.#closed = true;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Whether frames sent now are queued: the socket is open and writes have not ended. */
  get open(): boolean {
    return !this.#closed && !this.#writesEnded;
  }

  get bytesQueued(): number {
    return this.#bytesQueued;
  }

  get bytesWritten(): number {
    return this.#bytesWritten;
  }

  /** Nothing queued here or in the socket. */
  get idle(): boolean {
    return this.#outgoingBytes === 0 && (this.#socket === null || this.#socket.writableLength === 0);
  }

  /** Drops the frames not yet handed to the socket; frames sent from now on are dropped too. */
  endWrites(): void {
    this.#writesEnded = true;
    this.#outgoing = [];
    this.#outgoingBytes = 0;
    this.#batchStart = this.#batchEnd;
  }

  /**
   * Writes a frame without parts into the batch buffer (writeFrame's
   * arguments), or into a new one when it does not fit in what is left.
   */
  append(headText: string | null, text: string, kind: number, id: number, value: number): void {
    const room = this.#batch.length - this.#batchEnd;
    // The upper bound spares measuring the strings of almost every frame.
    if (maxFrameBytes(headText, text) > room) {
      const exact = frameBytes(headText, text);
      if (exact > room) {
        this.#closeBatch();
        this.#batch = Buffer.allocUnsafeSlow(Math.max(BATCH_BYTES, exact));
        this.#batchStart = 0;
        this.#batchEnd = 0;
      }
    }
    const at = this.#batchEnd;
    const end = writeFrame(this.#batch, at, headText, text, kind, id, value);
    this.#batchEnd = end;
    this.#outgoingBytes += end - at;
    this.#bytesQueued += end - at;
  }

  /** Queues a frame given as buffers (encodeFrame's), after the frames batched so far. */
  queue(buffers: Uint8Array[]): void {
    this.#closeBatch();
    for (const buffer of buffers) {
      this.#outgoing.push(buffer);
      this.#outgoingBytes += buffer.byteLength;
      this.#bytesQueued += buffer.byteLength;
    }
  }

  /** Writes what is queued at the end of this turn, or now once it is past MERGE_BYTES. */
  flushSoon(): void {
    // A big frame leaves now, so the peer starts on it while this side encodes the next one.
    if (this.#outgoingBytes > MERGE_BYTES) {
      this.flush();
      return;
    }
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      process.nextTick(this.#flushLater);
    }
  }

  // Moves the batched frames into #outgoing, keeping frames in order.
  #closeBatch(): void {
    if (this.#batchEnd === this.#batchStart) return;
    this.#outgoing.push(this.#batch.subarray(this.#batchStart, this.#batchEnd));
    this.#batchStart = this.#batchEnd;
  }

  /** Writes what is queued now; `done` runs once the OS has taken it. */
  flush(done?: () => void): void {
    this.#flushScheduled = false;
    const socket = this.#socket;
    if (socket === null) return; // attach() writes them
    this.#closeBatch();
    const buffers = this.#outgoing;
    const bytes = this.#outgoingBytes;
    this.#outgoing = [];
    this.#outgoingBytes = 0;
    if (this.#closed || buffers.length === 0) {
      done?.();
      return;
    }
    this.#bytesWritten += bytes;
    if (buffers.length === 1 || bytes <= MERGE_BYTES) {
      const data = buffers.length === 1 ? (buffers[0] as Uint8Array) : Buffer.concat(buffers, bytes);
      if (done === undefined) socket.write(data);
      else socket.write(data, () => done());
    } else {
      // Large payloads are not copied again: one writev for all of them.
      socket.cork();
      buffers.forEach((buffer, i) => socket.write(buffer, i === buffers.length - 1 ? () => done?.() : undefined));
      socket.uncork();
    }
    // The OS has every byte: the batch starts over, so one frame at a time
    // never takes the rarely run buffer-full path (docs/performance.md).
    if (socket.writableLength === 0) {
      this.#batchStart = 0;
      this.#batchEnd = 0;
    }
  }
}
