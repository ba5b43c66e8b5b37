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

/** Messages from this size on may be copied into their own buffer as their bytes arrive (see `fillable`). */
const FILL_MIN_BYTES = 64 * 1024;

/**
 * Turns the bytes read from a socket, in whatever chunks they come, back into
 * messages. A message inside one chunk is a view of it; one spread over
 * several is copied once: into a buffer of its length as its bytes arrive
 * (while they are in the cache) when `fillable(length)` allows that buffer,
 * else all at once when its last byte is in. A header announcing more than
 * `limit` stops the reader at once, before anything is allocated for it.
 */
export class MessageReader {
  // Chunks read and not yet handed over, the first from #offset on.
  #chunks: Buffer[] = [];
  #offset = 0;
  #buffered = 0;
  // The message being read: its header's size and its length once the header is in.
  #header = 0;
  #length = -1;
  // The buffer the message being read is copied into as it arrives, and how much of it is in.
  #target: Buffer | null = null;
  #filled = 0;
  // The rest of #target last offered to a read that goes straight there (fillSpace).
  #space: Buffer | null = null;
  #failed = false;
  readonly #scratch = Buffer.allocUnsafe(LONG_HEADER_BYTES);
  readonly #limit: number;
  readonly #onMessage: (message: Buffer) => void;
  readonly #onBadLength: (bad: BadLength) => void;
  readonly #fillable: (length: number) => boolean;

  constructor(
    onMessage: (message: Buffer) => void,
    onBadLength: (bad: BadLength) => void,
    limit = MAX_MESSAGE_BYTES,
    fillable: (length: number) => boolean = () => false,
  ) {
    this.#onMessage = onMessage;
    this.#onBadLength = onBadLength;
    this.#limit = limit;
    this.#fillable = fillable;
  }

  /** The length the next message announces once its header is in; -1 before. */
  get nextLength(): number {
    return this.#length;
  }

  /** Bytes held of messages not yet whole. */
  get bufferedBytes(): number {
    return this.#buffered + this.#filled;
  }

  /**
   * The rest of the buffer the message being read is filled into, for a read
   * to go straight there (no copy); then `pushFilled` says how much came.
   * Null when no message is being filled.
   */
  fillSpace(): Buffer | null {
    const target = this.#target;
    if (target === null || this.#failed) return null;
    this.#space = target.subarray(this.#filled);
    return this.#space;
  }

  /** `bytes` were read into `space`, which fillSpace() returned. */
  pushFilled(space: Buffer, bytes: number): void {
    if (space !== this.#space) {
      // Offered before takeUnread() or a failure: those bytes are just bytes now.
      this.push(space.subarray(0, bytes));
      return;
    }
    this.#space = null;
    const target = this.#target as Buffer;
    this.#filled += bytes;
    if (this.#filled === target.length) this.#deliverTarget(target);
  }

  // The message being filled is whole: the next header starts now.
  #deliverTarget(target: Buffer): void {
    this.#target = null;
    this.#filled = 0;
    this.#length = -1;
    this.#onMessage(target);
  }

  /** Removes and returns the bytes held of the message being read, its header included. */
  takeUnread(): Buffer[] {
    const [first, ...rest] = this.#chunks;
    const unread = first === undefined ? [] : [first.subarray(this.#offset), ...rest];
    if (this.#target !== null) unread.unshift(encodeHeader(this.#length), this.#target.subarray(0, this.#filled));
    this.#chunks = [];
    this.#offset = 0;
    this.#buffered = 0;
    this.#length = -1;
    this.#target = null;
    this.#filled = 0;
    this.#space = null;
    return unread;
  }

  push(read: Buffer): void {
    if (this.#failed || read.length === 0) return;
    let chunk = read;
    if (this.#target !== null) {
      const target = this.#target;
      this.#space = null;
      const copied = chunk.copy(target, this.#filled, 0, Math.min(chunk.length, target.length - this.#filled));
      this.#filled += copied;
      if (this.#filled < target.length) return;
      this.#deliverTarget(target);
      if (copied === chunk.length || this.#failed) return;
      chunk = chunk.subarray(copied);
    }
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
    while (!this.#failed) {
      if (this.#length < 0 && !this.#readHeader()) return;
      const end = this.#header + this.#length;
      if (this.#buffered < end) {
        if (this.#length >= FILL_MIN_BYTES && this.#fillable(this.#length)) this.#startFilling();
        return;
      }
      const message = this.#take(end).subarray(this.#header);
      this.#length = -1;
      this.#onMessage(message);
    }
  }

  // The message's own buffer takes the bytes held of it, and those to come.
  #startFilling(): void {
    let target: Buffer;
    try {
      target = Buffer.allocUnsafe(this.#length);
    } catch {
      return; // out of memory for it at once: its bytes are gathered as they come instead
    }
    this.#take(this.#header);
    let filled = 0;
    for (const chunk of this.#chunks) {
      filled += chunk.copy(target, filled, this.#offset);
      this.#offset = 0;
    }
    this.#chunks = [];
    this.#buffered = 0;
    this.#filled = filled;
    this.#target = target;
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
