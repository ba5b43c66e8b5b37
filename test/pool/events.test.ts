import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, test } from '@jest/globals';
import type { WorkerExitEvent, WorkerStartEvent } from '@procpool/core';
import * as tasks from '../../fixtures/tasks.mjs';
import { kinds, makePool } from '../helpers/pools.js';
import { waitFor } from '../helpers/processes.js';

const run = promisify(execFile);
const fixture = (name: string): string => fileURLToPath(new URL(`../../fixtures/${name}`, import.meta.url));

describe.each(kinds)('events and stats (%s)', (kind) => {
  test('workerStart and workerExit tell every worker, with the reason it went', async () => {
    const starts: WorkerStartEvent[] = [];
    const exits: WorkerExitEvent[] = [];
    const pool = makePool({ processes: 2, maxTasksPerChild: 1 }, kind);
    pool.on('workerStart', (event) => starts.push(event));
    pool.on('workerExit', (event) => exits.push(event));
    await pool.map(tasks.square, [1, 2, 3], 1);
    await expect(pool.apply(tasks.exitNow, [9])).rejects.toMatchObject({ exitCode: 9 });
    pool.close();
    await pool.join();
    const reasons = exits.map((e) => e.reason).sort();
    expect(reasons).toEqual(['crash', 'maxTasks', 'maxTasks', 'maxTasks', 'shutdown', 'shutdown']);
    expect(exits.find((e) => e.reason === 'crash')).toMatchObject({ exitCode: 9, signal: null });
    // Workers start a turn after their pool decides on them: a listener attached
    // right after the constructor hears the first two as well.
    expect(starts.length).toBe(6);
    for (const start of starts) expect(start.name).toMatch(/^PoolWorker-\d+$/);
    // A name tells a worker (threads share our pid).
    expect(new Set(starts.map((start) => start.name)).size).toBe(6);
    expect(exits.map((exit) => exit.name).sort()).toEqual(starts.map((start) => start.name).sort());
    const stats = pool.stats();
    expect(stats).toMatchObject({ processes: 2, workers: 0, idle: 0, busy: 0, queued: 0, completed: 3, failed: 1 });
    expect(stats.workersStarted).toBe(6);
    expect(stats.workersExited).toEqual({ maxTasks: 3, memory: 0, timeout: 0, crash: 1, abort: 0, shutdown: 2 });
  });

  test('stats while busy: busy, queued', async () => {
    const pool = makePool(1, kind);
    await pool.apply(tasks.square, [1]);
    const running = pool.map(tasks.sleep, [100, 100, 100, 100], 1);
    expect(pool.stats()).toMatchObject({ workers: 1, busy: 1, idle: 0, queued: 2 });
    await running;
    expect(pool.stats()).toMatchObject({ busy: 0, idle: 1, queued: 0, completed: 5 });
  });

  test('taskError reports a failure nobody listened for, and only that', async () => {
    const pool = makePool(1, kind);
    const heard: unknown[] = [];
    pool.on('taskError', (error) => heard.push(error));
    pool.applyAsync(tasks.throwTypeError, ['unheard']);
    const awaited = pool.applyAsync(tasks.throwTypeError, ['awaited']);
    await expect(awaited).rejects.toThrow('awaited');
    pool.applyAsync(tasks.throwTypeError, ['has callback'], { errorCallback: () => {} });
    await expect(pool.apply(tasks.throwTypeError, ['apply'])).rejects.toThrow('apply');
    await waitFor(() => heard.length === 1, 'the taskError event');
    await pool.apply(tasks.square, [1]);
    expect(heard).toHaveLength(1);
    expect((heard[0] as Error).message).toBe('unheard');
  });

  test('terminate() called from an errorCallback does not deadlock; pending results reject', async () => {
    const pool = makePool(2, kind);
    const terminated = new Promise<void>((resolve) => {
      pool.applyAsync(tasks.throwTypeError, ['x'], { errorCallback: () => void pool.terminate().then(resolve) });
    });
    const others = Array.from({ length: 10 }, () => pool.applyAsync(tasks.sleep, [60_000]));
    await terminated;
    const outcomes = await Promise.allSettled(others.map((r) => r.get()));
    expect(outcomes.every((o) => o.status === 'rejected')).toBe(true);
    expect(pool.stats().workers).toBe(0);
  });

  test('a throwing callback surfaces as an uncaught exception and does not break the pool', async () => {
    // In its own process: jest turns uncaught exceptions into suite failures.
    const { stdout } = await run(process.execPath, [fixture('throwing-callback.mjs'), kind], { timeout: 30_000 });
    expect(JSON.parse(stdout)).toEqual({ seen: ['callback bug'], after: 9 });
  });

  test('a workerStart or workerExit listener that throws surfaces as an uncaught exception; the pool still settles', async () => {
    const { stdout } = await run(process.execPath, [fixture('throwing-listener.mjs'), kind], { timeout: 30_000 });
    expect(JSON.parse(stdout)).toEqual({
      lost: 'WorkerLostError',
      after: 9,
      seen: ['workerExit listener bug', 'workerStart listener bug'],
    });
  });
});
