import { once } from 'node:events';
import { type AddressInfo, connect, createServer, type NetConnectOpts, type Socket } from 'node:net';
import { isDeepStrictEqual } from 'node:util';
import { MessageChannel } from 'node:worker_threads';
import { afterEach, expect, test } from '@jest/globals';
import { Channel } from '../../packages/core/src/common/channel/channel.js';
import { encodeFrame } from '../../packages/core/src/common/channel/frame.js';
import { portStream } from '../../packages/core/src/common/channel/port-stream.js';
import type { FrameHandler } from '../../packages/core/src/common/channel/reader.js';
import { decodeValue, encodeValue } from '../../packages/core/src/common/codec/values.js';

type Head = { t: string; n: number };

// Large strings of every shape, and a value that mixes them with byte arrays.
const values: unknown[] = [
  'x'.repeat(1 << 20),
  `${'x'.repeat(100_000)}é`,
  `${'x'.repeat(100_000)}€`,
  '中'.repeat(50_000),
  `\ud800${'𝄞'.repeat(20_000)}\udfff`,
  { a: 'é'.repeat(10_000), b: Buffer.alloc(50_000, 2), c: '\udc00'.repeat(10_000), d: new Uint8Array(40_000) },
  ['', 'short ✓'],
];

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/**
 * A sending channel and a receiving one over a carrier: a MessagePort pair (a
 * thread's), or a TCP connection whose receiving end reads through `onread`
 * (a byte pipe, read as a process pool reads its workers).
 */
async function channels(carrier: 'port' | 'socket', onFrame: FrameHandler<Head>): Promise<Channel<Head, Head>> {
  const ignore = (): void => {};
  if (carrier === 'port') {
    const { port1, port2 } = new MessageChannel();
    cleanups.push(() => port1.close());
    new Channel<Head, Head>(portStream(port2), onFrame, ignore);
    return new Channel<Head, Head>(portStream(port1), ignore, ignore);
  }
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const accepted = once(server, 'connection') as Promise<[Socket]>;
  const receiver = new Channel<Head, Head>(
    (onread) => connect({ port, host: '127.0.0.1', onread } as NetConnectOpts),
    onFrame,
    ignore,
  );
  const [sending] = await accepted;
  cleanups.push(() => {
    receiver.destroy();
    sending.destroy();
    server.close();
  });
  return new Channel<Head, Head>(sending, ignore, ignore);
}

test.each(['port', 'socket'] as const)(
  'values with large strings cross a %s and come back exactly',
  async (carrier) => {
    const received: unknown[] = [];
    let done: () => void = () => {};
    const all = new Promise<void>((resolve) => (done = resolve));
    const sender = await channels(carrier, (_head, payload) => {
      received.push(decodeValue(payload));
      if (received.length === values.length) done();
    });
    values.forEach((value, n) => sender.send({ t: 'v', n }, encodeValue(value)));
    await all;
    expect(isDeepStrictEqual(received, values)).toBe(true);
  },
);

test("a string's frame crosses a port uncopied (transferred); the sender's own bytes are copied, never taken", async () => {
  const { port1, port2 } = new MessageChannel();
  cleanups.push(() => port1.close());
  const [a, b] = [portStream(port1), portStream(port2)];
  const reads: Buffer[] = [];
  b.on('data', (read: Buffer) => reads.push(read));
  const [stringFrame] = encodeFrame({ t: 's' }, encodeValue(['x'.repeat(100_000)]));
  const user = Buffer.alloc(100_000, 9);
  const bytesFrame = encodeFrame({ t: 'b' }, encodeValue([user]));
  const sent = Buffer.from(stringFrame as Uint8Array);
  a.write(stringFrame);
  a.cork();
  for (const piece of bytesFrame) a.write(piece);
  a.uncork();
  // Transferred: the frame's buffer now belongs to the other side.
  expect(stringFrame?.byteLength).toBe(0);
  expect(user.equals(Buffer.alloc(100_000, 9))).toBe(true);
  while (reads.length < 2) await once(b, 'data');
  expect(reads[0]?.equals(sent)).toBe(true);
  expect(reads[1]?.equals(Buffer.concat(bytesFrame))).toBe(true);
});
