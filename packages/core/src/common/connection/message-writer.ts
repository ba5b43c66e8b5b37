import { writeSync } from 'node:fs';
import type net from 'node:net';

import { registerPendingWrites } from '../pending-writes.js';
import { headerBytes, MAX_HEADER_BYTES, writeHeader } from './framing.js';

/** Payloads up to this size are copied behind their header; larger ones are written uncopied. */
const COPY_BYTES = 32 * 1024;
/** Queued bytes past this leave at once; below it, at the end of the event-loop turn. */
const MERGE_BYTES = 64 * 1024;
const BATCH_BYTES = 64 * 1024;
/** UTF-8 takes at most this many bytes per UTF-16 code unit. */
const MAX_UTF8_BYTES_PER_UNIT = 3;

// Writers with bytes the OS has not taken yet, for whenAllWritten().
const unwritten = new Set<MessageWriter>();

// A child that exits when its target settles waits until every Connection of
// this process has handed what it was sent to the OS (or lost its socket), as
// Python's send() would have blocked (pending-writes.ts).
registerPendingWrites(() =>
  Promise.all([...unwritten].map((writer) => writer.whenDrained().catch(() => {}))).then(() => {}),
);

/**
 * At exit (process.exit() included), when no event-loop turn is left: writes what every
 * Connection still queues, synchronously, as Python's blocking send() would
 * have. A peer that reads nothing for EXIT_WRITE_MS gets no more.
 */
function writeAllNow(): void {
  const deadline = Date.now() + EXIT_WRITE_MS;
  for (const writer of unwritten) writer.writeNow(deadline);
}

let exitHooked = false;
/** How long process.exit() may wait for peers to take what was sent to them. */
const EXIT_WRITE_MS = 2000;
const sleepOneMs = new Int32Array(new SharedArrayBuffer(4));

interface Deferred {
  resolve(): void;
  reject(error: Error): void;
}

/**
 * Writes Python-framed messages to a socket: messages queued in one
 * event-loop turn leave in one write (as the pool's BatchWriter does for its
 * frames). Small ones are written in place into a batch buffer; large
 * payloads are queued as they are, behind their header, uncopied.
 */
export class MessageWriter {
  #socket: net.Socket | null = null;
  // Buffers to write, in order; the batched bytes join them when they leave.
  #outgoing: Uint8Array[] = [];
  #outgoingBytes = 0;
  // The bytes from #batchStart to #batchEnd are queued but not yet in #outgoing;
  // bytes before #batchStart may still be in the socket's hands.
  #batch = Buffer.allocUnsafeSlow(BATCH_BYTES);
  #batchStart = 0;
  #batchEnd = 0;
  #flushScheduled = false;
  // Writes handed to the socket whose callback has not come yet.
  #inFlight = 0;
  #drainWaiters: Deferred[] = [];
  // Why nothing more is written (the socket is gone), once it is; and whether bytes were lost then.
  #stopped: Error | null = null;
  #lost = false;

  /** Starts writing to `socket`: messages queued until now leave at once. */
  attach(socket: net.Socket): void {
    this.#socket = socket;
    if (!this.idle) unwritten.add(this);
    this.flush();
  }

  /** Nothing is queued here, and the OS has taken every byte handed to the socket. */
  get idle(): boolean {
    return this.#outgoingBytes === 0 && this.#batchEnd === this.#batchStart && this.#inFlight === 0;
  }

  /** A message whose payload is `text` in UTF-8. */
  writeText(text: string): void {
    if (this.#stopped !== null) return;
    if (text.length * MAX_UTF8_BYTES_PER_UNIT > MERGE_BYTES) {
      this.writePieces([Buffer.from(text, 'utf8')]);
      return;
    }
    const at = this.#reserve(MAX_HEADER_BYTES + text.length * MAX_UTF8_BYTES_PER_UNIT);
    // Short header first, its length filled in once the text is written.
    const written = this.#batch.write(text, at + 4, 'utf8');
    this.#batch.writeInt32BE(written, at);
    this.#batchEnd = at + 4 + written;
    this.#queued(4 + written);
  }

  /** A message whose payload is `bytes`, copied when small. */
  writeBytes(bytes: Uint8Array): void {
    if (this.#stopped !== null) return;
    if (bytes.byteLength > COPY_BYTES) {
      this.writePieces([bytes]);
      return;
    }
    const at = this.#reserve(MAX_HEADER_BYTES + bytes.byteLength);
    const start = writeHeader(this.#batch, at, bytes.byteLength);
    this.#batch.set(bytes, start);
    this.#batchEnd = start + bytes.byteLength;
    this.#queued(this.#batchEnd - at);
  }

  /** A message whose payload is `pieces`, one after the other, uncopied. */
  writePieces(pieces: Uint8Array[]): void {
    if (this.#stopped !== null) return;
    let length = 0;
    for (const piece of pieces) length += piece.byteLength;
    const at = this.#reserve(headerBytes(length));
    this.#batchEnd = writeHeader(this.#batch, at, length);
    this.#closeBatch();
    for (const piece of pieces) this.#outgoing.push(piece);
    this.#outgoingBytes += length;
    this.#queued(this.#batchEnd - at);
  }

  // Where `bytes` more bytes fit in the batch buffer; a new buffer when they do not.
  #reserve(bytes: number): number {
    if (this.#batch.length - this.#batchEnd < bytes) {
      this.#closeBatch();
      this.#batch = Buffer.allocUnsafeSlow(Math.max(BATCH_BYTES, bytes));
      this.#batchStart = 0;
      this.#batchEnd = 0;
    }
    return this.#batchEnd;
  }

  #queued(bytes: number): void {
    this.#outgoingBytes += bytes;
    if (this.#socket !== null) {
      unwritten.add(this);
      if (!exitHooked) {
        exitHooked = true;
        process.once('exit', writeAllNow);
      }
    }
    // A large message leaves now, so the peer starts on it while this side goes on.
    if (this.#outgoingBytes > MERGE_BYTES) {
      this.flush();
    } else if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      // After this turn's reads: a peer that has just closed is seen before
      // we write to it, and a write that fails (EPIPE) cannot take unread
      // messages down with the socket.
      setImmediate(this.#flushLater);
    }
  }

  readonly #flushLater = (): void => {
    if (this.#flushScheduled) this.flush();
  };

  // Moves the batched bytes into #outgoing, keeping messages in order.
  #closeBatch(): void {
    if (this.#batchEnd === this.#batchStart) return;
    this.#outgoing.push(this.#batch.subarray(this.#batchStart, this.#batchEnd));
    this.#batchStart = this.#batchEnd;
  }

  /** Hands what is queued to the socket now. */
  flush(): void {
    this.#flushScheduled = false;
    const socket = this.#socket;
    if (socket === null || this.#stopped !== null) return;
    this.#closeBatch();
    const buffers = this.#outgoing;
    const bytes = this.#outgoingBytes;
    if (buffers.length === 0) return;
    this.#outgoing = [];
    this.#outgoingBytes = 0;
    this.#inFlight += 1;
    if (buffers.length === 1 || bytes <= MERGE_BYTES) {
      socket.write(buffers.length === 1 ? (buffers[0] as Uint8Array) : Buffer.concat(buffers, bytes), this.#written);
    } else {
      // Large payloads are not copied again: one writev for all of them.
      socket.cork();
      buffers.forEach((buffer, i) => socket.write(buffer, i === buffers.length - 1 ? this.#written : undefined));
      socket.uncork();
    }
    // The OS has every byte: the batch starts over rather than growing.
    if (socket.writableLength === 0) {
      this.#batchStart = 0;
      this.#batchEnd = 0;
    }
  }

  readonly #written = (error?: Error | null): void => {
    if (this.#stopped !== null) return;
    this.#inFlight -= 1;
    if (error != null) return; // the socket is going: stop() says why
    if (!this.idle) return;
    unwritten.delete(this);
    for (const waiter of this.#drainWaiters.splice(0)) waiter.resolve();
  };

  /**
   * Writes what is queued with writeSync, retrying while the socket is full
   * until `deadline`. Not while Node still holds part of an earlier write:
   * the two would interleave.
   */
  writeNow(deadline: number): void {
    const socket = this.#socket;
    if (socket === null || this.#stopped !== null || socket.writableLength > 0) return;
    const fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
    if (typeof fd !== 'number' || fd < 0) return;
    this.#closeBatch();
    const buffers = this.#outgoing;
    this.#outgoing = [];
    this.#outgoingBytes = 0;
    for (const buffer of buffers) {
      for (let at = 0; at < buffer.byteLength;) {
        try {
          at += writeSync(fd, buffer, at);
        } catch (error) {
          // The socket is non-blocking: full for now (EAGAIN), or the peer is gone.
          if ((error as NodeJS.ErrnoException).code !== 'EAGAIN' || Date.now() > deadline) return;
          Atomics.wait(sleepOneMs, 0, 0, 1);
        }
      }
    }
  }

  /** Resolves once every byte queued so far has been handed to the OS; rejects if the socket goes first. */
  whenDrained(): Promise<void> {
    this.flush();
    if (this.#stopped !== null) return this.#lost ? Promise.reject(this.#stopped) : Promise.resolve();
    if (this.idle) return Promise.resolve();
    return new Promise((resolve, reject) => this.#drainWaiters.push({ resolve, reject }));
  }

  /** The socket is gone: what is queued is dropped, and so is what comes later. */
  stop(reason: Error): void {
    if (this.#stopped !== null) return;
    this.#stopped = reason;
    this.#lost = !this.idle;
    unwritten.delete(this);
    this.#outgoing = [];
    this.#outgoingBytes = 0;
    this.#batchStart = this.#batchEnd;
    this.#inFlight = 0;
    for (const waiter of this.#drainWaiters.splice(0)) waiter.reject(reason);
  }
}
