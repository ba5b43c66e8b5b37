import { expect, test } from '@jest/globals';
import {
  type BadLength,
  decodeHeader,
  encodeHeader,
  MAX_MESSAGE_BYTES,
  MessageReader,
} from '../../packages/core/src/common/connection/framing.js';
import { decodeMessage, encodeWithParts } from '../../packages/core/src/common/connection/message.js';
import { encodeValue } from '../../packages/core/src/common/codec/values.js';

/** A reader that collects what it hands over; `fill`: long messages get their own buffer as they arrive. */
function reader(
  limit?: number,
  fill = false,
): { push(bytes: Buffer): void; messages: Buffer[]; bad: BadLength[]; r: MessageReader } {
  const messages: Buffer[] = [];
  const bad: BadLength[] = [];
  const r = new MessageReader(
    (message) => messages.push(message),
    (b) => bad.push(b),
    limit,
    () => fill,
  );
  return { push: (bytes) => r.push(bytes), messages, bad, r };
}

const frame = (payload: Buffer): Buffer => Buffer.concat([encodeHeader(payload.length), payload]);

test("headers are Python's struct.pack('!i', n), and '!i' -1 then '!Q' n past 0x7fffffff", () => {
  // What CPython's Connection._send_bytes writes, byte for byte.
  expect(encodeHeader(0)).toEqual(Buffer.from([0, 0, 0, 0]));
  expect(encodeHeader(3)).toEqual(Buffer.from([0, 0, 0, 3]));
  expect(encodeHeader(0x01020304)).toEqual(Buffer.from([1, 2, 3, 4]));
  expect(encodeHeader(0x7fffffff)).toEqual(Buffer.from([0x7f, 0xff, 0xff, 0xff]));
  expect(encodeHeader(0x80000000)).toEqual(Buffer.from([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0x80, 0, 0, 0]));
  expect(encodeHeader(10 * 2 ** 30)).toEqual(Buffer.from([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 2, 0x80, 0, 0, 0]));
});

test('decodeHeader reads both forms back, and waits for the whole header', () => {
  expect(decodeHeader(Buffer.from([0, 0, 1]))).toBeNull();
  expect(decodeHeader(Buffer.from([0, 0, 1, 0]))).toEqual({ length: 256, bytes: 4 });
  expect(decodeHeader(encodeHeader(0x80000000).subarray(0, 11))).toBeNull();
  expect(decodeHeader(encodeHeader(0x80000000))).toEqual({ length: 0x80000000, bytes: 12 });
  expect(decodeHeader(encodeHeader(10 * 2 ** 30))).toEqual({ length: 10 * 2 ** 30, bytes: 12 });
  // Past 2^53 the length stays exact, as a bigint (no Buffer holds it anyway).
  expect(decodeHeader(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]))).toEqual({
    length: 2n ** 64n - 1n,
    bytes: 12,
  });
  expect(decodeHeader(Buffer.from([0xff, 0xff, 0xff, 0xfe]))).toEqual({ length: -2, bytes: 4 });
});

test.each([false, true])(
  'the reader hands over messages split or batched across reads, in order, empty ones included (fill: %p)',
  (fill) => {
    const payloads = [Buffer.from('hello'), Buffer.alloc(0), Buffer.alloc(70_000, 1), Buffer.from('x')];
    payloads.push(Buffer.alloc(100_000, 2), Buffer.alloc(65_536, 3), Buffer.from('end'));
    const stream = Buffer.concat(payloads.map(frame));
    for (const size of [1, 3, 4, 5, 7, 4096, 65_536, 65_541, stream.length]) {
      const { push, messages, bad } = reader(undefined, fill);
      for (let at = 0; at < stream.length; at += size) push(stream.subarray(at, at + size));
      expect(messages.map((m) => m.toString('base64'))).toEqual(payloads.map((p) => p.toString('base64')));
      expect(bad).toEqual([]);
    }
  },
);

test('a message inside one read is a view of it; one spread over reads is copied once', () => {
  const { push, messages } = reader();
  const read = Buffer.concat([frame(Buffer.from('ab')), frame(Buffer.from('cd'))]);
  push(read);
  expect(messages.map((m) => m.buffer)).toEqual([read.buffer, read.buffer]);
  const split = frame(Buffer.alloc(10, 2));
  push(split.subarray(0, 6));
  push(split.subarray(6));
  split.fill(0);
  expect(messages[2]).toEqual(Buffer.alloc(10, 2));
});

test('nextLength is known as soon as a header is in, before its payload', () => {
  const { push, r, messages } = reader();
  expect(r.nextLength).toBe(-1);
  push(encodeHeader(1000));
  expect(r.nextLength).toBe(1000);
  push(Buffer.alloc(999));
  expect(messages).toEqual([]);
  push(Buffer.alloc(1));
  expect(messages).toHaveLength(1);
  expect(r.nextLength).toBe(-1);
});

test('a 10 GiB header, a length past the limit, or a negative one stops the reader without allocating', () => {
  const before = process.memoryUsage().arrayBuffers;
  for (const [header, length] of [
    [encodeHeader(10 * 2 ** 30), 10 * 2 ** 30],
    [Buffer.from([0xff, 0xff, 0xff, 0xfe]), -2],
    [Buffer.from([0x80, 0, 0, 0]), -(2 ** 31)],
  ] as const) {
    const { push, bad, messages } = reader();
    push(header);
    push(Buffer.from('more bytes are ignored'));
    expect(bad).toEqual([{ length, limit: MAX_MESSAGE_BYTES }]);
    expect(messages).toEqual([]);
  }
  const limited = reader(256);
  limited.push(encodeHeader(257));
  expect(limited.bad).toEqual([{ length: 257, limit: 256 }]);
  expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(2 ** 20);
});

test('takeUnread gives back the bytes of the message being read, header included', () => {
  const { push, r, messages } = reader();
  const stream = Buffer.concat([frame(Buffer.from('whole')), frame(Buffer.from('partial'))]);
  push(stream.subarray(0, 9 + 6));
  push(stream.subarray(15, 17));
  expect(messages).toEqual([Buffer.from('whole')]);
  expect(Buffer.concat(r.takeUnread())).toEqual(stream.subarray(9, 17));
  expect(r.nextLength).toBe(-1);
  push(frame(Buffer.from('next')));
  expect(messages[1]).toEqual(Buffer.from('next'));
});

test('takeUnread gives back a message being filled into its own buffer, header first', () => {
  const { push, r } = reader(undefined, true);
  const message = frame(Buffer.alloc(100_000, 9));
  push(message.subarray(0, 30_000));
  push(message.subarray(30_000, 50_000));
  expect(r.bufferedBytes).toBe(50_000 - 4);
  expect(Buffer.concat(r.takeUnread()).equals(message.subarray(0, 50_000))).toBe(true);
  expect(r.bufferedBytes).toBe(0);
});

test('reads straight into fillSpace() complete the message in its own buffer; a space offered before is just bytes', () => {
  const { push, r, messages } = reader(undefined, true);
  expect(r.fillSpace()).toBeNull();
  const payload = Buffer.alloc(100_000, 5);
  push(frame(payload).subarray(0, 20_004));
  const space = r.fillSpace() as Buffer;
  expect(space.length).toBe(80_000);
  payload.copy(space, 0, 20_000, 60_000);
  r.pushFilled(space, 40_000);
  expect(r.bufferedBytes).toBe(60_000);
  const rest = r.fillSpace() as Buffer;
  payload.copy(rest, 0, 60_000);
  r.pushFilled(rest, 40_000);
  expect(messages).toHaveLength(1);
  expect((messages[0] as Buffer).buffer).toBe(rest.buffer); // the message is the buffer read into
  expect((messages[0] as Buffer).equals(payload)).toBe(true);
  expect(r.fillSpace()).toBeNull();

  // Offered, then the message was taken away (passed to a child) and pushed again: the read is plain bytes.
  const next = frame(Buffer.alloc(70_000, 6));
  push(next.subarray(0, 10_000));
  const stale = r.fillSpace() as Buffer;
  const unread = Buffer.concat(r.takeUnread());
  push(unread);
  next.copy(stale, 0, 10_000);
  r.pushFilled(stale, next.length - 10_000);
  expect(messages).toHaveLength(2);
  expect((messages[1] as Buffer).equals(Buffer.alloc(70_000, 6))).toBe(true);
});

test("send()'s messages: the codec's text alone, or a prefix listing raw parts; garbage does not decode", () => {
  const small = encodeValue({ a: [1, 'two'] });
  expect(small.parts).toEqual([]);
  expect(decodeMessage(Buffer.from(small.text))).toEqual({ a: [1, 'two'] });
  const big = { s: 'é'.repeat(20_000), b: Buffer.alloc(40_000, 3), u: new Uint8Array(40_000).fill(4), n: 5n };
  const payload = encodeValue(big);
  expect(payload.parts).toHaveLength(3);
  const pieces = encodeWithParts(payload);
  expect(pieces.slice(1)).toContain(big.b); // written uncopied
  const back = decodeMessage(Buffer.concat(pieces)) as typeof big;
  expect(back).toEqual(big);
  expect(Buffer.isBuffer(back.b)).toBe(true);
  expect(Buffer.isBuffer(back.u)).toBe(false);
  for (const garbage of ['', 'hello', '\x01\xff\xff\xff\x7f', '\x01\x01\x00\x00\x00z\x00\x00\x00\x00']) {
    expect(() => decodeMessage(Buffer.from(garbage, 'latin1'))).toThrow(/^Cannot decode a message/);
  }
});
