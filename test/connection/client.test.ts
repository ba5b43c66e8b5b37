import net from 'node:net';
import path from 'node:path';
import { describe, expect, test } from '@jest/globals';
import { AuthenticationError, Client, EOFError, type Address } from '@procpool/core';
import { startNode } from '../helpers/line-processes.js';
import { connect, frame, listen } from '../helpers/listeners.js';
import { tempDir } from '../helpers/temp.js';

const KEY = Buffer.from('client test key');

describe('options', () => {
  test.each<[string, unknown, unknown, RegExp | string]>([
    [
      'no address',
      undefined,
      undefined,
      'Expected `address` to be a Unix socket path or a [host, port] pair with a port from 0 to 65535, got `undefined` (undefined)',
    ],
    [
      'a port that is a string',
      ['127.0.0.1', '80'],
      undefined,
      /Expected `address` to be a Unix socket path or a \[host, port\] pair/,
    ],
    [
      'AF_INET for a path',
      '/tmp/x.sock',
      { family: 'AF_INET' },
      /Expected `family` to be AF_UNIX for the address "\/tmp\/x.sock", got `AF_INET` \(string\)/,
    ],
    [
      'AF_INET for an IPv6 address',
      ['::1', 80],
      { family: 'AF_INET' },
      /Expected `family` to be AF_INET6 for the address/,
    ],
    [
      'an authkey that is a string',
      '/tmp/x.sock',
      { authkey: 'secret' },
      'Expected `authkey` to be a Buffer or Uint8Array, got `secret` (string)',
    ],
    ['a Listener option', '/tmp/x.sock', { backlog: 5 }, 'Unknown Client option `backlog`'],
  ])('%s is refused, naming the option and the value', async (_name, address, options, message) => {
    await expect(Client(address as Address, options as never)).rejects.toThrow(message);
  });
});

describe('connecting', () => {
  test('nothing listening: the OS error (ENOENT for a path, ECONNREFUSED for TCP)', async () => {
    await expect(Client(path.join(tempDir(), 'nobody.sock'))).rejects.toMatchObject({ code: 'ENOENT' });
    const listener = listen(['127.0.0.1', 0]);
    const address = await listener.ready();
    listener.close();
    await expect(Client(address)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  test('a Uint8Array authkey works as a Buffer does', async () => {
    const listener = listen(undefined, { authkey: new Uint8Array(KEY) });
    const [client, server] = await Promise.all([connect(listener.address, { authkey: KEY }), listener.accept()]);
    client.sendBytes(Buffer.from('typed'));
    expect((await server.recvBytes()).toString()).toBe('typed');
  });

  test('the caller changing its key buffer afterwards changes nothing', async () => {
    const key = Buffer.from(KEY);
    const listener = listen(undefined, { authkey: key });
    key.fill(0);
    await Promise.all([connect(listener.address, { authkey: KEY }), listener.accept()]);
  });
});

describe('a server that misbehaves or dies', () => {
  /** A plain Unix server whose first accepted socket `act` handles. */
  async function rawServer(act: (socket: net.Socket) => void): Promise<string> {
    const socketPath = path.join(tempDir(), 'raw.sock');
    const server = net.createServer((socket) => {
      server.close();
      act(socket);
    });
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    return socketPath;
  }

  test('it closes during the handshake: EOFError', async () => {
    const address = await rawServer((socket) => socket.end());
    await expect(Client(address, { authkey: KEY })).rejects.toThrow(EOFError);
  });

  test('it sends no challenge: AuthenticationError', async () => {
    const address = await rawServer((socket) => socket.end(frame(Buffer.from('welcome, whoever you are'))));
    await expect(Client(address, { authkey: KEY })).rejects.toThrow(
      /Expected the peer's #CHALLENGE#, got "welcome, whoever you are"/,
    );
  });

  test('a procpool server SIGKILLed mid-call: the pending recvBytes() rejects with EOFError', async () => {
    const server = startNode('fixtures/connection/listener-process.mjs', [
      'serve-then-hang',
      JSON.stringify(['127.0.0.1', 0]),
      KEY.toString('hex'),
    ]);
    const { address } = (await server.next()) as { address: Address };
    const client = await connect(address, { authkey: KEY });
    client.sendBytes(Buffer.from('call'));
    expect((await client.recvBytes()).toString()).toBe('echo:call');
    expect(await server.next()).toEqual({ event: 'hanging' });
    const pending = client.recvBytes().catch((error: unknown) => error);
    await server.kill();
    expect(await pending).toBeInstanceOf(EOFError);
  });

  test('a wrong key rejects with AuthenticationError (a server with the right one accepts)', async () => {
    const listener = listen(undefined, { authkey: KEY });
    const accepted = listener.accept().catch((error: unknown) => error);
    await expect(Client(listener.address, { authkey: Buffer.from('not it') })).rejects.toThrow(AuthenticationError);
    expect(await accepted).toBeInstanceOf(AuthenticationError);
  });
});
