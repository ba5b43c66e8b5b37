import { readdirSync } from 'node:fs';
import { afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import * as tasks from '../../fixtures/bullmq-review/tasks.mjs';
import { makeDistributedPool, newQueue } from '../bullmq/clients.js';
import { killWorkerProcesses, startWorkerProcess } from '../bullmq/worker-processes.js';
import { startRedis, type RedisServer } from '../helpers/redis.js';
import { tempDir } from '../helpers/temp.js';

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});

// Coverage (passes): the worker renews a running job's lock, so a task that lasts many lockDurations
// is neither taken for stalled nor started on the other worker, even with attempts left.
describe('a task that runs longer than lockDuration', () => {
  afterEach(killWorkerProcesses);

  test('completes once, on one worker, with attempts 2 and a second worker idle', async () => {
    const queue = newQueue();
    const options = { connection: redis.url, queue, pool: 1, lockDuration: 300, stalledInterval: 150 };
    await startWorkerProcess(options);
    await startWorkerProcess(options);
    const pool = makeDistributedPool({ connection: redis.url, queue, defaultJobOptions: { attempts: 2 } });
    const dir = tempDir();
    // Ten lockDurations.
    await expect(pool.apply(tasks.longRun, [{ dir, key: 'a', ms: 3000 }])).resolves.toBe('a');
    expect(readdirSync(dir).filter((name) => name.startsWith('run-a-'))).toHaveLength(1);
  }, 30_000);
});
