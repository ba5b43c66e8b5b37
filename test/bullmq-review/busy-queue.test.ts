import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import * as tasks from '../../fixtures/bullmq/tasks.mjs';
import { makeDistributedPool, newQueue, started } from '../bullmq/clients.js';
import { killWorkerProcesses, startWorkerProcess } from '../bullmq/worker-processes.js';
import { ensureRedis, startRedis, type RedisServer } from '../helpers/redis.js';
import { tempDir } from '../helpers/temp.js';

let redis: RedisServer;
let redisCli: string;
beforeAll(async () => {
  redis = await startRedis();
  redisCli = path.join(path.dirname(await ensureRedis()), 'redis-cli');
});

// One Redis command, synchronously: the client's event loop stays blocked while it asks.
const ask = (...args: string[]): number =>
  Number(execFileSync(redisCli, ['-p', String(redis.port), ...args], { encoding: 'utf8' }).trim());

// BullMQ trims the event stream to ~10 000 events (a few per job) and the pool keeps the latest
// 10 000 finished jobs of the queue. A client that cannot read for a while (a blocked event loop, a
// long GC, a paused VM) on a queue where more than 10 000 jobs finish meanwhile (its own, or other
// clients') finds neither the event nor the job of a call whose task ran and completed. Today such
// calls reject with JobLostError "it may or may not have run"; here 502 of 10 502 did, among them
// the two that finished first.
describe('a client that stops reading while more than 10 000 jobs of its queue finish', () => {
  afterEach(killWorkerProcesses);

  test('every call gets its result', async () => {
    const queue = newQueue();
    await startWorkerProcess({ connection: redis.url, queue, pool: 2 });
    const pool = makeDistributedPool({ connection: redis.url, queue });
    const dir = tempDir();
    // Two calls that finish first, once the rest wait in Redis; then 10 500 more.
    const first = [pool.apply(tasks.block, [{ dir, key: 'a' }]), pool.apply(tasks.block, [{ dir, key: 'b' }])];
    await started(dir, 'started-a-');
    await started(dir, 'started-b-');
    const count = 10_500;
    const rest = Array.from({ length: count }, (_, i) => pool.apply(tasks.square, [i]));
    const outcomes = Promise.allSettled([...first, ...rest]);
    while (ask('LLEN', `bull:${queue}:wait`) < count) await new Promise((resolve) => setImmediate(resolve));
    // Blocked from here until the worker has run them all.
    writeFileSync(`${dir}/go`, '');
    while (ask('LLEN', `bull:${queue}:wait`) + ask('LLEN', `bull:${queue}:active`) > 0);
    const settled = await outcomes;
    const lost = settled.flatMap((outcome) => (outcome.status === 'rejected' ? [String(outcome.reason)] : []));
    expect({ lost: lost.length, first: lost.slice(0, 2) }).toEqual({ lost: 0, first: [] });
    expect(settled.slice(2).map((outcome) => (outcome as PromiseFulfilledResult<number>).value)).toEqual(
      Array.from({ length: count }, (_, i) => i * i),
    );
    await pool.close();
  }, 120_000);
});
