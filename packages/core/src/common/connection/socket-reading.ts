import type net from 'node:net';

import type { OnRead } from '../channel/channel.js';

// The libuv handle under a net.Socket. Node's own pause() stops it only for
// sockets made with `onread`; for the others it reads on until the stream's
// buffer is full, and a Connection passed to a child must read nothing more.
interface StreamHandle {
  reading?: boolean;
  readStart?(): number;
  readStop?(): number;
}

const handleOf = (socket: net.Socket): StreamHandle | undefined =>
  (socket as unknown as { _handle?: StreamHandle | null })._handle ?? undefined;

/**
 * Stops reading `socket` now: what Node has buffered is emitted as 'data'
 * first, then the handle stops, as Node's pause() does for `onread` sockets
 * (`ownReads`: one of those, which buffers nothing).
 */
export function stopReading(socket: net.Socket, ownReads: boolean): void {
  socket.pause();
  if (ownReads) return;
  while (socket.read() !== null);
  const handle = handleOf(socket);
  if (handle?.reading === true && typeof handle.readStop === 'function') {
    handle.reading = false;
    handle.readStop();
  }
}

/** Undoes stopReading(). */
export function startReading(socket: net.Socket): void {
  const handle = handleOf(socket);
  if (handle?.reading === false && typeof handle.readStart === 'function' && !socket.connecting) {
    handle.reading = true;
    handle.readStart();
  }
  socket.resume();
}

/** Where a socket read through SocketReads delivers, once bound. */
interface ReadSink {
  /** The rest of the message being read, for the next read to go straight there; or null. */
  fillSpace(): Buffer | null;
  /** `bytes` were read into `buffer` from its start, which fillSpace() gave if `filling`. False stops reading. */
  read(buffer: Buffer, bytes: number, filling: boolean): boolean;
}

/** Each read goes into the unused rest of one slab while this much of it is left. */
const SLAB_BYTES = 64 * 1024;
const MIN_READ_BYTES = 16 * 1024;

/**
 * A socket's `onread` option for a Connection, which then reads without
 * Node's stream machinery or its per-read copy: the rest of a long message
 * straight into that message's own buffer (as CPython does), anything else
 * into successive unused parts of a slab, which the messages read there view
 * (no byte is ever read over). Made before the socket, bound to its reader
 * once the Connection has it; what is read before then waits.
 */
export class SocketReads {
  readonly onread: OnRead;
  #sink: ReadSink | null = null;
  #early: Buffer[] = [];
  // Node asks for the first read's buffer as the socket is made; that read may
  // never come (a Pipe end passed to a child), so it gets a smaller one.
  #slab = Buffer.allocUnsafeSlow(MIN_READ_BYTES);
  #used = 0;

  constructor() {
    this.onread = {
      buffer: () => this.#nextBuffer(),
      callback: (bytes, buffer) => this.#read(bytes, buffer as Buffer),
    };
  }

  bind(sink: ReadSink): void {
    this.#sink = sink;
    for (const chunk of this.#early.splice(0)) sink.read(chunk, chunk.length, false);
  }

  #nextBuffer(): Buffer {
    const space = this.#sink?.fillSpace() ?? null;
    if (space !== null) return space;
    if (this.#slab.length - this.#used < MIN_READ_BYTES) {
      this.#slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
      this.#used = 0;
    }
    return this.#slab.subarray(this.#used);
  }

  #read(bytes: number, buffer: Buffer): boolean {
    const inSlab = buffer.buffer === this.#slab.buffer;
    if (inSlab) this.#used += bytes;
    const sink = this.#sink;
    if (sink === null) {
      this.#early.push(buffer.subarray(0, bytes));
      return true;
    }
    return sink.read(buffer, bytes, !inSlab);
  }
}
