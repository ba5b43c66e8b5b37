import { describe, expect, test } from '@jest/globals';
import { workerName } from '../../fixtures/kind-tasks.mjs';
import { answerThenDie } from '../../fixtures/failure-modes.mjs';
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
// then exits in a setImmediate; what is sent to it after the answer it never reads.
describe.each(kinds)('a worker that exits by itself right after answering (%s)', (kind) => {
  test('fails nothing: the task sent to it next runs on its replacement', async () => {
    const pool = makePool(1, kind);
    for (let i = 0; i < 10; i += 1) {
      const name = await pool.apply(workerName);
      await expect(pool.apply(answerThenDie, [i])).resolves.toBe(i);
      await expect(pool.apply(workerName)).resolves.not.toBe(name);
    }
    expect(pool.stats()).toMatchObject({ failed: 0, completed: 30 });
  });

  test('a map sent to it runs whole on the next one', async () => {
    const pool = makePool(1, kind);
    for (let i = 0; i < 5; i += 1) {
      await pool.apply(answerThenDie, [i]);
      await expect(pool.map(tasks.square, [1, 2, 3, 4, 5, 6], 1)).resolves.toEqual([1, 4, 9, 16, 25, 36]);
    }
    expect(pool.stats().failed).toBe(0);
  });
});
