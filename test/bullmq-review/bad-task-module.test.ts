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

  // Before the fix, the worker's local Pool turns broken (BrokenPoolError: "Workers die while importing … (3 in a
  // row)"), as a local Pool does, and stays broken: but this worker serves a whole queue, and it goes on
  // taking every later job of every client and failing each with that BrokenPoolError, while it stays
  // connected: a black hole for the queue. Either fix passes: a worker that replaces its Pool and runs
  // the next job, or one that stops taking jobs (closes; its process exits) and leaves them to others.
  test('a module that exits its process at import fails that call only; the worker runs the next jobs or leaves', async () => {
    const queue = newQueue();
    const worker = await startWorkerProcess({ connection: redis.url, queue, pool: 1 });
    const pool = makeDistributedPool({ connection: redis.url, queue });
    await expect(pool.apply(exitsAtImport, [])).rejects.toThrow(/exits-at-import/);
    const next = await Promise.race([
      pool.apply(tasks.square, [5]).catch((error: unknown) => `rejected: ${String(error)}`),
      worker.exited.then(() => 'the worker left'),
    ]);
    expect(['the worker left', 25]).toContainEqual(next);
  });
});
