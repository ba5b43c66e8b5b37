import { writeFileSync } from 'node:fs';
import { afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import type { DistributedPool } from '@procpool/bullmq';
import { PoolTerminatedError } from '@procpool/core';
import * as tasks from '../../fixtures/bullmq/tasks.mjs';
import { startRedis, type RedisServer } from '../helpers/redis.js';
import { tempDir } from '../helpers/temp.js';
import { makeDistributedPool, newQueue, started } from './clients.js';
import { killWorkerProcesses, startWorkerProcess } from './worker-processes.js';

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});

async function poolWithWorker(): Promise<DistributedPool> {
  const queue = newQueue();
  await startWorkerProcess({ connection: redis.url, queue, pool: { processes: 2 } });
  return makeDistributedPool({ connection: redis.url, queue });
}

describe('closing a DistributedPool', () => {
  afterEach(killWorkerProcesses);

  test('close() refuses new calls and resolves once every pending call has settled', async () => {
    const pool = await poolWithWorker();
    const dir = tempDir();
    const order: string[] = [];
    const running = pool.apply(tasks.block, [{ dir, key: 'a' }]).then((result) => {
      order.push('call');
      return result;
    });
    await started(dir, 'started-a-');
    const closed = pool.close().then(() => order.push('close'));
    await expect(pool.apply(tasks.square, [2])).rejects.toThrow();
    // The call is still running: close() cannot have resolved.
    expect(order).toEqual([]);
    writeFileSync(`${dir}/go`, '');
    await expect(running).resolves.toMatchObject({ value: 'a' });
    await closed;
    expect(order).toEqual(['call', 'close']);
  });

  test('close() of a pool that was never used resolves (it never connected)', async () => {
    const pool = makeDistributedPool({ connection: redis.url, queue: newQueue() });
    await pool.close();
    await expect(pool.apply(tasks.square, [2])).rejects.toThrow();
  });

  test('terminate() rejects pending calls with PoolTerminatedError', async () => {
    const pool = await poolWithWorker();
    const dir = tempDir();
    const running = pool.apply(tasks.block, [{ dir, key: 'a' }]);
    const mapped = pool.map(tasks.block, [{ dir, key: 'b' }]);
    // Handled from the start: they reject while terminate() runs.
    const rejected = [running, mapped].map((call) => expect(call).rejects.toBeInstanceOf(PoolTerminatedError));
    await started(dir, 'started-a-');
    await pool.terminate();
    await Promise.all(rejected);
    await expect(pool.apply(tasks.square, [2])).rejects.toThrow();
    // terminate() twice, or close() after it, settles too.
    await pool.terminate();
    await pool.close();
  });

  test('await using: [Symbol.asyncDispose] terminates the pool', async () => {
    const pool = await poolWithWorker();
    const dir = tempDir();
    const rejected = expect(pool.apply(tasks.block, [{ dir, key: 'a' }])).rejects.toBeInstanceOf(PoolTerminatedError);
    await started(dir, 'started-a-');
    await pool[Symbol.asyncDispose]();
    await rejected;
  });
});
