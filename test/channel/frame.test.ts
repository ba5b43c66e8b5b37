import { expect, test } from '@jest/globals';
import {
  COMPACT_HEAD_BYTES,
  type Compact,
  describeFrameStart,
  encodeFrame,
  FRAME_START_BYTES,
  frameBytes,
  HEAD_START,
  isFrameStart,
  maxFrameBytes,
  writeFrame,
} from '../../packages/core/src/common/channel/frame.js';
import { FrameReader } from '../../packages/core/src/common/channel/reader.js';
import { decodeValue, encodeValue, type Payload } from '../../packages/core/src/common/codec/values.js';

type Head = { t: string; n: number; x?: unknown };

/** The frames in `bytes` as the reader hands them over; a compact head comes back as its fields. */
function decode(bytes: Buffer): Array<[Head | Compact, Payload]> {
  const frames: Array<[Head | Compact, Payload]> = [];
  const reader = new FrameReader<Head | Compact>(
    (head, payload) => frames.push([head, payload]),
    (kind, id, value) => ({ kind, id, value }),
    undefined,
    () => {},
  );
  reader.receive(bytes);
  expect(reader.protocolError).toBeNull();
  return frames;
}

const value = {
  utf8: 'ü'.repeat(20_000),
  ascii: 'plain '.repeat(5_000),
  wide: '✓'.repeat(20_000),
  buffer: Buffer.alloc(40_000, 7),
  bytes: new Uint8Array(40_000).fill(5),
  small: [1, 'two'],
};

test('a JSON head comes back with its raw parts, which it lists under x (strings as `a` latin1 or `w` UTF-16)', () => {
  const payload = encodeValue(value);
  const frame = Buffer.concat(encodeFrame({ t: 'v', n: 1 }, payload));
  const [[head, back]] = decode(frame) as [[Head, Payload]];
  expect(head).toEqual({
    t: 'v',
    n: 1,
    x: payload.parts.map((part) =>
      part.kind !== 's'
        ? [part.kind, part.value.byteLength]
        : part.value === value.wide
          ? ['w', part.value.length * 2]
          : ['a', part.value.length],
    ),
  });
  expect(back.text).toBe(payload.text);
  expect(decodeValue(back)).toEqual(value);
});

test('a compact head comes back as its kind, id (past 32 bits) and value, with or without raw parts', () => {
  const compact = { kind: 3, id: 2 ** 40 + 1, value: 4_000_000_000 };
  const withParts = encodeValue(value);
  const frames = [
    ...encodeFrame(null, withParts, compact),
    ...encodeFrame(null, { text: 'body', parts: [] }, { kind: 31, id: 0, value: 0 }),
    ...encodeFrame({ t: 'json', n: 2 }),
  ];
  const [first, second, third] = decode(Buffer.concat(frames));
  expect(first?.[0]).toEqual(compact);
  expect(decodeValue(first?.[1] as Payload)).toEqual(value);
  expect(second).toEqual([
    { kind: 31, id: 0, value: 0 },
    { text: 'body', parts: [] },
  ]);
  expect(third).toEqual([
    { t: 'json', n: 2 },
    { text: '', parts: [] },
  ]);
  // A compact head without parts: the kind, id and value only.
  expect(encodeFrame(null, { text: '', parts: [] }, compact)[0]?.byteLength).toBe(HEAD_START + COMPACT_HEAD_BYTES);
});

test('a frame written in place has the bytes encodeFrame gives it, ending at frameBytes, within maxFrameBytes', () => {
  const cases: Array<[string | null, string]> = [
    ['{"t":"a","n":1}', ''],
    ['{"t":"é","n":2}', 'body ✓ with 𝄞'],
    [null, ''],
    [null, 'x'.repeat(1_000)],
  ];
  for (const [headText, text] of cases) {
    const buffer = Buffer.alloc(4_000, 0xee);
    const end = writeFrame(buffer, 10, headText, text, 2, 2 ** 33, 7);
    expect(end - 10).toBe(frameBytes(headText, text));
    expect(maxFrameBytes(headText, text)).toBeGreaterThanOrEqual(frameBytes(headText, text));
    const head = headText === null ? null : (JSON.parse(headText) as Head);
    const compact = headText === null ? { kind: 2, id: 2 ** 33, value: 7 } : undefined;
    expect(buffer.subarray(10, end)).toEqual(encodeFrame(head, { text, parts: [] }, compact)[0]);
    expect(buffer[end]).toBe(0xee);
  }
});

/** The start of a frame: the length of the rest, the head's length, the head's first byte. */
function frameStart(rest: number, headBytes: number, first: number): Buffer {
  const start = Buffer.alloc(FRAME_START_BYTES);
  start.writeUInt32LE(rest, 0);
  start.writeUInt32LE(headBytes, 4);
  start[8] = first;
  return start;
}

test('the frame-start check passes every frame and rejects bytes that cannot start one', () => {
  for (const frame of [
    encodeFrame({ t: 'v', n: 1 }, encodeValue(value)),
    encodeFrame({}),
    encodeFrame(null, encodeValue(value), { kind: 1, id: 1, value: 1 }),
    encodeFrame(null, undefined, { kind: 31, id: 1, value: 1 }),
  ]) {
    expect(isFrameStart(frame[0] as Buffer, 0)).toBe(true);
  }
  const json = 0x7b;
  expect(isFrameStart(frameStart(4 + 2, 2, json), 0)).toBe(true);
  expect(isFrameStart(frameStart(4 + 13 + 5, 13 + 5, 1), 0)).toBe(true);
  const notFrames = [
    Buffer.from('xxxxxxxxx'), // text: a length that would never arrive
    frameStart(4 + 1, 1, json), // a JSON head shorter than `{}`
    frameStart(4 + 13, 13, 0), // compact kinds start at 1
    frameStart(4 + 13, 13, 0x20), // neither JSON nor a compact kind
    frameStart(4 + 13 + 4, 13 + 4, 1), // a compact head of a part and a bit
    frameStart(4 + 12, 12, 1), // shorter than a compact head
    frameStart(4 + 13 - 1, 13, 1), // a frame shorter than its head
    frameStart(3, 0, json),
  ];
  for (const bytes of notFrames) expect(isFrameStart(bytes, 0)).toBe(false);
  expect(describeFrameStart(Buffer.from('xxxxxxxxx'), 0)).toBe(
    'length 2021161080, head length 2021161080, head byte 120',
  );
});

test('a reader stops at bytes that are not a frame, and says which', () => {
  let failed = 0;
  const heads: unknown[] = [];
  const reader = new FrameReader<Head>(
    (head) => heads.push(head),
    () => ({ t: 'compact', n: 0 }),
    undefined,
    () => (failed += 1),
  );
  const good = Buffer.concat(encodeFrame({ t: 'ok', n: 1 }));
  reader.receive(Buffer.concat([good, frameStart(4 + 13, 13, 0x20), good]));
  reader.receive(good);
  expect(heads).toEqual([{ t: 'ok', n: 1 }]);
  expect(failed).toBe(1);
  expect(reader.protocolError?.message).toBe(
    'Something other than procpool wrote to the pipe: bytes that are not a frame (length 17, head length 13, head byte 32)',
  );
});
