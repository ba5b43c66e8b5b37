import { randomBytes } from 'node:crypto';
import { lstatSync, statSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { AuthenticationError, Client, Connection, EOFError, Manager } from '@procpool/core';
import { answerChallenge, deliverChallenge } from '../../packages/core/src/common/connection/auth.js';
import { SHARED } from '../../packages/core/src/common/codec/shared.js';
import { AuthenticationError as SourceAuthenticationError } from '../../packages/core/src/common/connection/errors.js';
import { currentProcess } from '../../packages/core/src/common/process-info.js';
import { ObjectClient } from '../../packages/core/src/common/objects/client.js';
import { processHost } from '../../packages/core/src/common/objects/hosts.js';
import { Lock } from '../../packages/core/src/common/objects/locks.js';
import { REPLY_FAILED, REPLY_OK, SERVER_ID } from '../../packages/core/src/common/objects/protocol.js';
import type { Caller } from '../../packages/core/src/common/objects/referent.js';
import { ObjectServer } from '../../packages/core/src/common/objects/server.js';
import { LockState } from '../../packages/core/src/common/objects/state/lock-state.js';

// A referent that records every method that ran on it: a hostile client must never get one run.
class Probe {
  readonly ran: string[] = [];
  readonly calls = 'not a method';
  ping(caller: Caller): string {
    this.ran.push(`ping by ${caller.id}`);
    return 'pong';
  }
  secret(): string {
    this.ran.push('secret');
    return 'leaked';
  }
}

const PROBE = { kind: 'Probe', exposed: ['ping'], takesCaller: true };

let authkey: Buffer;
let server: ObjectServer;
let probe: Probe;
let probeId: number;
let address: string;
const sockets = new Set<net.Socket>();
const connections = new Set<Connection>();

async function start(handshakeMs?: number): Promise<void> {
  server = handshakeMs === undefined ? new ObjectServer(authkey) : new ObjectServer(authkey, {}, handshakeMs);
  probe = new Probe();
  probeId = server.add(probe, PROBE);
  server.hold(probeId, null); // the host's own handle
  address = (await server.listen()) as string;
}

beforeEach(async () => {
  authkey = randomBytes(32);
  await start();
});

afterEach(() => {
  for (const socket of sockets) socket.destroy();
  sockets.clear();
  for (const conn of connections) conn.close();
  connections.clear();
  server.close();
});

/** A legitimate client's call to the probe: the server still serves others. */
async function stillServing(): Promise<void> {
  await expect(holder().call(probeId, 'ping', [])).resolves.toBe('pong');
}

/** A legitimate client that was handed the probe (as a handle arriving does, it holds it first). */
function holder(): ObjectClient {
  const client = new ObjectClient(address, authkey, 'the test server');
  client.notify(SERVER_ID, 'hold', [probeId, null]);
  return client;
}

/** A plain socket to the server; `closed` resolves when the server drops it. */
async function rawSocket(): Promise<{ socket: net.Socket; closed: Promise<void> }> {
  const socket = net.connect(address);
  sockets.add(socket);
  socket.on('error', () => {});
  socket.resume(); // read (and drop) the challenge, so the server is never stuck writing
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  return { socket, closed };
}

const frame = (payload: Buffer): Buffer => {
  const header = Buffer.alloc(4);
  header.writeInt32BE(payload.length);
  return Buffer.concat([header, payload]);
};

/** A connection that passed the handshake and read the server's "go ahead" (answer 0); it holds the probe unless told not to. */
async function insider(holding = true): Promise<Connection> {
  const conn = await Client(address, { authkey });
  connections.add(conn);
  // The server's first message: it reads requests now, and the address it knows itself by.
  expect(await conn.recv()).toEqual([0, REPLY_OK, address]);
  if (holding) conn.send([0, SERVER_ID, 'hold', [probeId]]);
  return conn;
}

/** Sends `request` and reads its answer: `[callId, status, value]`. */
function ask(conn: Connection, request: unknown[]): Promise<unknown[]> {
  conn.send(request);
  return conn.recv<unknown[]>();
}

/** The server drops `conn`: its next read ends. */
async function dropped(conn: Connection): Promise<void> {
  await expect(conn.recv()).rejects.toThrow(EOFError);
}

describe('the socket', () => {
  test('is inside a new directory only this user can enter, which goes when the server closes', () => {
    const dir = path.dirname(address);
    const stat = statSync(dir);
    expect(stat.mode & 0o777).toBe(0o700);
    expect(stat.uid).toBe(process.getuid?.());
    expect(lstatSync(address).isSocket()).toBe(true);
    server.close();
    expect(() => statSync(dir)).toThrow(expect.objectContaining({ code: 'ENOENT' }));
  });
});

describe('before the handshake', () => {
  test('garbage (an HTTP request) gets the connection dropped, and nothing runs', async () => {
    const { socket, closed } = await rawSocket();
    socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await closed;
    expect(probe.ran).toEqual([]);
    await stillServing();
  });

  test('a well-framed wrong answer to the challenge gets the connection dropped, and nothing runs', async () => {
    const { socket, closed } = await rawSocket();
    socket.write(frame(randomBytes(32)));
    // Requests sent right behind it are never read.
    socket.write(frame(Buffer.from(JSON.stringify([1, probeId, 'ping', []]))));
    await closed;
    expect(probe.ran).toEqual([]);
    await stillServing();
  });

  test('a 10 GiB length header gets the connection dropped before anything is allocated for it', async () => {
    const { socket, closed } = await rawSocket();
    const header = Buffer.alloc(12);
    header.writeInt32BE(-1);
    header.writeBigUInt64BE(10n * 2n ** 30n, 4);
    socket.write(header);
    await closed;
    expect(probe.ran).toEqual([]);
    await stillServing();
  });

  test('a client that sends nothing, or stops halfway, is dropped after the handshake timeout; others are served meanwhile', async () => {
    server.close();
    await start(100);
    const silent = await rawSocket();
    const halfway = await rawSocket();
    halfway.socket.write(Buffer.from([0, 0]));
    await stillServing();
    await Promise.all([silent.closed, halfway.closed]);
    expect(probe.ran).toHaveLength(1);
  });

  test('closing the server drops a connection still in its handshake: it never waits forever', async () => {
    const socket = net.connect(address);
    sockets.add(socket);
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    const conn = Connection.fromSocket(socket, { readable: true, writable: true });
    connections.add(conn);
    expect(await conn.poll(null)).toBe(true); // the challenge has come
    server.close();
    // The handshake fails, or the connection closes right after it: no answer 0 ever comes.
    const outcome = (async (): Promise<unknown> => {
      await answerChallenge(conn, authkey);
      await deliverChallenge(conn, authkey);
      return conn.recv();
    })();
    const error = await outcome.then(
      () => null,
      (reason: unknown) => reason as Error,
    );
    expect(error?.name).toMatch(/^(EOFError|AuthenticationError)$/);
    expect(probe.ran).toEqual([]);
  });

  test('a client with another authkey gets AuthenticationError, and nothing runs', async () => {
    await expect(Client(address, { authkey: randomBytes(32) })).rejects.toThrow(AuthenticationError);
    const client = new ObjectClient(address, randomBytes(32), 'the test server');
    // (The objects client here is built from the sources, so its error class is theirs.)
    await expect(client.call(probeId, 'ping', [])).rejects.toThrow(SourceAuthenticationError);
    expect(probe.ran).toEqual([]);
    await stillServing();
  });
});

describe('an authenticated client', () => {
  const failure = (callId: number, message: string | RegExp): unknown[] => [
    callId,
    REPLY_FAILED,
    expect.objectContaining({ message: expect.stringMatching(message) }),
  ];

  test('calling what is not an exposed method gets an error answer, and nothing runs', async () => {
    const conn = await insider();
    const names = ['secret', 'constructor', '__proto__', 'toString', 'hasOwnProperty', 'calls', 'ran', ''];
    for (const [i, name] of names.entries()) {
      expect(await ask(conn, [i + 1, probeId, name, []])).toEqual(failure(i + 1, /is not exposed/));
    }
    expect(probe.ran).toEqual([]);
    expect(await ask(conn, [99, probeId, 'ping', []])).toEqual([99, REPLY_OK, 'pong']);
  });

  test("calling the server's own object with a name it does not have gets an error answer", async () => {
    const conn = await insider();
    const names = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', 'close', 'invoke', 'create'];
    for (const [i, name] of names.entries()) {
      expect(await ask(conn, [i + 1, SERVER_ID, name, []])).toEqual(failure(i + 1, /has no method/));
    }
    expect(await ask(conn, [50, SERVER_ID, 'objectCount', []])).toEqual([50, REPLY_OK, 1]);
  });

  test('an object id that is not alive, even a huge one, gets an error answer', async () => {
    const conn = await insider();
    for (const [i, id] of [999, 2 ** 31, Number.MAX_SAFE_INTEGER].entries()) {
      expect(await ask(conn, [i + 1, id, 'ping', []])).toEqual(failure(i + 1, /No shared object/));
    }
    expect(probe.ran).toEqual([]);
  });

  test('an object of this server that was never handed to it cannot be called', async () => {
    const other = new Probe();
    const otherId = server.add(other, PROBE);
    server.hold(otherId, null);
    const conn = await insider();
    const answer = await ask(conn, [1, otherId, 'ping', []]);
    expect(answer).toEqual(failure(1, /shared object/i));
    expect(other.ran).toEqual([]);
  });

  test.each([
    ['a negative call id', [-1, 1, 'ping', []]],
    ['a fractional call id', [1.5, 1, 'ping', []]],
    ['an id past 2^53', [1, 2 ** 60, 'ping', []]],
    ['a negative id', [1, -1, 'ping', []]],
    ['a method that is not a string', [1, 1, 7, []]],
    ['arguments that are not an array', [1, 1, 'ping', 'x']],
    ['a short array', [1, 1, 'ping']],
    ['a long array', [1, 1, 'ping', [], 'more']],
    ['a string', 'ping'],
    ['null', null],
    ['an object', { callId: 1, id: 1, method: 'ping', args: [] }],
  ])('%s gets its connection closed, and nothing else is affected', async (_what, message) => {
    const bystander = holder();
    await expect(bystander.call(probeId, 'ping', [])).resolves.toBe('pong');
    const conn = await insider();
    conn.send(message);
    await dropped(conn);
    expect(probe.ran).toHaveLength(1);
    await expect(bystander.call(probeId, 'ping', [])).resolves.toBe('pong');
  });

  test('bytes that do not decode get its connection closed, and nothing else is affected', async () => {
    const conn = await insider();
    conn.sendBytes(randomBytes(64));
    await dropped(conn);
    await stillServing();
  });

  test('deeply nested bytes get its connection closed or an answer, and nothing else is affected', async () => {
    const conn = await insider();
    const depth = 1_000_000;
    conn.sendBytes(Buffer.from(`${'['.repeat(depth)}${']'.repeat(depth)}`));
    await dropped(conn);
    await stillServing();
  });

  test('a lock holder dropped for a bad message gives the lock back; a waiter that went is never served', async () => {
    const lockId = server.add(new LockState(), {
      kind: 'Lock',
      exposed: ['acquire', 'release', 'locked', 'ownerDied'],
      takesCaller: true,
    });
    server.hold(lockId, null);
    const join = async (): Promise<Connection> => {
      const conn = await insider(false);
      conn.send([0, SERVER_ID, 'hold', [lockId]]);
      return conn;
    };
    const owner = await join();
    expect(await ask(owner, [1, lockId, 'acquire', [true, null]])).toEqual([1, REPLY_OK, true]);
    const leaving = await join();
    leaving.send([2, lockId, 'acquire', [true, null]]); // waits
    const next = await join();
    const nextTurn = ask(next, [3, lockId, 'acquire', [true, null]]); // waits behind it
    leaving.close();
    owner.send('not a request');
    await dropped(owner);
    // The lock skips the waiter that went and goes to the next, who learns its last owner died.
    expect(await nextTurn).toEqual([3, REPLY_OK, true]);
    expect(await ask(next, [4, lockId, 'ownerDied', []])).toEqual([4, REPLY_OK, true]);
  });

  test('a huge argument list gets an error answer, not a crash', async () => {
    const conn = await insider();
    const answer = await ask(conn, [1, probeId, 'ping', new Array(500_000).fill(0)]);
    expect(answer[0]).toBe(1);
    await stillServing();
  });
});

describe('holds, drops and transits from a hostile client', () => {
  const notify = (conn: Connection, method: string, args: unknown[]): void => conn.send([0, SERVER_ID, method, args]);
  const objectCount = async (conn: Connection): Promise<unknown> =>
    (await ask(conn, [1000, SERVER_ID, 'objectCount', []]))[2];

  test('dropping an object many times, held once or never, cannot free it while another process holds it', async () => {
    const holding = holder();
    await expect(holding.call(probeId, 'ping', [])).resolves.toBe('pong');
    server.drop(probeId); // the host lets go: only `holder` holds it now
    const never = await insider(false);
    for (let i = 0; i < 100; i += 1) notify(never, 'drop', [probeId]);
    const once = await insider(false);
    notify(once, 'hold', [probeId]);
    for (let i = 0; i < 100; i += 1) notify(once, 'drop', [probeId]);
    for (const bad of [String(probeId), [probeId], { id: probeId }, null, NaN, -1, probeId + 0.5, Infinity]) {
      notify(once, 'drop', [bad]);
      notify(once, 'hold', [bad, 42]);
      notify(once, 'transit', [bad, 42]);
    }
    notify(once, 'drop', []);
    expect(await objectCount(once)).toBe(1);
    await expect(holding.call(probeId, 'ping', [])).resolves.toBe('pong');
    // Its connection going gives back only what it held.
    once.close();
    never.close();
    await stillServing();
    expect(await objectCount(await insider(false))).toBe(1);
  });

  test('a hold with a forged transit token cannot free an object on its way to another process', async () => {
    const host = processHost();
    try {
      const lock = new Lock();
      // The host sends the lock twice: to the hostile process, then to another.
      const [, lockAddress, id, firstToken] = lock[SHARED]() as unknown as [string, string, number, string];
      const [, , , secondToken] = lock[SHARED]() as unknown as [string, string, number, string];
      lock[Symbol.dispose](); // the host lets go, as `using` does once it has sent them
      const hostile = await Client(lockAddress, { authkey: currentProcess().authkey });
      connections.add(hostile);
      await hostile.recv();
      hostile.send([0, SERVER_ID, 'hold', [id, firstToken]]);
      // From the token it got, it guesses the one of the next transit, claims it and lets everything go.
      const [pid, n] = firstToken.split('.');
      const guessed = `${pid}.${Number(n) + 1}`;
      hostile.send([0, SERVER_ID, 'hold', [id, guessed]]);
      hostile.send([0, SERVER_ID, 'drop', [id]]);
      hostile.send([0, SERVER_ID, 'drop', [id]]);
      hostile.send([1, SERVER_ID, 'objectCount', []]);
      await hostile.recv();
      // The lock arrives where the host sent it, and works.
      const receiver = new ObjectClient(lockAddress, currentProcess().authkey, 'the host');
      receiver.notify(SERVER_ID, 'hold', [id, secondToken]);
      await expect(receiver.call(id, 'locked', [])).resolves.toBe(false);
    } finally {
      host.close();
    }
  });
});

describe('a manager', () => {
  test("a Namespace value named '__proto__' is refused, so copy() keeps working for every process", async () => {
    const manager = await Manager();
    try {
      const ns = await manager.Namespace();
      await ns.set('x', 1);
      await expect(ns.set('__proto__', 1)).rejects.toThrow(TypeError);
      await expect(manager.Namespace({ ['__proto__' as string]: 1 })).rejects.toThrow();
      await expect(ns.copy()).resolves.toEqual({ x: 1 });
    } finally {
      await manager.shutdown();
    }
  });
});
