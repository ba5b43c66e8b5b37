import { NO_PAYLOAD, type Payload } from '../codec/values.js';
import { bufferBefore, framedParts, type PartHead, partHeadsOf } from './parts.js';

export { decodeParts, type PartHead, partBytes, wireKind } from './parts.js';

// A frame: u32le length of the rest of the frame | u32le head length | head
// | body (UTF-8) | parts: the raw bytes of large strings and byte arrays.
// A head is JSON (it starts with `{`), its parts listed under `x`; or compact,
// for the messages protocol.ts sends per chunk: u8 kind | f64le id | u32le value
// | per part, u8 kind | u32le length. A compact head costs no JSON on either side;
// what its kind, id and value mean is protocol.ts's business.

/** The frame's first field: the length of the rest of the frame. */
const PREFIX_BYTES = 4;
/** The second field: the head's length. */
const HEAD_LENGTH_BYTES = 4;
/** Where the head starts in a frame. */
export const HEAD_START = PREFIX_BYTES + HEAD_LENGTH_BYTES;
/** The bytes of a frame's start that say whether it is one: both lengths and the head's first byte. */
export const FRAME_START_BYTES = HEAD_START + 1;

/** The first byte of a JSON head. */
const JSON_HEAD_START = 0x7b; // `{`
/** The shortest JSON head, `{}`. */
const MIN_JSON_HEAD_BYTES = 2;
/** A compact head's first byte is its kind: below any JSON text's first byte. */
const MIN_COMPACT_KIND = 1;
const MAX_COMPACT_KIND = 0x1f;
// Offsets in a compact head: u8 kind, then the id, then the value.
const COMPACT_ID_AT = 1;
const COMPACT_VALUE_AT = COMPACT_ID_AT + 8;
/** A compact head without parts. */
export const COMPACT_HEAD_BYTES = COMPACT_VALUE_AT + 4;
/** One part's entry in a compact head: u8 kind | u32le length. */
const PART_HEAD_BYTES = 5;
const PART_LENGTH_AT = 1;
/** UTF-8 takes at most this many bytes per UTF-16 code unit. */
const MAX_UTF8_BYTES_PER_UNIT = 3;
const NO_PART_HEADS: readonly PartHead[] = [];

/** A compact head's fields (see the frame layout above). */
export interface Compact {
  kind: number;
  id: number;
  value: number;
}
/** Builds the message a compact head stands for. */
export type CompactReader<Head> = (kind: number, id: number, value: number) => Head;

/**
 * One frame as buffers: the head and body, then its parts. Byte arrays go
 * uncopied; strings are encoded straight into the buffer before them (the
 * head's, or one of their own after a byte array), so a large string's frame
 * is one buffer.
 */
export function encodeFrame(head: unknown, payload: Payload = NO_PAYLOAD, compact?: Compact): Uint8Array[] {
  const { text, parts } = payload;
  const partHeads = partHeadsOf(parts);
  const headText =
    compact !== undefined ? '' : JSON.stringify(parts.length === 0 ? head : { ...(head as object), x: partHeads });
  const headBytes =
    compact === undefined ? Buffer.byteLength(headText) : COMPACT_HEAD_BYTES + PART_HEAD_BYTES * partHeads.length;
  const bodyBytes = text === '' ? 0 : Buffer.byteLength(text);
  let rest = HEAD_LENGTH_BYTES + headBytes + bodyBytes;
  for (const [, length] of partHeads) rest += length;
  const headAndBody = HEAD_START + headBytes + bodyBytes;
  const frame = bufferBefore(headAndBody, parts, partHeads);
  frame.writeUInt32LE(rest, 0);
  frame.writeUInt32LE(headBytes, PREFIX_BYTES);
  if (compact === undefined) frame.write(headText, HEAD_START, 'utf8');
  else writeCompactHead(frame, HEAD_START, compact.kind, compact.id, compact.value, partHeads);
  if (bodyBytes > 0) frame.write(text, HEAD_START + headBytes, 'utf8');
  return parts.length === 0 ? [frame] : framedParts(frame, headAndBody, parts, partHeads);
}

/** An upper bound on the bytes of a frame without parts, with nothing to measure. `null`: a compact head. */
export function maxFrameBytes(headText: string | null, text: string): number {
  const headBytes = headText === null ? COMPACT_HEAD_BYTES : headText.length * MAX_UTF8_BYTES_PER_UNIT;
  return HEAD_START + headBytes + text.length * MAX_UTF8_BYTES_PER_UNIT;
}

/** The bytes of a frame without parts. `null`: a compact head. */
export function frameBytes(headText: string | null, text: string): number {
  const headBytes = headText === null ? COMPACT_HEAD_BYTES : Buffer.byteLength(headText);
  return HEAD_START + headBytes + Buffer.byteLength(text);
}

/**
 * Writes a frame without parts into `buffer` at `at`, which has room for
 * maxFrameBytes or frameBytes of it, and returns where it ends. A null
 * `headText` is a compact head (kind, id, value).
 */
export function writeFrame(
  buffer: Buffer,
  at: number,
  headText: string | null,
  text: string,
  kind: number,
  id: number,
  value: number,
): number {
  let headBytes = COMPACT_HEAD_BYTES;
  if (headText === null) writeCompactHead(buffer, at + HEAD_START, kind, id, value, NO_PART_HEADS);
  else headBytes = buffer.write(headText, at + HEAD_START, 'utf8');
  const bodyBytes = text === '' ? 0 : buffer.write(text, at + HEAD_START + headBytes, 'utf8');
  buffer.writeUInt32LE(HEAD_LENGTH_BYTES + headBytes + bodyBytes, at);
  buffer.writeUInt32LE(headBytes, at + PREFIX_BYTES);
  return at + HEAD_START + headBytes + bodyBytes;
}

function writeCompactHead(
  frame: Buffer,
  at: number,
  kind: number,
  id: number,
  value: number,
  partHeads: readonly PartHead[],
): void {
  frame[at] = kind;
  frame.writeDoubleLE(id, at + COMPACT_ID_AT);
  frame.writeUInt32LE(value, at + COMPACT_VALUE_AT);
  for (let i = 0; i < partHeads.length; i += 1) {
    const [partKind, length] = partHeads[i] as PartHead;
    const partAt = at + COMPACT_HEAD_BYTES + PART_HEAD_BYTES * i;
    frame[partAt] = partKind.charCodeAt(0);
    frame.writeUInt32LE(length, partAt + PART_LENGTH_AT);
  }
}

/** The end of the frame that starts at `at` (its length field is in `data`). */
export function frameEnd(data: Buffer, at: number): number {
  return at + PREFIX_BYTES + data.readUInt32LE(at);
}

/** Where the head of the frame at `at` ends. */
export function headEnd(data: Buffer, at: number): number {
  return at + HEAD_START + data.readUInt32LE(at + PREFIX_BYTES);
}

export function isCompactHead(data: Buffer, headStart: number): boolean {
  return (data[headStart] as number) <= MAX_COMPACT_KIND;
}

/** The message a compact head stands for, built by `read`. */
export function readCompactHead<Head>(data: Buffer, headStart: number, read: CompactReader<Head>): Head {
  return read(
    data[headStart] as number,
    data.readDoubleLE(headStart + COMPACT_ID_AT),
    data.readUInt32LE(headStart + COMPACT_VALUE_AT),
  );
}

/** The parts a compact head lists, or undefined when it lists none. */
export function readCompactParts(data: Buffer, headStart: number, end: number): PartHead[] | undefined {
  if (end === headStart + COMPACT_HEAD_BYTES) return undefined;
  const partHeads: PartHead[] = [];
  for (let at = headStart + COMPACT_HEAD_BYTES; at < end; at += PART_HEAD_BYTES) {
    partHeads.push([String.fromCharCode(data[at] as number) as PartHead[0], data.readUInt32LE(at + PART_LENGTH_AT)]);
  }
  return partHeads;
}

/**
 * Whether the FRAME_START_BYTES at `at` can start a frame: a JSON head or a
 * compact one of a whole number of parts, and a length that holds the head.
 */
export function isFrameStart(data: Buffer, at: number): boolean {
  const rest = data.readUInt32LE(at);
  const headBytes = data.readUInt32LE(at + PREFIX_BYTES);
  const first = data[at + HEAD_START] as number;
  const head =
    first === JSON_HEAD_START
      ? headBytes >= MIN_JSON_HEAD_BYTES
      : first >= MIN_COMPACT_KIND &&
        first <= MAX_COMPACT_KIND &&
        headBytes >= COMPACT_HEAD_BYTES &&
        (headBytes - COMPACT_HEAD_BYTES) % PART_HEAD_BYTES === 0;
  return head && rest >= HEAD_LENGTH_BYTES + headBytes;
}

/** What the start of a frame that is not one says, for the error. */
export function describeFrameStart(data: Buffer, at: number): string {
  const head = data[at + HEAD_START] as number;
  return `length ${data.readUInt32LE(at)}, head length ${data.readUInt32LE(at + PREFIX_BYTES)}, head byte ${head}`;
}
