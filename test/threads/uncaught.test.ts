import { describe, expect, test } from '@jest/globals';
import { throwAfterAnswer } from '../../fixtures/thread-review-tasks.mjs';
import { captureStderr } from '../helpers/stderr.js';
import { makeThreadPool, nextExit } from './thread-pools.js';

describe('an uncaught error in an idle thread', () => {
  // A worker process prints it on the stderr it shares with us; a thread's
  // arrives as the Worker's 'error' event, and was kept only for a task's WorkerLostError.
  test('is written to our stderr, as a worker process writes it', async () => {
    const stderr = captureStderr();
    const pool = makeThreadPool(1);
    const exit = nextExit(pool);
    await expect(pool.apply(throwAfterAnswer, ['thrown while idle'])).resolves.toBe('answered');
    await expect(exit).resolves.toMatchObject({ reason: 'crash', exitCode: 1 });
    expect(stderr.text).toMatch(/RangeError: thrown while idle/);
  });
});
