import { existsSync } from 'node:fs';
import os from 'node:os';
import { afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import type { DistributedPool } from '@procpool/bullmq';
import { RemoteTraceback, WorkerLostError } from '@procpool/core';
import * as tasks from '../../fixtures/bullmq/tasks.mjs';
import { startRedis, type RedisServer } from '../helpers/redis.js';
import { tempDir } from '../helpers/temp.js';
import { makeDistributedPool, newQueue, rejection } from './clients.js';
import { killWorkerProcesses, startWorkerProcess, type WorkerProcess } from './worker-processes.js';

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});

async function poolWithWorker(attempts?: number): Promise<{ pool: DistributedPool; worker: WorkerProcess }> {
  const queue = newQueue();
  const worker = await startWorkerProcess({ connection: redis.url, queue, pool: { processes: 1 } });
  const pool = makeDistributedPool({
    connection: redis.url,
    queue,
    ...(attempts === undefined ? {} : { defaultJobOptions: { attempts } }),
  });
  return { pool, worker };
}

describe('errors of tasks run through Redis', () => {
  afterEach(killWorkerProcesses);

  test('a registered error class comes back as itself, with its own fields, its cause, and a remote stack naming the host and pid', async () => {
    const { pool } = await poolWithWorker();
    const error = await rejection<
      InstanceType<typeof tasks.BatchError> & {
        workerPid: number;
        cause: RangeError & { row: number };
        remoteTraceback: RemoteTraceback & { host: string };
      }
    >(pool.apply(tasks.throwBatchError, [12]));
    expect(error).toBeInstanceOf(tasks.BatchError);
    expect(error.name).toBe('Error');
    expect(error.message).toBe('batch 12 failed');
    expect(error.batch).toBe(12);
    expect(error.cause).toBeInstanceOf(RangeError);
    expect(error.cause.message).toBe('row 7 out of range');
    expect(error.cause.row).toBe(7);

    const tb = error.remoteTraceback;
    expect(tb).toBeInstanceOf(RemoteTraceback);
    expect(tb.pid).toBe(error.workerPid);
    expect(tb.host).toBe(os.hostname());
    expect(tb.workerName).toEqual(expect.any(String));
    expect(tb.tb).toContain('fixtures/bullmq/tasks.mjs');
    expect(Object.keys(error)).not.toContain('remoteTraceback');

    const lines = String(error.stack).split('\n');
    expect(lines[0]).toBe('Error: batch 12 failed');
    const marker = lines.findIndex((line) => line.includes('--- above: '));
    expect(marker).toBeGreaterThan(0);
    expect(lines.slice(1, marker).join('\n')).toContain('fixtures/bullmq/tasks.mjs');
    expect(lines[marker]).toContain(`(pid ${error.workerPid}) on ${os.hostname()}`);
  });

  test('map rejects with the error of the item that failed, with its remote traceback; imap yields up to it, then throws it', async () => {
    const { pool } = await poolWithWorker();
    const error = await rejection<RangeError & { remoteTraceback: RemoteTraceback }>(
      pool.map(tasks.checkItem, [1, 2, -3, 4], 1),
    );
    expect(error).toBeInstanceOf(RangeError);
    expect(error.message).toBe('item -3 is bad');
    expect(error.remoteTraceback).toBeInstanceOf(RemoteTraceback);
    // In a chunk of several items too.
    await expect(pool.map(tasks.checkItem, [1, 2, -3, 4], 4)).rejects.toThrow('item -3 is bad');
    const seen: unknown[] = [];
    const iterating = (async () => {
      for await (const value of pool.imap(tasks.checkItem, [1, 2, -3, 4], { chunksize: 1 })) seen.push(value);
    })();
    await expect(iterating).rejects.toThrow('item -3 is bad');
    expect(seen).toEqual([1, 2]);
  });

  test('an input that throws ends map and imap with its error', async () => {
    const { pool } = await poolWithWorker();
    const failure = new Error('the input broke');
    async function* items(): AsyncGenerator<number> {
      yield 1;
      yield 2;
      throw failure;
    }
    await expect(pool.map(tasks.square, items())).rejects.toBe(failure);
    const seen: number[] = [];
    const iterating = (async () => {
      for await (const value of pool.imap(tasks.square, items(), { chunksize: 1 })) seen.push(value);
    })();
    await expect(iterating).rejects.toBe(failure);
    expect(seen).toEqual([1, 4]);
  });

  test('a task that throws null rejects with null', async () => {
    const { pool } = await poolWithWorker();
    await expect(pool.apply(tasks.throwNull, [])).rejects.toBeNull();
    await expect(pool.apply(tasks.square, [3])).resolves.toBe(9);
  });

  test('a task that crashes its procpool worker fails at once with WorkerLostError (attempts 1), and the worker goes on', async () => {
    const { pool } = await poolWithWorker();
    const exited = await rejection<WorkerLostError>(pool.apply(tasks.crash, [3]));
    expect(exited).toBeInstanceOf(WorkerLostError);
    expect(exited.exitCode).toBe(3);
    const killed = await rejection<WorkerLostError>(pool.apply(tasks.killSelf, []));
    expect(killed).toBeInstanceOf(WorkerLostError);
    expect(killed.signal).toBe('SIGKILL');
    // Once only: the file says it ran, and a second try would have returned.
    const dir = tempDir();
    await expect(pool.apply(tasks.crashOnce, [`${dir}/tried`])).rejects.toBeInstanceOf(WorkerLostError);
    expect(existsSync(`${dir}/tried`)).toBe(true);
    await expect(pool.apply(tasks.square, [4])).resolves.toBe(16);
  });

  test('with attempts 2 a task that crashed its procpool worker is tried again', async () => {
    const { pool } = await poolWithWorker(2);
    const dir = tempDir();
    await expect(pool.apply(tasks.crashOnce, [`${dir}/tried`])).resolves.toBe('second try');
    // Twice is all attempts 2 allows: a task that always crashes fails with WorkerLostError.
    await expect(pool.apply(tasks.crash, [3])).rejects.toBeInstanceOf(WorkerLostError);
  });

  test('attempts counts a task that throws too: with 2 it is tried again, with 1 it is not', async () => {
    const { pool: once } = await poolWithWorker();
    const dir = tempDir();
    await expect(once.apply(tasks.throwOnce, [`${dir}/once`])).rejects.toBeInstanceOf(tasks.BatchError);
    const { pool: twice } = await poolWithWorker(2);
    await expect(twice.apply(tasks.throwOnce, [`${dir}/twice`])).resolves.toBe('second try');
  });
});
