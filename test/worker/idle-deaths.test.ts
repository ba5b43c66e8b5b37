import { describe, expect, test } from '@jest/globals';
import { answerThenExit, workerName } from '../../fixtures/kind-tasks.mjs';
import * as tasks from '../../fixtures/tasks.mjs';
import { kinds, makePool, notForThreads, processOnlyTest } from '../helpers/pools.js';

// A worker killed between tasks had not read the task sent to it just then:
// the bytes are still in its end of the socket, which the parent holds and
// reads after the exit. Such a task runs on another worker (docs/errors.md).
processOnlyTest(
  'a worker SIGKILLed while idle fails nothing: the task sent to it right after runs elsewhere',
  notForThreads.outsideKill,
  async () => {
    const pool = makePool(1);
    for (let i = 0; i < 20; i += 1) {
      const pid = await pool.apply(tasks.pid);
      process.kill(pid, 'SIGKILL');
      await expect(pool.apply(tasks.pid)).resolves.not.toBe(pid);
    }
    expect(pool.stats()).toMatchObject({ failed: 0, completed: 40 });
  },
);

processOnlyTest(
  'a map written to a worker SIGKILLed while idle runs whole on the next one',
  notForThreads.outsideKill,
  async () => {
    const pool = makePool(1);
    for (let i = 0; i < 10; i += 1) {
      const pid = await pool.apply(tasks.pid);
      process.kill(pid, 'SIGKILL');
      // Chunks of one: several tasks leave in one write to the dead worker.
      await expect(pool.map(tasks.square, [1, 2, 3, 4, 5, 6], 1)).resolves.toEqual([1, 4, 9, 16, 25, 36]);
    }
    expect(pool.stats().failed).toBe(0);
  },
);

// The same idle death, by the worker itself (what a thread can do): it answers,
// then exits in a setImmediate. A process reads nothing more; a thread may read
// and run the next task first (a port delivers it within the same turn). Either
// way nothing fails. The next tasks come from the module of the one that exits,
// so the dying worker has it loaded: a first import there is the ThreadPool bug
// noted in deaths.test.ts.
describe.each(kinds)('a worker that exits by itself right after answering (%s)', (kind) => {
  test('fails nothing: the task sent to it next runs, there or on its replacement', async () => {
    const pool = makePool(1, kind);
    for (let i = 0; i < 10; i += 1) {
      await expect(pool.apply(answerThenExit, [i])).resolves.toBe(i);
      await expect(pool.apply(workerName)).resolves.toMatch(/^PoolWorker-\d+$/);
    }
    expect(pool.stats()).toMatchObject({ failed: 0, completed: 20 });
  });

  test('a map sent to it runs whole', async () => {
    const pool = makePool(1, kind);
    for (let i = 0; i < 5; i += 1) {
      await pool.apply(answerThenExit, [i]);
      // Chunks of one: several tasks leave in one write to the dying worker.
      const names = await pool.map(workerName, [1, 2, 3, 4, 5, 6], 1);
      expect(names).toHaveLength(6);
    }
    expect(pool.stats().failed).toBe(0);
  });
});
