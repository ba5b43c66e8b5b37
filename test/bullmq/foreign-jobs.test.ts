import { afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import { JobFailedError } from '@procpool/bullmq';
import * as tasks from '../../fixtures/bullmq/tasks.mjs';
import { startRedis, type RedisServer } from '../helpers/redis.js';
import { bullmq, type BullQueue, type BullWorker } from './bullmq-direct.js';
import { makeDistributedPool, newQueue } from './clients.js';
import { killWorkerProcesses, startWorkerProcess } from './worker-processes.js';

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});

const closing: Array<BullQueue | BullWorker> = [];
afterEach(async () => {
  await Promise.all(closing.splice(0).map((thing) => thing.close()));
});

describe("jobs and workers that are not procpool's, on the same queue", () => {
  afterEach(killWorkerProcesses);

  test('a job a plain BullMQ worker fails rejects the call with JobFailedError and its failedReason', async () => {
    const queue = newQueue();
    const plain = new bullmq.Worker(queue, () => Promise.reject(new Error('not a job for me')), {
      connection: { url: redis.url },
    });
    plain.on('error', () => undefined);
    closing.push(plain);
    await plain.waitUntilReady();
    const pool = makeDistributedPool({ connection: redis.url, queue });
    const error = (await pool.apply(tasks.square, [2]).then(
      () => new Error('expected a rejection'),
      (reason: unknown) => reason,
    )) as JobFailedError;
    expect(error).toBeInstanceOf(JobFailedError);
    expect(error.failedReason).toBe('not a job for me');
    expect(error.message).toContain('not a job for me');
  });

  test("a job that is not procpool's fails in BullMQ, naming why, and the procpool worker goes on", async () => {
    const queue = newQueue();
    await startWorkerProcess({ connection: redis.url, queue, pool: 1 });
    const plain = new bullmq.Queue(queue, { connection: { url: redis.url } });
    closing.push(plain);
    const job = await plain.add('resize', { file: 'a.png' }, { jobId: 'foreign-1' });
    expect(job.id).toBe('foreign-1');
    await waitForState(plain, 'foreign-1', 'failed');
    const failed = await plain.getJob('foreign-1');
    expect(failed?.failedReason).toMatch(/not a procpool job/);
    const pool = makeDistributedPool({ connection: redis.url, queue });
    await expect(pool.apply(tasks.square, [5])).resolves.toBe(25);
  });
});

// Polls BullMQ for the job's state: the OS-style wait of processes.ts, over Redis.
async function waitForState(queue: BullQueue, id: string, state: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (let now = await queue.getJobState(id); now !== state; now = await queue.getJobState(id)) {
    if (Date.now() > deadline) throw new Error(`job ${id} is ${now}, not ${state}, after 30 s`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
