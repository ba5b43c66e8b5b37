import { expect, test } from '@jest/globals';
import { encodeFrame } from '../../packages/core/src/common/channel/frame.js';
import { adoptReceived } from '../../packages/core/src/common/channel/frame-buffers.js';
import { FrameReader } from '../../packages/core/src/common/channel/reader.js';
import type { Part, Payload } from '../../packages/core/src/common/codec/values.js';

// A thread's large frames: a port message read into values of their own is
// written over by the next large frame this thread sends; one that a value
// still points into never is.
const MiB = 1024 * 1024;
const text = 'x'.repeat(MiB);
const stringFrame = (value: string): Buffer =>
  encodeFrame({ t: 's' }, { text: '', parts: [{ kind: 's', value }] })[0] as Buffer;

/** What a reader hands over for `read`, which arrived in a port message if `received`. */
function readAll(read: Buffer, received = true): Payload[] {
  const payloads: Payload[] = [];
  const reader = new FrameReader<unknown>(
    (_, payload) => payloads.push(payload),
    () => ({}),
    undefined,
    () => {},
  );
  if (received) adoptReceived(read.buffer);
  reader.receive(read);
  return payloads;
}

// The buffer of the next large string frame this thread sends, written with other characters.
const nextFrameBuffer = (): ArrayBufferLike => stringFrame('y'.repeat(MiB - 10)).buffer;

test('a port message read into strings carries the next large frame, and the strings read from it stay as they were', () => {
  const read = Buffer.from(stringFrame(text)); // a copy: what arrives is a buffer of its own
  const [payload] = readAll(read);
  expect(nextFrameBuffer()).toBe(read.buffer);
  expect(payload?.parts[0]?.value).toBe(text);
});

test('a port message a byte array part points into is never written over', () => {
  const bytes = Buffer.alloc(MiB, 7);
  const parts: Part[] = [
    { kind: 's', value: text },
    { kind: 'b', value: bytes },
  ];
  const read = Buffer.concat(encodeFrame({ t: 'b' }, { text: '', parts }));
  const [payload] = readAll(read);
  expect(nextFrameBuffer()).not.toBe(read.buffer);
  expect(payload?.parts[1]?.value).toEqual(bytes);
});

test('only a port message is reused: not a read of a socket, nor one that ends in part of a frame', () => {
  const socketRead = Buffer.from(stringFrame(text));
  readAll(socketRead, false);
  expect(nextFrameBuffer()).not.toBe(socketRead.buffer);
  const frame = stringFrame(text);
  const partial = Buffer.concat([frame, frame.subarray(0, 100)]);
  expect(readAll(partial)).toHaveLength(1);
  expect(nextFrameBuffer()).not.toBe(partial.buffer);
});
