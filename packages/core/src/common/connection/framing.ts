import { constants } from 'node:buffer';

// Python's multiprocessing.connection frames each message with its length:
// a 4-byte big-endian signed integer, or -1 and then an 8-byte big-endian
// unsigned integer for a payload over 0x7fffffff bytes.

/** The longest payload a 4-byte header can announce. */
const MAX_SHORT_LENGTH = 0x7fffffff;
const SHORT_HEADER_BYTES = 4;
const LONG_HEADER_BYTES = 12;
/** Longest header: what a writer reserves before it knows the length. */
export const MAX_HEADER_BYTES = LONG_HEADER_BYTES;
/** The longest message this process can hold in one Buffer. */
export const MAX_MESSAGE_BYTES = constants.MAX_LENGTH;

export function headerBytes(length: number): number {
  return length > MAX_SHORT_LENGTH ? LONG_HEADER_BYTES : SHORT_HEADER_BYTES;
}

/** Writes the header of a `length`-byte payload at `at`; returns where it ends. */
export function writeHeader(buffer: Buffer, at: number, length: number): number {
  if (length <= MAX_SHORT_LENGTH) {
    buffer.writeInt32BE(length, at);
    return at + SHORT_HEADER_BYTES;
  }
  buffer.writeInt32BE(-1, at);
  buffer.writeBigUInt64BE(BigInt(length), at + SHORT_HEADER_BYTES);
  return at + LONG_HEADER_BYTES;
}

export function encodeHeader(length: number): Buffer {
  const header = Buffer.allocUnsafe(headerBytes(length));
  writeHeader(header, 0, length);
  return header;
}

/**
 * What a header says: the payload's length (a bigint past 2^53, which no
 * Buffer holds) and the header's size; `null` when its bytes are not all in
 * `data` yet. A negative 4-byte length other than -1 is not a header: its
 * length is then negative.
 */
export function decodeHeader(data: Buffer): { length: number | bigint; bytes: number } | null {
  if (data.length < SHORT_HEADER_BYTES) return null;
  const short = data.readInt32BE(0);
  if (short !== -1) return { length: short, bytes: SHORT_HEADER_BYTES };
  if (data.length < LONG_HEADER_BYTES) return null;
  const long = data.readBigUInt64BE(SHORT_HEADER_BYTES);
  return { length: long <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(long) : long, bytes: LONG_HEADER_BYTES };
}

/** A header the reader refuses: its length, and the most it accepts. */
export interface BadLength {
  length: number | bigint;
  limit: number;
}

/**
 * Turns the bytes read from a socket, in whatever chunks they come, back into
 * messages. A message inside one chunk is a view of it; one spread over
 * several is copied once, when its last byte is in. Nothing is allocated for
 * a length before its bytes arrive: a header announcing more than `limit`
 * stops the reader at once.
 */
export class MessageReader {
  // Chunks read and not yet handed over, the first from #offset on.
  #chunks: Buffer[] = [];
  #offset = 0;
  #buffered = 0;
  // The message being read: its header's size and its length once the header is in.
  #header = 0;
  #length = -1;
  #failed = false;
  readonly #scratch = Buffer.allocUnsafe(LONG_HEADER_BYTES);
  readonly #limit: number;
  readonly #onMessage: (message: Buffer) => void;
  readonly #onBadLength: (bad: BadLength) => void;

  constructor(onMessage: (message: Buffer) => void, onBadLength: (bad: BadLength) => void, limit = MAX_MESSAGE_BYTES) {
    this.#onMessage = onMessage;
    this.#onBadLength = onBadLength;
    this.#limit = limit;
  }

  /** The length the next message announces once its header is in; -1 before. */
  get nextLength(): number {
    return this.#length;
  }

  /** Bytes held of messages not yet whole. */
  get bufferedBytes(): number {
    return this.#buffered;
  }

  /** Removes and returns the bytes held of the message being read, its header included. */
  takeUnread(): Buffer[] {
    const [first, ...rest] = this.#chunks;
    const unread = first === undefined ? [] : [first.subarray(this.#offset), ...rest];
    this.#chunks = [];
    this.#offset = 0;
    this.#buffered = 0;
    this.#length = -1;
    return unread;
  }

  push(chunk: Buffer): void {
    if (this.#failed || chunk.length === 0) return;
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
    while (!this.#failed) {
      if (this.#length < 0 && !this.#readHeader()) return;
      const end = this.#header + this.#length;
      if (this.#buffered < end) return;
      const message = this.#take(end).subarray(this.#header);
      this.#length = -1;
      this.#onMessage(message);
    }
  }

  #readHeader(): boolean {
    const first = this.#chunks[0];
    if (first === undefined) return false;
    const start = first.length - this.#offset >= LONG_HEADER_BYTES ? first.subarray(this.#offset) : this.#peek();
    const header = decodeHeader(start);
    if (header === null) return false;
    const { length } = header;
    if (typeof length === 'bigint' || length < 0 || length > this.#limit) {
      this.#failed = true;
      this.#chunks = [];
      this.#buffered = 0;
      this.#onBadLength({ length, limit: this.#limit });
      return false;
    }
    this.#header = header.bytes;
    this.#length = length;
    return true;
  }

  // The first bytes held (up to a long header's), copied out of the chunks they span.
  #peek(): Buffer {
    let filled = 0;
    let offset = this.#offset;
    for (const chunk of this.#chunks) {
      filled += chunk.copy(this.#scratch, filled, offset);
      offset = 0;
      if (filled === LONG_HEADER_BYTES) break;
    }
    return this.#scratch.subarray(0, filled);
  }

  // Removes the first `bytes` bytes held: a view when one chunk holds them, else one copy.
  #take(bytes: number): Buffer {
    const first = this.#chunks[0] as Buffer;
    this.#buffered -= bytes;
    if (first.length - this.#offset >= bytes) {
      const taken = first.subarray(this.#offset, this.#offset + bytes);
      this.#offset += bytes;
      if (this.#offset === first.length) {
        this.#chunks.shift();
        this.#offset = 0;
      }
      return taken;
    }
    const taken = Buffer.allocUnsafe(bytes);
    let filled = 0;
    let used = 0;
    for (;;) {
      const chunk = this.#chunks[used] as Buffer;
      const copied = chunk.copy(taken, filled, this.#offset, Math.min(chunk.length, this.#offset + bytes - filled));
      filled += copied;
      if (this.#offset + copied < chunk.length) {
        this.#offset += copied;
        break;
      }
      used += 1;
      this.#offset = 0;
      if (filled === bytes) break;
    }
    // One splice for all the chunks used up: a long message spans thousands.
    this.#chunks.splice(0, used);
    return taken;
  }
}
