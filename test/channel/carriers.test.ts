import { once } from 'node:events';
import { createServer, type Socket, connect } from 'node:net';
import type { Duplex } from 'node:stream';
import { MessageChannel } from 'node:worker_threads';
import { afterEach, expect, test } from '@jest/globals';
import { Channel } from '../../packages/core/src/common/channel/channel.js';
import { encodeFrame } from '../../packages/core/src/common/channel/frame.js';
import { portStream } from '../../packages/core/src/common/channel/port-stream.js';
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

/** Two ends of a carrier: a MessagePort pair (a thread's) or a TCP socket pair (a byte pipe, as a process's). */
async function ends(carrier: 'port' | 'socket'): Promise<[Duplex, Duplex]> {
  if (carrier === 'port') {
    const { port1, port2 } = new MessageChannel();
    cleanups.push(() => port1.close());
    return [portStream(port1), portStream(port2)];
  }
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  const accepted = once(server, 'connection') as Promise<[Socket]>;
  const client = connect(address.port, '127.0.0.1');
  const [serverEnd] = await accepted;
  cleanups.push(() => {
    client.destroy();
    serverEnd.destroy();
    server.close();
  });
  return [client, serverEnd];
}

test.each(['port', 'socket'] as const)(
  'values with large strings cross a %s and come back exactly',
  async (carrier) => {
    const [a, b] = await ends(carrier);
    const received: unknown[] = [];
    let done: () => void = () => {};
    const all = new Promise<void>((resolve) => (done = resolve));
    const sender = new Channel<Head, Head>(
      a,
      () => {},
      () => {},
    );
    new Channel<Head, Head>(
      b,
      (_head, payload) => {
        received.push(decodeValue(payload));
        if (received.length === values.length) done();
      },
      () => {},
    );
    values.forEach((value, n) => sender.send({ t: 'v', n }, encodeValue(value)));
    await all;
    expect(received).toEqual(values);
  },
);

test("a string's frame crosses a port uncopied (transferred); the sender's own bytes are copied, never taken", async () => {
  const [a, b] = await ends('port');
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
  expect(reads[0]).toEqual(sent);
  expect(reads[1]).toEqual(Buffer.concat(bytesFrame));
});
