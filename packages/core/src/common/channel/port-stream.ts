import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import type { MessagePort } from 'node:worker_threads';

import { adoptReceived, ownFrameBuffer, takeSpare } from './frame-buffers.js';

/** Writes from this size on travel as a fresh buffer that is transferred rather than cloned. */
const TRANSFER_BYTES = 16 * 1024;

// Structured clone of a typed-array view copies its whole ArrayBuffer (the
// batch writer's is 64 KiB): every message is an exact-size copy of its own.
const exactCopy = (bytes: Uint8Array): Uint8Array => Uint8Array.prototype.slice.call(bytes);

/**
 * The part of a Duplex that Channel and BatchWriter use, over a MessagePort:
 * each write (or corked run of writes) leaves as one Uint8Array message, read
 * back as one 'data' event. A thread's pool channel (docs/threads.md): batching
 * is what makes a port fast, not the carrier (threadpool-design.md, 1a–1c).
 */
class PortStream extends EventEmitter {
  readonly #port: MessagePort;
  #corked = false;
  #held: Uint8Array[] = [];
  #heldBytes = 0;
  // A port's messages are whole: nothing ever waits in it to be written.
  readonly writableLength = 0;

  constructor(port: MessagePort) {
    super();
    this.#port = port;
    port.on('message', (bytes: Uint8Array) => {
      if (bytes.byteLength >= TRANSFER_BYTES) adoptReceived(bytes.buffer); // the reader may make it the spare
      this.emit('data', Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    });
    port.on('close', () => this.emit('close'));
  }

  #post(pieces: readonly Uint8Array[], bytes: number): void {
    const only = pieces.length === 1 ? (pieces[0] as Uint8Array) : null;
    const own = only === null ? null : ownFrameBuffer(only);
    if (own !== null) {
      this.#port.postMessage(only, [own]); // a large string's frame, which nothing else holds: not copied
      return;
    }
    if (only !== null && bytes < TRANSFER_BYTES) {
      this.#port.postMessage(exactCopy(only)); // cloning a small copy beats transferring it
      return;
    }
    // Every byte is written below: zeroing a new buffer first cost more than the copy.
    const out = takeSpare(bytes) ?? Buffer.allocUnsafeSlow(bytes);
    let at = 0;
    for (const piece of pieces) {
      out.set(piece, at);
      at += piece.byteLength;
    }
    this.#port.postMessage(out, [out.buffer]);
  }

  write(data: Uint8Array, done?: () => void): boolean {
    if (this.#corked) {
      this.#held.push(data);
      this.#heldBytes += data.byteLength;
    } else {
      this.#post([data], data.byteLength);
    }
    // Posted is delivered (or the peer is gone, which 'close' says): nothing to wait for.
    if (done !== undefined) queueMicrotask(done);
    return true;
  }

  cork(): void {
    this.#corked = true;
  }

  uncork(): void {
    this.#corked = false;
    const held = this.#held;
    const bytes = this.#heldBytes;
    this.#held = [];
    this.#heldBytes = 0;
    if (held.length > 0) this.#post(held, bytes);
  }

  destroy(): void {
    this.#port.close();
  }
}

/** `port` as the stream a Channel is attached to (read through 'data' events: `reads: 'stream'`). */
export function portStream(port: MessagePort): Duplex {
  return new PortStream(port) as unknown as Duplex;
}
