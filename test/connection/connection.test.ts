import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import os from 'node:os';
import { promisify } from 'node:util';
import { describe, expect, test } from '@jest/globals';
import {
  BrokenPipeError,
  BufferTooShort,
  type Connection,
  EOFError,
  Pipe,
  ProcessError,
  registerErrorClass,
} from '@procpool/core';
import { echo } from '../../fixtures/tasks.mjs';
import { pipe, READS, rawPeer } from '../helpers/connections.js';
import { makePool } from '../helpers/pools.js';

class QuotaError extends Error {
  readonly limit = 3;
}
registerErrorClass(QuotaError);

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Whether `promise` has settled after a few event-loop turns (for "it waits" checks, never timing). */
async function settlesSoon(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  for (let i = 0; i < 5; i += 1) await turn();
  return settled;
}

describe('send and recv', () => {
  test('rich values come back as they were sent, in order', async () => {
    const [a, b] = pipe();
    const error = new QuotaError('over', { cause: new RangeError('inner') });
    const values: unknown[] = [
      { when: new Date(0), ids: new Set([1, 2]), names: new Map([['x', [1n, 2n ** 70n]]]) },
      [undefined, null, NaN, -0, Infinity, 'é☃'],
      new Float64Array([1.5, -2]),
      new Uint8Array([1, 2, 3]),
      Buffer.from('buf'),
      error,
      'done',
    ];
    for (const value of values) a.send(value);
    for (const value of values) expect(await b.recv()).toEqual(value);
    // Large strings and byte arrays travel out of band (compared here without jest's slow deep equality).
    const big = {
      buf: Buffer.alloc(3 * 2 ** 20, 7),
      text: 'é'.repeat(2 ** 20),
      bytes: new Uint8Array(2 ** 16).fill(9),
    };
    a.send(big);
    const got = await b.recv<typeof big>();
    expect(Buffer.isBuffer(got.buf) && got.buf.equals(big.buf)).toBe(true);
    expect(got.text === big.text).toBe(true);
    expect(Object.getPrototypeOf(got.bytes)).toBe(Uint8Array.prototype);
    expect(Buffer.from(got.bytes).equals(big.bytes)).toBe(true);
    a.send(error);
    const back = await b.recv<QuotaError>();
    expect(back).toBeInstanceOf(QuotaError);
    expect(back.limit).toBe(3);
    expect(back.cause).toBeInstanceOf(RangeError);
    a.send({ big: Buffer.alloc(40_000, 1) });
    expect(Buffer.isBuffer((await b.recv<{ big: Buffer }>()).big)).toBe(true);
  });

  test('an unencodable value throws a TypeError naming its path, and nothing is sent', async () => {
    const [a, b] = pipe();
    expect(() => a.send({ list: [1, { onDone: () => {} }] })).toThrow(
      new TypeError(
        'Cannot send value.list[1].onDone through a Connection: functions cannot be sent through a Connection; send data',
      ),
    );
    expect(() => a.send(new (class Point {})())).toThrow(/^Cannot send value through a Connection: instances of Point/);
    expect(() => a.send({ inner: b })).toThrow(
      "Cannot send value.inner through a Connection: a Connection cannot be sent here: pass it in a Process's args " +
        "or a Pool's initargs (the child inherits it), or send data through a Queue or a manager",
    );
    a.send('the only message');
    expect(await b.recv()).toBe('the only message');
    expect(await b.poll()).toBe(false);
  });

  test('concurrent recv, recvBytes and recvBytesInto calls are served in call order', async () => {
    const [a, b] = pipe();
    const into = Buffer.alloc(8);
    const results = Promise.all([b.recv(), b.recvBytes(), b.recvBytesInto(into, 2), b.recv()]);
    a.send({ n: 1 });
    a.sendBytes(Buffer.from('two'));
    a.sendBytes(Buffer.from('3!'));
    a.send([4]);
    expect(await results).toEqual([{ n: 1 }, Buffer.from('two'), 2, [4]]);
    expect(into).toEqual(Buffer.from([0, 0, 0x33, 0x21, 0, 0, 0, 0]));
  });

  test('both directions work at once; each end has its own order', async () => {
    const [a, b] = pipe();
    for (let i = 0; i < 1000; i += 1) {
      a.send(i);
      b.send(-i);
    }
    const fromA = Promise.all(Array.from({ length: 1000 }, () => b.recv()));
    const fromB = Promise.all(Array.from({ length: 1000 }, () => a.recv()));
    expect(await fromA).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(await fromB).toEqual(Array.from({ length: 1000 }, (_, i) => -i));
  });

  test('a message that is not what send() writes rejects that recv only', async () => {
    const { conn, raw } = await rawPeer();
    raw.write(Buffer.from([0, 0, 0, 5, ...Buffer.from('hello')]));
    raw.write(Buffer.from([0, 0, 0, 3, ...Buffer.from('J42')]));
    await expect(conn.recv()).rejects.toThrow(/^Cannot decode a message: it was not written by send\(\)/);
    expect(await conn.recv()).toBe(42);
  });
});

describe('bytes', () => {
  test("sendBytes writes Python's framing byte for byte; offset and size pick the bytes", async () => {
    const { conn, read } = await rawPeer();
    conn.sendBytes(Buffer.from('hello'));
    conn.sendBytes(Buffer.from('0123456789'), 2, 3);
    conn.sendBytes(new Uint16Array([0x0102]).buffer, 1);
    conn.sendBytes(new Uint8Array(0));
    const big = Buffer.alloc(100_000, 5);
    conn.sendBytes(big);
    expect(await read(4 + 5 + 4 + 3 + 4 + 1 + 4)).toEqual(
      Buffer.from([
        0,
        0,
        0,
        5,
        ...Buffer.from('hello'),
        0,
        0,
        0,
        3,
        ...Buffer.from('234'),
        0,
        0,
        0,
        1,
        0x01,
        0,
        0,
        0,
        0,
      ]),
    );
    expect(await read(4)).toEqual(Buffer.from([0, 1, 0x86, 0xa0]));
    expect(await read(100_000)).toEqual(big);
  });

  test.each(READS)('recvBytes reads both header forms, split anywhere (%s)', async (reads) => {
    const { conn, raw } = await rawPeer(reads);
    const stream = Buffer.from([
      ...[0, 0, 0, 2, 0x68, 0x69],
      // The -1 + 8-byte form is valid for any length (Python writes it only past 0x7fffffff).
      ...[0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 3, 0x61, 0x62, 0x63],
    ]);
    for (const byte of stream) raw.write(Buffer.from([byte]));
    expect(await conn.recvBytes()).toEqual(Buffer.from('hi'));
    expect(await conn.recvBytes()).toEqual(Buffer.from('abc'));
  });

  // A Pipe's `b` reads its socket through onread, `a` through 'data' events.
  test.each(READS)('messages of every size arrive intact, those kept too, then EOF (%s)', async (reads) => {
    const [a, b] = pipe();
    const [sender, receiver] = reads === 'onread' ? [a, b] : [b, a];
    const sizes = [0, 1, 5, 4096, 16_383, 65_535, 65_536, 70_001, 2 ** 20, 2 ** 20 + 3, 3 * 2 ** 20 + 7, 10, 200_000];
    const messages = sizes.map((size, i) => {
      const message = Buffer.allocUnsafe(size);
      for (let at = 0; at < size; at += 1) message[at] = (at * 31 + i) & 0xff;
      return message;
    });
    // Receivers waiting first: long messages get their buffer as soon as their header is in.
    const received = Promise.all(messages.map(() => receiver.recvBytes()));
    for (const message of messages) sender.sendBytes(message);
    const kept = await received;
    // Then nobody receiving: reading pauses past the read-ahead, and resumes for the receivers.
    for (const message of messages) sender.sendBytes(message);
    sender.close();
    expect(await receiver.poll(null)).toBe(true);
    for (let i = 0; i < messages.length; i += 1) kept.push(await receiver.recvBytes());
    await expect(receiver.recvBytes()).rejects.toThrow(EOFError);
    expect(kept.map((message) => message.length)).toEqual([...sizes, ...sizes]);
    // (Buffer.equals: toEqual compares megabytes byte by byte, slowly.)
    expect(kept.map((message, i) => message.equals(messages[i % messages.length] as Buffer))).not.toContain(false);
  });

  test('recvBytes(maxLength): a longer message rejects with ProcessError and closes the connection', async () => {
    const [a, b] = pipe();
    a.sendBytes(Buffer.from('12345'));
    const first = b.recvBytes(4);
    const second = b.recv();
    await expect(first).rejects.toThrow(
      new ProcessError(
        'Bad message length: a message of 5 bytes is longer than maxLength (4); the connection is now closed',
      ),
    );
    await expect(second).rejects.toThrow(new ProcessError('Connection is closed'));
    expect(b.closed).toBe(true);
    await expect(b.recv()).rejects.toThrow(new ProcessError('Connection is closed'));
    await expect(a.recv()).rejects.toThrow(EOFError);
  });

  test.each(READS)(
    'a header announcing more than maxLength is refused before any of its bytes arrive (%s)',
    async (reads) => {
      for (const [header, message] of [
        [[0, 0x10, 0, 0], /^Bad message length: a message of 1048576 bytes is longer than maxLength \(256\)/],
        [
          [0x7f, 0xff, 0xff, 0xff],
          /^Bad message length: a message of 2147483647 bytes is longer than maxLength \(256\)/,
        ],
        [[0xff, 0xff, 0xff, 0xff, 0, 0, 0, 2, 0x80, 0, 0, 0], /^Bad message length: .*10737418240 bytes/],
      ] as const) {
        const { conn, raw } = await rawPeer(reads);
        const pending = conn.recvBytes(256);
        raw.write(Buffer.from(header));
        await expect(pending).rejects.toThrow(message);
        expect(conn.closed).toBe(true);
        await new Promise((resolve) => raw.once('close', resolve));
      }
    },
  );

  test('recvBytesInto: the message at the offset, or BufferTooShort holding the whole message', async () => {
    const [a, b] = pipe();
    const target = new Int32Array(4);
    a.sendBytes(new Int32Array([7, 8]));
    expect(await b.recvBytesInto(target, 4)).toBe(8);
    expect([...target]).toEqual([0, 7, 8, 0]);
    a.sendBytes(Buffer.from('too long'));
    const error = await b.recvBytesInto(Buffer.alloc(10), 3).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BufferTooShort);
    expect(error).toBeInstanceOf(ProcessError);
    expect((error as BufferTooShort).bytes).toEqual(Buffer.from('too long'));
    a.send('still open');
    expect(await b.recv()).toBe('still open');
  });

  test.each([
    ['sendBytes("text")', (c: Connection) => c.sendBytes('text' as never), TypeError, /`buf` to be a Buffer/],
    ['sendBytes offset -1', (c: Connection) => c.sendBytes(Buffer.alloc(2), -1), RangeError, /`offset`.*`-1`/],
    [
      'sendBytes offset past end',
      (c: Connection) => c.sendBytes(Buffer.alloc(2), 3),
      RangeError,
      /from 0 to the buffer's length \(2 bytes\), got `3`/,
    ],
    [
      'sendBytes size past end',
      (c: Connection) => c.sendBytes(Buffer.alloc(4), 1, 4),
      RangeError,
      /`size` to be an integer from 0 to the 3 bytes after `offset`, got `4`/,
    ],
    ['sendBytes size 1.5', (c: Connection) => c.sendBytes(Buffer.alloc(4), 0, 1.5), RangeError, /`size`/],
  ])('%s throws', (_name, call, Class, message) => {
    const [a] = pipe();
    expect(() => call(a)).toThrow(Class);
    expect(() => call(a)).toThrow(message);
  });

  test.each([
    [
      'recvBytes(-1)',
      (c: Connection) => c.recvBytes(-1),
      /Expected `maxLength` to be a non-negative integer, got `-1` \(number\)/,
    ],
    ['recvBytesInto({})', (c: Connection) => c.recvBytesInto({} as never), /`buf` to be a Buffer/],
    ['recvBytesInto offset 5', (c: Connection) => c.recvBytesInto(Buffer.alloc(4), 5), /`offset`/],
    [
      'poll(-1)',
      (c: Connection) => c.poll(-1),
      /Expected `timeout` to be a non-negative number of ms or null, got `-1`/,
    ],
    ['poll(NaN)', (c: Connection) => c.poll(NaN), /`timeout`/],
  ])('%s rejects', async (_name, call, message) => {
    const [a] = pipe();
    await expect(call(a)).rejects.toThrow(message);
  });
});

describe('poll, drain, close', () => {
  test('poll: 0 looks now, a number waits at most that long, null waits for a message or EOF', async () => {
    const [a, b] = pipe();
    expect(await b.poll()).toBe(false);
    expect(await b.poll(5)).toBe(false);
    a.send(1);
    expect(await b.poll(0)).toBe(true); // as Python's send() then poll()
    expect(await b.poll()).toBe(true); // polling does not take the message
    expect(await b.recv()).toBe(1);
    const waiting = b.poll(null);
    expect(await settlesSoon(waiting)).toBe(false);
    a.send(2);
    expect(await waiting).toBe(true);
    await b.recv();
    const eof = b.poll(60_000);
    a.close();
    expect(await eof).toBe(true);
    await expect(b.recv()).rejects.toThrow(EOFError);
  });

  test('drain waits until the reader takes the bytes, then resolves', async () => {
    const [a, b] = pipe();
    const big = Buffer.alloc(16 * 2 ** 20, 1);
    a.sendBytes(big);
    const drained = a.drain();
    expect(await settlesSoon(drained)).toBe(false);
    expect((await b.recvBytes()).length).toBe(big.length);
    await drained;
    await a.drain(); // nothing queued: at once
  });

  test('close() sends what was queued, then the other end sees EOF; pending and later recvs reject', async () => {
    const [a, b] = pipe();
    a.send(1);
    a.sendBytes(Buffer.from('2'));
    const pendingHere = a.recv();
    a.close();
    a.close(); // again: nothing happens
    expect(a.closed).toBe(true);
    await expect(pendingHere).rejects.toThrow(new ProcessError('Connection is closed'));
    const closed = new ProcessError('Connection is closed');
    expect(() => a.send(3)).toThrow(closed);
    expect(() => a.sendBytes(Buffer.alloc(1))).toThrow(closed);
    await expect(a.recv()).rejects.toThrow(closed);
    await expect(a.poll()).rejects.toThrow(closed);
    expect(await b.recv()).toBe(1);
    expect(await b.recvBytes()).toEqual(Buffer.from('2'));
    const pending = [b.recv(), b.recvBytes()];
    for (const p of pending) await expect(p).rejects.toThrow(EOFError);
    await expect(b.recv()).rejects.toThrow(EOFError);
    await expect(b.recvBytesInto(Buffer.alloc(1))).rejects.toThrow(EOFError);
  });

  test('once the other end is known to be gone, send throws BrokenPipeError', async () => {
    const [a, b] = pipe();
    b.close();
    await expect(a.recv()).rejects.toThrow(EOFError);
    const error = (() => {
      try {
        a.send('x');
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(error).toBeInstanceOf(BrokenPipeError);
    expect(error).toMatchObject({ code: 'EPIPE' });
    expect(() => a.sendBytes(Buffer.from('x'))).toThrow(BrokenPipeError);
  });

  test('Symbol.dispose closes', async () => {
    const [a, b] = pipe();
    a.send('last');
    a[Symbol.dispose]();
    expect(a.closed).toBe(true);
    expect(await b.recv()).toBe('last');
  });

  test('async iteration yields messages until EOF; break leaves the connection open', async () => {
    const [a, b] = pipe();
    for (const n of [1, 2, 3]) a.send(n);
    const seen: unknown[] = [];
    for await (const message of b) {
      seen.push(message);
      if (message === 2) break;
    }
    expect(b.closed).toBe(false);
    a.send(4);
    a.close();
    for await (const message of b) seen.push(message);
    expect(seen).toEqual([1, 2, 3, 4]);
  });
});

describe('Pipe', () => {
  test('duplex: false gives [readOnly, writeOnly]', async () => {
    const [r, w] = pipe({ duplex: false });
    expect([r.readable, r.writable, w.readable, w.writable]).toEqual([true, false, false, true]);
    expect(() => r.send(1)).toThrow(new ProcessError('Connection is read-only'));
    await expect(w.recv()).rejects.toThrow(new ProcessError('Connection is write-only'));
    await expect(w.poll()).rejects.toThrow(new ProcessError('Connection is write-only'));
    w.send('one way');
    expect(await r.recv()).toBe('one way');
    const [x, y] = pipe();
    expect([x.readable, x.writable, y.readable, y.writable]).toEqual([true, true, true, true]);
  });

  test('no socket file or directory is left, not even while the pipe is being set up', () => {
    const before = readdirSync(os.tmpdir());
    const [a, b] = Pipe();
    expect(readdirSync(os.tmpdir())).toEqual(before);
    a.close();
    b.close();
  });

  test.each([
    [null, /Expected `options` to be an object, got `null`/],
    [{ duplex: 'yes' }, /Expected `duplex` to be a boolean, got `yes` \(string\)/],
    [{ dupelx: true }, /Unknown Pipe option `dupelx`/],
  ])('Pipe(%p) throws a TypeError', (options, message) => {
    expect(() => Pipe(options as never)).toThrow(TypeError);
    expect(() => Pipe(options as never)).toThrow(message);
  });
});

describe('a peer that does not speak the framing', () => {
  test.each(READS)(
    'a negative length fails pending and later recvs with ProcessError, and closes the connection (%s)',
    async (reads) => {
      const { conn, raw } = await rawPeer(reads);
      const pending = conn.recv();
      raw.write(Buffer.from([0xff, 0xff, 0xff, 0xfe]));
      await expect(pending).rejects.toThrow(/^Bad message length: the other end announced a negative length \(-2\)/);
      expect(conn.closed).toBe(true);
      await expect(conn.recvBytes()).rejects.toThrow(/^Bad message length/);
      await new Promise((resolve) => raw.once('close', resolve));
    },
  );

  test.each(READS)(
    'a 10 GiB header with nobody receiving closes the connection without allocating it (%s)',
    async (reads) => {
      const { conn, raw } = await rawPeer(reads);
      const before = process.memoryUsage().arrayBuffers;
      raw.write(Buffer.from([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 2, 0x80, 0, 0, 0]));
      await new Promise((resolve) => raw.once('close', resolve));
      expect(conn.closed).toBe(true);
      await expect(conn.recvBytes()).rejects.toThrow(/announced 10737418240 bytes \(at most \d+ are accepted\)/);
      expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(2 ** 26);
    },
  );
});

describe('where a Connection cannot go, and what it never holds', () => {
  test("in a pool task's arguments: a TypeError that names the argument and what to use instead", async () => {
    const pool = makePool(1);
    const [a] = pipe();
    await expect(pool.apply(echo, [{ conn: a }])).rejects.toThrow(
      "Cannot send args[0].conn to a worker: a Connection cannot be sent here: pass it in a Process's args or a " +
        "Pool's initargs (the child inherits it), or send data through a Queue or a manager",
    );
  });

  test('a program whose Connections are left open exits when it is done; a pending recv keeps it alive', async () => {
    const script = [
      "import { Pipe } from '@procpool/core';",
      'const [a, b] = Pipe();',
      "setTimeout(() => a.send('from a timer'), 10);",
      'console.log(await b.recv());',
      "b.send('reply');",
      'console.log(await a.recv());',
    ].join('\n');
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
      cwd: process.cwd(),
      timeout: 30_000,
    });
    expect(stdout).toBe('from a timer\nreply\n');
  });
});
