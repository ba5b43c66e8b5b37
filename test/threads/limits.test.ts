import { describe, expect, test } from '@jest/globals';
import { TaskTimeoutError } from '@procpool/core';
import * as tasks from '../../fixtures/tasks.mjs';
import { growHeap, reportAndSpinNamed, workerName } from '../../fixtures/thread-tasks.mjs';
import { signalServer } from '../helpers/signals.js';
import { makeThreadPool, nextExit } from './thread-pools.js';

describe('limits on threads', () => {
  test('taskTimeout terminates a spinning thread; the pool goes on with a new one', async () => {
    const pool = makeThreadPool({ processes: 1, taskTimeout: 200 });
    const signals = await signalServer();
    const exit = nextExit(pool);
    const stuck = pool.apply(reportAndSpinNamed, [signals.path]);
    const { value: name } = await signals.next();
    const error = (await stuck.catch((thrown: unknown) => thrown)) as TaskTimeoutError;
    expect(error).toBeInstanceOf(TaskTimeoutError);
    expect(error.message).toMatch(/its thread is being terminated/);
    await expect(exit).resolves.toMatchObject({ name, reason: 'timeout' });
    await expect(pool.apply(workerName)).resolves.not.toBe(name);
  });

  test('an AbortSignal terminates the thread running the task', async () => {
    const pool = makeThreadPool(1);
    const signals = await signalServer();
    const controller = new AbortController();
    const exit = nextExit(pool);
    const running = pool.apply(reportAndSpinNamed, [signals.path], { signal: controller.signal });
    const { value: name } = await signals.next();
    controller.abort(new RangeError('stop it'));
    await expect(running).rejects.toThrow('stop it');
    await expect(exit).resolves.toMatchObject({ name, reason: 'abort' });
    await expect(pool.apply(tasks.square, [6])).resolves.toBe(36);
  });

  test('maxTasksPerChild recycles threads: no thread runs more than that many tasks', async () => {
    const pool = makeThreadPool({ processes: 2, maxTasksPerChild: 2 });
    const names = await pool.map(workerName, Array.from({ length: 12 }), 1);
    const counts = new Map<string, number>();
    for (const name of names) counts.set(name, (counts.get(name) ?? 0) + 1);
    expect(Math.max(...counts.values())).toBeLessThanOrEqual(2);
    expect(counts.size).toBeGreaterThanOrEqual(6);
  });

  test('maxMemoryPerChild retires a thread whose heap outgrew it, after its answer', async () => {
    const pool = makeThreadPool({ processes: 1, maxMemoryPerChild: 64 * 1024 * 1024 });
    const exit = nextExit(pool);
    const name = await pool.apply(growHeap, [1]);
    // Small growth: the same thread answers again.
    await expect(pool.apply(workerName)).resolves.toBe(name);
    await expect(pool.apply(growHeap, [100])).resolves.toBe(name);
    await expect(exit).resolves.toMatchObject({ name, reason: 'memory', exitCode: 0 });
    await expect(pool.apply(workerName)).resolves.not.toBe(name);
  });
});
