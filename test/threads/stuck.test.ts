import { execFileSync } from 'node:child_process';
import { closeSync, constants, openSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, test } from '@jest/globals';
import { TaskTimeoutError } from '@procpool/core';
import * as tasks from '../../fixtures/tasks.mjs';
import { blockNatively } from '../../fixtures/thread-review-tasks.mjs';
import { tempDir } from '../helpers/temp.js';
import { makeThreadPool } from './thread-pools.js';

describe('a thread that terminating cannot stop at once', () => {
  const fifos: string[] = [];
  const fifo = (): string => {
    const file = path.join(tempDir(), 'fifo');
    execFileSync('mkfifo', [file]);
    fifos.push(file);
    return file;
  };
  // Before the pools are terminated (which waits for every thread): opening a
  // FIFO to write lets a blocked open of it return, and fails at once if no one reads.
  afterEach(() => {
    for (const file of fifos.splice(0)) {
      try {
        closeSync(openSync(file, constants.O_WRONLY | constants.O_NONBLOCK));
      } catch {
        // ENXIO: no reader left
      }
    }
  });

  // A thread blocked in a native call runs on until the call returns; it runs
  // no more JavaScript after terminate(), so once it has not exited within the
  // kill's grace period what it holds goes elsewhere.
  test('the chunks queued behind a timed-out task run on another thread', async () => {
    const pool = makeThreadPool(1);
    const stuck = pool.apply(blockNatively, [fifo()], { taskTimeout: 100 });
    // A worker holds the running chunk and at least one more behind it.
    const behind = pool.apply(tasks.square, [7]);
    await expect(stuck).rejects.toBeInstanceOf(TaskTimeoutError);
    await expect(behind).resolves.toBe(49);
    // Answered while the stuck thread is still blocked (released after the test).
    expect(pool.stats().workersExited.timeout).toBe(0);
  });

  test('so do the chunks queued behind an aborted one', async () => {
    const pool = makeThreadPool(1);
    // Aborted well after the open(2) has begun, as the timeout above.
    const stuck = pool.apply(blockNatively, [fifo()], { signal: AbortSignal.timeout(100) });
    const behind = pool.apply(tasks.square, [8]);
    await expect(stuck).rejects.toThrow();
    await expect(behind).resolves.toBe(64);
    expect(pool.stats().workersExited.abort).toBe(0);
  });
});
