import { type ChildProcess, spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type net from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, test } from '@jest/globals';
import { encodeTransferring } from '../../packages/core/src/common/codec/transfers.js';
import type { Connection } from '../../packages/core/src/common/connection/connection.js';
import { BrokenPipeError, EOFError } from '../../packages/core/src/common/connection/errors.js';
import { Pipe } from '../../packages/core/src/common/connection/pipe.js';
import { childEndOf } from '../../packages/core/src/common/connection/transfer.js';
import { describeEncodeFailure, encodeValue } from '../../packages/core/src/common/codec/values.js';

// The parent's side of passing a Connection to a child, as the lead's Process
// does it, here with a plain `node` child (fixtures/connection-child.mjs)
// whose inherited descriptors start at fd 3.
const fixture = fileURLToPath(new URL('../../fixtures/connection-child.mjs', import.meta.url));
const root = fileURLToPath(new URL('../..', import.meta.url));

const children = new Set<ChildProcess>();
const connections = new Set<Connection>();

function pipe(): [Connection, Connection] {
  const ends = Pipe();
  for (const end of ends) connections.add(end);
  return ends;
}

/** Spawns `file` (node with the fixture, or python3) with `value`'s Connections from fd 3 on. */
function spawnWith(value: unknown[], args: string[], file = process.execPath): ChildProcess {
  const { payload, transferred } = encodeTransferring(value);
  expect(payload.parts).toEqual([]);
  const ends = transferred.map((object) => childEndOf(object as Connection));
  const command = file === process.execPath ? [fixture, payload.text, ...args] : args;
  const child = spawn(file, command, { stdio: ['ignore', 'pipe', 'inherit', ...ends.map((end) => end.stdio)] });
  children.add(child);
  ends.forEach((end, i) => end.spawned(end.stdio === 'pipe' ? (child.stdio[3 + i] as net.Socket) : null));
  return child;
}

function stdoutOf(child: ChildProcess): { line(): Promise<string>; all(): Promise<string> } {
  let text = '';
  const waiters: Array<() => void> = [];
  child.stdout?.on('data', (chunk: Buffer) => {
    text += chunk.toString();
    for (const waiter of waiters.splice(0)) waiter();
  });
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  return {
    async line() {
      while (!text.includes('\n')) await new Promise<void>((resolve) => waiters.push(resolve));
      const [first = ''] = text.split('\n', 1);
      text = text.slice(first.length + 1);
      return first;
    },
    async all() {
      await exited;
      return text;
    },
  };
}

const exitOf = (child: ChildProcess): Promise<[number | null, string | null]> =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve([child.exitCode, child.signalCode])
    : new Promise((resolve) => child.once('exit', (code, signal) => resolve([code, signal])));

afterEach(async () => {
  for (const connection of connections) connection.close();
  connections.clear();
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await Promise.all([...children].map(exitOf));
  children.clear();
});

test('a Connection passed to a child works there; the other end sees EOF once both copies are closed', async () => {
  const [a, b] = pipe();
  const child = spawnWith([b], ['echo']);
  a.send({ hello: new Set(['child']) });
  expect(await a.recv()).toEqual({ hello: new Set(['child']) });
  a.sendBytes(Buffer.alloc(200_000, 3));
  // The child echoes what it decodes: raw bytes are not a value, so it exits on the error.
  expect(await exitOf(child)).toEqual([1, null]);
  // The child's copy is closed, ours (b) is open: no EOF yet, as in Python.
  expect(await a.poll(0)).toBe(false);
  b.close();
  await expect(a.recv()).rejects.toThrow(EOFError);
});

test("this process's copy stops reading: what it had read and not received goes to the child first", async () => {
  const [a, b] = pipe();
  a.send('early');
  a.send('second');
  expect(await b.poll(null)).toBe(true); // b has read at least 'early'
  const child = spawnWith([b], ['echo-n', '3']);
  a.send('third');
  await expect(b.recv()).rejects.toThrow(/^This Connection was passed to a child process/);
  expect([await a.recv(), await a.recv(), await a.recv()]).toEqual(['early', 'second', 'third']);
  expect(await exitOf(child)).toEqual([0, null]);
  b.send('this copy can still send');
  expect(await a.recv()).toBe('this copy can still send');
});

test('both ends passed to two children in one turn: the second is relayed until its socket exists', async () => {
  const [a, b] = pipe();
  expect(childEndOf(a).stdio).not.toBe('pipe');
  const echo = spawnWith([a], ['echo']);
  const ping = spawnWith([b], ['ping']);
  const out = stdoutOf(ping);
  a.close();
  b.close();
  expect(await out.line()).toBe('[1,2,3]');
  expect(await exitOf(ping)).toEqual([0, null]);
  // The echo child sees EOF only now that both the pinging child and our copy are closed.
  expect(await exitOf(echo)).toEqual([0, null]);
});

test('a peer SIGKILLed in the middle of a message: the pending recv rejects with EOFError', async () => {
  const [a, b] = pipe();
  const child = spawnWith([b], ['partial']);
  b.close();
  expect(await stdoutOf(child).line()).toBe('ready');
  const pending = a.recvBytes();
  child.kill('SIGKILL');
  await expect(pending).rejects.toThrow(EOFError);
  await expect(a.recv()).rejects.toThrow(EOFError);
});

test('writing to a peer that died never crashes: sends then throw BrokenPipeError', async () => {
  const [a, b] = pipe();
  const child = spawnWith([b], ['sink']);
  b.close();
  const chunk = Buffer.alloc(2 ** 20, 1);
  a.sendBytes(chunk);
  expect(await stdoutOf(child).line()).toBe('reading');
  child.kill('SIGKILL');
  await exitOf(child);
  // Until this end has seen the death (EOF, or EPIPE on a write), sends are queued; then they throw.
  let broken = 0;
  for (let i = 0; i < 200; i += 1) {
    try {
      a.sendBytes(chunk);
      a.send({ i });
    } catch (error) {
      expect(error).toBeInstanceOf(BrokenPipeError);
      broken += 1;
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
  expect(broken).toBeGreaterThan(0);
  // Resolves if everything before the death reached the OS, else rejects with BrokenPipeError.
  const drained = await a.drain().catch((error: unknown) => error);
  if (drained !== undefined) expect(drained).toBeInstanceOf(BrokenPipeError);
  await expect(a.recv()).rejects.toThrow(EOFError);
});

test('a pending recv keeps a child alive; a Connection left open does not', async () => {
  const [a, b] = pipe();
  const child = spawnWith([b], ['wait-one']);
  b.close();
  const out = stdoutOf(child);
  expect(await out.line()).toBe('waiting');
  a.send('late');
  expect(await out.line()).toBe('late');
  // The child returned with its Connection open, and our end open too.
  expect(await exitOf(child)).toEqual([0, null]);
});

test('a spawn that fails gives the Connection back: this copy reads again, what it had read first', async () => {
  const [a, b] = pipe();
  a.send('before');
  expect(await b.poll(null)).toBe(true);
  const { transferred } = encodeTransferring([b]);
  const end = childEndOf(transferred[0] as Connection);
  end.spawned(null, false);
  a.send('after');
  expect([await b.recv(), await b.recv()]).toEqual(['before', 'after']);
});

test('elsewhere a Connection fails with its path and what to do instead; a failed encode gives it back', async () => {
  const [a, b] = pipe();
  let error: unknown;
  try {
    encodeValue({ x: [b] });
  } catch (e) {
    error = e;
  }
  expect(describeEncodeFailure(error)).toEqual({
    path: '.x[0]',
    reason:
      "a Connection cannot be sent here: pass it in a Process's args or a Pool's initargs (the child inherits it), " +
      'or send data through a Queue or a manager',
  });
  expect(() => encodeTransferring([b, () => {}])).toThrow();
  a.send('still mine');
  expect(await b.recv()).toBe('still mine');
});

test("python3's own multiprocessing.connection.Connection reads and writes our framing", async () => {
  const python = findPython();
  const [a, b] = pipe();
  const script = [
    'import os',
    'from multiprocessing.connection import Connection',
    // Node's sockets are non-blocking; Python's Connection expects a blocking one (our copy is closed).
    'os.set_blocking(3, True)',
    'c = Connection(3)',
    'm = c.recv_bytes()',
    'c.send_bytes(m.upper())',
    'c.send_bytes(b"x" * 100000)',
    'c.send_bytes(b"")',
    'print(len(c.recv_bytes(70000)))',
    'c.close()',
  ].join('\n');
  const child = spawnWith([b], ['-c', script], python);
  b.close();
  const out = stdoutOf(child);
  a.sendBytes(Buffer.from('hello'));
  expect(await a.recvBytes()).toEqual(Buffer.from('HELLO'));
  expect((await a.recvBytes()).equals(Buffer.alloc(100_000, 'x'))).toBe(true);
  expect(await a.recvBytes()).toEqual(Buffer.alloc(0));
  a.sendBytes(Buffer.alloc(65_536, 1));
  expect(await out.all()).toBe('65536\n');
  await expect(a.recvBytes()).rejects.toThrow(EOFError);
});

/** python3 through the project's script when it is there (it installs one where it can), else from PATH. */
function findPython(): string {
  const script = `${root}scripts/ensure-python.sh`;
  try {
    if (existsSync(script)) return execFileSync('bash', [script], { encoding: 'utf8' }).trim();
    return execFileSync('sh', ['-c', 'command -v python3'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error('This test needs python3 (>= 3.8) to check the framing against CPython: install it');
  }
}
