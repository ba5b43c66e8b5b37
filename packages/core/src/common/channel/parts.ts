import type { Part } from '../codec/values.js';
import { ownFrameBufferOf } from './frame-buffers.js';

/**
 * A part's kind on the wire: the codec's byte array kinds, and how a string's
 * bytes are written: `a` latin1, `w` UTF-16LE, `s` UTF-8.
 */
type WireKind = Part['kind'] | 'a' | 'w';
/** A part as a head lists it: its kind and its length in bytes. */
export type PartHead = [WireKind, number];
type StringKind = 'a' | 'w' | 's';
const NO_PART_HEADS: readonly PartHead[] = [];
const STRING_ENCODINGS = { a: 'latin1', w: 'utf16le', s: 'utf8' } as const;

// A string whose characters all fit in one byte goes as latin1, one byte each;
// any other as UTF-16LE, V8's own two bytes a character: both are copies for
// Node, several times faster than UTF-8 both ways, and UTF-16 keeps lone
// surrogates. The test costs nothing for a string V8 stores one byte per
// character (it knows no such character can match); otherwise it stops at the
// first match.
const BEYOND_LATIN1 = /[\u0100-\uffff]/;

const isStringKind = (kind: WireKind): kind is StringKind => kind === 'a' || kind === 'w' || kind === 's';

/** How a frame's head lists `parts`, strings measured without encoding them. */
export function partHeadsOf(parts: readonly Part[]): readonly PartHead[] {
  if (parts.length === 0) return NO_PART_HEADS;
  return parts.map((part) => {
    if (part.kind !== 's') return [part.kind, part.value.byteLength];
    return BEYOND_LATIN1.test(part.value) ? ['w', part.value.length * 2] : ['a', part.value.length];
  });
}

/**
 * A buffer for `bytes` and the strings from parts[first] up to the next byte
 * array, which framedParts writes into it. One that holds strings is large
 * (OUT_OF_BAND_CHARS) and our own: not a slice of Node's pool.
 */
export function bufferBefore(bytes: number, parts: readonly Part[], heads: readonly PartHead[], first = 0): Buffer {
  let size = bytes;
  for (let i = first; i < parts.length && (parts[i] as Part).kind === 's'; i += 1) size += (heads[i] as PartHead)[1];
  return size === bytes ? Buffer.allocUnsafe(size) : ownFrameBufferOf(size);
}

/**
 * `first` (from bufferBefore) and the buffers after it that carry `parts`:
 * strings encoded into the buffer before them from `at` on, byte arrays uncopied.
 */
export function framedParts(
  first: Buffer,
  at: number,
  parts: readonly Part[],
  heads: readonly PartHead[],
): Uint8Array[] {
  const buffers: Uint8Array[] = [first];
  let into: Buffer | null = first;
  let offset = at;
  parts.forEach((part, i) => {
    if (part.kind !== 's') {
      buffers.push(part.value);
      into = null;
      return;
    }
    if (into === null) {
      into = bufferBefore(0, parts, heads, i);
      buffers.push(into);
      offset = 0;
    }
    const [kind, length] = heads[i] as PartHead;
    offset += into.write(part.value, offset, length, STRING_ENCODINGS[kind as StringKind]);
  });
  return buffers;
}

/** A part's raw bytes for a message (connection/message.ts): byte arrays as they are, strings encoded once. */
export function partBytes(part: Part): Uint8Array {
  if (part.kind !== 's') return part.value;
  const text = part.value;
  if (BEYOND_LATIN1.test(text)) return Buffer.from(text, 'utf8'); // a message's reader knows no `w`
  // Straight into a buffer of its own: Buffer.from(text, 'latin1') costs about twice as much.
  const bytes = Buffer.allocUnsafeSlow(text.length);
  bytes.write(text, 0, 'latin1');
  return bytes;
}

/** How a message's part names its kind (`a`: a string whose bytes are latin1). */
export function wireKind(part: Part, bytes: Uint8Array): WireKind {
  return part.kind === 's' && bytes.byteLength === part.value.length ? 'a' : part.kind;
}

/** The parts listed in `partHeads`, read from `start` on: strings decoded, byte arrays as views of `data`. */
export function decodeParts(data: Buffer, start: number, partHeads: readonly PartHead[]): Part[] {
  let offset = start;
  return partHeads.map(([kind, length]) => {
    const end = offset + length;
    const part: Part = isStringKind(kind)
      ? { kind: 's', value: data.toString(STRING_ENCODINGS[kind], offset, end) }
      : kind === 'b'
        ? { kind, value: data.subarray(offset, end) }
        : { kind, value: new Uint8Array(data.buffer, data.byteOffset + offset, length) };
    offset = end;
    return part;
  });
}
