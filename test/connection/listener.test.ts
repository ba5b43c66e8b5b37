import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from '@jest/globals';
import {
  AuthenticationError,
  EOFError,
  Listener,
  ProcessError,
  type Address,
  type ListenerOptions,
} from '@procpool/core';
import { startNode } from '../helpers/line-processes.js';
import { connect, frame, listen, rawSocket, readToEnd } from '../helpers/listeners.js';
import { tempDir } from '../helpers/temp.js';

const KEY = Buffer.from('listener test key');

describe('options', () => {
  test.each<[string, unknown, unknown, RegExp | string]>([
    [
      'an address of another type',
      5,
      undefined,
      'Expected `address` to be a Unix socket path or a [host, port] pair with a port from 0 to 65535, got `5` (number)',
    ],
    [
      'a pair without a port',
      ['localhost'],
      undefined,
      /Expected `address` to be a Unix socket path or a \[host, port\] pair/,
    ],
    ['a port out of range', ['127.0.0.1', 65536], undefined, /Expected `address` to be .* a port from 0 to 65535/],
    ['an empty path', '', undefined, /Expected `address`/],
    [
      'a path too long for a Unix socket',
      `/tmp/${'x'.repeat(104)}`,
      undefined,
      /Expected `address` to be a Unix socket path of at most 10[48] bytes \(the OS limit\)/,
    ],
    ['AF_PIPE', undefined, { family: 'AF_PIPE' }, /AF_PIPE \(Windows named pipes\) is not supported/],
    [
      'an unknown family',
      undefined,
      { family: 'AF_INET7' },
      "Expected `family` to be 'AF_UNIX', 'AF_INET' or 'AF_INET6', got `AF_INET7` (string)",
    ],
    [
      'AF_UNIX for a TCP address',
      ['127.0.0.1', 0],
      { family: 'AF_UNIX' },
      'Expected `family` to be AF_INET for the address ["127.0.0.1",0], got `AF_UNIX` (string)',
    ],
    [
      'AF_INET6 for an IPv4 address',
      ['127.0.0.1', 0],
      { family: 'AF_INET6' },
      /Expected `family` to be AF_INET for the address/,
    ],
    [
      'AF_INET for a path',
      '/tmp/x',
      { family: 'AF_INET' },
      /Expected `family` to be AF_UNIX for the address "\/tmp\/x"/,
    ],
    ['a backlog of 0', undefined, { backlog: 0 }, 'Expected `backlog` to be a positive integer, got `0` (number)'],
    [
      'a fractional backlog',
      undefined,
      { backlog: 1.5 },
      'Expected `backlog` to be a positive integer, got `1.5` (number)',
    ],
    [
      'a string authkey',
      undefined,
      { authkey: 'secret' },
      'Expected `authkey` to be a Buffer or Uint8Array, got `secret` (string)',
    ],
    ['an unknown option', undefined, { timeout: 5 }, 'Unknown Listener option `timeout`'],
    ['options that are no object', undefined, 'AF_UNIX', 'Expected `options` to be an object, got `AF_UNIX` (string)'],
  ])('%s is refused, naming the option and the value', (_name, address, options, message) => {
    expect(() => new Listener(address as Address, options as never)).toThrow(message);
  });

  test('a RangeError for a number out of range, a TypeError otherwise', () => {
    expect(() => new Listener(undefined, { backlog: -1 })).toThrow(RangeError);
    expect(() => new Listener(undefined, { authkey: 7 as never })).toThrow(TypeError);
  });
});

describe('addresses', () => {
  test('no address: a socket in a new private (0700) directory, removed on close()', async () => {
    const listener = listen();
    const socketPath = listener.address as string;
    await expect(listener.ready()).resolves.toBe(socketPath);
    const dir = path.dirname(socketPath);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(socketPath).isSocket()).toBe(true);
    listener.close();
    expect(existsSync(dir)).toBe(false);
  });

  test('using: the directory goes at the end of the block', () => {
    let dir: string;
    {
      using listener = new Listener();
      dir = path.dirname(listener.address as string);
      expect(existsSync(dir)).toBe(true);
    }
    expect(existsSync(dir)).toBe(false);
  });

  test('a Unix path given: bound there, the file removed on close()', async () => {
    const socketPath = path.join(tempDir(), 'given.sock');
    const listener = listen(socketPath, { authkey: KEY });
    await expect(listener.ready()).resolves.toBe(socketPath);
    const [client, server] = await Promise.all([connect(socketPath, { authkey: KEY }), listener.accept()]);
    client.sendBytes(Buffer.from('over unix'));
    expect((await server.recvBytes()).toString()).toBe('over unix');
    expect(listener.lastAccepted).toBeNull();
    listener.close();
    expect(existsSync(socketPath)).toBe(false);
  });

  // Linux only: elsewhere a path starting with NUL is no socket address.
  (process.platform === 'linux' ? test : test.skip)(
    "Linux's abstract namespace ('\\0name'): no file to make or remove",
    async () => {
      const name = `\0procpool-test-${process.pid}-${Math.random()}`;
      const listener = listen(name, { authkey: KEY });
      await expect(listener.ready()).resolves.toBe(name);
      const [client, server] = await Promise.all([connect(name, { authkey: KEY }), listener.accept()]);
      client.sendBytes(Buffer.from('abstract'));
      expect((await server.recvBytes()).toString()).toBe('abstract');
    },
  );

  test('TCP port 0: ready() and then address give the real port; lastAccepted is the peer', async () => {
    const listener = listen(['127.0.0.1', 0]);
    expect(listener.address).toEqual(['127.0.0.1', 0]);
    const address = await listener.ready();
    expect(address).toEqual(['127.0.0.1', expect.any(Number)]);
    expect((address as [string, number])[1]).toBeGreaterThan(0);
    expect(listener.address).toEqual(address);
    expect(listener.lastAccepted).toBeNull();
    const [, server] = await Promise.all([connect(address), listener.accept()]);
    expect(listener.lastAccepted).toEqual(['127.0.0.1', expect.any(Number)]);
    server.sendBytes(Buffer.from('over tcp'));
  });

  test.each<[string, Address | undefined, ListenerOptions, string]>([
    ['an IPv6 address is AF_INET6', ['::1', 0], {}, '::1'],
    ['a host name resolves in the family asked for', ['localhost', 0], { family: 'AF_INET' }, '127.0.0.1'],
    ['AF_INET alone listens on the IPv4 loopback', undefined, { family: 'AF_INET' }, '127.0.0.1'],
    ['AF_INET6 alone listens on the IPv6 loopback', undefined, { family: 'AF_INET6' }, '::1'],
  ])('%s', async (_name, address, options, host) => {
    const listener = listen(address, { ...options, authkey: KEY });
    const real = await listener.ready();
    expect(real).toEqual([host, expect.any(Number)]);
    const [client, server] = await Promise.all([connect(real, { authkey: KEY }), listener.accept()]);
    server.sendBytes(Buffer.from('hello'));
    expect((await client.recvBytes()).toString()).toBe('hello');
  });

  test('an address in use: ready() and accept() reject with EADDRINUSE; the other listener keeps its socket', async () => {
    const socketPath = path.join(tempDir(), 'taken.sock');
    const first = listen(socketPath);
    await first.ready();
    const second = listen(socketPath);
    await expect(second.ready()).rejects.toMatchObject({ code: 'EADDRINUSE' });
    await expect(second.accept()).rejects.toMatchObject({ code: 'EADDRINUSE' });
    second.close();
    expect(statSync(socketPath).isSocket()).toBe(true);
    const tcp = listen(['127.0.0.1', 0]);
    const taken = listen(await tcp.ready());
    await expect(taken.ready()).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });
});

describe('accept() and close()', () => {
  test('clients that connected before accept() are served in the order they came', async () => {
    const listener = listen();
    for (const n of ['1', '2', '3']) (await connect(listener.address)).sendBytes(Buffer.from(n));
    const received: string[] = [];
    for (let i = 0; i < 3; i += 1) received.push((await (await listener.accept()).recvBytes()).toString());
    expect(received).toEqual(['1', '2', '3']);
  });

  test('two accept() calls wait together and each gets a client', async () => {
    const listener = listen(undefined, { authkey: KEY });
    const accepts = [listener.accept(), listener.accept()];
    await Promise.all([connect(listener.address, { authkey: KEY }), connect(listener.address, { authkey: KEY })]);
    const servers = await Promise.all(accepts);
    expect(servers).toHaveLength(2);
  });

  test('close() rejects a pending accept(), and later ones', async () => {
    const listener = listen();
    const accepting = listener.accept();
    listener.close();
    await expect(accepting).rejects.toThrow(new ProcessError('Listener is closed'));
    await expect(listener.accept()).rejects.toThrow('Listener is closed');
    listener.close(); // twice is fine
  });

  test('close() during a handshake rejects that accept() and drops the client', async () => {
    const listener = listen(undefined, { authkey: KEY });
    const socket = await rawSocket(listener.address); // never answers the challenge
    const received = readToEnd(socket);
    const accepting = listener.accept();
    // The challenge has arrived: the handshake is under way.
    await new Promise((resolve) => socket.once('data', resolve));
    listener.close();
    await expect(accepting).rejects.toThrow('Listener is closed');
    expect((await received).subarray(4, 15).toString()).toBe('#CHALLENGE#');
  });
});

describe('clients that fail: that accept() rejects, the next is served', () => {
  async function nextIsServed(listener: Listener): Promise<void> {
    const [client, server] = await Promise.all([connect(listener.address, { authkey: KEY }), listener.accept()]);
    client.sendBytes(Buffer.from('still serving'));
    expect((await server.recvBytes()).toString()).toBe('still serving');
  }

  test('a wrong authkey: AuthenticationError on both sides', async () => {
    const listener = listen(['127.0.0.1', 0], { authkey: KEY });
    const address = await listener.ready();
    const [client, server] = await Promise.allSettled([
      connect(address, { authkey: Buffer.from('wrong') }),
      listener.accept(),
    ]);
    expect(client).toMatchObject({ status: 'rejected', reason: expect.any(AuthenticationError) });
    expect(server).toMatchObject({ status: 'rejected', reason: expect.any(AuthenticationError) });
    await nextIsServed(listener);
  });

  test.each([
    ['an HTTP request', Buffer.from('GET / HTTP/1.1\r\nHost: localhost\r\n\r\n')],
    ['a 10 GiB length header', Buffer.from('ffffffff0000000280000000', 'hex')],
    ['a 2 GiB length header', Buffer.from('7fffffff', 'hex')],
  ])('%s: AuthenticationError, the client dropped, nothing allocated', async (_name, bytes) => {
    const listener = listen(undefined, { authkey: KEY });
    const socket = await rawSocket(listener.address);
    const received = readToEnd(socket);
    const before = process.memoryUsage().arrayBuffers;
    socket.write(bytes);
    const error = (await listener.accept().catch((caught: unknown) => caught)) as Error;
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error.message).toMatch(/^The peer does not speak the handshake: /);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(16 * 1024 * 1024);
    await received; // the listener closed that client's socket
    await nextIsServed(listener);
  });

  test('a short message that is no answer: AuthenticationError, and #FAILURE# is sent before the drop', async () => {
    const listener = listen(undefined, { authkey: KEY });
    const socket = await rawSocket(listener.address);
    const received = readToEnd(socket);
    socket.write(frame(Buffer.from('hello')));
    await expect(listener.accept()).rejects.toThrow(AuthenticationError);
    expect((await received).includes(frame(Buffer.from('#FAILURE#')))).toBe(true);
    await nextIsServed(listener);
  });

  test('a client that leaves mid-handshake: EOFError', async () => {
    const listener = listen(undefined, { authkey: KEY });
    const socket = await rawSocket(listener.address);
    socket.end();
    await expect(listener.accept()).rejects.toThrow(EOFError);
    await nextIsServed(listener);
  });
});

describe('the process around it', () => {
  test('an idle Listener does not keep Node alive, and its directory goes at exit', async () => {
    const child = startNode('fixtures/connection/listener-process.mjs', ['exit']);
    const { address } = (await child.next()) as { address: string };
    expect(await child.exited).toEqual({ code: 0, signal: null });
    expect(existsSync(path.dirname(address))).toBe(false);
  });

  test('a socket file at a path given is removed at exit too, as Python does', async () => {
    const socketPath = path.join(tempDir(), 'left.sock');
    const child = startNode('fixtures/connection/listener-process.mjs', ['exit', socketPath]);
    expect(await child.next()).toEqual({ address: socketPath });
    expect(await child.exited).toEqual({ code: 0, signal: null });
    expect(existsSync(socketPath)).toBe(false);
  });

  test('a pending accept() does; once it resolved the process exits, removing the directory', async () => {
    const child = startNode('fixtures/connection/listener-process.mjs', ['accept-once']);
    const { address } = (await child.next()) as { address: string };
    const client = await connect(address);
    expect(await child.next()).toEqual({ event: 'accepted' });
    await expect(client.recvBytes()).rejects.toThrow(EOFError);
    expect(await child.exited).toEqual({ code: 0, signal: null });
    expect(existsSync(path.dirname(address))).toBe(false);
  });
});
