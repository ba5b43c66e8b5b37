// After CPython's test_concurrent_futures/test_init.py and the broken-pool cases
// of test_deadlock.py: an initializer that fails breaks the executor.
import { describe, expect, test } from '@jest/globals';
import { BrokenPoolError } from '@procpool/core';
import { BrokenExecutor } from '@procpool/futures';
import * as tasks from '../../fixtures/tasks.mjs';
import * as ftasks from '../../fixtures/futures-tasks.mjs';
import { initExits } from '../../fixtures/initializers.mjs';
import { brokenOf, kinds, makeExecutor, stopExecutorsAfterEach } from './executors.js';

describe.each(kinds)('%s initializer', (kind) => {
  stopExecutorsAfterEach();

  test('test_initializer: runs in each worker before its first call', async () => {
    const executor = makeExecutor(kind, { maxWorkers: 2, initializer: ftasks.init, initargs: ['configured'] });
    const seen = await Promise.all(Array.from({ length: 6 }, () => executor.submit(ftasks.readInit)));
    for (const state of seen) expect(state).toMatchObject({ value: 'configured' });
  });

  test('test_initializer failing: every pending future and every later submit get the BrokenExecutor of the kind', async () => {
    const executor = makeExecutor(kind, { maxWorkers: 2, initializer: ftasks.initFails });
    const futures = Array.from({ length: 8 }, (_, i) => executor.submit(tasks.square, i));
    for (const future of futures) {
      const error = await future.exception();
      expect(error).toBeInstanceOf(brokenOf(kind));
      expect(error).toBeInstanceOf(BrokenExecutor);
    }
    const first = (await futures[0]?.exception()) as BrokenExecutor;
    expect(first.message).toMatch(/cannot initialize/);
    expect(first.cause).toBeInstanceOf(BrokenPoolError);
    expect((first.cause as BrokenPoolError).cause).toEqual(new RangeError('cannot initialize'));
    expect(() => executor.submit(tasks.square, 1)).toThrow(brokenOf(kind));
    expect(() => executor.map(tasks.square, [1])).toThrow(brokenOf(kind));
    // A broken executor still shuts down.
    await executor.shutdown();
  });

  test('workers that die at start (an initializer that exits) break it too, without a respawn loop', async () => {
    const executor = makeExecutor(kind, { maxWorkers: 1, initializer: initExits });
    await expect(executor.submit(tasks.square, 3)).rejects.toBeInstanceOf(brokenOf(kind));
    expect(() => executor.submit(tasks.square, 1)).toThrow(brokenOf(kind));
  });
});
