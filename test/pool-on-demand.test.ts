// Pool's startWorkers: 'onDemand' (what ProcessPoolExecutor runs on): CPython's
// process pool executor starts a process only when no idle one can take a new
// work item (_adjust_process_count and its idle-worker semaphore).
import { describe, expect, test } from '@jest/globals';
import { Pool, ThreadPool, WorkerLostError } from '@procpool/core';
import * as ftasks from '../fixtures/futures-tasks.mjs';
import * as tasks from '../fixtures/tasks.mjs';
import { track } from './helpers/pools.js';

describe.each([
  ['Pool', Pool],
  ['ThreadPool', ThreadPool],
] as const)("%s with startWorkers: 'onDemand'", (_, PoolClass) => {
  const onDemand = (processes: number, more: object = {}): Pool =>
    track(new PoolClass({ processes, startWorkers: 'onDemand', ...more }));

  test('a new pool has no worker, and one task starts one', async () => {
    const pool = onDemand(4);
    expect(pool.stats()).toMatchObject({ workers: 0, workersStarted: 0 });
    await expect(pool.apply(tasks.square, [3])).resolves.toBe(9);
    expect(pool.stats()).toMatchObject({ workers: 1, workersStarted: 1 });
  });

  test('tasks one after another reuse the idle worker', async () => {
    const pool = onDemand(4);
    const names = new Set<string>();
    for (let i = 0; i < 5; i += 1) names.add(await pool.apply(ftasks.workerName, []));
    expect(names.size).toBe(1);
    expect(pool.stats().workersStarted).toBe(1);
  });

  test('tasks submitted together start one worker each, never more than `processes`', async () => {
    const pool = onDemand(3);
    const two = [pool.apply(tasks.sleep, [20, 'a']), pool.apply(tasks.sleep, [20, 'b'])];
    // Workers start as the tasks are queued, not later.
    expect(pool.stats().workers).toBe(2);
    const more = Array.from({ length: 6 }, (_, i) => pool.apply(tasks.square, [i]));
    expect(pool.stats().workers).toBe(3);
    await expect(Promise.all(two)).resolves.toEqual(['a', 'b']);
    await expect(Promise.all(more)).resolves.toEqual([0, 1, 4, 9, 16, 25]);
    expect(pool.stats().workersStarted).toBe(3);
  });

  test('idle workers are used before a new one starts', async () => {
    const pool = onDemand(4);
    await Promise.all([pool.apply(tasks.square, [1]), pool.apply(tasks.square, [2])]);
    expect(pool.stats()).toMatchObject({ workers: 2, idle: 2, workersStarted: 2 });
    const pair = [pool.apply(tasks.square, [3]), pool.apply(tasks.square, [4])];
    expect(pool.stats().workers).toBe(2);
    const third = pool.apply(tasks.square, [5]);
    expect(pool.stats().workers).toBe(3);
    await expect(Promise.all([...pair, third])).resolves.toEqual([9, 16, 25]);
  });

  test('a map starts at most `processes` workers', async () => {
    const pool = onDemand(2);
    const starts: number[] = [];
    pool.on('workerStart', () => starts.push(pool.stats().workers));
    await expect(pool.map(tasks.square, [1, 2, 3, 4, 5, 6, 7, 8], 1)).resolves.toEqual([1, 4, 9, 16, 25, 36, 49, 64]);
    expect(pool.stats().workersStarted).toBe(2);
    expect(Math.max(...starts)).toBeLessThanOrEqual(2);
  });

  test('under maxTasksPerChild a worker is replaced when work needs it, never ahead of a running last task', async () => {
    const pool = onDemand(2, { maxTasksPerChild: 1 });
    const results = [1, 2, 3, 4].map(() => pool.apply(ftasks.workerName, []));
    // Two run, two wait: neither of the first two may be replaced before it has answered.
    expect(pool.stats()).toMatchObject({ workers: 2, queued: 2 });
    expect(new Set(await Promise.all(results)).size).toBe(4);
    expect(pool.stats()).toMatchObject({ workersStarted: 4 });
  });

  test('a worker that dies is not replaced until work needs one', async () => {
    const pool = onDemand(2);
    const exited = new Promise((resolve) => pool.once('workerExit', resolve));
    await expect(pool.apply(tasks.exitNow, [3])).rejects.toBeInstanceOf(WorkerLostError);
    await exited;
    expect(pool.stats()).toMatchObject({ workers: 0, workersStarted: 1 });
    await expect(pool.apply(tasks.square, [6])).resolves.toBe(36);
    expect(pool.stats().workersStarted).toBe(2);
  });

  test('a closed pool with work left finishes it, and its workers exit', async () => {
    const pool = onDemand(2);
    const results = [1, 2, 3].map((x) => pool.apply(tasks.square, [x]));
    pool.close();
    await pool.join();
    await expect(Promise.all(results)).resolves.toEqual([1, 4, 9]);
    expect(pool.stats()).toMatchObject({ workers: 0, workersStarted: 2 });
  });

  test('anything else is a TypeError naming the option', () => {
    expect(() => new PoolClass({ processes: 1, startWorkers: 'lazy' as 'eager' })).toThrow(
      "Expected `startWorkers` to be 'eager' or 'onDemand', got `lazy` (string)",
    );
  });
});
