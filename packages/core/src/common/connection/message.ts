import { decodeParts, type PartHead, partBytes, wireKind } from '../channel/frame.js';
import { decodeValue, type Part, type Payload } from '../codec/values.js';
import { ProcessError } from '../errors.js';

// What send() puts in one message. A value without raw parts (the common
// case) is the codec's text itself, whose first byte is a printable tag (see
// codec/values.ts). A value with parts starts with PARTS_TAG:
//   u8 PARTS_TAG | u32le count | count × (u8 kind | u32le length) | text | parts
// so large strings and byte arrays are never copied into the text.
const PARTS_TAG = 0x01;
const COUNT_BYTES = 4;
const PART_HEAD_BYTES = 5;
const PREFIX_BYTES = 1 + COUNT_BYTES;
const WIRE_KINDS = new Set(['s', 'a', 'b', 'u']);

/** The pieces of a message for a payload with parts: the prefix and text in one buffer, then each part uncopied. */
export function encodeWithParts({ text, parts }: Payload): Uint8Array[] {
  const raw = parts.map(partBytes);
  const textAt = PREFIX_BYTES + PART_HEAD_BYTES * parts.length;
  const head = Buffer.allocUnsafe(textAt + Buffer.byteLength(text));
  head[0] = PARTS_TAG;
  head.writeUInt32LE(parts.length, 1);
  raw.forEach((bytes, i) => {
    const at = PREFIX_BYTES + PART_HEAD_BYTES * i;
    head[at] = wireKind(parts[i] as Part, bytes).charCodeAt(0);
    head.writeUInt32LE(bytes.byteLength, at + 1);
  });
  head.write(text, textAt, 'utf8');
  return [head, ...raw];
}

/** The value a message holds; throws ProcessError when its bytes are not what send() writes. */
export function decodeMessage(message: Buffer): unknown {
  try {
    return decodeBytes(message);
  } catch (error) {
    throw new ProcessError(`Cannot decode a message: it was not written by send() (${String(error)})`, {
      cause: error,
    });
  }
}

function decodeBytes(message: Buffer): unknown {
  if (message.length === 0) throw new RangeError('the message is empty');
  if (message[0] !== PARTS_TAG) return decodeValue({ text: message.toString('utf8'), parts: [] });
  if (message.length < PREFIX_BYTES) throw new RangeError('the message ends inside its prefix');
  const count = message.readUInt32LE(1);
  const textAt = PREFIX_BYTES + PART_HEAD_BYTES * count;
  if (textAt > message.length) throw new RangeError(`the message lists ${count} parts it cannot hold`);
  const heads: PartHead[] = [];
  let partsAt = message.length;
  for (let at = PREFIX_BYTES; at < textAt; at += PART_HEAD_BYTES) {
    const kind = String.fromCharCode(message[at] as number);
    const length = message.readUInt32LE(at + 1);
    if (!WIRE_KINDS.has(kind)) throw new RangeError(`the message lists a part of unknown kind ${message[at]}`);
    partsAt -= length;
    heads.push([kind as PartHead[0], length]);
  }
  if (partsAt < textAt) throw new RangeError('the parts the message lists are longer than the message');
  const parts = decodeParts(message, partsAt, heads);
  return decodeValue({ text: message.toString('utf8', textAt, partsAt), parts });
}
