import { describe, expect, test } from '@jest/globals';
import { BrokenPoolError, WorkerLostError, activeChildren } from '@procpool/core';
import * as initializers from '../../fixtures/initializers.mjs';
import { reportAndCrash, reportAndWait } from '../../fixtures/report-then-wait.mjs';
import * as tasks from '../../fixtures/tasks.mjs';
import {
  kinds,
  makePool,
  makeStartPool,
  methods,
  notForThreads,
  processOnlyTest,
  runningWorkers,
  skipForThreads,
  starts,
} from '../helpers/pools.js';
import { isAlive, waitFor } from '../helpers/processes.js';
import { signalServer } from '../helpers/signals.js';
import { captureStderr } from '../helpers/stderr.js';

skipForThreads('a worker SIGKILLed mid-task', notForThreads.outsideKill);

describe.each(methods)('a worker that is SIGKILLed mid-task (%s)', (context) => {
  test('SIGKILL fails exactly the running task; prefetched tasks run elsewhere; the pool is back to full size', async () => {
    const pool = makePool({ processes: 2, context });
    const signals = await signalServer();
    const victim = pool.applyAsync(reportAndWait, [signals.path, 60_000, 'never']);
    const { pid } = await signals.next();
    // Tasks queued behind the victim (some prefetched to its worker) must all succeed.
    const others = Array.from({ length: 20 }, (_, i) => pool.applyAsync(tasks.square, [i]));
    process.kill(pid, 'SIGKILL');
    const error = (await victim.get().catch((e: unknown) => e)) as WorkerLostError;
    expect(error).toBeInstanceOf(WorkerLostError);
    expect(error.pid).toBe(pid);
    expect(error.signal).toBe('SIGKILL');
    expect(error.exitCode).toBeNull();
    expect(error.message).toContain('died with signal SIGKILL');
    await expect(Promise.all(others.map((r) => r.get()))).resolves.toEqual(Array.from({ length: 20 }, (_, i) => i * i));
    await waitFor(() => activeChildren().length === 2 && !isAlive(pid), 'the replacement worker');
    await expect(pool.map(tasks.pid, [1, 2, 3, 4], 1)).resolves.not.toContain(pid);
  });
});

describe.each(starts)('a worker that dies mid-task (%s)', (start) => {
  test('process.exit(n) inside a task gives the exit code and the stderr tail', async () => {
    const stderr = captureStderr();
    const pool = makeStartPool(start, { processes: 1 });
    const signals = await signalServer();
    const crashed = pool.apply(reportAndCrash, [signals.path, 'exit']);
    const error = (await crashed.catch((e: unknown) => e)) as WorkerLostError;
    expect(error).toBeInstanceOf(WorkerLostError);
    expect(error.exitCode).toBe(7);
    expect(error.signal).toBeNull();
    expect(error.stderr).toContain('native-looking crash message: boom');
    // The tail is a copy: the worker's stderr still reached ours.
    expect(stderr.text).toContain('native-looking crash message: boom\n');
    await expect(pool.apply(tasks.square, [4])).resolves.toBe(16);
  });
});

processOnlyTest('SIGSEGV is reported with its signal', notForThreads.nativeCrash, async () => {
  const stderr = captureStderr();
  const pool = makePool(1);
  const signals = await signalServer();
  const error = (await pool
    .apply(reportAndCrash, [signals.path, 'SIGSEGV'])
    .catch((e: unknown) => e)) as WorkerLostError;
  expect(error).toBeInstanceOf(WorkerLostError);
  expect(error.signal).toBe('SIGSEGV');
  expect(error.stderr).toContain('native-looking crash message: boom');
  expect(stderr.text).toContain('native-looking crash message: boom\n');
  await expect(pool.apply(tasks.square, [2])).resolves.toBe(4);
});

describe.each(kinds)('crashes (%s)', (kind) => {
  test('in a map, only the chunk that was running fails', async () => {
    const pool = makePool(2, kind);
    const results = await Promise.allSettled([
      pool.apply(tasks.exitNow, [1]),
      pool.map(tasks.square, [1, 2, 3, 4, 5, 6], 1),
    ]);
    expect(results[0].status).toBe('rejected');
    expect(results[1]).toEqual({ status: 'fulfilled', value: [1, 4, 9, 16, 25, 36] });
  });
});

describe.each(kinds)('initializer (%s)', (kind) => {
  test('runs once in each worker before its first task, with initargs', async () => {
    const pool = makePool({ processes: 2, initializer: initializers.configure, initargs: ['configured'] }, kind);
    const seen = await pool.map(initializers.readConfig, Array.from({ length: 8 }), 1);
    for (const entry of seen) expect(entry).toEqual({ value: 'configured', pid: expect.any(Number) });
  });

  test.each([
    ['throws', initializers.initThrows, 'RangeError: cannot configure'],
    ['exits', initializers.initExits, 'Workers die while starting'],
  ])(
    'that %s breaks the pool: every pending and later task rejects with BrokenPoolError',
    async (_name, init, text) => {
      const pool = makePool({ processes: 2, initializer: init }, kind);
      const pending = pool.apply(tasks.square, [1]);
      const error = (await pending.catch((e: unknown) => e)) as BrokenPoolError;
      expect(error).toBeInstanceOf(BrokenPoolError);
      expect(error.message).toContain(text);
      if (init === initializers.initThrows) {
        expect(error.cause).toBeInstanceOf(RangeError);
        expect((error.cause as Error).message).toBe('cannot configure');
      }
      await expect(pool.apply(tasks.square, [2])).rejects.toBeInstanceOf(BrokenPoolError);
      await waitFor(() => runningWorkers(kind).length === 0, 'the broken pool to let its workers go');
    },
  );
});
