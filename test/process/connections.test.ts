import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from '@jest/globals';
import { BrokenPipeError, currentProcess, EOFError, Listener, Pipe } from '@procpool/core';
import {
  callBack,
  echoAll,
  greet,
  keepConnection,
  recvAndReport,
  sendCount,
  sendThenDie,
  sendThroughInitargs,
  sumAll,
} from '../../fixtures/connection-targets.mjs';
import { makePool, makeProcess, methods } from '../helpers/pools.js';
import { isAlive, waitFor } from '../helpers/processes.js';
import { signalServer } from '../helpers/signals.js';

const parentDies = fileURLToPath(new URL('../../fixtures/parent-dies-mid-message.mjs', import.meta.url));

describe.each(methods)('Connections passed to children (%s)', (method) => {
  test("a Connection in a Process's args arrives working; what the child sent before exiting arrives", async () => {
    const [parentConn, childConn] = Pipe();
    const p = makeProcess({ target: greet, args: ['bob', childConn], context: method });
    p.start();
    expect(await parentConn.recv()).toBe(`hello bob from ${p.name}`);
    await p.join();
    expect(p.exitCode).toBe(0);
    parentConn.close();
    childConn.close();
  });

  test('round trips through a child; closing our copy of its end lets the child see EOF and exit', async () => {
    const [ours, theirs] = Pipe();
    const p = makeProcess({ target: echoAll, args: [theirs], context: method });
    p.start();
    theirs.close();
    const values = [1, 'two', new Map([[3, new Set([4])]]), new Date(5), 6n, Buffer.alloc(100_000, 7)];
    for (const value of values) {
      ours.send(value);
      expect(await ours.recv()).toEqual(value);
    }
    ours.close();
    await p.join();
    expect(p.exitCode).toBe(0);
  });

  test('both ends of one Pipe passed to two Processes in the same turn', async () => {
    const signals = await signalServer();
    const [reader, writer] = Pipe({ duplex: false });
    const consumer = makeProcess({ target: sumAll, args: [reader, signals.path], context: method });
    const producer = makeProcess({ target: sendCount, args: [writer, 1000], context: method });
    consumer.start();
    producer.start();
    reader.close();
    writer.close();
    expect((await signals.next()).value).toBe(500_500);
    await Promise.all([consumer.join(), producer.join()]);
    expect([consumer.exitCode, producer.exitCode]).toEqual([0, 0]);
  });

  test("a Connection in a Pool's initargs reaches every worker", async () => {
    const [results, forWorkers] = Pipe({ duplex: false });
    const pool = makePool({ processes: 2, initializer: keepConnection, initargs: [forWorkers], context: method });
    expect(await pool.map(sendThroughInitargs, [1, 2, 3, 4], 1)).toEqual([1, 2, 3, 4]);
    const received = await Promise.all([1, 2, 3, 4].map(() => results.recv()));
    expect((received as Array<{ x: number }>).map(({ x }) => x).sort()).toEqual([1, 2, 3, 4]);
    await pool.terminate();
    results.close();
    forWorkers.close();
  });

  test('a child killed mid-message: our pending recv rejects with EOFError, and send then throws BrokenPipeError', async () => {
    const [ours, theirs] = Pipe();
    const p = makeProcess({ target: sendThenDie, args: [theirs], context: method });
    p.start();
    theirs.close(); // our copy: only the child holds that end now
    await expect(ours.recvBytes()).rejects.toBeInstanceOf(EOFError);
    await p.join();
    expect(p.signal).toBe('SIGKILL');
    expect(() => ours.send('anyone?')).toThrow(BrokenPipeError);
    ours.close();
  });

  test("the parent SIGKILLed mid-message: the child's pending recv rejects with EOFError", async () => {
    const signals = await signalServer();
    const parent = spawn(process.execPath, [parentDies, signals.path, method], { stdio: 'inherit' });
    const reports = [await signals.next(), await signals.next()];
    const child = reports.find((report) => report.value === 'waiting')?.pid ?? -1;
    try {
      expect((await signals.next()).value).toBe('EOFError');
    } finally {
      parent.kill('SIGKILL');
    }
    await waitFor(() => !isAlive(child), `child ${child} to exit after its EOFError`);
  });

  test("a child's inherited authkey is its parent's: it authenticates to the parent's Listener", async () => {
    const listener = new Listener(undefined, { authkey: currentProcess().authkey });
    const address = await listener.ready();
    const p = makeProcess({ target: callBack, args: [address], context: method });
    p.start();
    const conn = await listener.accept();
    expect(await conn.recv()).toBe(`${p.name} authenticated`);
    await p.join();
    expect(p.exitCode).toBe(0);
    conn.close();
    listener.close();
  });

  test('in pool task arguments a Connection is a TypeError that says what to use instead', async () => {
    const [a, b] = Pipe();
    const pool = makePool({ processes: 1, context: method });
    await expect(pool.apply(recvAndReport, [{ conn: a }, ''])).rejects.toThrow(
      /^Cannot send args\[0\]\.conn to a worker: a Connection cannot be sent here: pass it in a Process's args or a Pool's initargs .* Queue or a manager/,
    );
    expect(() => a.send({ b })).toThrow(TypeError);
    a.close();
    b.close();
  });
});
