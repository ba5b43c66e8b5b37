import { writeFileSync } from 'node:fs';
import { afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import * as tasks from '../../fixtures/bullmq/tasks.mjs';
import { makeDistributedPool, newQueue, started } from '../bullmq/clients.js';
import { killWorkerProcesses, startWorkerProcess } from '../bullmq/worker-processes.js';
import { startRedis, syncCommands, type RedisServer } from '../helpers/redis.js';
import { tempDir } from '../helpers/temp.js';

let redis: RedisServer;
let ask: (...args: string[]) => number;
beforeAll(async () => {
  redis = await startRedis();
  ask = await syncCommands(redis);
});

// A client that missed a job's end (its event trimmed from the stream, or after a reconnection) reads
// it from the job (Session's recover): finishedOn set and failedReason empty → completed, else failed.
// But BullMQ writes failedReason on every failed try and never clears it: a job that threw on its first
// try and completed on its second has both a returnvalue and a failedReason. Before the fix, such a call rejects
// with JobFailedError("…failed in BullMQ: Error: first try fails") though its job completed with 'second try'.
describe('a job that failed a try, then completed, whose end the client read from the job', () => {
  afterEach(killWorkerProcesses);

  test('the call resolves with the value of the try that completed', async () => {
    const queue = newQueue();
    await startWorkerProcess({ connection: redis.url, queue, pool: 2 });
    const pool = makeDistributedPool({ connection: redis.url, queue });
    const dir = tempDir();
    // Both pool processes held, so that every job below waits in Redis first.
    const held = [pool.apply(tasks.block, [{ dir, key: 'a' }]), pool.apply(tasks.block, [{ dir, key: 'b' }])];
    await started(dir, 'started-a-');
    await started(dir, 'started-b-');
    // lifo: its second try goes to the front again, so it ends before the many jobs after it.
    const retried = pool.apply(tasks.throwOnce, [`${dir}/tried`], { jobOptions: { attempts: 2, lifo: true } });
    retried.catch(() => undefined);
    // Enough ends after it (a few events each) that BullMQ trims its end from the ~10 000-event stream.
    const count = 6000;
    const rest = Promise.all(Array.from({ length: count }, (_, i) => pool.apply(tasks.square, [i])));
    rest.catch(() => undefined);
    while (ask('LLEN', `bull:${queue}:wait`) < count + 1) await new Promise((resolve) => setImmediate(resolve));
    // Blocked from here until the worker has run them all.
    writeFileSync(`${dir}/go`, '');
    while (ask('LLEN', `bull:${queue}:wait`) + ask('LLEN', `bull:${queue}:active`) > 0);
    await expect(retried).resolves.toBe('second try');
    await expect(rest).resolves.toHaveLength(count);
    await Promise.all(held);
  }, 120_000);
});
