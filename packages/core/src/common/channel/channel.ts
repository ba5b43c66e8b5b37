import type { Duplex } from 'node:stream';

import { NO_PAYLOAD, type Payload } from '../codec/values.js';
import { BatchWriter } from './batch-writer.js';
import { type CompactReader, encodeFrame } from './frame.js';
import { FrameReader, type FrameHandler, type OnRead, type ProtocolError } from './reader.js';

export { encodeFrame } from './frame.js';
export { type OnRead, ProtocolError } from './reader.js';

/** Makes the channel's socket, given the `onread` option to create it with. */
type SocketWithReads = (onread: OnRead) => Duplex;

const noCompact = (kind: number): never => {
  throw new Error(`Unexpected compact frame of kind ${kind}`);
};

/**
 * A framed duplex pipe (the frame format is in frame.ts). Frames sent in one
 * event-loop turn leave in one write (BatchWriter); frames arriving split or
 * batched across reads are reassembled without copying more than once (FrameReader).
 */
export class Channel<In, Out> {
  #socket: Duplex | null = null;
  /** The `onread` option a socket for this channel is created with (see attach). */
  readonly reads: OnRead;
  readonly #writer = new BatchWriter();
  readonly #reader: FrameReader<In>;
  readonly #onClose: () => void;

  /**
   * `socket`: a Duplex, read through its 'data' events; or a function that
   * creates a net.Socket with the `onread` option it is given, which the
   * channel then reads into its own buffer, keeping Node's stream machinery
   * out of every read; or null, for a socket attached later. Frames sent
   * before then wait.
   */
  constructor(
    socket: Duplex | SocketWithReads | null,
    onFrame: FrameHandler<In>,
    onClose: () => void,
    readCompact: CompactReader<In> = noCompact,
    /** Called once the frames of one read have all been handed to onFrame. */
    afterFrames?: () => void,
  ) {
    this.#onClose = onClose;
    this.#reader = new FrameReader(onFrame, readCompact, afterFrames, () => this.destroy());
    this.reads = this.#reader.reads;
    if (typeof socket === 'function') this.attach(socket(this.reads), 'onread');
    else if (socket !== null) this.attach(socket, 'stream');
  }

  /**
   * Starts using `socket`: one created with this channel's `reads` as its
   * `onread` option, or a stream read through 'data' events. Frames sent
   * until now leave at once.
   */
  attach(socket: Duplex, reads: 'onread' | 'stream'): void {
    this.#socket = socket;
    if (reads === 'stream') {
      const reader = this.#reader;
      socket.on('data', (read: Buffer) => reader.receive(read));
    }
    socket.on('error', () => {
      // The peer died mid-write (EPIPE/ECONNRESET); 'close' follows and says so.
    });
    socket.on('close', () => {
      this.#writer.socketClosed();
      this.#onClose();
    });
    this.#writer.attach(socket);
  }

  get closed(): boolean {
    return this.#writer.closed;
  }

  /** Bytes of all the frames sent so far: a frame that ended at byte N of them was written once N <= bytesWritten. */
  get bytesQueued(): number {
    return this.#writer.bytesQueued;
  }

  /** Bytes of the frames handed to the socket: frames sent after the socket closed, or after endWrites, are not. */
  get bytesWritten(): number {
    return this.#writer.bytesWritten;
  }

  /**
   * Writes nothing more: frames not yet handed to the socket are dropped, and
   * so is anything sent from now on. Reading goes on until the peer closes.
   * (A write to a peer that has gone fails, and Node then closes the socket
   * at once: the peer's last frames, still unread, would be lost with it.)
   */
  endWrites(): void {
    this.#writer.endWrites();
  }

  /** Why this side closed the channel, if the peer sent something that is not a frame. */
  get protocolError(): ProtocolError | null {
    return this.#reader.protocolError;
  }

  /** Nothing queued here or in the socket: a synchronous write now would not interleave. */
  get idle(): boolean {
    return this.#writer.idle;
  }

  send(head: Out, payload: Payload = NO_PAYLOAD): void {
    const writer = this.#writer;
    if (!writer.open) return;
    if (payload.parts.length === 0) writer.append(JSON.stringify(head), payload.text, 0, 0, 0);
    else writer.queue(encodeFrame(head, payload));
    writer.flushSoon();
  }

  /**
   * Sends a message with a compact head: the peer's CompactReader turns it
   * back into one. `now`: written at once with whatever is queued, not at the
   * end of this turn (nothing else is coming).
   */
  sendCompact(kind: number, id: number, value: number, payload: Payload = NO_PAYLOAD, now = false): void {
    const writer = this.#writer;
    if (!writer.open) return;
    if (payload.parts.length === 0) writer.append(null, payload.text, kind, id, value);
    else writer.queue(encodeFrame(null, payload, { kind, id, value }));
    if (now) writer.flush();
    else writer.flushSoon();
  }

  /** Writes what is queued now; `done` runs once the OS has taken it. */
  flush(done?: () => void): void {
    this.#writer.flush(done);
  }

  destroy(): void {
    this.#socket?.destroy();
  }
}
