import { describe, expect, test } from '@jest/globals';
import { isMainProcess, Pool, taskRef, ThreadPool } from '@procpool/core';
import * as tasks from '../../fixtures/tasks.mjs';
import { mainWhenLoaded, workerName } from '../../fixtures/thread-tasks.mjs';
import { makeThreadPool } from './thread-pools.js';

describe('ThreadPool runs Pool methods on threads', () => {
  test('is a Pool', () => {
    expect(makeThreadPool(1)).toBeInstanceOf(Pool);
  });

  test('apply and applyAsync run sync and async tasks', async () => {
    const pool = makeThreadPool(2);
    await expect(pool.apply(tasks.square, [7])).resolves.toBe(49);
    await expect(pool.apply(tasks.asyncSquare, [8])).resolves.toBe(64);
    await expect(pool.applyAsync(tasks.add, [2, 3]).get()).resolves.toBe(5);
  });

  test('map, starmap, imap and imapUnordered give every result', async () => {
    const pool = makeThreadPool(2);
    const items = Array.from({ length: 50 }, (_, i) => i);
    const squares = items.map((x) => x * x);
    await expect(pool.map(tasks.square, items, 7)).resolves.toEqual(squares);
    await expect(
      pool.starmap(tasks.add, [
        [1, 2],
        [3, 4],
      ]),
    ).resolves.toEqual([3, 7]);
    const ordered: unknown[] = [];
    for await (const value of pool.imap(tasks.square, items, 3)) ordered.push(value);
    expect(ordered).toEqual(squares);
    const unordered: number[] = [];
    for await (const value of pool.imapUnordered(tasks.asyncSquare, items)) unordered.push(value);
    expect(unordered.sort((a, b) => a - b)).toEqual(squares);
  });

  test('values keep their types across the port, large ones too', async () => {
    const pool = makeThreadPool(1);
    const text = 'é✓x'.repeat(1_000_000);
    const value = {
      date: new Date(0),
      map: new Map([[1, 'one']]),
      n: 10n ** 30n,
      buffer: Buffer.alloc(3 << 20, 7),
      text,
    };
    const back = (await pool.apply(tasks.echo, [value])) as typeof value;
    expect(back.date).toEqual(new Date(0));
    expect(back.map.get(1)).toBe('one');
    expect(back.n).toBe(10n ** 30n);
    expect(Buffer.isBuffer(back.buffer) && back.buffer.equals(value.buffer)).toBe(true);
    expect(back.text).toBe(text);
  });

  test('a thread is a pool worker of this process: its own name, our pid, not the main process', async () => {
    const pool = makeThreadPool(1);
    const who = (await pool.apply(tasks.whoAmI)) as {
      current: { name: string; pid: number; daemon: boolean };
      parent: { name: string; pid: number; isAlive: boolean };
    };
    expect(who.current).toMatchObject({
      name: expect.stringMatching(/^PoolWorker-\d+$/),
      pid: process.pid,
      daemon: true,
    });
    expect(who.parent).toMatchObject({ name: 'MainProcess', pid: process.pid, isAlive: true });
    expect(isMainProcess()).toBe(true);
    // Its task modules load after its identity is set: a guarded entry point does not run in it.
    await expect(pool.apply(mainWhenLoaded)).resolves.toBe(false);
  });

  test('workerStart and workerExit name the thread; close() and join() let every thread go', async () => {
    const pool = makeThreadPool(2);
    const started: Array<{ pid: number; threadId?: number }> = [];
    const exited: Array<{ reason: string; threadId?: number }> = [];
    pool.on('workerStart', (event) => started.push(event));
    pool.on('workerExit', (event) => exited.push(event));
    await pool.map(workerName, [1, 2, 3, 4]);
    pool.close();
    await pool.join();
    expect(started).toHaveLength(2);
    for (const event of started) expect(event).toMatchObject({ pid: process.pid, threadId: expect.any(Number) });
    expect(exited.map((event) => event.reason)).toEqual(['shutdown', 'shutdown']);
    expect(pool.stats()).toMatchObject({ workers: 0, workersStarted: 2 });
  });

  test('the constructor takes a number of threads, as Pool does', async () => {
    const pool = new ThreadPool(1);
    try {
      await expect(pool.apply(tasks.square, [3])).resolves.toBe(9);
    } finally {
      await pool.terminate();
    }
  });
});

describe('a CommonJS task module in a thread', () => {
  const cjsTasks = new URL('../../fixtures/cjs-tasks.cjs', import.meta.url);

  test('is required: no ES module loader, and none of the parent half of procpool, in the thread', async () => {
    const pool = makeThreadPool(1);
    await expect(pool.apply(taskRef(cjsTasks, 'triple'), [4])).resolves.toBe(12);
    await expect(pool.apply(taskRef(cjsTasks, 'esmLoaderUsed'))).resolves.toBe(false);
    await expect(pool.apply(taskRef(cjsTasks, 'procpoolFiles'))).resolves.toEqual([
      'bootstrap/thread.cjs',
      'index.cjs',
      'procpool.cjs',
    ]);
  });
});
