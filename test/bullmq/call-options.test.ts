import { writeFileSync } from 'node:fs';
import { afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import type { DistributedPool } from '@procpool/bullmq';
import { TaskTimeoutError } from '@procpool/core';
import * as tasks from '../../fixtures/bullmq/tasks.mjs';
import { startRedis, type RedisServer } from '../helpers/redis.js';
import { tempDir } from '../helpers/temp.js';
import { jobCounts, makeDistributedPool, newQueue, started, startedCount } from './clients.js';
import { killWorkerProcesses, startWorkerProcess } from './worker-processes.js';

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});

async function poolWithWorker(processes = 1): Promise<{ pool: DistributedPool; queue: string }> {
  const queue = newQueue();
  await startWorkerProcess({ connection: redis.url, queue, pool: { processes } });
  return { pool: makeDistributedPool({ connection: redis.url, queue }), queue };
}

describe('DistributedPool call options', () => {
  afterEach(killWorkerProcesses);

  test('taskTimeout: a task that runs longer fails with TaskTimeoutError, and the worker goes on', async () => {
    const { pool } = await poolWithWorker();
    const dir = tempDir();
    // It never gets its go file: only the timeout ends it.
    const error = await pool.apply(tasks.block, [{ dir, key: 'forever' }], { taskTimeout: 300 }).then(
      () => new Error('expected a rejection'),
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(TaskTimeoutError);
    await expect(pool.apply(tasks.square, [3])).resolves.toBe(9);
    await expect(pool.map(tasks.square, [1, 2], { taskTimeout: 60_000 })).resolves.toEqual([1, 4]);
  });

  test("jobOptions: a call's own attempts over the pool's default", async () => {
    const { pool } = await poolWithWorker();
    const dir = tempDir();
    await expect(pool.apply(tasks.crashOnce, [`${dir}/once`])).rejects.toThrow();
    await expect(pool.apply(tasks.crashOnce, [`${dir}/twice`], { jobOptions: { attempts: 2 } })).resolves.toBe(
      'second try',
    );
  });

  test('signal: aborting a call rejects it with the reason, and its job that no worker started never runs', async () => {
    const { pool } = await poolWithWorker(1);
    const dir = tempDir();
    // The one worker process is busy, so the next job waits in Redis.
    const busy = pool.apply(tasks.block, [{ dir, key: 'busy' }]);
    await started(dir, 'started-busy-');
    const controller = new AbortController();
    const aborted = pool.apply(tasks.block, [{ dir, key: 'aborted' }], { signal: controller.signal });
    const reason = new Error('not needed any more');
    controller.abort(reason);
    await expect(aborted).rejects.toBe(reason);
    writeFileSync(`${dir}/go`, '');
    await expect(busy).resolves.toMatchObject({ value: 'busy' });
    // Jobs run in the order they were added: had the aborted one stayed in Redis, it would have run before this.
    await expect(pool.apply(tasks.block, [{ dir, key: 'after' }])).resolves.toMatchObject({ value: 'after' });
    expect(startedCount(dir, 'started-aborted-')).toBe(0);
    // A signal aborted already: the call rejects without a job.
    await expect(pool.apply(tasks.square, [2], { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
  });

  test('signal: aborting an imap over an infinite input ends the iteration with the reason, reads no more, and removes its waiting jobs', async () => {
    const { pool, queue } = await poolWithWorker(2);
    let pulled = 0;
    function* naturals(): Generator<number> {
      for (let n = 0; ; n += 1) {
        pulled += 1;
        yield n;
      }
    }
    const controller = new AbortController();
    const reason = new Error('enough');
    const seen: number[] = [];
    const iterating = (async () => {
      for await (const value of pool.imap(tasks.square, naturals(), { bufferSize: 4, signal: controller.signal })) {
        seen.push(value);
        if (seen.length === 10) controller.abort(reason);
      }
    })();
    await expect(iterating).rejects.toBe(reason);
    const pulledAtAbort = pulled;
    expect(seen.slice(0, 10)).toEqual(Array.from({ length: 10 }, (_, i) => i * i));
    await pool.close();
    expect(pulled).toBe(pulledAtAbort);
    // Its jobs no worker had started are gone (those running finish on their worker, unreported).
    const counts = await jobCounts(redis.url, queue);
    expect((counts.wait ?? 0) + (counts.prioritized ?? 0)).toBe(0);
  });

  test('options that are not call options are refused, naming them', async () => {
    const pool = makeDistributedPool({ connection: redis.url, queue: newQueue() });
    await expect(pool.apply(tasks.square, [2], { chunksize: 2, nope: 1 } as never)).rejects.toThrow(
      'Unknown apply option(s): chunksize, nope',
    );
    await expect(pool.apply(tasks.square, [2], { jobOptions: { jobId: 'mine' } })).rejects.toThrow(
      "`jobOptions.jobId` is procpool's to choose",
    );
    await expect(pool.map(tasks.square, [1], { chunksize: 0 })).rejects.toThrow(
      'Expected `chunksize` to be a positive integer, got `0`',
    );
    expect(() => makeDistributedPool({ connection: redis.url, queue: 'a:b' })).toThrow(
      "Expected `queue` to be a BullMQ queue name (a non-empty string without ':')",
    );
    expect(() => makeDistributedPool({ connection: redis.url, queue: 'q', reconnectTimeout: -1 })).toThrow(
      'Expected `reconnectTimeout` to be a positive number of milliseconds, got `-1`',
    );
  });
});

describe('more than one client, and tasks the workers cannot run', () => {
  afterEach(killWorkerProcesses);

  test('two DistributedPools on one queue each get the results of their own calls', async () => {
    const { pool, queue } = await poolWithWorker(2);
    const other = makeDistributedPool({ connection: redis.url, queue });
    const items = Array.from({ length: 50 }, (_, i) => i);
    const [mine, theirs] = await Promise.all([
      pool.map(tasks.square, items, 1),
      other.starmap(
        tasks.add,
        items.map((i): [number, number] => [i, 1000]),
        1,
      ),
    ]);
    expect(mine).toEqual(items.map((x) => x * x));
    expect(theirs).toEqual(items.map((x) => x + 1000));
    const [a, b] = await Promise.all([pool.apply(tasks.echo, ['mine']), other.apply(tasks.echo, ['theirs'])]);
    expect([a, b]).toEqual(['mine', 'theirs']);
  });

  test('a task module the workers cannot load rejects the call, naming it; the worker goes on', async () => {
    const { pool } = await poolWithWorker();
    const missing = new URL('../../fixtures/bullmq/no-such-tasks.mjs', import.meta.url).href;
    await expect(pool.apply(`${missing}#square`, [2])).rejects.toThrow('no-such-tasks.mjs');
    await expect(pool.apply(tasks.square, [3])).resolves.toBe(9);
  });
});
