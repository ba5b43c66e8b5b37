import { describe, expect, test } from '@jest/globals';
import { TaskTimeoutError, type WorkerExitEvent } from '@procpool/core';
import * as modes from '../../fixtures/failure-modes.mjs';
import { holdMemory, memory, reportNameAndSpin, reportNameAndWait, workerName } from '../../fixtures/kind-tasks.mjs';
import { reportAndWait } from '../../fixtures/report-then-wait.mjs';
import * as tasks from '../../fixtures/tasks.mjs';
import {
  kinds,
  makePool,
  notForThreads,
  processOnlyTest,
  runningWorkers,
  stillRunning,
  workerId,
  type PoolKind,
} from '../helpers/pools.js';
import { isAlive, waitFor } from '../helpers/processes.js';
import { signalServer, type Report } from '../helpers/signals.js';

const MiB = 1024 * 1024;
// What a worker is told when its task runs past taskTimeout: a process is signalled, a thread terminated.
const killWording: Record<PoolKind, string> = {
  process: 'its worker is being killed (SIGTERM, then SIGKILL)',
  thread: 'its thread is being terminated',
};
// A report of reportNameAndWait or reportNameAndSpin.
const named = async (report: Promise<Report>): Promise<string> => ((await report) as Report & { name: string }).name;

function exits(pool: ReturnType<typeof makePool>): WorkerExitEvent[] {
  const seen: WorkerExitEvent[] = [];
  pool.on('workerExit', (event) => seen.push(event));
  return seen;
}

describe.each(kinds)('taskTimeout (%s)', (kind) => {
  test('the overdue task rejects with TaskTimeoutError; the next task runs on a fresh worker', async () => {
    const pool = makePool({ processes: 1, taskTimeout: 1 }, kind);
    const seen = exits(pool);
    const first = await pool.apply(workerName, [], { taskTimeout: 60_000 });
    const error = (await pool.apply(tasks.sleep, [60_000]).catch((e: unknown) => e)) as TaskTimeoutError;
    expect(error).toBeInstanceOf(TaskTimeoutError);
    expect(error.timeout).toBe(1);
    // It rejects as the worker is told to go, not once it is gone: the message must not say it is dead.
    expect(error.message).toBe(`Task did not finish within taskTimeout (1 ms); ${killWording[kind]}`);
    const next = await pool.apply(workerName, [], { taskTimeout: 60_000 });
    expect(next).not.toBe(first);
    await waitFor(() => seen.length === 1, 'the timed-out worker to exit');
    expect(seen[0]).toMatchObject({ name: first, reason: 'timeout' });
    expect(stillRunning(kind, [workerId(seen[0] as WorkerExitEvent)])).toEqual([]);
  });

  test('per call: only that call is limited; tasks queued behind it are not lost', async () => {
    const pool = makePool(1, kind);
    const slow = pool.apply(tasks.sleep, [60_000], { taskTimeout: 1 });
    const behind = Array.from({ length: 5 }, (_, i) => pool.apply(tasks.square, [i]));
    await expect(slow).rejects.toBeInstanceOf(TaskTimeoutError);
    await expect(Promise.all(behind)).resolves.toEqual([0, 1, 4, 9, 16]);
    await expect(pool.map(tasks.sleep, [60_000], { taskTimeout: 1 })).rejects.toBeInstanceOf(TaskTimeoutError);
  });

  test('a spinning task is stopped: its worker is killed or terminated, the next task runs on another', async () => {
    const pool = makePool(1, kind);
    const signals = await signalServer();
    const stuck = pool.apply(reportNameAndSpin, [signals.path], { taskTimeout: 200 });
    const name = await named(signals.next());
    await expect(stuck).rejects.toBeInstanceOf(TaskTimeoutError);
    await expect(pool.apply(workerName)).resolves.not.toBe(name);
    await pool.terminate();
    expect(runningWorkers(kind)).toEqual([]);
  });
});

describe('taskTimeout (process)', () => {
  processOnlyTest(
    'a task that ignores SIGTERM still dies (SIGKILL after the grace period)',
    notForThreads.signals,
    async () => {
      const pool = makePool(1);
      const signals = await signalServer();
      const stuck = pool.apply(modes.ignoreTermAndSpin, [signals.path], { taskTimeout: 200 });
      const { pid } = await signals.next();
      await expect(stuck).rejects.toBeInstanceOf(TaskTimeoutError);
      await expect(pool.apply(tasks.pid)).resolves.not.toBe(pid);
      await pool.terminate();
      expect(isAlive(pid)).toBe(false);
    },
  );
});

// A process's limit counts its RSS (Buffers count); a thread's, its JS heap (threads share the RSS).
describe.each(kinds)('maxMemoryPerChild (%s)', (kind) => {
  const where = kind === 'thread' ? 'heap' : 'native';
  async function limitAbove(megabytes: number): Promise<number> {
    const probe = makePool(1, kind);
    const used = await probe.apply(memory);
    await probe.terminate();
    return (kind === 'thread' ? used.heapUsed : used.rss) + megabytes * MiB;
  }

  test('a worker whose memory passes the limit after a task is replaced; the next task runs on another', async () => {
    const pool = makePool({ processes: 1, maxMemoryPerChild: await limitAbove(64) }, kind);
    const seen = exits(pool);
    const small = await pool.apply(holdMemory, [where, 1024]);
    expect(await pool.apply(workerName)).toBe(small); // under the limit: same worker
    const big = await pool.apply(holdMemory, [where, 160 * MiB]);
    expect(big).toBe(small);
    const after = await pool.apply(workerName);
    expect(after).not.toBe(big);
    await waitFor(() => seen.length === 1, 'the retired worker to exit');
    expect(seen[0]).toMatchObject({ name: big, reason: 'memory', exitCode: 0 });
  });

  test('tasks sent to the retiring worker but not started run elsewhere', async () => {
    const pool = makePool({ processes: 1, maxMemoryPerChild: await limitAbove(64) }, kind);
    const first = pool.apply(holdMemory, [where, 160 * MiB]);
    const queued = Array.from({ length: 6 }, () => pool.apply(workerName));
    const leaker = await first;
    const names = await Promise.all(queued);
    expect(names).not.toContain(leaker);
  });
});

describe.each(kinds)('signal (%s)', (kind) => {
  test('a queued task is removed and rejects with the reason', async () => {
    const pool = makePool(1, kind);
    const signals = await signalServer();
    const blocker = pool.apply(reportAndWait, [signals.path, 300, 'blocker']);
    await signals.next();
    const controller = new AbortController();
    const queued = pool.apply(tasks.square, [3], { signal: controller.signal });
    const reason = new Error('no longer needed');
    controller.abort(reason);
    await expect(queued).rejects.toBe(reason);
    await expect(blocker).resolves.toBe('blocker'); // the running task was not touched
  });

  test('a running task: its worker is killed and replaced', async () => {
    const pool = makePool(1, kind);
    const seen = exits(pool);
    const signals = await signalServer();
    const controller = new AbortController();
    const running = pool.applyAsync(reportNameAndWait, [signals.path, 60_000, 'x'], { signal: controller.signal });
    const name = await named(signals.next());
    controller.abort();
    const error = (await running.get().catch((e: unknown) => e)) as Error;
    expect(error.name).toBe('AbortError');
    await expect(pool.apply(workerName)).resolves.not.toBe(name);
    await waitFor(() => seen.length === 1, 'the aborted worker to exit');
    expect(seen[0]).toMatchObject({ name, reason: 'abort' });
  });

  test('an already aborted signal rejects at once; map, mapAsync and imap take signals', async () => {
    const pool = makePool(2, kind);
    await expect(pool.apply(tasks.square, [1], { signal: AbortSignal.abort('gone') })).rejects.toBe('gone');
    const controller = new AbortController();
    const mapped = pool.map(tasks.sleep, [60_000, 60_000, 60_000], { chunksize: 1, signal: controller.signal });
    const mappedAsync = pool.mapAsync(tasks.sleep, [60_000], { signal: controller.signal });
    let read = 0;
    function* input(): Generator<number> {
      for (;;) {
        read += 1;
        yield 60_000;
      }
    }
    const lazy = pool.imap(tasks.sleep, input(), { signal: controller.signal });
    const next = lazy.next();
    controller.abort('stop');
    await expect(mapped).rejects.toBe('stop');
    await expect(mappedAsync.get()).rejects.toBe('stop');
    await expect(next).rejects.toBe('stop');
    const readAtAbort = read;
    await expect(pool.map(tasks.square, [2, 3])).resolves.toEqual([4, 9]);
    expect(read).toBe(readAtAbort);
    await expect(pool.apply(tasks.square, [1], { signal: 'x' as never })).rejects.toThrow(
      'Expected `signal` to be an AbortSignal',
    );
  });
});
