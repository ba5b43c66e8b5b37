import type { Duplex } from 'node:stream';

// Frame: u32le length of the rest | u32le head length | head (JSON) | body (UTF-8).
const PREFIX = 4;

export type FrameHandler<Head> = (head: Head, body: string) => void;

/** One frame as bytes. */
export function encodeFrame(head: unknown, body = ''): Buffer {
  const headText = JSON.stringify(head);
  const headBytes = Buffer.byteLength(headText);
  const bodyBytes = body === '' ? 0 : Buffer.byteLength(body);
  const frame = Buffer.allocUnsafe(PREFIX * 2 + headBytes + bodyBytes);
  frame.writeUInt32LE(PREFIX + headBytes + bodyBytes, 0);
  frame.writeUInt32LE(headBytes, PREFIX);
  frame.write(headText, PREFIX * 2, 'utf8');
  if (bodyBytes > 0) frame.write(body, PREFIX * 2 + headBytes, 'utf8');
  return frame;
}

/**
 * A framed duplex pipe. Frames sent in one event-loop turn leave in one write;
 * frames arriving split or batched across reads are reassembled without
 * copying more than once.
 */
export class Channel<In, Out> {
  readonly #socket: Duplex;
  #outgoing: Buffer[] = [];
  #flushScheduled = false;
  #parts: Buffer[] = [];
  #size = 0;
  #closed = false;

  constructor(socket: Duplex, onFrame: FrameHandler<In>, onClose: () => void) {
    this.#socket = socket;
    socket.on('data', (chunk: Buffer) => this.#receive(chunk, onFrame));
    socket.on('error', () => {
      // The peer died mid-write (EPIPE/ECONNRESET); 'close' follows and says so.
    });
    socket.on('close', () => {
      this.#closed = true;
      onClose();
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Nothing queued here or in the socket: a synchronous write now would not interleave. */
  get idle(): boolean {
    return this.#outgoing.length === 0 && this.#socket.writableLength === 0;
  }

  send(head: Out, body = ''): void {
    if (this.#closed) return;
    this.#outgoing.push(encodeFrame(head, body));
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      process.nextTick(() => this.flush());
    }
  }

  /** Writes what is queued now; `done` runs once the OS has taken it. */
  flush(done?: () => void): void {
    this.#flushScheduled = false;
    const frames = this.#outgoing;
    this.#outgoing = [];
    if (this.#closed || frames.length === 0) {
      done?.();
      return;
    }
    const data = frames.length === 1 ? (frames[0] as Buffer) : Buffer.concat(frames);
    this.#socket.write(data, () => done?.());
  }

  ref(): void {
    (this.#socket as Duplex & { ref?: () => void }).ref?.();
  }

  unref(): void {
    (this.#socket as Duplex & { unref?: () => void }).unref?.();
  }

  destroy(): void {
    this.#socket.destroy();
  }

  #receive(chunk: Buffer, onFrame: FrameHandler<In>): void {
    this.#parts.push(chunk);
    this.#size += chunk.length;
    if (this.#size < PREFIX) return;
    let first = this.#parts[0] as Buffer;
    if (first.length < PREFIX) first = this.#merge();
    if (this.#size < first.readUInt32LE(0) + PREFIX) return; // wait for the whole frame
    const data = this.#parts.length === 1 ? first : this.#merge();
    let offset = 0;
    while (data.length - offset >= PREFIX) {
      const end = offset + PREFIX + data.readUInt32LE(offset);
      if (end > data.length) break;
      const headEnd = offset + PREFIX * 2 + data.readUInt32LE(offset + PREFIX);
      const head = JSON.parse(data.toString('utf8', offset + PREFIX * 2, headEnd)) as In;
      const body = headEnd === end ? '' : data.toString('utf8', headEnd, end);
      offset = end;
      onFrame(head, body);
    }
    const rest = offset === data.length ? null : data.subarray(offset);
    this.#parts = rest === null ? [] : [rest];
    this.#size = rest === null ? 0 : rest.length;
  }

  #merge(): Buffer {
    const merged = Buffer.concat(this.#parts, this.#size);
    this.#parts = [merged];
    return merged;
  }
}
