import { describe, expect, test } from '@jest/globals';
import { RemoteTraceback, WorkerLostError } from '@procpool/core';
import * as modes from '../../fixtures/failure-modes.mjs';
import * as tasks from '../../fixtures/tasks.mjs';
import { throwLater, workerName } from '../../fixtures/thread-tasks.mjs';
import { captureStderr } from '../helpers/stderr.js';
import { makeThreadPool, nextExit } from './thread-pools.js';

describe('errors from a thread', () => {
  test('keep their class, fields, cause and the thread stack, with a line naming the thread', async () => {
    const pool = makeThreadPool(1);
    const quota = await pool.apply(tasks.throwQuota, [5]).catch((error: unknown) => error);
    expect(quota).toBeInstanceOf(tasks.QuotaError);
    expect(quota).toMatchObject({ message: 'over quota 5', limit: 5 });
    const withCause = (await pool.apply(tasks.throwWithCause).catch((error: unknown) => error)) as Error & {
      code: string;
      remoteTraceback: RemoteTraceback;
    };
    expect(withCause.code).toBe('E_OUTER');
    expect(withCause.cause).toBeInstanceOf(RangeError);
    expect(withCause.stack).toMatch(/fixtures\/tasks\.mjs/);
    expect(withCause.stack).toMatch(/--- above: PoolWorker-\d+ \(thread \d+\); below: the call that sent the task ---/);
    expect(withCause.remoteTraceback).toBeInstanceOf(RemoteTraceback);
    await expect(pool.apply(tasks.throwString)).rejects.toBe('x');
    await expect(pool.apply(tasks.square, [4])).resolves.toBe(16);
  });

  test('a task calling process.exit ends its thread only: WorkerLostError, and a new thread takes over', async () => {
    const pool = makeThreadPool(1);
    const first = await pool.apply(workerName);
    const exit = nextExit(pool);
    const error = (await pool.apply(tasks.exitNow, [3]).catch((thrown: unknown) => thrown)) as WorkerLostError;
    expect(error).toBeInstanceOf(WorkerLostError);
    expect(error).toMatchObject({ pid: process.pid, workerName: first, exitCode: 3, signal: null });
    expect(error.threadId).toEqual(expect.any(Number));
    expect(error.message).toBe(
      `Worker ${first} (thread ${String(error.threadId)}) died with exit code 3 while running the task`,
    );
    await expect(exit).resolves.toMatchObject({ name: first, reason: 'crash', exitCode: 3 });
    const next = await pool.apply(workerName);
    expect(next).not.toBe(first);
  });

  test('the last stderr lines of a thread that exits are in WorkerLostError.stderr, and reach our stderr', async () => {
    const stderr = captureStderr();
    const pool = makeThreadPool(1);
    const error = (await pool
      .apply(modes.shoutThenExit, [500, 2])
      .catch((thrown: unknown) => thrown)) as WorkerLostError;
    expect(error).toMatchObject({ exitCode: 2 });
    expect(error.stderr).toMatch(/shouting line 500 of 500\n$/);
    expect(stderr.text).toMatch(/shouting line 500 of 500\n$/);
  });

  test("an uncaught error ends the thread: WorkerLostError carries the error's stack", async () => {
    captureStderr(); // the error's stack is written there too
    const pool = makeThreadPool(1);
    const error = (await pool.apply(throwLater, ['left behind']).catch((thrown: unknown) => thrown)) as WorkerLostError;
    expect(error).toBeInstanceOf(WorkerLostError);
    expect(error.exitCode).toBe(1);
    expect(error.stderr).toMatch(/RangeError: left behind/);
    await expect(pool.apply(tasks.square, [5])).resolves.toBe(25);
  });

  test('the other chunks of a dead thread run elsewhere', async () => {
    // One thread: the chunks sent to it behind the one that exits go to its replacement.
    const pool = makeThreadPool({ processes: 1 });
    const results = await Promise.allSettled([
      pool.apply(tasks.exitNow, [0]),
      ...[1, 2, 3].map((x) => pool.apply(tasks.square, [x])),
    ]);
    expect(results[0]).toMatchObject({ status: 'rejected', reason: expect.any(WorkerLostError) });
    expect(results.slice(1)).toEqual([1, 4, 9].map((value) => ({ status: 'fulfilled', value })));
  });
});
