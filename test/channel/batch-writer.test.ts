import { Duplex, PassThrough } from 'node:stream';
import { expect, test } from '@jest/globals';
import { BATCH_BYTES, BatchWriter, MERGE_BYTES } from '../../packages/core/src/common/channel/batch-writer.js';
import { Channel } from '../../packages/core/src/common/channel/channel.js';
import { encodeFrame, frameBytes } from '../../packages/core/src/common/channel/frame.js';
import { FrameReader } from '../../packages/core/src/common/channel/reader.js';
import { encodeValue } from '../../packages/core/src/common/codec/values.js';

type Head = { t: string; n: number };

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * A socket that records each write as the OS gets it (a corked writev as one
 * list of buffers, as given, uncopied). `hold`: a write completes only when
 * `release` says, and holds its bytes until then (`setHold` changes this);
 * `taken` has them as they were when it completed.
 */
function recorder(hold = false): {
  socket: Duplex;
  writes: Buffer[][];
  taken: Buffer[];
  release: () => void;
  setHold: (to: boolean) => void;
} {
  const writes: Buffer[][] = [];
  const taken: Buffer[] = [];
  const pending: Array<() => void> = [];
  const take = (buffers: Buffer[], callback: () => void): void => {
    writes.push(buffers);
    const complete = (): void => {
      taken.push(Buffer.concat(buffers));
      callback();
    };
    if (hold) pending.push(complete);
    else complete();
  };
  const socket = new Duplex({
    read() {},
    write: (chunk: Buffer, _encoding, callback) => take([chunk], callback),
    writev: (chunks: Array<{ chunk: Buffer }>, callback) =>
      take(
        chunks.map(({ chunk }) => chunk),
        callback,
      ),
  });
  const release = (): void => {
    while (pending.length > 0) (pending.shift() as () => void)();
  };
  const setHold = (to: boolean): void => {
    hold = to;
  };
  return { socket, writes, taken, release, setHold };
}

/** The frames in `bytes`, each as its head and body. */
function decode(bytes: Buffer): Array<[Head, string]> {
  const frames: Array<[Head, string]> = [];
  const reader = new FrameReader<Head>(
    (head, payload) => frames.push([{ t: head.t, n: head.n }, payload.text]),
    (kind, id, value) => ({ t: `compact ${kind}/${value}`, n: id }),
    undefined,
    () => {},
  );
  reader.receive(bytes);
  expect(reader.protocolError).toBeNull();
  return frames;
}

const headText = (t: string, n: number): string => JSON.stringify({ t, n });
const attached = (socket: Duplex): BatchWriter => {
  const writer = new BatchWriter();
  writer.attach(socket);
  return writer;
};

test('the batch buffer is reused only once the socket has taken every byte: a pending write keeps its bytes', async () => {
  const written: Buffer[] = [];
  const pending: Array<() => void> = [];
  // A socket whose writes complete only when we say: until then it holds the bytes.
  const slow = new Duplex({
    read() {},
    write(chunk: Buffer, _encoding, callback) {
      // The bytes count as taken when the write completes.
      pending.push(() => {
        written.push(Buffer.from(chunk));
        callback();
      });
    },
  });
  const sender = new Channel<Head, Head>(
    slow,
    () => {},
    () => {},
  );
  for (let n = 0; n < 3; n += 1) {
    sender.send({ t: 'pending', n }, { text: `body ${n}`, parts: [] });
    sender.flush();
  }
  while (pending.length > 0) (pending.shift() as () => void)();
  // Now nothing is held: the next frames may start over, and must still arrive whole.
  for (let n = 3; n < 6; n += 1) {
    sender.send({ t: 'free', n }, { text: `body ${n}`, parts: [] });
    sender.flush();
    while (pending.length > 0) (pending.shift() as () => void)();
  }
  const feed = new PassThrough();
  const received: Array<[number, string]> = [];
  new Channel<Head, Head>(
    Duplex.from({ readable: feed, writable: new PassThrough() }),
    (head, payload) => received.push([head.n, payload.text]),
    () => {},
  );
  for (const chunk of written) feed.write(chunk);
  await tick();
  expect(received).toEqual([0, 1, 2, 3, 4, 5].map((n) => [n, `body ${n}`]));
});

test('while a write holds bytes of the batch, later frames go after them; once a write leaves none held, the batch starts over', () => {
  const { socket, writes, taken, release, setHold } = recorder(true);
  const writer = attached(socket);
  for (let n = 0; n < 3; n += 1) {
    writer.append(headText('held', n), `body ${n}`, 0, 0, 0);
    writer.flush();
  }
  release();
  expect(decode(Buffer.concat(taken))).toEqual([0, 1, 2].map((n) => [{ t: 'held', n }, `body ${n}`]));
  const held = writes.flat();
  const [first, second] = held as [Buffer, Buffer, Buffer];
  expect(held.map((buffer) => buffer.byteOffset)).toEqual([0, first.length, first.length + second.length]);
  expect(held.every((buffer) => buffer.buffer === first.buffer)).toBe(true);
  // A write the socket completes at once, as a socket does when the OS takes every byte.
  setHold(false);
  writer.append(headText('free', 3), 'body 3', 0, 0, 0);
  writer.flush();
  expect(socket.writableLength).toBe(0);
  writer.append(headText('free', 4), 'body 4', 0, 0, 0);
  writer.flush();
  const [again] = writes.at(-1) as [Buffer];
  expect(again.buffer).toBe(first.buffer);
  expect(again.byteOffset).toBe(0);
  expect(decode(Buffer.concat(taken.slice(-2)))).toEqual([3, 4].map((n) => [{ t: 'free', n }, `body ${n}`]));
});

test('a frame larger than the batch gets a buffer of its own size, in order between its neighbours', () => {
  const { socket, writes, taken } = recorder();
  const writer = attached(socket);
  const big = 'é'.repeat(BATCH_BYTES); // two bytes each
  writer.append(headText('before', 1), 'small', 0, 0, 0);
  writer.append(headText('big', 2), big, 0, 0, 0);
  writer.append(null, 'after', 2, 3, 1);
  writer.flush();
  // Past MERGE_BYTES: one writev of the three buffers as they are.
  expect(writes).toHaveLength(1);
  const [, own, next] = writes[0] as Buffer[];
  expect(own!.length).toBe(frameBytes(headText('big', 2), big));
  expect(own!.buffer.byteLength).toBe(own!.length);
  expect(next!.buffer.byteLength).toBe(BATCH_BYTES);
  expect(decode(taken[0] as Buffer)).toEqual([
    [{ t: 'before', n: 1 }, 'small'],
    [{ t: 'big', n: 2 }, big],
    [{ t: 'compact 2/1', n: 3 }, 'after'],
  ]);
});

test('a frame that fits in what is left of the batch only by its exact size is written there', () => {
  const { socket, writes, taken } = recorder();
  const writer = attached(socket);
  const room = 1_000;
  const filler = 'f'.repeat(BATCH_BYTES - room - frameBytes('{}', ''));
  writer.append('{}', filler, 0, 0, 0);
  const ascii = 'a'.repeat(900); // up to 3 bytes per character would not fit; 1 does
  expect(frameBytes(headText('fits', 2), ascii)).toBeLessThan(room);
  writer.append(headText('fits', 2), ascii, 0, 0, 0);
  writer.flush();
  expect(writes).toHaveLength(1);
  expect(writes[0]).toHaveLength(1);
  expect((writes[0] as Buffer[])[0]!.buffer.byteLength).toBe(BATCH_BYTES);
  expect(decode(taken[0] as Buffer).map(([, body]) => body)).toEqual([filler, ascii]);
});

test('queued bytes up to MERGE_BYTES wait for the end of the turn and leave in one write; past it they leave at once, uncopied', async () => {
  const { socket, writes, taken } = recorder();
  const writer = attached(socket);
  const exactly = 'x'.repeat(MERGE_BYTES - frameBytes(headText('at', 0), ''));
  writer.append(headText('at', 0), exactly, 0, 0, 0);
  writer.flushSoon();
  expect(writes).toHaveLength(0);
  writer.append(headText('over', 1), '', 0, 0, 0);
  writer.flushSoon();
  expect(writes).toHaveLength(1);
  expect(writes[0]).toHaveLength(2); // the full batch and the next one's frame, not merged into a copy
  // Two frames with raw parts, queued as their buffers: merged into one write, as they are small.
  const withParts = (n: number): Uint8Array[] =>
    encodeFrame({ t: 'parts', n }, encodeValue({ blob: Buffer.alloc(40_000, n) }));
  writer.queue(withParts(2));
  writer.flushSoon();
  expect(writes).toHaveLength(1);
  await tick();
  expect(writes).toHaveLength(2);
  expect(writes[1]).toHaveLength(1);
  writer.queue(withParts(3));
  writer.queue(withParts(4));
  writer.flushSoon(); // 80 KB in four buffers: at once, in one writev
  expect(writes).toHaveLength(3);
  expect(writes[2]).toHaveLength(4);
  expect(decode(Buffer.concat(taken)).map(([head]) => head)).toEqual([
    { t: 'at', n: 0 },
    { t: 'over', n: 1 },
    { t: 'parts', n: 2 },
    { t: 'parts', n: 3 },
    { t: 'parts', n: 4 },
  ]);
});

test('endWrites drops the frames not yet written and all sent after it; bytesQueued still counts those sent before', async () => {
  const { socket, taken } = recorder();
  const channel = new Channel<Head, Head>(
    socket,
    () => {},
    () => {},
  );
  channel.send({ t: 'kept', n: 1 });
  channel.flush();
  const kept = channel.bytesQueued;
  channel.send({ t: 'dropped', n: 2 }, { text: 'body', parts: [] });
  channel.sendCompact(2, 3, 0);
  const beforeEnd = channel.bytesQueued;
  expect(beforeEnd).toBeGreaterThan(kept);
  channel.endWrites();
  channel.send({ t: 'after', n: 4 });
  channel.sendCompact(2, 5, 0, undefined, true);
  let done = false;
  channel.flush(() => (done = true));
  expect(done).toBe(true);
  await tick();
  expect(decode(Buffer.concat(taken))).toEqual([[{ t: 'kept', n: 1 }, '']]);
  expect(channel.bytesWritten).toBe(kept);
  expect(channel.bytesQueued).toBe(beforeEnd);
  expect(channel.idle).toBe(true);
});

test('bytesQueued counts every frame sent, bytesWritten those handed to the socket, whole parts included', async () => {
  const channel = new Channel<Head, Head>(
    null,
    () => {},
    () => {},
  );
  channel.send({ t: 'early', n: 1 }, { text: 'waits for a socket', parts: [] });
  channel.send({ t: 'parts', n: 2 }, encodeValue({ blob: Buffer.alloc(100_000, 1) }));
  await tick();
  expect(channel.bytesQueued).toBeGreaterThan(100_000);
  expect(channel.bytesWritten).toBe(0);
  expect(channel.idle).toBe(false);
  const { socket, taken } = recorder();
  channel.attach(socket, 'stream');
  expect(channel.bytesWritten).toBe(channel.bytesQueued);
  expect(Buffer.concat(taken).length).toBe(channel.bytesQueued);
  expect(channel.idle).toBe(true);
  channel.sendCompact(2, 3, 0, undefined, true);
  expect(Buffer.concat(taken).length).toBe(channel.bytesQueued);
  expect(channel.bytesWritten).toBe(channel.bytesQueued);
  socket.destroy();
  await tick();
  expect(channel.closed).toBe(true);
  const queued = channel.bytesQueued;
  channel.send({ t: 'too late', n: 4 });
  channel.flush();
  expect(channel.bytesQueued).toBe(queued);
  expect(channel.bytesWritten).toBe(queued);
});

test('frames queued when the socket closes are dropped, not counted as written', () => {
  const { socket, writes } = recorder();
  const writer = attached(socket);
  writer.append(headText('queued', 1), '', 0, 0, 0);
  writer.queue(encodeFrame({ t: 'parts', n: 2 }, encodeValue({ blob: Buffer.alloc(40_000) })));
  writer.socketClosed();
  expect(writer.open).toBe(false);
  writer.flush();
  expect(writes).toHaveLength(0);
  expect(writer.bytesWritten).toBe(0);
  expect(writer.bytesQueued).toBeGreaterThan(40_000);
});
