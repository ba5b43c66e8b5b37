import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, test } from '@jest/globals';
import { BrokenPoolError, cpuCount, Pipe, PoolTerminatedError, taskRef } from '@procpool/core';
import { configure, initThrows, readConfig } from '../../fixtures/initializers.mjs';
import * as tasks from '../../fixtures/tasks.mjs';
import { reportAndSpinNamed } from '../../fixtures/thread-tasks.mjs';
import { signalServer } from '../helpers/signals.js';
import { liveThreads, makeThreadPool } from './thread-pools.js';

const run = promisify(execFile);
const fixture = (name: string): string => fileURLToPath(new URL(`../../fixtures/${name}`, import.meta.url));

describe('a ThreadPool starts and ends its threads', () => {
  test('a forgotten ThreadPool does not keep Node alive once its work is done', async () => {
    const { stdout } = await run(process.execPath, [fixture('forgotten-thread-pool.mjs')], { timeout: 30_000 });
    expect(stdout.trim()).toBe('144');
  });

  test('terminate() ends spinning threads at once and rejects what they ran', async () => {
    const pool = makeThreadPool(2);
    const signals = await signalServer();
    const running = Promise.allSettled([
      pool.apply(reportAndSpinNamed, [signals.path]),
      pool.apply(reportAndSpinNamed, [signals.path]),
    ]);
    await signals.next();
    await signals.next();
    expect(liveThreads()).toBe(2);
    await pool.terminate();
    expect(liveThreads()).toBe(0);
    for (const result of await running) expect(result).toMatchObject({ reason: expect.any(PoolTerminatedError) });
  });

  test('the initializer runs in each thread; one that throws breaks the pool', async () => {
    const pool = makeThreadPool({ processes: 1, initializer: configure, initargs: ['set'] });
    await expect(pool.apply(readConfig)).resolves.toEqual({ value: 'set', pid: process.pid });
    const broken = makeThreadPool({ processes: 1, initializer: initThrows });
    const error = (await broken.apply(tasks.square, [2]).catch((thrown: unknown) => thrown)) as BrokenPoolError;
    expect(error).toBeInstanceOf(BrokenPoolError);
    expect(error.message).toMatch(
      /^Pool initializer failed in PoolWorker-\d+ \(thread \d+\): RangeError: cannot configure/,
    );
  });

  test('env reaches the thread; a V8 flag in execArgv, refused by worker_threads, breaks the pool', async () => {
    const pool = makeThreadPool({ processes: 1, env: { PROCPOOL_PROBE: 'yes' } });
    const probe = taskRef<() => { probe?: string; cwd: string }>(
      new URL('../../fixtures/env.mjs', import.meta.url),
      'probe',
    );
    await expect(pool.apply(probe)).resolves.toMatchObject({ probe: 'yes', cwd: process.cwd() });
    expect(process.env.PROCPOOL_PROBE).toBeUndefined();
    const flagged = makeThreadPool({ processes: 1, execArgv: ['--max-old-space-size=64'] });
    await expect(flagged.apply(tasks.square, [2])).rejects.toBeInstanceOf(BrokenPoolError);
  });

  test('a TypeScript task module loads in a thread', async () => {
    const pool = makeThreadPool(1);
    const norm = taskRef<(p: { x: number; y: number }) => number>(
      new URL('../../fixtures/ts-tasks.ts', import.meta.url),
      'norm',
    );
    await expect(pool.apply(norm, [{ x: 3, y: 4 }])).resolves.toBe(5);
  });
});

describe('what a thread cannot have is refused', () => {
  test.each([
    [
      { context: 'fork' },
      'Expected `context` to be left out of a ThreadPool (threads run in this process: no start method), got `fork` (string)',
    ],
    [
      { cwd: '/tmp' },
      "Expected `cwd` to be left out of a ThreadPool (a thread shares this process's working directory), got `/tmp` (string)",
    ],
    [{ processes: 0 }, 'Expected `processes` to be a positive integer, got `0` (number)'],
    [{ bogus: 1 }, 'Unknown pool option `bogus`'],
  ])('new ThreadPool(%p) throws', (options, message) => {
    expect(() => makeThreadPool(options as never)).toThrow(message);
  });

  test('a Connection in initargs: a thread inherits no file descriptor', async () => {
    const [ours, theirs] = Pipe();
    try {
      expect(() => makeThreadPool({ processes: 1, initargs: [{ conn: theirs }] })).toThrow(
        'Expected `initargs` to hold no Connection in a ThreadPool (a thread inherits no file descriptors), got a Connection',
      );
      // Still ours, and still working.
      ours.send('still open');
      await expect(theirs.recv()).resolves.toBe('still open');
    } finally {
      ours.close();
      theirs.close();
    }
  });

  test('a ThreadPool made without options has a thread per CPU', () => {
    expect(makeThreadPool().stats().processes).toBe(cpuCount());
  });
});
