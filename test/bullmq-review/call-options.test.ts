import { afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import * as tasks from '../../fixtures/bullmq-review/tasks.mjs';
import { makeDistributedPool, newQueue } from '../bullmq/clients.js';
import { killWorkerProcesses, startWorkerProcess } from '../bullmq/worker-processes.js';
import { startRedis, type RedisServer } from '../helpers/redis.js';

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});

// docs/distributed.md: "An unknown key is a TypeError", as a local Pool's ("Unknown apply option
// `chunksize`"). Before the fix, one list of known keys serves every method, so apply takes chunksize and
// bufferSize, and map takes bufferSize, and ignore them: a typo'd call runs as if they were not there.
describe('call options that are not the method’s own', () => {
  afterEach(killWorkerProcesses);

  test.each([
    ['apply', 'chunksize'],
    ['apply', 'bufferSize'],
    ['map', 'bufferSize'],
  ])('%s refuses %s with a TypeError naming it', async (method, option) => {
    const queue = newQueue();
    // A worker, so that a call that is not refused settles instead of waiting for one.
    await startWorkerProcess({ connection: redis.url, queue, pool: 1 });
    const pool = makeDistributedPool({ connection: redis.url, queue });
    const call =
      method === 'apply'
        ? pool.apply(tasks.square, [2], { [option]: 3 })
        : pool.map(tasks.square, [2], { [option]: 3 });
    await expect(call).rejects.toThrow(new RegExp(`${option}`));
    await expect(call).rejects.toBeInstanceOf(TypeError);
  });
});
