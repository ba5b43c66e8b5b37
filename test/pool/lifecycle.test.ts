import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, test } from '@jest/globals';
import { PoolNotRunningError, PoolTerminatedError, ProcessError, activeChildren } from '@procpool/core';
import * as tasks from '../../fixtures/tasks.mjs';
import { makePool, methods } from '../helpers/pools.js';
import { isAlive } from '../helpers/processes.js';

const run = promisify(execFile);
const fixture = (name: string): string => fileURLToPath(new URL(`../../fixtures/${name}`, import.meta.url));

describe('close, join, terminate', () => {
  test('join() before close() or terminate() rejects', async () => {
    const pool = makePool(1);
    await expect(pool.join()).rejects.toThrow('Pool is still running: call close() or terminate() before join()');
    await expect(pool.join()).rejects.toBeInstanceOf(ProcessError);
  });

  test('a backlog plus an immediate close() and join() still completes every task', async () => {
    const pool = makePool({ processes: 2, maxTasksPerChild: 3 });
    const results = Array.from({ length: 40 }, (_, i) => pool.applyAsync(tasks.square, [i]));
    const mapped = pool.map(tasks.square, [1, 2, 3], 1);
    pool.close();
    await pool.join();
    await expect(Promise.all(results.map((r) => r.get()))).resolves.toEqual(
      Array.from({ length: 40 }, (_, i) => i * i),
    );
    await expect(mapped).resolves.toEqual([1, 4, 9]);
    expect(activeChildren()).toEqual([]);
  });

  test('close() then join() resolves with no work at all; the workers are gone', async () => {
    const pool = makePool(2);
    await pool.apply(tasks.square, [1]);
    const pids = activeChildren().map((child) => child.pid);
    expect(pids).toHaveLength(2);
    pool.close();
    await pool.join();
    expect(pids.filter(isAlive)).toEqual([]);
  });

  test('terminate() is prompt with 10 000 queued long tasks and rejects every unsettled result', async () => {
    const pool = makePool(2);
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
    expect(activeChildren()).toEqual([]);
    await expect(pool.join()).resolves.toBeUndefined();
    await expect(results[0]?.get()).rejects.toBeInstanceOf(PoolTerminatedError);
  });

  test('a closed or terminated pool refuses work with PoolNotRunningError', async () => {
    const pool = makePool(1);
    pool.close();
    await expect(pool.apply(tasks.square, [1])).rejects.toThrow('Pool is closed: it accepts no new tasks');
    await pool.terminate();
    await expect(pool.apply(tasks.square, [1])).rejects.toBeInstanceOf(PoolNotRunningError);
    expect(() => pool.imap(tasks.square, [1])).toThrow('Pool is terminated');
  });

  test('await using terminates the pool at the end of the block', async () => {
    let pids: number[] = [];
    {
      await using pool = makePool(2);
      await pool.apply(tasks.square, [2]);
      pids = activeChildren().map((child) => child.pid);
    }
    expect(pids).toHaveLength(2);
    expect(pids.filter(isAlive)).toEqual([]);
  });
});

describe('maxTasksPerChild', () => {
  test.each(methods)('workers are replaced after N tasks; no pid runs more than N (%s)', async (context) => {
    const pool = makePool({ processes: 2, maxTasksPerChild: 2, context });
    const pids = await pool.map(tasks.pid, Array.from({ length: 12 }), 1);
    const perPid = new Map<number, number>();
    for (const pid of pids) perPid.set(pid, (perPid.get(pid) ?? 0) + 1);
    expect(Math.max(...perPid.values())).toBeLessThanOrEqual(2);
    expect(perPid.size).toBeGreaterThanOrEqual(6);
    await expect(pool.apply(tasks.square, [5])).resolves.toBe(25);
  });

  test('a long queue under maxTasksPerChild: 1 never has more than one replacement per slot alive', async () => {
    const pool = makePool({ processes: 2, maxTasksPerChild: 1 });
    // Every process, the first two too, announces itself with workerStart.
    let alive = 0;
    let most = 0;
    pool.on('workerStart', () => {
      alive += 1;
      most = Math.max(most, alive);
    });
    pool.on('workerExit', () => {
      alive -= 1;
    });
    const pids = await Promise.all(Array.from({ length: 24 }, () => pool.apply(tasks.pid)));
    expect(new Set(pids).size).toBe(24);
    expect(most).toBeLessThanOrEqual(4);
  });

  test('maxTasksPerChild must be a positive integer', () => {
    expect(() => makePool({ maxTasksPerChild: 0 })).toThrow(
      'Expected `maxTasksPerChild` to be a positive integer, got `0` (number)',
    );
  });
});

describe('a forgotten pool', () => {
  test.each(methods)('does not keep Node alive once its work is done (%s)', async (context) => {
    const { stdout } = await run(process.execPath, [fixture('forgotten-pool.mjs'), context], { timeout: 30_000 });
    expect(stdout.trim()).toBe('144');
  });
});
