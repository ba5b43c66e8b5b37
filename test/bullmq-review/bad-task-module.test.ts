import { afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import * as tasks from '../../fixtures/bullmq-review/tasks.mjs';
import { makeDistributedPool, newQueue } from '../bullmq/clients.js';
import { killWorkerProcesses, startWorkerProcess } from '../bullmq/worker-processes.js';
import { startRedis, type RedisServer } from '../helpers/redis.js';

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});

const exitsAtImport = `${new URL('../../fixtures/bullmq-review/exits-at-import.mjs', import.meta.url).href}#anything`;
const throwsAtImport = `${new URL('../../fixtures/bullmq-review/throws-at-import.mjs', import.meta.url).href}#anything`;

// A job names its task module; any client of the queue can name any module. One job's bad module
// must fail that job only: a worker is shared by every client of the queue.
describe('a job whose task module cannot be loaded on the worker', () => {
  afterEach(killWorkerProcesses);

  test('a module that throws at import fails that call only; the worker runs the next job', async () => {
    const queue = newQueue();
    await startWorkerProcess({ connection: redis.url, queue, pool: 1 });
    const pool = makeDistributedPool({ connection: redis.url, queue });
    await expect(pool.apply(throwsAtImport, [])).rejects.toThrow('this module cannot be imported');
    await expect(pool.apply(tasks.square, [5])).resolves.toBe(25);
  });

  // Today the worker's local Pool turns broken (BrokenPoolError: "Workers die while importing … (3 in a
  // row)") and stays broken: the worker keeps taking every later job of the queue and fails each one
  // with that BrokenPoolError, while staying connected, a black hole for the whole queue.
  test('a module that exits its process at import fails that call only; the worker runs the next jobs', async () => {
    const queue = newQueue();
    await startWorkerProcess({ connection: redis.url, queue, pool: 1 });
    const pool = makeDistributedPool({ connection: redis.url, queue });
    await expect(pool.apply(exitsAtImport, [])).rejects.toThrow(/exits-at-import/);
    await expect(pool.apply(tasks.square, [5])).resolves.toBe(25);
    await expect(pool.map(tasks.square, [1, 2, 3], 1)).resolves.toEqual([1, 4, 9]);
  });
});
