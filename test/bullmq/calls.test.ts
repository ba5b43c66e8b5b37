import { writeFileSync } from 'node:fs';
import { afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import type { DistributedPool } from '@procpool/bullmq';
import * as tasks from '../../fixtures/bullmq/tasks.mjs';
import { startRedis, type RedisServer } from '../helpers/redis.js';
import { tempDir } from '../helpers/temp.js';
import { jobCounts, makeDistributedPool, newQueue, started } from './clients.js';
import { killWorkerProcesses, startWorkerProcess } from './worker-processes.js';

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});

// A queue of its own with one worker process of `processes` procpool workers, and a client for it.
async function poolWithWorker(processes = 2): Promise<{ pool: DistributedPool; queue: string }> {
  const queue = newQueue();
  await startWorkerProcess({ connection: redis.url, queue, pool: { processes } });
  return { pool: makeDistributedPool({ connection: redis.url, queue }), queue };
}

describe('DistributedPool calls through Redis to a worker process', () => {
  afterEach(killWorkerProcesses);

  test('apply runs the task on the worker and resolves with its result', async () => {
    const { pool } = await poolWithWorker();
    await expect(pool.apply(tasks.square, [7])).resolves.toBe(49);
    await expect(pool.apply(tasks.add, [2, 3])).resolves.toBe(5);
    // A task named as 'module#export' reaches the same function.
    await expect(
      pool.apply(`${new URL('../../fixtures/bullmq/tasks.mjs', import.meta.url).href}#square`, [5]),
    ).resolves.toBe(25);
  });

  test('connection as ioredis options (host, port) works as the URL does', async () => {
    const queue = newQueue();
    await startWorkerProcess({ connection: { host: '127.0.0.1', port: redis.port }, queue, pool: 1 });
    const pool = makeDistributedPool({ connection: { host: '127.0.0.1', port: redis.port }, queue });
    await expect(pool.apply(tasks.square, [8])).resolves.toBe(64);
  });

  test('a key prefix of their own, given to both sides, works', async () => {
    const queue = newQueue();
    await startWorkerProcess({ connection: redis.url, queue, prefix: 'procpool-test', pool: 1 });
    const pool = makeDistributedPool({ connection: redis.url, queue, prefix: 'procpool-test' });
    await expect(pool.apply(tasks.square, [9])).resolves.toBe(81);
  });

  test('map of 200 items resolves in input order, with the default and a given chunksize', async () => {
    const { pool } = await poolWithWorker();
    const items = Array.from({ length: 200 }, (_, i) => i);
    const squares = items.map((x) => x * x);
    await expect(pool.map(tasks.square, items)).resolves.toEqual(squares);
    await expect(pool.map(tasks.square, items, 7)).resolves.toEqual(squares);
    await expect(pool.map(tasks.square, [])).resolves.toEqual([]);
  });

  test("map's default chunksize makes 4 jobs per process of the connected workers (8 for one worker of 2)", async () => {
    const queue = newQueue();
    await startWorkerProcess({ connection: redis.url, queue, pool: { processes: 2 } });
    // Finished jobs kept, so Redis can count them.
    const pool = makeDistributedPool({ connection: redis.url, queue, defaultJobOptions: { removeOnComplete: false } });
    const items = Array.from({ length: 200 }, (_, i) => i);
    await expect(pool.map(tasks.square, items)).resolves.toEqual(items.map((x) => x * x));
    await expect(jobCounts(redis.url, queue)).resolves.toMatchObject({ completed: 8 });
  });

  test('starmap spreads each tuple over the arguments', async () => {
    const { pool } = await poolWithWorker();
    await expect(
      pool.starmap(tasks.add, [
        [1, 2],
        [3, 4],
        [5, 6],
      ]),
    ).resolves.toEqual([3, 7, 11]);
  });

  test('imapUnordered yields every result, in the order they complete', async () => {
    const { pool } = await poolWithWorker(2);
    const dir = tempDir();
    writeFileSync(`${dir}/go-fast`, '');
    const results = pool.imapUnordered(
      tasks.block,
      [
        { dir, key: 'slow' },
        { dir, key: 'fast' },
      ],
      { chunksize: 1 },
    );
    const iterator = results[Symbol.asyncIterator]();
    // 'slow' waits for its go file, which the test creates only once 'fast' has come back.
    const first = iterator.next();
    await started(dir, 'started-slow-');
    await expect(first).resolves.toMatchObject({ done: false, value: { value: 'fast' } });
    writeFileSync(`${dir}/go-slow`, '');
    await expect(iterator.next()).resolves.toMatchObject({ done: false, value: { value: 'slow' } });
    await expect(iterator.next()).resolves.toMatchObject({ done: true });
  });

  test('imapUnordered of 100 items yields each result once', async () => {
    const { pool } = await poolWithWorker();
    const seen: number[] = [];
    for await (const value of pool.imapUnordered(
      tasks.square,
      Array.from({ length: 100 }, (_, i) => i),
    )) {
      seen.push(value);
    }
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i * i));
  });

  test('imap over an infinite generator keeps a bounded window of jobs in Redis, and stops reading when the loop ends', async () => {
    const { pool, queue } = await poolWithWorker();
    const bufferSize = 8;
    let pulled = 0;
    function* naturals(): Generator<number> {
      for (let n = 0; ; n += 1) {
        pulled += 1;
        yield n;
      }
    }
    const seen: number[] = [];
    const outstanding: number[] = [];
    for await (const value of pool.imap(tasks.square, naturals(), { chunksize: 1, bufferSize })) {
      seen.push(value);
      // Jobs not yet finished, as Redis holds them: never more than the window.
      if (seen.length % 10 === 0) {
        const counts = await jobCounts(redis.url, queue);
        outstanding.push((counts.wait ?? 0) + (counts.active ?? 0) + (counts.delayed ?? 0) + (counts.prioritized ?? 0));
      }
      expect(pulled).toBeLessThanOrEqual(seen.length + bufferSize + 1);
      if (seen.length === 50) break;
    }
    expect(seen).toEqual(Array.from({ length: 50 }, (_, i) => i * i));
    for (const count of outstanding) expect(count).toBeLessThanOrEqual(bufferSize);
    const pulledAtBreak = pulled;
    await pool.close();
    // Nothing more was read from the input once the loop ended, and no job of it is left in Redis.
    expect(pulled).toBe(pulledAtBreak);
    const counts = await jobCounts(redis.url, queue);
    expect((counts.wait ?? 0) + (counts.active ?? 0) + (counts.delayed ?? 0) + (counts.prioritized ?? 0)).toBe(0);
  });

  test('imap yields in input order', async () => {
    const { pool } = await poolWithWorker();
    const seen: number[] = [];
    for await (const value of pool.imap(tasks.square, [3, 1, 2], { chunksize: 1 })) seen.push(value);
    expect(seen).toEqual([9, 1, 4]);
  });
});
