import type { Duplex } from 'node:stream';

import { NO_PAYLOAD, type Part, type Payload } from '../codec/values.js';

// Frame: u32le length of the rest | u32le head length | head | body (UTF-8)
// | parts: raw bytes of large strings and byte arrays.
// A head is JSON (it starts with `{`), its parts listed as `x`; or, for the hot
// messages (tasks and answers), compact: u8 kind (1–31) | f64le id | u32le value
// | per part, u8 kind | u32le length. A compact head costs no JSON on either side.
const PREFIX = 4;
const COMPACT_BYTES = 13;
const PART_BYTES = 5;
/** The bytes of a frame's start that say whether it is one: both lengths and the head's first byte. */
const FRAME_START = PREFIX * 2 + 1;

/** The peer wrote something that is not procpool's protocol on the channel. */
export class ProtocolError extends Error {}
ProtocolError.prototype.name = 'ProtocolError';
/** Frames up to this size are merged into one buffer before writing; larger ones go as they are. */
const MERGE_BYTES = 64 * 1024;
/** Size of the buffers small frames are written into. */
const BATCH_BYTES = 64 * 1024;
/** Size of the buffer a channel that owns its reads reads into. */
const READ_BYTES = 64 * 1024;

/** A net.Socket's `onread` option: reads into our buffer, bypassing the stream machinery. */
export interface OnRead {
  buffer: () => Uint8Array;
  /** True: keep reading (false would pause the socket). */
  callback: (bytes: number, buffer: Uint8Array) => boolean;
}
/** Makes the channel's socket, given the `onread` option to create it with. */
export type SocketWithReads = (onread: OnRead) => Duplex;

export type FrameHandler<Head> = (head: Head, payload: Payload) => void;
/** Builds the message a compact head stands for. */
export type CompactReader<Head> = (kind: number, id: number, value: number) => Head;
/** A part's kind on the wire: the codec's kinds, and `a` for a string sent as ASCII. */
type WireKind = Part['kind'] | 'a';
const NO_RAW: readonly Uint8Array[] = [];
const NO_KINDS: ReadonlyArray<[WireKind, number]> = [];

// Node's UTF-8 decoder takes ~1.5 ms per MiB even for ASCII, its latin1 one
// ~0.25 ms: an all-ASCII string (one byte per character in UTF-8) goes as
// latin1, which is the same bytes, and is read back as latin1.
function isAscii(text: string): boolean {
  return Buffer.byteLength(text, 'utf8') === text.length;
}

function partBytes(part: Part): Uint8Array {
  if (part.kind !== 's') return part.value;
  return Buffer.from(part.value, isAscii(part.value) ? 'latin1' : 'utf8');
}

function wireKind(part: Part, bytes: Uint8Array): WireKind {
  return part.kind === 's' && bytes.byteLength === part.value.length ? 'a' : part.kind;
}

/** A compact head (see the frame layout above). */
export interface Compact {
  kind: number;
  id: number;
  value: number;
}

/** One frame as buffers: the head and body, then each part uncopied (strings encoded once). */
export function encodeFrame(head: unknown, payload: Payload = NO_PAYLOAD, compact?: Compact): Uint8Array[] {
  const { text, parts } = payload;
  // Almost every frame has no raw parts: no arrays to build for them.
  const raw = parts.length === 0 ? NO_RAW : parts.map(partBytes);
  const kinds = raw.map((bytes, i): [WireKind, number] => [wireKind(parts[i] as Part, bytes), bytes.byteLength]);
  const headText =
    compact !== undefined ? '' : JSON.stringify(raw.length === 0 ? head : { ...(head as object), x: kinds });
  const headBytes = compact === undefined ? Buffer.byteLength(headText) : COMPACT_BYTES + PART_BYTES * kinds.length;
  const bodyBytes = text === '' ? 0 : Buffer.byteLength(text);
  let rest = PREFIX + headBytes + bodyBytes;
  for (const bytes of raw) rest += bytes.byteLength;
  const frame = Buffer.allocUnsafe(PREFIX * 2 + headBytes + bodyBytes);
  frame.writeUInt32LE(rest, 0);
  frame.writeUInt32LE(headBytes, PREFIX);
  if (compact === undefined) frame.write(headText, PREFIX * 2, 'utf8');
  else writeCompact(frame, PREFIX * 2, compact.kind, compact.id, compact.value, kinds);
  if (bodyBytes > 0) frame.write(text, PREFIX * 2 + headBytes, 'utf8');
  return raw.length === 0 ? [frame] : [frame, ...raw];
}

function writeCompact(
  frame: Buffer,
  at: number,
  kind: number,
  id: number,
  value: number,
  parts: ReadonlyArray<[WireKind, number]>,
): void {
  frame[at] = kind;
  frame.writeDoubleLE(id, at + 1);
  frame.writeUInt32LE(value, at + 9);
  parts.forEach(([partKind, length], i) => {
    frame[at + COMPACT_BYTES + PART_BYTES * i] = partKind.charCodeAt(0);
    frame.writeUInt32LE(length, at + COMPACT_BYTES + PART_BYTES * i + 1);
  });
}

function readCompactParts(data: Buffer, start: number, end: number): Array<[WireKind, number]> {
  const kinds: Array<[WireKind, number]> = [];
  for (let at = start + COMPACT_BYTES; at < end; at += PART_BYTES) {
    kinds.push([String.fromCharCode(data[at] as number) as WireKind, data.readUInt32LE(at + 1)]);
  }
  return kinds;
}

const noCompact = (kind: number): never => {
  throw new Error(`Unexpected compact frame of kind ${kind}`);
};

function decodeParts(data: Buffer, start: number, kinds: Array<[WireKind, number]>): Part[] {
  let offset = start;
  return kinds.map(([kind, length]) => {
    const end = offset + length;
    const part: Part =
      kind === 's' || kind === 'a'
        ? { kind: 's', value: data.toString(kind === 'a' ? 'latin1' : 'utf8', offset, end) }
        : kind === 'b'
          ? { kind, value: data.subarray(offset, end) }
          : { kind, value: new Uint8Array(data.buffer, data.byteOffset + offset, length) };
    offset = end;
    return part;
  });
}

/**
 * A framed duplex pipe. Frames sent in one event-loop turn leave in one write;
 * frames arriving split or batched across reads are reassembled without
 * copying more than once.
 */
export class Channel<In, Out> {
  #socket: Duplex | null = null;
  /** The `onread` option a socket for this channel is created with (see attach). */
  readonly reads: OnRead;
  #outgoing: Uint8Array[] = [];
  #outgoingBytes = 0;
  #flushScheduled = false;
  readonly #flushLater = (): void => this.flush();
  // Small frames are written straight into this buffer, one after the other;
  // the bytes from #batchStart to #batchEnd are queued but not yet in #outgoing.
  // Bytes already handed to the socket are never written over.
  #batch = Buffer.allocUnsafeSlow(BATCH_BYTES);
  #batchStart = 0;
  #batchEnd = 0;
  #parts: Buffer[] = [];
  #size = 0;
  #closed = false;
  #writesEnded = false;
  #protocolError: ProtocolError | null = null;
  // Bytes of frames queued, and of those handed to the socket: a frame that
  // ended at queued byte N was written once N <= #bytesWritten.
  #bytesQueued = 0;
  #bytesWritten = 0;
  readonly #onFrame: FrameHandler<In>;
  readonly #onClose: () => void;

  readonly #readCompact: CompactReader<In>;
  readonly #afterFrames: (() => void) | undefined;
  // With `onread`: the buffer the next read goes into, and whether something
  // still points into it (a partial frame, a byte array part), which makes
  // the next read go into a new one.
  #readBuffer: Buffer | null = null;
  #readRetained = false;

  /**
   * `socket`: a Duplex, read through its 'data' events; or a function that
   * creates a net.Socket with the `onread` option it is given, which the
   * channel then reads into its own buffer: Node's stream machinery stays
   * out of every read (~8 µs per message on this machine's sleeping CPUs);
   * or null, for a socket attached later. Frames sent before then wait.
   */
  constructor(
    socket: Duplex | SocketWithReads | null,
    onFrame: FrameHandler<In>,
    onClose: () => void,
    readCompact: CompactReader<In> = noCompact,
    /** Called once the frames of one read have all been handed to onFrame. */
    afterFrames?: () => void,
  ) {
    this.#readCompact = readCompact;
    this.#afterFrames = afterFrames;
    this.#onFrame = onFrame;
    this.#onClose = onClose;
    this.reads = {
      buffer: () => this.#nextReadBuffer(),
      callback: (bytes, buffer) => {
        this.#receive((buffer as Buffer).subarray(0, bytes), onFrame);
        if (this.#parts.length > 0) this.#readRetained = true;
        return true;
      },
    };
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
    if (reads === 'stream') socket.on('data', (chunk: Buffer) => this.#receive(chunk, this.#onFrame));
    socket.on('error', () => {
      // The peer died mid-write (EPIPE/ECONNRESET); 'close' follows and says so.
    });
    socket.on('close', () => {
      this.#closed = true;
      this.#onClose();
    });
    this.flush();
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Bytes of all the frames sent so far (see #bytesQueued). */
  get bytesQueued(): number {
    return this.#bytesQueued;
  }

  /** Bytes of the frames handed to the socket: frames sent after the socket closed, or after endWrites, are not. */
  get bytesWritten(): number {
    return this.#bytesWritten;
  }

  /**
   * Writes nothing more: frames not yet handed to the socket are dropped, and
   * so is anything sent from now on. Reading goes on until the peer closes.
   * (A write to a peer that has gone fails, and Node then closes the socket
   * at once: the peer's last frames, still unread, would be lost with it.)
   */
  endWrites(): void {
    this.#writesEnded = true;
    this.#outgoing = [];
    this.#outgoingBytes = 0;
    this.#batchStart = this.#batchEnd;
  }

  /** Why this side closed the channel, if the peer sent something that is not a frame. */
  get protocolError(): ProtocolError | null {
    return this.#protocolError;
  }

  /** Nothing queued here or in the socket: a synchronous write now would not interleave. */
  get idle(): boolean {
    return this.#outgoingBytes === 0 && (this.#socket === null || this.#socket.writableLength === 0);
  }

  send(head: Out, payload: Payload = NO_PAYLOAD): void {
    if (this.#closed || this.#writesEnded) return;
    if (payload.parts.length === 0) this.#append(JSON.stringify(head), payload.text);
    else this.#queue(encodeFrame(head, payload));
    this.#sent();
  }

  /**
   * Sends a message with a compact head: the peer's CompactReader turns it
   * back into one. `now`: written at once with whatever is queued, not at the
   * end of this turn (nothing else is coming).
   */
  sendCompact(kind: number, id: number, value: number, payload: Payload = NO_PAYLOAD, now = false): void {
    if (this.#closed || this.#writesEnded) return;
    if (payload.parts.length === 0) this.#append(null, payload.text, kind, id, value);
    else this.#queue(encodeFrame(null, payload, { kind, id, value }));
    if (now) this.flush();
    else this.#sent();
  }

  #queue(chunks: Uint8Array[]): void {
    this.#closeBatch();
    for (const chunk of chunks) {
      this.#outgoing.push(chunk);
      this.#outgoingBytes += chunk.byteLength;
      this.#bytesQueued += chunk.byteLength;
    }
  }

  #sent(): void {
    // Batching ends at MERGE_BYTES: a big frame leaves now, so the peer starts
    // on it while this side encodes the next one.
    if (this.#outgoingBytes > MERGE_BYTES) {
      this.flush();
      return;
    }
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      process.nextTick(this.#flushLater);
    }
  }

  // Head and body written in place: UTF-8 takes at most 3 bytes per UTF-16 unit,
  // so a frame that fits in the worst case is written without measuring it first.
  // A null head is a compact one (kind, id, value).
  #append(headText: string | null, text: string, kind = 0, id = 0, value = 0): void {
    const room = this.#batch.length - this.#batchEnd;
    const headChars = headText === null ? COMPACT_BYTES : headText.length * 3;
    if (PREFIX * 2 + headChars + text.length * 3 > room) {
      const headBytes = headText === null ? COMPACT_BYTES : Buffer.byteLength(headText);
      const exact = PREFIX * 2 + headBytes + Buffer.byteLength(text);
      if (exact > room) {
        this.#closeBatch();
        this.#batch = Buffer.allocUnsafeSlow(Math.max(BATCH_BYTES, exact));
        this.#batchStart = 0;
        this.#batchEnd = 0;
      }
    }
    const batch = this.#batch;
    const at = this.#batchEnd;
    let headBytes = COMPACT_BYTES;
    if (headText === null) writeCompact(batch, at + PREFIX * 2, kind, id, value, NO_KINDS);
    else headBytes = batch.write(headText, at + PREFIX * 2, 'utf8');
    const bodyBytes = text === '' ? 0 : batch.write(text, at + PREFIX * 2 + headBytes, 'utf8');
    batch.writeUInt32LE(PREFIX + headBytes + bodyBytes, at);
    batch.writeUInt32LE(headBytes, at + PREFIX);
    this.#batchEnd = at + PREFIX * 2 + headBytes + bodyBytes;
    this.#outgoingBytes += PREFIX * 2 + headBytes + bodyBytes;
    this.#bytesQueued += PREFIX * 2 + headBytes + bodyBytes;
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
    const chunks = this.#outgoing;
    const bytes = this.#outgoingBytes;
    this.#outgoing = [];
    this.#outgoingBytes = 0;
    if (this.#closed || chunks.length === 0) {
      done?.();
      return;
    }
    this.#bytesWritten += bytes;
    if (chunks.length === 1 || bytes <= MERGE_BYTES) {
      const data = chunks.length === 1 ? (chunks[0] as Uint8Array) : Buffer.concat(chunks, bytes);
      if (done === undefined) socket.write(data);
      else socket.write(data, () => done());
    } else {
      // Large payloads are not copied again: one writev for all of them.
      socket.cork();
      chunks.forEach((chunk, i) => socket.write(chunk, i === chunks.length - 1 ? () => done?.() : undefined));
      socket.uncork();
    }
    // Nothing left in the socket: the OS has every byte, so the batch buffer
    // starts over. One message at a time then never reaches the buffer's end,
    // whose rarely run code had cost A a deoptimization of the whole send
    // path (inlined together) every ~3 000 messages, right in its measurement.
    if (socket.writableLength === 0) {
      this.#batchStart = 0;
      this.#batchEnd = 0;
    }
  }

  destroy(): void {
    this.#socket?.destroy();
  }

  #receive(chunk: Buffer, onFrame: FrameHandler<In>): void {
    if (this.#protocolError !== null) return;
    this.#parts.push(chunk);
    this.#size += chunk.length;
    if (this.#size < FRAME_START) return;
    let first = this.#parts[0] as Buffer;
    if (first.length < FRAME_START) first = this.#merge();
    // Wait for the whole frame, unless its start already shows it is not one
    // (the loop below checks every frame it reads).
    if (this.#size < first.readUInt32LE(0) + PREFIX) {
      this.#isFrameStart(first, 0);
      return;
    }
    const data = this.#parts.length === 1 ? first : this.#merge();
    let offset = 0;
    while (data.length - offset >= FRAME_START && this.#isFrameStart(data, offset)) {
      const end = offset + PREFIX + data.readUInt32LE(offset);
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
    this.#parts = rest === null ? [] : [rest];
    this.#size = rest === null ? 0 : rest.length;
    if (offset > 0) this.#afterFrames?.();
  }

  #decode(data: Buffer, offset: number, end: number): [In, Payload] {
    const headStart = offset + PREFIX * 2;
    const headEnd = headStart + data.readUInt32LE(offset + PREFIX);
    let head: In;
    let kinds: Array<[WireKind, number]> | undefined;
    if ((data[headStart] as number) < 0x20) {
      head = this.#readCompact(
        data[headStart] as number,
        data.readDoubleLE(headStart + 1),
        data.readUInt32LE(headStart + 9),
      );
      if (headEnd > headStart + COMPACT_BYTES) kinds = readCompactParts(data, headStart, headEnd);
    } else {
      const json = JSON.parse(data.toString('utf8', headStart, headEnd)) as In & { x?: Array<[WireKind, number]> };
      head = json;
      kinds = json.x;
    }
    let bodyEnd = end;
    let parts: Part[] = [];
    if (kinds !== undefined) {
      for (const [, length] of kinds) bodyEnd -= length;
      if (bodyEnd < headEnd) throw new RangeError('raw parts longer than the frame');
      parts = decodeParts(data, bodyEnd, kinds);
      // A byte array part is a view of the bytes read: they must stay as they are.
      if (data.buffer === this.#readBuffer?.buffer && parts.some((part) => part.kind !== 's')) {
        this.#readRetained = true;
      }
    }
    const text = headEnd === bodyEnd ? '' : data.toString('utf8', headEnd, bodyEnd);
    return [head, { text, parts }];
  }

  // Checked as soon as a frame's first bytes are in, before waiting for the
  // rest: bytes that are not a frame (something else wrote to the pipe) must
  // not leave the reader waiting for a length that will never arrive.
  #isFrameStart(data: Buffer, at: number): boolean {
    const rest = data.readUInt32LE(at);
    const headBytes = data.readUInt32LE(at + PREFIX);
    const kind = data[at + PREFIX * 2] as number;
    const head =
      kind === 0x7b // `{`: JSON
        ? headBytes >= 2
        : kind >= 1 && kind < 0x20 && headBytes >= COMPACT_BYTES && (headBytes - COMPACT_BYTES) % PART_BYTES === 0;
    if (head && rest >= PREFIX + headBytes) return true;
    this.#fail(`bytes that are not a frame (length ${rest}, head length ${headBytes}, head byte ${kind})`);
    return false;
  }

  // Whatever else wrote to the pipe, nothing more from it can be trusted: the
  // channel closes, and the owner learns why from protocolError.
  #fail(what: string): void {
    this.#protocolError = new ProtocolError(`Something other than procpool wrote to the pipe: ${what}`);
    this.#parts = [];
    this.#size = 0;
    this.#socket?.destroy();
  }

  #nextReadBuffer(): Buffer {
    if (this.#readBuffer === null || this.#readRetained) {
      this.#readBuffer = Buffer.allocUnsafeSlow(READ_BYTES);
      this.#readRetained = false;
    }
    return this.#readBuffer;
  }

  #merge(): Buffer {
    const merged = Buffer.concat(this.#parts, this.#size);
    this.#parts = [merged];
    return merged;
  }
}
