import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, test } from '@jest/globals';
import { BrokenPoolError, ProtocolError, WorkerLostError, activeChildren } from '@procpool/core';
import * as modes from '../../fixtures/failure-modes.mjs';
import { exitUntil } from '../../fixtures/kind-tasks.mjs';
import { reportAndSpin } from '../../fixtures/report-then-wait.mjs';
import * as tasks from '../../fixtures/tasks.mjs';
import { kinds, makePool, notForThreads, processOnlyTest } from '../helpers/pools.js';
import { isAlive, waitFor } from '../helpers/processes.js';
import { signalServer } from '../helpers/signals.js';
import { captureStderr } from '../helpers/stderr.js';
import { tempDir } from '../helpers/temp.js';

const run = promisify(execFile);
const tempFile = (name: string): string => path.join(tempDir(), name);
const MiB = 1024 * 1024;

describe('worker deaths only a process can have', () => {
  processOnlyTest(
    'out of memory (--max-old-space-size exceeded): WorkerLostError with V8 last words',
    notForThreads.v8Flags,
    async () => {
      const script = fileURLToPath(new URL('../../fixtures/oom-report.mjs', import.meta.url));
      const { stdout } = await run(process.execPath, [script], { timeout: 60_000 });
      const report = JSON.parse(stdout) as {
        name: string;
        signal: string | null;
        exitCode: number | null;
        stderr: string;
        after: number;
      };
      expect(report.name).toBe('WorkerLostError');
      expect(report.stderr).toContain('heap out of memory');
      expect(report.signal ?? report.exitCode).toBeTruthy();
      expect(report.after).toBe(9);
    },
  );

  processOnlyTest('process.abort(): SIGABRT', notForThreads.nativeCrash, async () => {
    const stderr = captureStderr();
    const pool = makePool(1);
    await expect(pool.apply(modes.abortNow)).rejects.toMatchObject({ name: 'WorkerLostError', signal: 'SIGABRT' });
    await expect(pool.apply(tasks.square, [3])).resolves.toBe(9);
    // Node's abort report (native and JavaScript stacks) was forwarded to our stderr.
    expect(stderr.text).toContain('abortNow');
  });

  processOnlyTest(
    'a worker that dies while idle costs no task; the pool returns to full size',
    notForThreads.outsideKill,
    async () => {
      const pool = makePool(2);
      await pool.map(tasks.square, [1, 2, 3, 4], 1);
      const [victim] = activeChildren();
      process.kill(victim?.pid as number, 'SIGKILL');
      await waitFor(
        () => activeChildren().length === 2 && !activeChildren().some((c) => c.pid === victim?.pid),
        'the replacement',
      );
      await expect(pool.map(tasks.square, [1, 2, 3], 1)).resolves.toEqual([1, 4, 9]);
      expect(pool.stats().failed).toBe(0);
    },
  );

  processOnlyTest(
    'a task that writes to the pipe fails with WorkerLostError; the task queued behind it runs elsewhere',
    notForThreads.pipe,
    async () => {
      const pool = makePool(1);
      await pool.apply(tasks.square, [1]); // the worker is up: both calls below go to it
      const scribbled = pool.apply(modes.scribbleOnPipe, ['not a frame, just bytes']);
      const behind = pool.apply(tasks.square, [4]);
      const error = (await scribbled.catch((e: unknown) => e)) as WorkerLostError;
      expect(error).toBeInstanceOf(WorkerLostError);
      expect(error.message).toContain('Something other than procpool wrote to the pipe: bytes that are not a frame');
      expect((error.cause as Error).name).toBe('ProtocolError');
      expect(error.cause).toBeInstanceOf(ProtocolError);
      await expect(behind).resolves.toBe(16);
      await expect(pool.apply(tasks.square, [5])).resolves.toBe(25);
    },
  );

  processOnlyTest(
    'death while a result larger than the pipe buffer is being written: settles, pool recovers',
    notForThreads.pipe,
    async () => {
      const pool = makePool(1);
      const outcome = await pool.apply(modes.bigResultThenDie, [16 * MiB]).then(
        (value) => value.length,
        (error: unknown) => error,
      );
      // Either the whole answer made it out before the kill, or the task is lost: never a hang or a torn value.
      if (typeof outcome === 'number') expect(outcome).toBe(16 * MiB);
      else expect(outcome).toBeInstanceOf(WorkerLostError);
      await expect(pool.apply(tasks.square, [6])).resolves.toBe(36);
    },
  );

  processOnlyTest(
    'death while an argument larger than the pipe buffer is being sent to it: the argument goes elsewhere',
    notForThreads.pipe,
    async () => {
      const pool = makePool(2);
      const signals = await signalServer();
      const spinning = pool.apply(reportAndSpin, [signals.path]);
      const { pid } = await signals.next();
      const spinning2 = pool.apply(reportAndSpin, [signals.path]);
      const { pid: pid2 } = await signals.next();
      // Both workers are stuck; this 32 MiB argument is sent to one of them and cannot fit in its pipe.
      const big = pool.apply(modes.bigEcho, ['b'.repeat(32 * MiB)]);
      process.kill(pid, 'SIGKILL');
      process.kill(pid2, 'SIGKILL');
      await expect(spinning).rejects.toBeInstanceOf(WorkerLostError);
      await expect(spinning2).rejects.toBeInstanceOf(WorkerLostError);
      // It never started, so it runs again on a replacement, whole.
      await expect(big).resolves.toBe(32 * MiB);
      expect([pid, pid2].some(isAlive)).toBe(false);
    },
  );
});

describe.each(kinds)('worker deaths (%s)', (kind) => {
  // Issue 12: the exit used to settle before the worker's stderr was read to
  // its end, and the last lines were missing in ~1 run of 5.
  test('the last stderr lines of a worker that exits are in WorkerLostError.stderr, and reach our stderr', async () => {
    const pool = makePool(1, kind);
    const stderr = captureStderr();
    for (let i = 0; i < 20; i += 1) {
      const error = (await pool.apply(modes.shoutThenExit, [500, 3]).catch((e: unknown) => e)) as WorkerLostError;
      expect(error).toBeInstanceOf(WorkerLostError);
      expect(error.exitCode).toBe(3);
      expect(error.stderr).toMatch(/shouting line 500 of 500\n$/);
      expect(stderr.text).toMatch(/shouting line 500 of 500\n$/);
    }
  });
});

describe.each(kinds)('a worker that dies right after answering (%s)', (kind) => {
  // The next task may reach the worker (a thread reads it within the same turn)
  // and start importing its module when the queued exit fires: it never ran, so
  // it is re-sent rather than failed.
  test('the result stands, and the next task runs', async () => {
    const pool = makePool(1, kind);
    await expect(pool.apply(modes.answerThenDie, ['kept'])).resolves.toBe('kept');
    await expect(pool.apply(tasks.square, [5])).resolves.toBe(25);
  });
});

describe.each(kinds)('retries (%s)', (kind) => {
  // A thread dies by exiting: a SIGKILL it sent itself would end the whole process.
  const dieUntil = kind === 'thread' ? exitUntil : modes.crashUntil;

  test('a task whose worker died is run again, up to `retries` times', async () => {
    const pool = makePool({ processes: 1, retries: 2 }, kind);
    await expect(pool.apply(dieUntil, [tempFile('runs'), 2])).resolves.toBe(3);
  });

  test('past `retries` it rejects with WorkerLostError; off by default', async () => {
    const once = makePool({ processes: 1, retries: 1 }, kind);
    await expect(once.apply(dieUntil, [tempFile('runs'), 5])).rejects.toBeInstanceOf(WorkerLostError);
    const none = makePool(1, kind);
    const file = tempFile('runs');
    await expect(none.apply(dieUntil, [file, 1])).rejects.toBeInstanceOf(WorkerLostError);
    await expect(none.apply(dieUntil, [file, 1])).resolves.toBe(2);
  });

  test('tasks that crash one after another fail alone and never break the pool', async () => {
    const pool = makePool(1, kind);
    for (let i = 0; i < 4; i += 1) await expect(pool.apply(tasks.exitNow, [1])).rejects.toBeInstanceOf(WorkerLostError);
    await expect(pool.apply(tasks.square, [2])).resolves.toBe(4);
  });

  test('a task module that exits on import breaks the pool (no respawn loop)', async () => {
    const stderr = captureStderr();
    const pool = makePool(2, kind);
    const exiting = `${new URL('../../fixtures/exit-on-import.mjs', import.meta.url).href}#never`;
    // The task never ran (its module never loaded), so it is re-sent, not failed,
    // until the pool gives up after 3 such deaths in a row.
    const broken = (await pool.apply(exiting).catch((e: unknown) => e)) as BrokenPoolError;
    expect(broken).toBeInstanceOf(BrokenPoolError);
    expect(broken.message).toContain('3 in a row');
    expect(broken.message).toContain('while importing');
    expect(broken.message).toContain('exit code 5');
    expect(broken.message).toContain('exit-on-import.mjs');
    expect(stderr.text).toContain('exit-on-import: giving up at load\n');
    await expect(pool.apply(tasks.square, [1])).rejects.toBeInstanceOf(BrokenPoolError);
  });
});

processOnlyTest(
  'a task module that crashes on import breaks the pool (no respawn loop)',
  notForThreads.nativeCrash,
  async () => {
    const stderr = captureStderr();
    const pool = makePool(2);
    const crashing = `${new URL('../../fixtures/crash-on-import.mjs', import.meta.url).href}#never`;
    // The task never ran (its module never loaded), so it is re-sent, not failed, until the pool gives up.
    const broken = (await pool.apply(crashing).catch((e: unknown) => e)) as BrokenPoolError;
    expect(broken).toBeInstanceOf(BrokenPoolError);
    expect(broken.message).toContain('3 in a row');
    expect(broken.message).toContain('while importing');
    expect(broken.message).toContain('signal SIGSEGV');
    expect(broken.message).toContain('crash-on-import.mjs');
    expect(stderr.text).toContain('crash-on-import: loading a broken addon\n');
    await expect(pool.apply(tasks.square, [1])).rejects.toBeInstanceOf(BrokenPoolError);
  },
);
