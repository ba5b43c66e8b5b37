import { writeFileSync } from 'node:fs';
import { afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import { WorkerLostError } from '@procpool/core';
import * as tasks from '../../fixtures/bullmq/tasks.mjs';
import { isAlive, waitFor } from '../helpers/processes.js';
import { startRedis, type RedisServer } from '../helpers/redis.js';
import { tempDir } from '../helpers/temp.js';
import { jobCounts, makeDistributedPool, newQueue, started, startedCount } from './clients.js';
import { killWorkerProcesses, startWorkerProcess, type WorkerProcess } from './worker-processes.js';

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});

// Short locks, so a dead worker's job is noticed in ~1.5 s rather than BullMQ's default 60 s.
const workerOptions = (queue: string, processes = 1): Record<string, unknown> => ({
  connection: redis.url,
  queue,
  pool: { processes },
  lockDuration: 1000,
  stalledInterval: 500,
});

async function twoWorkers(queue: string): Promise<WorkerProcess[]> {
  return Promise.all([startWorkerProcess(workerOptions(queue)), startWorkerProcess(workerOptions(queue))]);
}

describe('a worker process that dies with a job running', () => {
  afterEach(killWorkerProcesses);

  test('with attempts 2 the job is retried on the other worker and completes there', async () => {
    const queue = newQueue();
    const workers = await twoWorkers(queue);
    const pool = makeDistributedPool({ connection: redis.url, queue, defaultJobOptions: { attempts: 2 } });
    const dir = tempDir();
    const call = pool.apply(tasks.block, [{ dir, key: 'job' }]);
    const first = await started(dir, 'started-job-');
    const victim = workers.find((worker) => worker.pid === first.worker)!;
    const survivor = workers.find((worker) => worker !== victim)!;
    await expect(victim.kill()).resolves.toEqual({ code: null, signal: 'SIGKILL' });
    writeFileSync(`${dir}/go`, '');
    await expect(call).resolves.toEqual({ value: 'job', worker: survivor.pid });
    expect(startedCount(dir, 'started-job-')).toBe(2);
    // Its procpool worker went with it (it exits when its pipe to the dead process closes).
    await waitFor(() => !isAlive(first.pid), "the killed worker's procpool worker to exit");
  });

  test('a map job (a chunk of items) whose worker died runs again whole on the other worker (attempts 2)', async () => {
    const queue = newQueue();
    const workers = await twoWorkers(queue);
    const pool = makeDistributedPool({ connection: redis.url, queue, defaultJobOptions: { attempts: 2 } });
    const dir = tempDir();
    const call = pool.map(
      tasks.block,
      ['c0', 'c1', 'c2'].map((key) => ({ dir, key })),
      3,
    );
    const first = await started(dir, 'started-c0-');
    const victim = workers.find((worker) => worker.pid === first.worker)!;
    const survivor = workers.find((worker) => worker !== victim)!;
    await victim.kill();
    writeFileSync(`${dir}/go`, '');
    await expect(call).resolves.toEqual(['c0', 'c1', 'c2'].map((value) => ({ value, worker: survivor.pid })));
  });

  test('with attempts 1 the job fails with WorkerLostError naming the lost worker', async () => {
    const queue = newQueue();
    const workers = await twoWorkers(queue);
    const pool = makeDistributedPool({ connection: redis.url, queue });
    const dir = tempDir();
    const call = pool.apply(tasks.block, [{ dir, key: 'job' }]);
    const first = await started(dir, 'started-job-');
    const victim = workers.find((worker) => worker.pid === first.worker)!;
    await victim.kill();
    writeFileSync(`${dir}/go`, '');
    const error = await call.then(
      () => new Error('expected a rejection'),
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(WorkerLostError);
    // Not run again anywhere.
    expect(startedCount(dir, 'started-job-')).toBe(1);
    // The other worker still takes jobs.
    await expect(pool.apply(tasks.square, [6])).resolves.toBe(36);
    expect((error as WorkerLostError).message).toContain(victim.name);
  });
});

describe('a worker process stopped with SIGTERM', () => {
  afterEach(killWorkerProcesses);

  test('finishes its running jobs, takes no new one, exits 0, and loses nothing', async () => {
    const queue = newQueue();
    const leaving = await startWorkerProcess(workerOptions(queue, 2));
    const pool = makeDistributedPool({ connection: redis.url, queue });
    const dir = tempDir();
    const keys = ['a', 'b', 'c', 'd'];
    const calls = new Map(keys.map((key) => [key, pool.apply(tasks.block, [{ dir, key }])]));
    await waitFor(() => startedCount(dir, 'started-') === 2, 'two jobs to start');
    const taken = keys.filter((key) => startedCount(dir, `started-${key}-`) === 1);
    const left = keys.filter((key) => !taken.includes(key));
    leaving.sigterm();
    await leaving.line('closing');
    writeFileSync(`${dir}/go`, '');
    await expect(leaving.exited).resolves.toEqual({ code: 0, signal: null });
    expect(leaving.stderr()).toBe('');
    // Its two jobs finished on it; the two it never took wait in Redis for the next worker.
    for (const key of taken) await expect(calls.get(key)).resolves.toEqual({ value: key, worker: leaving.pid });
    expect(startedCount(dir, 'started-')).toBe(2);
    await expect(jobCounts(redis.url, queue)).resolves.toMatchObject({ wait: 2, active: 0 });
    const next = await startWorkerProcess(workerOptions(queue, 2));
    for (const key of left) await expect(calls.get(key)).resolves.toEqual({ value: key, worker: next.pid });
  });
});

describe('a worker process that gets a second SIGTERM while closing', () => {
  afterEach(killWorkerProcesses);

  test('terminates at once (exit 143): its running job goes back to Redis, and with attempts 2 another worker runs it', async () => {
    const queue = newQueue();
    const leaving = await startWorkerProcess(workerOptions(queue));
    const pool = makeDistributedPool({ connection: redis.url, queue, defaultJobOptions: { attempts: 2 } });
    const dir = tempDir();
    const call = pool.apply(tasks.block, [{ dir, key: 'job' }]);
    await started(dir, 'started-job-');
    leaving.sigterm();
    await leaving.line('closing');
    leaving.sigterm();
    await expect(leaving.exited).resolves.toEqual({ code: 143, signal: null });
    const next = await startWorkerProcess(workerOptions(queue));
    writeFileSync(`${dir}/go`, '');
    await expect(call).resolves.toEqual({ value: 'job', worker: next.pid });
    expect(startedCount(dir, 'started-job-')).toBe(2);
  });
});
