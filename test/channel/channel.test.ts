import { Duplex, PassThrough } from 'node:stream';
import { expect, test } from '@jest/globals';
import { Channel } from '../../packages/core/src/channel/channel.js';

type Head = { t: string; n: number };

/** A channel whose written bytes are collected, and one fed those bytes in chunks we choose. */
function pair(): {
  sender: Channel<Head, Head>;
  written: Buffer[];
  feed: PassThrough;
  received: Array<[Head, string]>;
} {
  const written: Buffer[] = [];
  const sink = new Duplex({
    read() {},
    write(chunk: Buffer, _encoding, callback) {
      written.push(chunk);
      callback();
    },
  });
  const feed = new PassThrough();
  const received: Array<[Head, string]> = [];
  const sender = new Channel<Head, Head>(
    sink,
    () => {},
    () => {},
  );
  new Channel<Head, Head>(
    Duplex.from({ readable: feed, writable: new PassThrough() }),
    (head, body) => received.push([head, body]),
    () => {},
  );
  return { sender, written, feed, received };
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

test('frames sent in one tick leave in one write and come back whole across any chunking', async () => {
  const { sender, written, feed, received } = pair();
  const big = 'é'.repeat(200_000); // multi-byte, larger than a pipe buffer
  const frames: Array<[Head, string]> = [
    [{ t: 'a', n: 1 }, ''],
    [{ t: 'b', n: 2 }, 'body with ✓ unicode'],
    [{ t: 'c', n: 3 }, big],
    [{ t: 'd', n: 4 }, 'x'],
  ];
  for (const [head, body] of frames) sender.send(head, body);
  await tick();
  expect(written).toHaveLength(1);
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

test('several frames in a single chunk are all delivered', async () => {
  const { sender, written, feed, received } = pair();
  for (let n = 0; n < 100; n += 1) sender.send({ t: 'x', n }, String(n));
  await tick();
  feed.write(Buffer.concat(written));
  await tick();
  expect(received.map(([head]) => head.n)).toEqual(Array.from({ length: 100 }, (_, i) => i));
});
