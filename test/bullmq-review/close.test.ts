import { afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import { Pool } from '@procpool/core';
import * as tasks from '../../fixtures/bullmq-review/tasks.mjs';
import { makeDistributedPool, newQueue } from '../bullmq/clients.js';
import { killWorkerProcesses, startWorkerProcess } from '../bullmq/worker-processes.js';
import { startRedis, type RedisServer } from '../helpers/redis.js';
import { redisClients } from './redis-clients.js';

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});

const items = Array.from({ length: 40 }, (_, i) => i);
const squares = items.map((i) => i * i);

async function drain(iterator: AsyncIterable<number>): Promise<number[]> {
  const seen: number[] = [];
  for await (const value of iterator) seen.push(value);
  return seen;
}

describe('DistributedPool.close() with calls under way', () => {
  afterEach(killWorkerProcesses);

  // The reference: a local Pool closed after imap() still yields every result (close() stops new
  // calls, not the ones made; Python's too).
  test('a local Pool: imap made before close() yields every result', async () => {
    const pool = new Pool({ processes: 1 });
    const iterator = pool.imap(tasks.square, items);
    pool.close();
    await expect(drain(iterator)).resolves.toEqual(squares);
    await pool.join();
  });

  // Before the fix: close() resolves at once (no job is in Redis yet: imap reads lazily), and the iterator's
  // first next() throws PoolNotRunningError: every result is lost. With jobs already in flight, it
  // yields the window (bufferSize) and then throws.
  test('imap made before close() yields every result, as a local Pool does', async () => {
    const queue = newQueue();
    await startWorkerProcess({ connection: redis.url, queue, pool: 2 });
    const pool = makeDistributedPool({ connection: redis.url, queue });
    const iterator = pool.imap(tasks.square, items, { bufferSize: 4 });
    const closing = pool.close();
    await expect(drain(iterator)).resolves.toEqual(squares);
    await closing;
  });

  test('imapUnordered in progress when close() is called yields every result', async () => {
    const queue = newQueue();
    await startWorkerProcess({ connection: redis.url, queue, pool: 2 });
    const pool = makeDistributedPool({ connection: redis.url, queue });
    const iterator = pool.imapUnordered(tasks.square, items, { bufferSize: 4 });
    const first = await iterator.next();
    const closing = pool.close();
    const rest = await drain(iterator);
    expect([first.value as number, ...rest].sort((a, b) => a - b)).toEqual(squares);
    await closing;
  });

  async function* input(): AsyncGenerator<number> {
    for (const item of [1, 2, 3]) {
      await Promise.resolve();
      yield item;
    }
  }

  // Before the fix: map() reading an async input has no job in Redis yet, so close() resolves at once.
  test('close() resolves only once a map still reading its async input has settled', async () => {
    const queue = newQueue();
    await startWorkerProcess({ connection: redis.url, queue, pool: 2 });
    const pool = makeDistributedPool({ connection: redis.url, queue });
    let mapSettled = false;
    const mapped = pool.map(tasks.square, input()).finally(() => (mapSettled = true));
    mapped.catch(() => undefined);
    await pool.close();
    expect(mapSettled).toBe(true);
    await expect(mapped).resolves.toEqual([1, 4, 9]);
  });

  // Before the fix: that map opens the pool's connections (queue and event reader) after close() and they stay
  // open once it has settled: two Redis clients more than before the pool was made.
  test('no connection of a closed pool is left open, even one a late map opened', async () => {
    const queue = newQueue();
    await startWorkerProcess({ connection: redis.url, queue, pool: 2 });
    const before = await redisClients(redis.port);
    const pool = makeDistributedPool({ connection: redis.url, queue });
    const mapped = pool.map(tasks.square, input());
    await pool.close();
    await expect(mapped).resolves.toEqual([1, 4, 9]);
    expect(await redisClients(redis.port)).toBe(before);
  });
});
