// The handshake halves over a real socket, against a peer the test scripts
// byte by byte: the answers Python gives (constants computed with Python's
// hmac module), and every way a peer can get it wrong.
import { createHmac } from 'node:crypto';
import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, test } from '@jest/globals';
import { answerChallenge, deliverChallenge } from '../../packages/core/src/common/connection/auth.js';
import { Connection } from '../../packages/core/src/common/connection/connection.js';
import { AuthenticationError, EOFError } from '../../packages/core/src/common/connection/errors.js';
import { ProcessError } from '../../packages/core/src/common/errors.js';
import { tempDir } from '../helpers/temp.js';

const KEY = Buffer.from('procpool');
const CHALLENGE = Buffer.from('#CHALLENGE#');
const WELCOME = Buffer.from('#WELCOME#');
const FAILURE = Buffer.from('#FAILURE#');
const counting = (n: number): Buffer => Buffer.from(Array.from({ length: n }, (_, i) => i));

/** Python's framing: a 4-byte big-endian length, then the bytes. */
function frame(bytes: Buffer): Buffer {
  const header = Buffer.alloc(4);
  header.writeInt32BE(bytes.length);
  return Buffer.concat([header, bytes]);
}

/** The raw end of a socket pair: what it reads, message by message. */
interface RawPeer {
  socket: net.Socket;
  send(bytes: Buffer): void;
  next(): Promise<Buffer>;
}

const sockets = new Set<net.Socket>();
const connections = new Set<Connection>();
afterEach(() => {
  for (const socket of sockets) socket.destroy();
  for (const connection of connections) connection.close();
  sockets.clear();
  connections.clear();
});

/** A Connection whose other end the test drives by hand. */
async function pair(): Promise<{ connection: Connection; peer: RawPeer }> {
  const socketPath = path.join(tempDir(), 's');
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  const accepted = new Promise<net.Socket>((resolve) => server.once('connection', resolve));
  const ours = net.connect(socketPath);
  const theirs = await accepted;
  server.close();
  sockets.add(ours).add(theirs);
  let buffered = Buffer.alloc(0);
  const messages: Buffer[] = [];
  const waiting: Array<(message: Buffer) => void> = [];
  theirs.on('data', (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    while (buffered.length >= 4 && buffered.length >= 4 + buffered.readInt32BE(0)) {
      const message = buffered.subarray(4, 4 + buffered.readInt32BE(0));
      buffered = buffered.subarray(4 + message.length);
      const waiter = waiting.shift();
      if (waiter === undefined) messages.push(message);
      else waiter(message);
    }
  });
  const connection = Connection.fromSocket(ours, { readable: true, writable: true });
  connections.add(connection);
  return {
    connection,
    peer: {
      socket: theirs,
      send: (bytes) => theirs.write(frame(bytes)),
      next: () => {
        const message = messages.shift();
        return message === undefined ? new Promise((resolve) => waiting.push(resolve)) : Promise.resolve(message);
      },
    },
  };
}

describe('answerChallenge: the answers Python computes', () => {
  test.each([
    // [challenge after #CHALLENGE#, the answer Python's hmac gives for key b'procpool']
    [
      'a 3.12 {sha256} challenge gets a {sha256} answer over the whole challenge',
      Buffer.concat([Buffer.from('{sha256}'), counting(40)]),
      Buffer.concat([
        Buffer.from('{sha256}'),
        Buffer.from('771e3bef0a501208ce9de567d2d127c3046ec7c9ef30adb07b05290169a328b3', 'hex'),
      ]),
    ],
    [
      'a 3.12 server may name another digest: {sha3_384}',
      Buffer.concat([Buffer.from('{sha3_384}'), counting(40)]),
      Buffer.concat([
        Buffer.from('{sha3_384}'),
        Buffer.from(
          'c1b1e2cc1adde3eab61cf1a78d06ef4084e2b82676e0f84bcb28efd987ce65145775ea18e3c3d00bf19dd7c428aadcdb',
          'hex',
        ),
      ]),
    ],
    [
      'a legacy 20-byte challenge (Python ≤ 3.11) gets the bare 16-byte HMAC-MD5',
      counting(20),
      Buffer.from('7270e19b5901fbea3d38823db30ca452', 'hex'),
    ],
  ])('%s', async (_name, challenge, answer) => {
    const { connection, peer } = await pair();
    peer.send(Buffer.concat([CHALLENGE, challenge]));
    const answered = answerChallenge(connection, KEY);
    expect(await peer.next()).toEqual(answer);
    peer.send(WELCOME);
    await expect(answered).resolves.toBeUndefined();
  });

  test('#FAILURE# from the peer: AuthenticationError saying the keys differ', async () => {
    const { connection, peer } = await pair();
    peer.send(Buffer.concat([CHALLENGE, counting(20)]));
    const answered = answerChallenge(connection, KEY);
    await peer.next();
    peer.send(FAILURE);
    await expect(answered).rejects.toThrow(
      new AuthenticationError('The peer rejected our answer to its challenge: its authkey differs from ours'),
    );
  });

  test.each([
    ['no #CHALLENGE#', Buffer.from('hello'), /Expected the peer's #CHALLENGE#, got "hello"/],
    ['a challenge under 20 bytes', Buffer.concat([CHALLENGE, counting(19)]), /too short: 19 bytes/],
    ['an unknown digest', Buffer.concat([CHALLENGE, Buffer.from('{sha1}'), counting(40)]), /\{sha1\}/],
    ['no prefix and not 20 bytes', Buffer.concat([CHALLENGE, counting(30)]), /neither a legacy one/],
  ])('a peer that sends %s: AuthenticationError, and nothing is answered', async (_name, message, reason) => {
    const { connection, peer } = await pair();
    peer.send(message);
    const error = await answerChallenge(connection, KEY).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as Error).message).toMatch(reason);
  });

  test('a verdict other than #WELCOME# or #FAILURE#: AuthenticationError showing it', async () => {
    const { connection, peer } = await pair();
    peer.send(Buffer.concat([CHALLENGE, counting(20)]));
    const answered = answerChallenge(connection, KEY);
    await peer.next();
    peer.send(Buffer.from('#WELCOME'));
    await expect(answered).rejects.toThrow(/Expected the peer's #WELCOME# or #FAILURE#, got "#WELCOME"/);
  });
});

describe('deliverChallenge: what it sends, what it accepts', () => {
  /** Our challenge, less its #CHALLENGE# prefix; `delivered` settles as deliverChallenge() does, to an error or null. */
  async function challenged(): Promise<{ peer: RawPeer; delivered: Promise<unknown>; challenge: Buffer }> {
    const { connection, peer } = await pair();
    const delivered = deliverChallenge(connection, KEY).then(
      () => null,
      (error: unknown) => error,
    );
    const message = await peer.next();
    expect(message.subarray(0, CHALLENGE.length)).toEqual(CHALLENGE);
    return { peer, delivered, challenge: message.subarray(CHALLENGE.length) };
  }

  test("the challenge is 3.12's: {sha256} and 40 random bytes, new each time", async () => {
    const first = await challenged();
    const second = await challenged();
    for (const { challenge } of [first, second]) {
      expect(challenge.subarray(0, 8).toString()).toBe('{sha256}');
      expect(challenge.length).toBe(48);
    }
    expect(first.challenge).not.toEqual(second.challenge);
  });

  test.each([
    [
      'a 3.12 client: {sha256} + HMAC-SHA256',
      (c: Buffer) => Buffer.concat([Buffer.from('{sha256}'), hmac('sha256', c)]),
    ],
    ['a ≤ 3.11 client: the bare HMAC-MD5 of the whole challenge', (c: Buffer) => hmac('md5', c)],
    ['a client choosing {sha3_256}', (c: Buffer) => Buffer.concat([Buffer.from('{sha3_256}'), hmac('sha3-256', c)])],
  ])('accepts %s and says #WELCOME#', async (_name, answer) => {
    const { peer, delivered, challenge } = await challenged();
    peer.send(answer(challenge));
    expect(await peer.next()).toEqual(WELCOME);
    expect(await delivered).toBeNull();
  });

  test.each([
    ['a wrong key', (c: Buffer) => createHmac('md5', 'other key').update(c).digest(), /authkey differs from ours/],
    ['garbage', () => Buffer.from('GET / HTTP/1.1'), /neither a legacy one .*GET \/ HTTP/],
    ['an unknown digest', (c: Buffer) => Buffer.concat([Buffer.from('{sha1}'), hmac('sha1', c)]), /\{sha1\}/],
    [
      'a truncated MAC',
      (c: Buffer) => Buffer.concat([Buffer.from('{sha256}'), hmac('sha256', c).subarray(0, 31)]),
      /31 bytes where 32/,
    ],
    ['nothing', () => Buffer.alloc(0), /neither a legacy one/],
  ])('rejects %s: #FAILURE# to the peer, AuthenticationError here', async (_name, answer, reason) => {
    const { peer, delivered, challenge } = await challenged();
    peer.send(answer(challenge));
    expect(await peer.next()).toEqual(FAILURE);
    const error = await delivered;
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as Error).message).toMatch(reason);
  });
});

function hmac(digest: string, message: Buffer): Buffer {
  return createHmac(digest, KEY).update(message).digest();
}

describe('a peer that is not playing along', () => {
  test.each([
    ['a 10 GiB header (-1 and a 64-bit length)', Buffer.from('ffffffff0000000280000000', 'hex')],
    ['a 2 GiB - 1 header', Buffer.from('7fffffff', 'hex')],
    ['an HTTP request', Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n')],
  ])('%s: AuthenticationError (the peer does not speak the handshake), nothing allocated', async (_name, bytes) => {
    const { connection, peer } = await pair();
    const before = process.memoryUsage().arrayBuffers;
    peer.socket.write(bytes);
    const error = (await answerChallenge(connection, KEY).catch((caught: unknown) => caught)) as Error;
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error.message).toMatch(/^The peer does not speak the handshake: /);
    // Why, as the connection said it: a message longer than the 256 bytes asked for.
    expect(error.cause).toBeInstanceOf(ProcessError);
    expect(error.cause).not.toBeInstanceOf(EOFError);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(16 * 1024 * 1024);
  });

  test('the peer leaves mid-handshake: EOFError', async () => {
    const { connection, peer } = await pair();
    const delivered = deliverChallenge(connection, KEY);
    await peer.next();
    peer.socket.end();
    await expect(delivered).rejects.toBeInstanceOf(EOFError);
  });
});
