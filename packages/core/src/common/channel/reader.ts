import type { Part, Payload } from '../codec/values.js';
import { ProcessError } from '../errors.js';
import {
  type CompactReader,
  describeFrameStart,
  FRAME_START_BYTES,
  frameEnd,
  HEAD_START,
  headEnd,
  isCompactHead,
  isFrameStart,
  readCompactHead,
  readCompactParts,
} from './frame.js';
import { releaseRead } from './frame-buffers.js';
import { decodeParts, type PartHead } from './parts.js';

/** Size of the buffer a reader that owns its reads reads into. */
const READ_BYTES = 64 * 1024;
/** Frames up to this size that outgrow a read buffer are read straight into one of their own (bigger ones are merged). */
const FILL_MAX_BYTES = 256 * 1024 * 1024;

/** The peer wrote something that is not procpool's protocol on the channel. */
export class ProtocolError extends ProcessError {}
ProtocolError.prototype.name = 'ProtocolError';

/** A net.Socket's `onread` option: reads into our buffer, bypassing the stream machinery. */
export interface OnRead {
  buffer: () => Uint8Array;
  /** True: keep reading (false would pause the socket). */
  callback: (bytes: number, buffer: Uint8Array) => boolean;
}

export type FrameHandler<Head> = (head: Head, payload: Payload) => void;

/**
 * Turns the bytes read from a socket back into frames, whether they arrive
 * split or batched across reads, copying at most once. Reads come through
 * `receive` (a stream's 'data') or through `reads` (a socket's `onread`).
 */
export class FrameReader<In> {
  /** The `onread` option for a socket read into this reader's own buffer. */
  readonly reads: OnRead;
  // Reads that end in a frame not yet whole, and their total length.
  #unread: Buffer[] = [];
  #unreadBytes = 0;
  #protocolError: ProtocolError | null = null;
  readonly #onFrame: FrameHandler<In>;
  readonly #readCompact: CompactReader<In>;
  readonly #afterFrames: (() => void) | undefined;
  readonly #onProtocolError: () => void;
  // With `onread`: the buffer the next read goes into, and whether something
  // still points into it (a partial frame, a byte array part), which makes
  // the next read go into a new one.
  #readBuffer: Buffer | null = null;
  #readRetained = false;
  // With `onread`: a large frame's own buffer, which the reads of its rest go
  // into (no merge), and how much of it is read.
  #filling: Buffer | null = null;
  #filled = 0;
  // Whether a frame of the current read handed out a view of its bytes.
  #viewsTaken = false;

  /**
   * `afterFrames`: called once the frames of one read have all been handed to
   * onFrame. `onProtocolError`: the bytes read are not frames (see protocolError).
   */
  constructor(
    onFrame: FrameHandler<In>,
    readCompact: CompactReader<In>,
    afterFrames: (() => void) | undefined,
    onProtocolError: () => void,
  ) {
    this.#onFrame = onFrame;
    this.#readCompact = readCompact;
    this.#afterFrames = afterFrames;
    this.#onProtocolError = onProtocolError;
    this.reads = {
      buffer: () => this.#nextReadBuffer(),
      callback: (bytes, buffer) => {
        if (this.#filling !== null) {
          this.#fill(bytes);
          return true;
        }
        this.receive((buffer as Buffer).subarray(0, bytes));
        if (this.#unread.length > 0) this.#readRetained = true;
        this.#startFilling();
        return true;
      },
    };
  }

  /** Why reading stopped, if the peer sent something that is not a frame. */
  get protocolError(): ProtocolError | null {
    return this.#protocolError;
  }

  /** Hands every whole frame read so far to onFrame; keeps the rest for the next read. */
  receive(read: Buffer): void {
    if (this.#protocolError !== null) return;
    this.#unread.push(read);
    this.#unreadBytes += read.length;
    if (this.#unreadBytes < FRAME_START_BYTES) return;
    let first = this.#unread[0] as Buffer;
    if (first.length < FRAME_START_BYTES) first = this.#merge();
    // Wait for the whole frame, unless its start already shows it is not one
    // (the loop below checks every frame it reads).
    if (this.#unreadBytes < frameEnd(first, 0)) {
      this.#checkFrameStart(first, 0);
      return;
    }
    const data = this.#unread.length === 1 ? first : this.#merge();
    this.#viewsTaken = false;
    const onFrame = this.#onFrame;
    let offset = 0;
    while (data.length - offset >= FRAME_START_BYTES && this.#checkFrameStart(data, offset)) {
      const end = frameEnd(data, offset);
      if (end > data.length) break;
      let frame: [In, Payload];
      try {
        frame = this.#decode(data, offset, end);
      } catch (error) {
        this.#fail(`a frame that does not decode (${String(error)})`);
        return;
      }
      offset = end;
      onFrame(frame[0], frame[1]);
    }
    if (this.#protocolError !== null) return;
    const rest = offset === data.length ? null : data.subarray(offset);
    this.#unread = rest === null ? [] : [rest];
    this.#unreadBytes = rest === null ? 0 : rest.length;
    // Every byte read is decoded into values of their own: the buffer can carry the next frame out.
    if (rest === null && data === read && !this.#viewsTaken) releaseRead(read);
    if (offset > 0) this.#afterFrames?.();
  }

  #decode(data: Buffer, offset: number, end: number): [In, Payload] {
    const headStart = offset + HEAD_START;
    const bodyStart = headEnd(data, offset);
    let head: In;
    let partHeads: PartHead[] | undefined;
    if (isCompactHead(data, headStart)) {
      head = readCompactHead(data, headStart, this.#readCompact);
      partHeads = readCompactParts(data, headStart, bodyStart);
    } else {
      const json = JSON.parse(data.toString('utf8', headStart, bodyStart)) as In & { x?: PartHead[] };
      head = json;
      partHeads = json.x;
    }
    let bodyEnd = end;
    let parts: Part[] = [];
    if (partHeads !== undefined) {
      for (const [, length] of partHeads) bodyEnd -= length;
      if (bodyEnd < bodyStart) throw new RangeError('raw parts longer than the frame');
      parts = decodeParts(data, bodyEnd, partHeads);
      // A byte array part is a view of the bytes read: they must stay as they are.
      if (parts.some((part) => part.kind !== 's')) {
        this.#viewsTaken = true;
        if (data.buffer === this.#readBuffer?.buffer) this.#readRetained = true;
      }
    }
    const text = bodyStart === bodyEnd ? '' : data.toString('utf8', bodyStart, bodyEnd);
    return [head, { text, parts }];
  }

  // Checked as soon as a frame's first bytes are in, before waiting for the
  // rest: bytes that are not a frame (something else wrote to the pipe) must
  // not leave the reader waiting for a length that will never arrive.
  #checkFrameStart(data: Buffer, at: number): boolean {
    if (isFrameStart(data, at)) return true;
    this.#fail(`bytes that are not a frame (${describeFrameStart(data, at)})`);
    return false;
  }

  // Whatever else wrote to the pipe, nothing more from it can be trusted:
  // reading stops, and the owner learns why from protocolError.
  #fail(what: string): void {
    this.#protocolError = new ProtocolError(`Something other than procpool wrote to the pipe: ${what}`);
    this.#unread = [];
    this.#unreadBytes = 0;
    this.#onProtocolError();
  }

  // A frame too large for the read buffer, begun and not yet whole: what is
  // read of it moves into a buffer of its size, which the rest is read into.
  #startFilling(): void {
    if (this.#protocolError !== null || this.#unreadBytes < FRAME_START_BYTES) return;
    const first = this.#unread[0] as Buffer;
    const frameBytes = first.length < FRAME_START_BYTES ? null : frameEnd(first, 0);
    if (frameBytes === null || frameBytes - this.#unreadBytes < READ_BYTES || frameBytes > FILL_MAX_BYTES) return;
    const frame = Buffer.allocUnsafeSlow(frameBytes);
    let at = 0;
    for (const read of this.#unread) at += read.copy(frame, at);
    this.#filling = frame;
    this.#filled = at;
    this.#unread = [];
    this.#unreadBytes = 0;
  }

  #fill(bytes: number): void {
    const frame = this.#filling as Buffer;
    this.#filled += bytes;
    if (this.#filled < frame.length) return;
    this.#filling = null;
    this.receive(frame);
  }

  #nextReadBuffer(): Buffer {
    // The rest of a large frame: read in place, never past its end.
    if (this.#filling !== null) return this.#filling.subarray(this.#filled);
    if (this.#readBuffer === null || this.#readRetained) {
      this.#readBuffer = Buffer.allocUnsafeSlow(READ_BYTES);
      this.#readRetained = false;
    }
    return this.#readBuffer;
  }

  #merge(): Buffer {
    const merged = Buffer.concat(this.#unread, this.#unreadBytes);
    this.#unread = [merged];
    return merged;
  }
}
