import os from 'node:os';
import { writeFileSync } from 'node:fs';
import { afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import { createWorker, type DistributedWorker } from '@procpool/bullmq';
import * as tasks from '../../fixtures/bullmq/tasks.mjs';
import { descendants } from '../helpers/processes.js';
import { startRedis, type RedisServer } from '../helpers/redis.js';
import { tempDir } from '../helpers/temp.js';
import { makeDistributedPool, newQueue, started } from './clients.js';

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});

// Workers of this process: their Pools' processes are ours, so each is terminated before the
// suite's check that no pool worker outlives a test.
const workers = new Set<DistributedWorker>();
async function worker(
  options: Partial<Parameters<typeof createWorker>[0]> & { queue: string },
): Promise<DistributedWorker> {
  const created = await createWorker({ connection: redis.url, pool: 1, ...options });
  workers.add(created);
  return created;
}

const poolWorkers = (): number[] =>
  descendants()
    .filter((p) => p.cmdline.includes('bootstrap/main.'))
    .map((p) => p.pid);

describe('createWorker in this process', () => {
  afterEach(async () => {
    await Promise.all([...workers].map((w) => w.terminate()));
    workers.clear();
  });

  test('is named host:pid unless given a name, and runs the jobs of its queue in its Pool', async () => {
    const queue = newQueue();
    const unnamed = await worker({ queue });
    expect(unnamed.name).toBe(`${os.hostname()}:${process.pid}`);
    const named = await worker({ queue, name: 'render-1' });
    expect(named.name).toBe('render-1');
    const pool = makeDistributedPool({ connection: redis.url, queue });
    const pid = await pool.apply(tasks.pid, []);
    expect(poolWorkers()).toContain(pid);
  });

  test('passes its pool options to the Pool: maxTasksPerChild recycles the process after each job', async () => {
    const queue = newQueue();
    await worker({ queue, pool: { processes: 1, maxTasksPerChild: 1 } });
    const pool = makeDistributedPool({ connection: redis.url, queue });
    const first = await pool.apply(tasks.pid, []);
    const second = await pool.apply(tasks.pid, []);
    expect(second).not.toBe(first);
  });

  test('close() lets the running job finish and report, then closes its Pool', async () => {
    const queue = newQueue();
    const closing = await worker({ queue, pool: 2 });
    const pool = makeDistributedPool({ connection: redis.url, queue });
    const dir = tempDir();
    const call = pool.apply(tasks.block, [{ dir, key: 'a' }]);
    await started(dir, 'started-a-');
    const order: string[] = [];
    const closed = closing.close().then(() => order.push('closed'));
    void call.then(() => order.push('call'));
    writeFileSync(`${dir}/go`, '');
    await closed;
    await expect(closing.closed).resolves.toBeUndefined();
    await expect(call).resolves.toMatchObject({ value: 'a' });
    expect(order).toEqual(['call', 'closed']);
    expect(poolWorkers()).toEqual([]);
    // close() again, terminate() and asyncDispose after it settle too.
    await closing.close();
    await closing.terminate();
    await closing[Symbol.asyncDispose]();
  });

  test('refuses options it cannot use, naming them', async () => {
    await expect(createWorker({ connection: redis.url, queue: 'a:b' })).rejects.toThrow(
      "Expected `queue` to be a BullMQ queue name (a non-empty string without ':')",
    );
    await expect(createWorker({ connection: redis.url, queue: 'q', name: 'two words' })).rejects.toThrow(
      'Expected `name` to be a non-empty string without spaces',
    );
    await expect(createWorker({ connection: redis.url, queue: 'q', lockDuration: 0 })).rejects.toThrow(
      'Expected `lockDuration` to be a positive number of milliseconds, got `0`',
    );
    await expect(createWorker({ connection: redis.url, queue: 'q', pool: { processes: 0 } })).rejects.toThrow(
      'processes',
    );
    expect(poolWorkers()).toEqual([]);
  });
});
