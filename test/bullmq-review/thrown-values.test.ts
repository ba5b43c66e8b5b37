import { afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import { Pool, RemoteTraceback } from '@procpool/core';
import * as tasks from '../../fixtures/bullmq-review/tasks.mjs';
import { makeDistributedPool, newQueue, rejection } from '../bullmq/clients.js';
import { killWorkerProcesses, startWorkerProcess } from '../bullmq/worker-processes.js';
import { startRedis, type RedisServer } from '../helpers/redis.js';

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});

// "Results and errors come back through procpool's codec" with "the Pool's semantics": what a local
// Pool rejects with, a DistributedPool rejects with too.
describe('odd thrown values, as a local Pool reports them', () => {
  afterEach(killWorkerProcesses);

  // A local Pool rejects with the task's Error('a') (the cycle cut); before the fix a DistributedPool
  // rejected with MaybeEncodingError "Cannot send the thrown value: reading it threw (a getter?):
  // Maximum call stack size exceeded": the job's outcome is encoded by the plain value codec, which
  // follows `cause` round the cycle.
  test.each([
    ['a cause that leads back to the error', tasks.throwCircularCause, 'a'],
    ['an error that is its own cause', tasks.causeIsSelf, 'own cause'],
  ])('an error with %s rejects with that error', async (_, task, message) => {
    const local = new Pool({ processes: 1 });
    try {
      const expected = await rejection(local.apply(task, []));
      expect(expected).toMatchObject({ name: 'Error', message });
    } finally {
      await local.terminate();
    }
    const queue = newQueue();
    await startWorkerProcess({ connection: redis.url, queue, pool: 1 });
    const pool = makeDistributedPool({ connection: redis.url, queue });
    const error = await rejection(pool.apply(task, []));
    expect(error).toMatchObject({ name: 'Error', message });
    expect((error as { remoteTraceback?: unknown }).remoteTraceback).toBeInstanceOf(RemoteTraceback);
  });

  test('undefined, a string, a frozen error and an error with a function field come back as a Pool gives them', async () => {
    const queue = newQueue();
    await startWorkerProcess({ connection: redis.url, queue, pool: 1 });
    const pool = makeDistributedPool({ connection: redis.url, queue });
    expect(await rejection(pool.apply(tasks.throwUndefined, []))).toBeUndefined();
    expect(await rejection(pool.apply(tasks.throwString, []))).toBe('plain string');
    const frozen = await rejection(pool.apply(tasks.throwFrozen, []));
    expect(frozen).toBeInstanceOf(RangeError);
    expect((frozen as { remoteTraceback?: unknown }).remoteTraceback).toBeInstanceOf(RemoteTraceback);
    const withFunction = await rejection(pool.apply(tasks.throwWithFunctionField, []));
    expect(withFunction).toMatchObject({ name: 'Error', message: 'has a function' });
  });
});
