import { execFile } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, test } from '@jest/globals';
import { PoolNotRunningError, PoolTerminatedError, ProcessError } from '@procpool/core';
import { workerName } from '../../fixtures/kind-tasks.mjs';
import { reportAndHold } from '../../fixtures/report-then-wait.mjs';
import * as tasks from '../../fixtures/tasks.mjs';
import { kinds, makePool, makeStartPool, runningWorkers, starts, stillRunning } from '../helpers/pools.js';
import { tempDir } from '../helpers/temp.js';

const run = promisify(execFile);
const fixture = (name: string): string => fileURLToPath(new URL(`../../fixtures/${name}`, import.meta.url));

describe.each(kinds)('close, join, terminate (%s)', (kind) => {
  test('join() before close() or terminate() rejects', async () => {
    const pool = makePool(1, kind);
    await expect(pool.join()).rejects.toThrow('Pool is still running: call close() or terminate() before join()');
    await expect(pool.join()).rejects.toBeInstanceOf(ProcessError);
  });

  test('a backlog plus an immediate close() and join() still completes every task', async () => {
    const pool = makePool({ processes: 2, maxTasksPerChild: 3 }, kind);
    const results = Array.from({ length: 40 }, (_, i) => pool.applyAsync(tasks.square, [i]));
    const mapped = pool.map(tasks.square, [1, 2, 3], 1);
    pool.close();
    await pool.join();
    await expect(Promise.all(results.map((r) => r.get()))).resolves.toEqual(
      Array.from({ length: 40 }, (_, i) => i * i),
    );
    await expect(mapped).resolves.toEqual([1, 4, 9]);
    expect(runningWorkers(kind)).toEqual([]);
  });

  test('close() then join() resolves with no work at all; the workers are gone', async () => {
    const pool = makePool(2, kind);
    await pool.apply(tasks.square, [1]);
    const workers = runningWorkers(kind);
    expect(workers).toHaveLength(2);
    pool.close();
    await pool.join();
    expect(stillRunning(kind, workers)).toEqual([]);
  });

  test('terminate() is prompt with 10 000 queued long tasks and rejects every unsettled result', async () => {
    const pool = makePool(2, kind);
    const results = Array.from({ length: 10_000 }, () => pool.applyAsync(tasks.sleep, [60_000]));
    const mapped = pool.map(tasks.sleep, [60_000, 60_000]).catch((error: unknown) => Promise.reject(error));
    const iterator = pool.imap(tasks.sleep, [60_000]);
    const pending = iterator.next();
    // Handlers attached now: the rejections happen during terminate().
    const settled = Promise.allSettled([mapped, pending]);
    await pool.terminate();
    await settled;
    const outcomes = await Promise.allSettled(results.map((r) => r.get()));
    expect(outcomes.every((o) => o.status === 'rejected' && o.reason instanceof PoolTerminatedError)).toBe(true);
    await expect(mapped).rejects.toBeInstanceOf(PoolTerminatedError);
    await expect(pending).rejects.toBeInstanceOf(PoolTerminatedError);
    expect(runningWorkers(kind)).toEqual([]);
    await expect(pool.join()).resolves.toBeUndefined();
    await expect(results[0]?.get()).rejects.toBeInstanceOf(PoolTerminatedError);
  });

  test('a closed or terminated pool refuses work with PoolNotRunningError', async () => {
    const pool = makePool(1, kind);
    pool.close();
    await expect(pool.apply(tasks.square, [1])).rejects.toThrow('Pool is closed: it accepts no new tasks');
    await pool.terminate();
    await expect(pool.apply(tasks.square, [1])).rejects.toBeInstanceOf(PoolNotRunningError);
    expect(() => pool.imap(tasks.square, [1])).toThrow('Pool is terminated');
  });

  test('await using terminates the pool at the end of the block', async () => {
    let workers: number[] = [];
    {
      await using pool = makePool(2, kind);
      await pool.apply(tasks.square, [2]);
      workers = runningWorkers(kind);
    }
    expect(workers).toHaveLength(2);
    expect(stillRunning(kind, workers)).toEqual([]);
  });
});

describe('maxTasksPerChild', () => {
  test.each(starts)('workers are replaced after N tasks; no worker runs more than N (%s)', async (start) => {
    const pool = makeStartPool(start, { processes: 2, maxTasksPerChild: 2 });
    const names = await pool.map(workerName, Array.from({ length: 12 }), 1);
    const perWorker = new Map<string, number>();
    for (const name of names) perWorker.set(name, (perWorker.get(name) ?? 0) + 1);
    expect(Math.max(...perWorker.values())).toBeLessThanOrEqual(2);
    expect(perWorker.size).toBeGreaterThanOrEqual(6);
    await expect(pool.apply(tasks.square, [5])).resolves.toBe(25);
  });

  test.each(kinds)(
    'a long queue under maxTasksPerChild: 1 never has more than one replacement per slot alive (%s)',
    async (kind) => {
      const pool = makePool({ processes: 2, maxTasksPerChild: 1 }, kind);
      // Every worker, the first two too, announces itself with workerStart.
      let alive = 0;
      let most = 0;
      pool.on('workerStart', () => {
        alive += 1;
        most = Math.max(most, alive);
      });
      pool.on('workerExit', () => {
        alive -= 1;
      });
      const names = await Promise.all(Array.from({ length: 24 }, () => pool.apply(workerName)));
      expect(new Set(names).size).toBe(24);
      expect(most).toBeLessThanOrEqual(4);
    },
  );

  test.each(kinds)(
    "a worker's replacement starts when it is sent its last task, so the start overlaps that task (%s)",
    async (kind) => {
      const pool = makePool({ processes: 1, maxTasksPerChild: 1 }, kind);
      const names: string[] = [];
      const replacementStarted = new Promise<void>((resolve) =>
        pool.on('workerStart', ({ name }) => {
          names.push(name);
          if (names.length === 2) resolve();
        }),
      );
      const held = await holdServer();
      try {
        const first = pool.apply(reportAndHold, [held.path, 'first']);
        const release = await held.next();
        // The first task runs and cannot end until released: were the
        // replacement to wait for the first worker's exit, this would never resolve.
        await replacementStarted;
        expect(pool.stats()).toMatchObject({ workers: 2, busy: 1 });
        release();
        await expect(first).resolves.toBe('first');
        await expect(pool.apply(workerName)).resolves.toBe(names[1]);
      } finally {
        await held.close();
      }
    },
  );

  test.each(kinds)('maxTasksPerChild must be a positive integer (%s)', (kind) => {
    expect(() => makePool({ maxTasksPerChild: 0 }, kind)).toThrow(
      'Expected `maxTasksPerChild` to be a positive integer, got `0` (number)',
    );
  });
});

// A Unix socket that reportAndHold tasks connect to: next() resolves when the
// next one runs, with what lets it return.
async function holdServer(): Promise<{ path: string; next: () => Promise<() => void>; close: () => Promise<void> }> {
  const socketPath = path.join(tempDir(), 'hold.sock');
  const arrived: Array<() => void> = [];
  const waiting: Array<(release: () => void) => void> = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.once('data', () => {
      const release = (): void => void socket.end();
      const waiter = waiting.shift();
      if (waiter === undefined) arrived.push(release);
      else waiter(release);
    });
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return {
    path: socketPath,
    next: () => {
      const release = arrived.shift();
      return release === undefined ? new Promise((resolve) => waiting.push(resolve)) : Promise.resolve(release);
    },
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

describe('a forgotten pool', () => {
  test.each(starts)('does not keep Node alive once its work is done (%s)', async (start) => {
    const { stdout } = await run(process.execPath, [fixture('forgotten-pool.mjs'), start], { timeout: 30_000 });
    expect(stdout.trim()).toBe('144');
  });
});
