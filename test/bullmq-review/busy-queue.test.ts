import { writeFileSync } from 'node:fs';
import { afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import { JobLostError } from '@procpool/bullmq';
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

// BullMQ trims a queue's event stream (~10 000 events by default, a few per job): a client that
// cannot read for a while (a blocked event loop, a long GC, a paused VM) misses the ends of jobs.
// It notices the gap and reads the outcomes from the finished jobs Redis keeps (the latest 10 000).
// Here the stream is cut to 50 events, so a few hundred jobs are enough to open the gap.
describe('a client that stops reading while the event stream moves past what it read', () => {
  afterEach(killWorkerProcesses);

  async function run(options: { keepFinished: boolean }): Promise<Array<PromiseSettledResult<unknown>>> {
    const queue = newQueue();
    await startWorkerProcess({ connection: redis.url, queue, pool: 2 });
    const pool = makeDistributedPool({
      connection: redis.url,
      queue,
      ...(options.keepFinished ? {} : { defaultJobOptions: { removeOnComplete: true } }),
    });
    // Connected (its Queue has written the queue's settings), then a stream of 50 events.
    await expect(pool.apply(tasks.square, [1])).resolves.toBe(1);
    ask('HSET', `bull:${queue}:meta`, 'opts.maxLenEvents', '50');
    const dir = tempDir();
    const first = [pool.apply(tasks.block, [{ dir, key: 'a' }]), pool.apply(tasks.block, [{ dir, key: 'b' }])];
    await started(dir, 'started-a-');
    await started(dir, 'started-b-');
    const rest = Array.from({ length: count }, (_, i) => pool.apply(tasks.square, [i]));
    const outcomes = Promise.allSettled([...first, ...rest]);
    while (ask('LLEN', `bull:${queue}:wait`) < count) await new Promise((resolve) => setImmediate(resolve));
    // Blocked from here until the worker has run them all: hundreds of events go by unread.
    writeFileSync(`${dir}/go`, '');
    while (ask('LLEN', `bull:${queue}:wait`) + ask('LLEN', `bull:${queue}:active`) > 0);
    expect(ask('XLEN', `bull:${queue}:events`)).toBeLessThan(200);
    const settled = await outcomes;
    await pool.close();
    return settled;
  }

  const count = 300;

  test('every call gets its result, read from the finished jobs Redis keeps', async () => {
    const settled = await run({ keepFinished: true });
    expect(settled.filter((outcome) => outcome.status === 'rejected')).toEqual([]);
    expect(settled.slice(2).map((outcome) => (outcome as PromiseFulfilledResult<number>).value)).toEqual(
      Array.from({ length: count }, (_, i) => i * i),
    );
  }, 60_000);

  test('with finished jobs removed at once, the calls it missed reject with JobLostError, and none hangs', async () => {
    const settled = await run({ keepFinished: false });
    const rejected = settled.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason as Error] : []));
    expect(rejected.length).toBeGreaterThan(0);
    for (const error of rejected) {
      expect(error).toBeInstanceOf(JobLostError);
      expect(error.message).toMatch(/trimmed from the event stream/);
    }
    settled.forEach((outcome, i) => {
      if (i >= 2 && outcome.status === 'fulfilled') expect(outcome.value).toBe((i - 2) ** 2);
    });
  }, 60_000);
});
