// After CPython's test_concurrent_futures/test_shutdown.py (and the interpreter
// exit cases of test_process_pool.py), over real worker processes.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, test } from '@jest/globals';
import { PoolNotRunningError, WorkerLostError } from '@procpool/core';
import { BrokenExecutor, CancelledError } from '@procpool/futures';
import * as tasks from '../../fixtures/tasks.mjs';
import * as ftasks from '../../fixtures/futures-tasks.mjs';
import { isAlive, waitFor } from '../helpers/processes.js';
import { brokenOf, kinds, makeEvent, makeExecutor, stopExecutorsAfterEach } from './executors.js';

const run = promisify(execFile);
const fixture = fileURLToPath(new URL('../../fixtures/futures-exit.mjs', import.meta.url));

describe.each(kinds)('%s shutdown', (kind) => {
  stopExecutorsAfterEach();

  test('test_run_after_shutdown: submit and map throw', async () => {
    const executor = makeExecutor(kind, 1);
    await executor.shutdown();
    expect(() => executor.submit(tasks.square, 2)).toThrow(
      new PoolNotRunningError('cannot schedule new futures after shutdown'),
    );
    expect(() => executor.map(tasks.square, [1])).toThrow('cannot schedule new futures after shutdown');
  });

  test('shutdown() waits for every call, also those still waiting in the executor', async () => {
    const executor = makeExecutor(kind, 2);
    const futures = Array.from({ length: 10 }, (_, i) => executor.submit(tasks.sleep, 5, i));
    await executor.shutdown();
    expect(futures.every((f) => f.done() && !f.cancelled())).toBe(true);
    await expect(Promise.all(futures)).resolves.toEqual(Array.from({ length: 10 }, (_, i) => i));
  });

  test('test_cancel_futures: shutdown({ cancelFutures }) cancels what waits, and the running calls finish', async () => {
    const executor = makeExecutor(kind, 1);
    const event = makeEvent();
    const futures = [1, 2, 3, 4, 5].map((x) => executor.submit(ftasks.waitThen, event, x));
    const shutdown = executor.shutdown({ cancelFutures: true });
    expect(futures.map((f) => f.cancelled())).toEqual([false, false, true, true, true]);
    await event.set();
    await shutdown;
    await expect(Promise.all(futures.slice(0, 2))).resolves.toEqual([1, 2]);
    await expect(futures[4]?.result()).rejects.toBeInstanceOf(CancelledError);
  });

  test('test_shutdown_no_wait: shutdown({ wait: false }) resolves at once, and the work still finishes', async () => {
    const executor = makeExecutor(kind, 1);
    const event = makeEvent();
    const futures = [1, 2, 3].map((x) => executor.submit(ftasks.waitThen, event, x));
    await executor.shutdown({ wait: false });
    expect(futures.some((f) => f.done())).toBe(false);
    await event.set();
    await expect(Promise.all(futures)).resolves.toEqual([1, 2, 3]);
  });

  test('await using shuts it down at the end of the block, after its calls', async () => {
    let future;
    {
      await using executor = makeExecutor(kind, 1);
      future = executor.submit(tasks.sleep, 10, 'slept');
    }
    expect(future.done()).toBe(true);
    await expect(future).resolves.toBe('slept');
  });

  test.each(['terminateWorkers', 'killWorkers'] as const)(
    '%s: running calls fail with the BrokenExecutor of the kind, waiting ones are cancelled, submit throws',
    async (how) => {
      const executor = makeExecutor(kind, 1);
      const event = makeEvent();
      const futures = [1, 2, 3].map((x) => executor.submit(ftasks.waitThen, event, x));
      await executor[how]();
      const running = await futures[0]?.exception();
      expect(running).toBeInstanceOf(brokenOf(kind));
      expect(running).toBeInstanceOf(BrokenExecutor);
      expect(futures[2]?.cancelled()).toBe(true);
      expect(() => executor.submit(tasks.square, 1)).toThrow('cannot schedule new futures after shutdown');
    },
  );
});

// Threads have no pid to signal.
describe('ProcessPoolExecutor workers that die', () => {
  stopExecutorsAfterEach();

  test('a worker killed by SIGKILL mid-call fails that future only; the executor goes on', async () => {
    const executor = makeExecutor('ProcessPoolExecutor', 1);
    const event = makeEvent();
    const started = makeEvent();
    const workerPid = await executor.submit(tasks.pid);
    // The idle worker is reused for the next call.
    const stuck = executor.submit(ftasks.startThenWait, started, event, 'never');
    const after = executor.submit(tasks.square, 7);
    await started.wait();
    process.kill(workerPid, 'SIGKILL');
    const error = await stuck.exception();
    expect(error).toBeInstanceOf(WorkerLostError);
    expect(error).toMatchObject({ pid: workerPid, signal: 'SIGKILL' });
    await expect(after).resolves.toBe(49);
    await expect(executor.submit(tasks.pid)).resolves.not.toBe(workerPid);
  });
});

describe.each(kinds)('the end of a program with a %s', (kind) => {
  test('a program that returns with futures pending runs until they are done', async () => {
    const { stdout } = await run(process.execPath, [fixture, 'pending', kind], { timeout: 60_000 });
    expect(stdout.trim().split('\n').sort()).toEqual(['done 0', 'done 1', 'done 2', 'done 3', 'done 4']);
  });

  test('a program that never shuts its executor down exits, and leaves no worker behind', async () => {
    const { stdout } = await run(process.execPath, [fixture, 'forgotten', kind], { timeout: 60_000 });
    // A thread's pid is the program's own: gone with it.
    const pids = JSON.parse(stdout) as number[];
    expect(pids.length).toBeGreaterThanOrEqual(1);
    // Their pipe to the exited parent is closed: they exit on their own (a wait on the OS, not a timing).
    await waitFor(() => pids.every((pid) => !isAlive(pid)), 'the workers of the exited program to exit');
  });
});
