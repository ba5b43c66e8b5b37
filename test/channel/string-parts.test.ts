import { expect, test } from '@jest/globals';
import { encodeFrame, HEAD_START } from '../../packages/core/src/common/channel/frame.js';
import { ownFrameBuffer } from '../../packages/core/src/common/channel/frame-buffers.js';
import type { PartHead } from '../../packages/core/src/common/channel/parts.js';
import { FrameReader } from '../../packages/core/src/common/channel/reader.js';
import type { Part, Payload } from '../../packages/core/src/common/codec/values.js';

type Head = { t: string; x?: PartHead[] };

// Strings V8 stores one byte per character, strings it stores two, and the
// ones UTF-8 cannot carry (lone surrogates), at both ends and in the middle.
const big = 9_000;
const strings: Record<string, string> = {
  empty: '',
  ascii: 'plain '.repeat(big / 6),
  latin1: 'ÿ\x00é'.repeat(big / 3),
  latin1InTwoBytes: `€${'é'.repeat(big)}`.slice(1), // two-byte in V8, every character in latin1
  cjk: '中文'.repeat(big / 2),
  pairs: '𝄞'.repeat(big / 2),
  loneHighFirst: `\ud800${'x'.repeat(big)}`,
  loneLowLast: `${'x'.repeat(big)}\udc00`,
  loneInside: `${'é'.repeat(big / 2)}\udbff${'✓'.repeat(big / 2)}`,
  reversedPair: '\udc00\ud800'.repeat(big / 2),
  short: 'é\ud800',
};
const stringParts = Object.values(strings).map((value): Part => ({ kind: 's', value }));

/** The frames in `reads` as a reader hands them over, reads fed one by one. */
function decodeReads(reads: Buffer[]): Array<[Head, Payload]> {
  const frames: Array<[Head, Payload]> = [];
  const reader = new FrameReader<Head>(
    (head, payload) => frames.push([head, payload]),
    () => ({ t: 'compact' }),
    undefined,
    () => {},
  );
  for (const read of reads) reader.receive(read);
  expect(reader.protocolError).toBeNull();
  return frames;
}

const valuesOf = (payload: Payload): unknown[] => payload.parts.map((part) => part.value);

test('every string part comes back exactly: one-byte characters as latin1, others as UTF-16 with lone surrogates kept', () => {
  const frames = encodeFrame({ t: 'strings' }, { text: 'body', parts: stringParts });
  // All the strings are written into the head's buffer: one buffer for the whole frame.
  expect(frames).toHaveLength(1);
  const [[head, payload]] = decodeReads(frames as Buffer[]) as [[Head, Payload]];
  expect(head.x).toEqual(
    Object.values(strings).map((text) => (/^[\0-\xff]*$/.test(text) ? ['a', text.length] : ['w', text.length * 2])),
  );
  expect(payload.text).toBe('body');
  expect(payload.parts.every((part) => part.kind === 's')).toBe(true);
  expect(valuesOf(payload)).toEqual(Object.values(strings));
});

test('strings around byte arrays keep their order; the byte arrays go uncopied, strings after one in a buffer of their own', () => {
  const bytes = Buffer.alloc(40_000, 7);
  const plain = new Uint8Array(40_000).fill(3);
  const parts: Part[] = [
    { kind: 's', value: strings.cjk as string },
    { kind: 'b', value: bytes },
    { kind: 's', value: strings.ascii as string },
    { kind: 's', value: strings.loneInside as string },
    { kind: 'u', value: plain },
    { kind: 's', value: strings.empty as string },
  ];
  const frames = encodeFrame(null, { text: '', parts }, { kind: 2, id: 5, value: 0 });
  expect(frames).toHaveLength(5);
  expect(frames[1]).toBe(bytes);
  expect(frames[3]).toBe(plain);
  expect(frames[2]?.byteLength).toBe((strings.ascii as string).length + (strings.loneInside as string).length * 2);
  expect(frames[4]?.byteLength).toBe(0);
  const decoded = decodeReads([Buffer.concat(frames)]);
  expect(valuesOf((decoded[0] as [Head, Payload])[1])).toEqual(parts.map((part) => part.value));
});

test('string parts come back whole when the reads split them anywhere near a boundary', () => {
  const payload = { text: 'ü', parts: stringParts };
  const bytes = Buffer.concat([
    ...encodeFrame({ t: 'first' }, payload),
    ...encodeFrame(null, payload, { kind: 1, id: 1, value: 1 }),
  ]);
  // Every boundary between parts (and frames), and a few bytes either side of it.
  const boundaries = new Set<number>();
  for (const frameEnd of [bytes.readUInt32LE(0) + 4, bytes.length]) {
    let at = frameEnd;
    for (const text of Object.values(strings).reverse()) {
      boundaries.add(at);
      at -= /^[\0-\xff]*$/.test(text) ? text.length : text.length * 2;
    }
    boundaries.add(at);
  }
  boundaries.add(HEAD_START);
  for (const boundary of boundaries) {
    for (let delta = -2; delta <= 2; delta += 1) {
      const split = Math.min(Math.max(boundary + delta, 1), bytes.length - 1);
      const frames = decodeReads([bytes.subarray(0, split), bytes.subarray(split)]);
      expect(frames).toHaveLength(2);
      for (const [, back] of frames) expect(valuesOf(back)).toEqual(Object.values(strings));
    }
  }
  // And in small uneven reads.
  const reads: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += 4_093) reads.push(bytes.subarray(at, at + 4_093));
  expect(decodeReads(reads).map(([, back]) => valuesOf(back))).toEqual([
    Object.values(strings),
    Object.values(strings),
  ]);
});

test('only a buffer the frame allocated for its strings may be transferred', () => {
  const [withStrings] = encodeFrame({ t: 's' }, { text: '', parts: [{ kind: 's', value: strings.ascii as string }] });
  const user = Buffer.alloc(40_000, 1);
  const [head, bytes] = encodeFrame({ t: 'b' }, { text: '', parts: [{ kind: 'b', value: user }] });
  expect(ownFrameBuffer(withStrings as Uint8Array)).toBe(withStrings?.buffer);
  expect(ownFrameBuffer(head as Uint8Array)).toBeNull(); // small: may be a slice of Node's pool
  expect(ownFrameBuffer(bytes as Uint8Array)).toBeNull(); // the sender's own bytes
  expect(ownFrameBuffer((withStrings as Buffer).subarray(1))).toBeNull();
  expect(ownFrameBuffer(Buffer.allocUnsafeSlow(100_000))).toBeNull();
});
