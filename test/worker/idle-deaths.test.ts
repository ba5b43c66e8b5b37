import { expect, test } from '@jest/globals';
import * as tasks from '../../fixtures/tasks.mjs';
import { makePool } from '../helpers/pools.js';

// A worker killed between tasks had not read the task sent to it just then:
// the bytes are still in its end of the socket, which the parent holds and
// reads after the exit. Such a task runs on another worker (docs/errors.md).
test('a worker SIGKILLed while idle fails nothing: the task sent to it right after runs elsewhere', async () => {
  const pool = makePool(1);
  for (let i = 0; i < 20; i += 1) {
    const pid = await pool.apply(tasks.pid);
    process.kill(pid, 'SIGKILL');
    await expect(pool.apply(tasks.pid)).resolves.not.toBe(pid);
  }
  expect(pool.stats()).toMatchObject({ failed: 0, completed: 40 });
});

test('a map written to a worker SIGKILLed while idle runs whole on the next one', async () => {
  const pool = makePool(1);
  for (let i = 0; i < 10; i += 1) {
    const pid = await pool.apply(tasks.pid);
    process.kill(pid, 'SIGKILL');
    // Chunks of one: several tasks leave in one write to the dead worker.
    await expect(pool.map(tasks.square, [1, 2, 3, 4, 5, 6], 1)).resolves.toEqual([1, 4, 9, 16, 25, 36]);
  }
  expect(pool.stats().failed).toBe(0);
});
