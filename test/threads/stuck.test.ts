import { execFileSync } from 'node:child_process';
import { closeSync, constants, openSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, test } from '@jest/globals';
import { TaskTimeoutError } from '@procpool/core';
import * as tasks from '../../fixtures/tasks.mjs';
import { answerThenBlock, blockNatively } from '../../fixtures/thread-review-tasks.mjs';
import { tempDir } from '../helpers/temp.js';
import { makeThreadPool } from './thread-pools.js';

describe('a thread that terminating cannot stop at once', () => {
  const fifos: string[] = [];
  const writers: Array<Promise<FileHandle>> = [];
  const fifo = (): string => {
    const file = path.join(tempDir(), 'fifo');
    execFileSync('mkfifo', [file]);
    fifos.push(file);
    return file;
  };
  // Resolves once a thread is in its native read of `file` (a writer's open of
  // a FIFO returns once there is a reader), where it stays until the writer is closed.
  const blockedOn = async (file: string): Promise<void> => {
    const writer = open(file, 'w');
    writers.push(writer);
    await writer;
  };
  // Before the pools are terminated (which waits for every thread): an O_RDWR
  // open, which never waits on Linux, lets an open waiting at either end return;
  // once it and the writers are closed, a blocked read returns.
  afterEach(async () => {
    const releases = fifos.splice(0).map((file) => openSync(file, constants.O_RDWR));
    for (const writer of await Promise.allSettled(writers.splice(0))) {
      if (writer.status === 'fulfilled') await writer.value.close();
    }
    releases.forEach((fd) => closeSync(fd));
  });

  // A thread blocked in a native call runs on until the call returns; it runs
  // no more JavaScript after terminate(), so once it has not exited within the
  // kill's grace period what it holds goes elsewhere.
  test('the chunks queued behind a timed-out task run on another thread', async () => {
    const pool = makeThreadPool(1);
    const file = fifo();
    // The pool's one thread answers, then blocks: the pool sees it idle. So the
    // timeout counts from when it is blocked already (a thread still running
    // JavaScript when its task times out is simply terminated).
    await expect(pool.apply(answerThenBlock, [file])).resolves.toBe('answered');
    await blockedOn(file);
    const stuck = pool.apply(tasks.square, [6], { taskTimeout: 100 });
    // A worker holds the running chunk and at least one more behind it.
    const behind = pool.apply(tasks.square, [7]);
    await expect(stuck).rejects.toBeInstanceOf(TaskTimeoutError);
    await expect(behind).resolves.toBe(49);
    // Answered while the stuck thread is still blocked (released after the test).
    expect(pool.stats().workersExited.timeout).toBe(0);
  });

  test('so do the chunks queued behind an aborted one', async () => {
    const pool = makeThreadPool(1);
    const file = fifo();
    const controller = new AbortController();
    const stuck = pool.apply(blockNatively, [file], { signal: controller.signal });
    const behind = pool.apply(tasks.square, [8]);
    // Aborted once the task is in its native call, not before (a thread still
    // running JavaScript when aborted is simply terminated).
    await blockedOn(file);
    controller.abort();
    await expect(stuck).rejects.toThrow();
    await expect(behind).resolves.toBe(64);
    expect(pool.stats().workersExited.abort).toBe(0);
  });
});
