import { Duplex, PassThrough } from 'node:stream';
import { isDeepStrictEqual } from 'node:util';
import { expect, test } from '@jest/globals';
import { Channel, type OnRead } from '../../packages/core/src/common/channel/channel.js';
import { decodeValue, encodeValue, type Payload } from '../../packages/core/src/common/codec/values.js';

type Head = { t: string; n: number };

/** A channel whose written bytes are collected, and one fed those bytes in chunks we choose. */
function pair(): {
  sender: Channel<Head, Head>;
  written: Buffer[];
  feed: PassThrough;
  received: Array<[Head, string]>;
  payloads: Payload[];
} {
  const written: Buffer[] = [];
  const sink = new Duplex({
    read() {},
    write(chunk: Buffer, _encoding, callback) {
      written.push(chunk);
      callback();
    },
    // A corked flush arrives here as one call, as one writev reaches the OS.
    writev(chunks: Array<{ chunk: Buffer }>, callback) {
      written.push(Buffer.concat(chunks.map(({ chunk }) => chunk)));
      callback();
    },
  });
  const feed = new PassThrough();
  const received: Array<[Head, string]> = [];
  const payloads: Payload[] = [];
  const sender = new Channel<Head, Head>(
    sink,
    () => {},
    () => {},
  );
  new Channel<Head, Head>(
    Duplex.from({ readable: feed, writable: new PassThrough() }),
    (head, payload) => {
      received.push([{ t: head.t, n: head.n }, payload.text]);
      payloads.push(payload);
    },
    () => {},
    (kind, id, value) => ({ t: `compact ${kind}/${value}`, n: id }),
  );
  return { sender, written, feed, received, payloads };
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

test('frames come back whole across any chunking; a batch leaves once it passes 64 KiB', async () => {
  const { sender, written, feed, received } = pair();
  const big = 'é'.repeat(200_000); // multi-byte, larger than a pipe buffer
  const frames: Array<[Head, string]> = [
    [{ t: 'a', n: 1 }, ''],
    [{ t: 'b', n: 2 }, 'body with ✓ unicode'],
    [{ t: 'c', n: 3 }, big],
    [{ t: 'd', n: 4 }, 'x'],
  ];
  for (const [head, body] of frames) sender.send(head, { text: body, parts: [] });
  await tick();
  // The batch was written as soon as it passed 64 KiB (frames a-c), the rest at the end of the tick.
  expect(written).toHaveLength(2);
  const bytes = Buffer.concat(written);
  // Feed it back 1, 2, 3, ... bytes at a time, then in big slabs.
  let offset = 0;
  for (let size = 1; offset < bytes.length; size = size < 64 ? size + 1 : size * 2) {
    feed.write(bytes.subarray(offset, offset + size));
    offset += size;
  }
  await tick();
  expect(received).toEqual(frames);
});

test('small frames sent in one tick leave in one write; several frames in one chunk are all delivered', async () => {
  const { sender, written, feed, received } = pair();
  for (let n = 0; n < 100; n += 1) sender.send({ t: 'x', n }, { text: String(n), parts: [] });
  await tick();
  expect(written).toHaveLength(1);
  feed.write(Buffer.concat(written));
  await tick();
  expect(received.map(([head]) => head.n)).toEqual(Array.from({ length: 100 }, (_, i) => i));
});

test('large strings and byte arrays travel as raw parts, and come back as the same types', async () => {
  const { sender, written, feed, payloads } = pair();
  const big = 'ü'.repeat(100_000);
  const value = {
    big,
    again: big,
    buffer: Buffer.alloc(200_000, 3),
    bytes: new Uint8Array(50_000).fill(9),
    small: 'stays in the text',
    floats: new Float64Array(10_000).fill(0.5),
  };
  const payload = encodeValue(value);
  expect(payload.parts.map((part) => part.kind)).toEqual(['s', 'b', 'u']);
  expect(payload.text.length).toBeLessThan(1000 + 10_000 * 8 * 2); // no 100k-char escape, no base64 of the big ones
  sender.send({ t: 'v', n: 1 }, payload);
  await tick();
  // One corked writev: the large parts were not merged into a copy first.
  expect(written).toHaveLength(1);
  const bytes = Buffer.concat(written);
  for (let offset = 0; offset < bytes.length; offset += 7_001) feed.write(bytes.subarray(offset, offset + 7_001));
  await tick();
  const back = decodeValue(payloads[0] as Payload) as typeof value;
  expect(back.big).toBe(big);
  expect(back.again).toBe(big);
  expect(Buffer.isBuffer(back.buffer) && back.buffer.equals(value.buffer)).toBe(true);
  expect(back.bytes).toBeInstanceOf(Uint8Array);
  expect(Buffer.isBuffer(back.bytes)).toBe(false);
  expect(Array.from(back.bytes.subarray(0, 3))).toEqual([9, 9, 9]);
  expect(back.small).toBe('stays in the text');
  expect(back.floats).toEqual(value.floats);
});

test('frames written in place keep their order around frames with raw parts', async () => {
  const { sender, written, feed, received, payloads } = pair();
  const withParts = encodeValue({ blob: Buffer.alloc(100_000, 1) });
  sender.send({ t: 'before', n: 1 }, { text: 'é', parts: [] });
  sender.send({ t: 'no-body', n: 2 }, { text: '', parts: [] });
  sender.send({ t: 'parts', n: 3 }, withParts);
  for (let n = 4; n < 2_000; n += 1) sender.send({ t: 'after', n }, { text: '✓'.repeat(n % 50), parts: [] });
  await tick();
  feed.write(Buffer.concat(written));
  await tick();
  expect(received.map(([head]) => head.n)).toEqual(Array.from({ length: 1_999 }, (_, i) => i + 1));
  expect(received[0]).toEqual([{ t: 'before', n: 1 }, 'é']);
  expect(received[1]).toEqual([{ t: 'no-body', n: 2 }, '']);
  expect((decodeValue(payloads[2] as Payload) as { blob: Buffer }).blob.equals(Buffer.alloc(100_000, 1))).toBe(true);
  expect(received[1_998]).toEqual([{ t: 'after', n: 1_999 }, '✓'.repeat(1_999 % 50)]);
});

test('a large string of one-byte characters goes as latin1, any other as UTF-16; both come back equal', async () => {
  const { sender, written, feed, payloads } = pair();
  const ascii = 'plain ascii '.repeat(10_000);
  const latin = 'é'.repeat(60_000); // one byte per character in latin1, two in UTF-8
  const wide = '✓'.repeat(60_000); // three bytes per character in UTF-8
  sender.send({ t: 'v', n: 1 }, encodeValue({ ascii, latin, wide }));
  await tick();
  const bytes = Buffer.concat(written);
  expect(bytes.length).toBeLessThan(ascii.length + latin.length + wide.length * 2 + 1_000);
  expect(bytes.length).toBeGreaterThanOrEqual(ascii.length + latin.length + wide.length * 2);
  feed.write(bytes);
  await tick();
  expect(decodeValue(payloads[0] as Payload)).toEqual({ ascii, latin, wide });
});

test('compact heads come back as the reader builds them, with or without raw parts, in order with JSON heads', async () => {
  const { sender, written, feed, received, payloads } = pair();
  const withParts = encodeValue({ blob: Buffer.alloc(100_000, 2), text: 'ü'.repeat(20_000) });
  sender.send({ t: 'json', n: 1 }, { text: 'a', parts: [] });
  sender.sendCompact(1, 2, 7, { text: 'é', parts: [] });
  sender.sendCompact(2, 2 ** 40 + 3, 4_000_000_000, withParts); // ids past 32 bits, values up to 32 bits
  sender.sendCompact(31, 4, 0);
  sender.send({ t: 'json', n: 5 }, { text: '', parts: [] });
  await tick();
  const bytes = Buffer.concat(written);
  for (let offset = 0; offset < bytes.length; offset += 3) feed.write(bytes.subarray(offset, offset + 3));
  await tick();
  expect(received).toEqual([
    [{ t: 'json', n: 1 }, 'a'],
    [{ t: 'compact 1/7', n: 2 }, 'é'],
    [{ t: 'compact 2/4000000000', n: 2 ** 40 + 3 }, payloads[2]?.text],
    [{ t: 'compact 31/0', n: 4 }, ''],
    [{ t: 'json', n: 5 }, ''],
  ]);
  const back = decodeValue(payloads[2] as Payload) as { blob: Buffer; text: string };
  expect(back.blob.equals(Buffer.alloc(100_000, 2))).toBe(true);
  expect(back.text).toBe('ü'.repeat(20_000));
});

test('bytes that are not a frame close the channel at once, with the reason, and deliver nothing after', async () => {
  const feed = new PassThrough();
  const received: number[] = [];
  let closed = false;
  const channel = new Channel<Head, Head>(
    Duplex.from({ readable: feed, writable: new PassThrough() }),
    (head) => received.push(head.n),
    () => {
      closed = true;
    },
  );
  const { sender, written } = pair();
  sender.send({ t: 'ok', n: 1 });
  sender.send({ t: 'ok', n: 2 });
  await tick();
  const good = written[0] as Buffer;
  const firstEnd = 4 + good.readUInt32LE(0);
  // A valid frame, then 4 stray bytes: read as the start of a frame, they announce a length of
  // 0x78787878 bytes that will never come; the next frame's bytes show it is not one.
  feed.write(Buffer.concat([good.subarray(0, firstEnd), Buffer.from('xxxx'), good.subarray(firstEnd)]));
  await tick();
  await tick();
  expect(received).toEqual([1]);
  expect(closed).toBe(true);
  expect(channel.protocolError?.message).toMatch(
    /^Something other than procpool wrote to the pipe: bytes that are not a frame/,
  );
});

/**
 * A channel that reads through `onread`, fed as Node feeds one: each read is
 * copied into the buffer `onread.buffer()` gave, at most its size, then
 * `callback(bytes, buffer)`, then `buffer()` again for the next read.
 */
function onreadReceiver(): {
  feed: (bytes: Buffer, readSize: number) => void;
  payloads: Payload[];
  ns: number[];
  buffers: Uint8Array[];
} {
  const payloads: Payload[] = [];
  const ns: number[] = [];
  let onread!: OnRead;
  new Channel<Head, Head>(
    (given) => {
      onread = given;
      return new Duplex({ read() {}, write: (_chunk, _encoding, callback) => callback() });
    },
    (head, payload) => {
      ns.push(head.n);
      payloads.push(payload);
    },
    () => {},
  );
  let buffer = onread.buffer();
  const buffers = [buffer];
  const feed = (bytes: Buffer, readSize: number): void => {
    for (let offset = 0; offset < bytes.length;) {
      const size = Math.min(readSize, buffer.length, bytes.length - offset);
      buffer.set(bytes.subarray(offset, offset + size));
      offset += size;
      onread.callback(size, buffer);
      buffer = onread.buffer();
      buffers.push(buffer);
    }
  };
  return { feed, payloads, ns, buffers };
}

test('a channel that reads into its own buffer (onread) never lets a later read overwrite what it handed out', async () => {
  const { sender, written } = pair();
  const values = [
    { bytes: Buffer.alloc(40_000, 1) }, // a raw part that fits in one read, with its frame
    { text: 'x'.repeat(50_000) },
    { bytes: new Uint8Array(100_000).fill(2) }, // spans reads
    { small: [1, 2, 3] },
    { bytes: Buffer.alloc(33_000, 3), more: Buffer.alloc(33_000, 4) },
  ];
  values.forEach((value, n) => {
    sender.send({ t: 'v', n }, encodeValue(value));
    sender.flush();
  });
  const bytes = Buffer.concat(written);
  // Each frame in reads of its own (a part then lies in the read buffer itself),
  // then all of them back to back, cut in reads of several sizes.
  const feeds: Array<[Buffer[], number]> = [
    [written, 65_536],
    ...[65_536, 4_096, 40_100].map((size): [Buffer[], number] => [[bytes], size]),
  ];
  for (const [chunks, readSize] of feeds) {
    const { feed, payloads, ns } = onreadReceiver();
    for (const chunk of chunks) feed(chunk, readSize);
    // Every part is checked only after all reads are done.
    expect(ns).toEqual([0, 1, 2, 3, 4]);
    expect(payloads.map((payload) => decodeValue(payload))).toEqual(values);
  }
});

test('through onread, the rest of a frame larger than a read goes straight into a buffer of its own', async () => {
  const { sender, written } = pair();
  const values = [
    { big: 'x'.repeat(1 << 20) },
    { small: 1 },
    { bytes: Buffer.alloc(300_000, 5), wide: '✓'.repeat(40_000) },
    { just: Buffer.alloc(64 * 1024 + 100, 6) }, // a little more than one read
    'last',
  ];
  values.forEach((value, n) => sender.send({ t: 'v', n }, encodeValue(value)));
  await tick();
  const bytes = Buffer.concat(written);
  for (const readSize of [65_536, 4_093, 1 << 21, 100_000]) {
    const { feed, payloads, ns, buffers } = onreadReceiver();
    feed(bytes, readSize);
    expect(ns).toEqual([0, 1, 2, 3, 4]);
    // (util's deep equality compares Buffers as bytes, far faster than expect's)
    expect(
      isDeepStrictEqual(
        payloads.map((payload) => decodeValue(payload)),
        values,
      ),
    ).toBe(true);
    // The reads of the 1 MiB frame's rest went into one buffer as large as it.
    const frameBytes = bytes.readUInt32LE(0) + 4;
    expect(buffers.some((buffer) => buffer.buffer.byteLength === frameBytes)).toBe(true);
    // After the frames, reads go into a read buffer again.
    expect(buffers.at(-1)?.byteLength).toBe(64 * 1024);
  }
});
