import { afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import { MaybeEncodingError, Pool } from '@procpool/core';
import * as tasks from '../../fixtures/bullmq-review/tasks.mjs';
import { makeDistributedPool, newQueue, rejection } from '../bullmq/clients.js';
import { killWorkerProcesses, startWorkerProcess } from '../bullmq/worker-processes.js';
import { startRedis, type RedisServer } from '../helpers/redis.js';

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});

// The job runner shows the unsendable value with String() (core's bridge.unsendable), where a local
// Pool inspects it. Before the fix: an object shows as '[object Object]' (which result was it?), and a function
// as its whole source text (`Error sending result: 'function secretHandler() { return … }'`).
describe('a result that cannot be sent back', () => {
  afterEach(killWorkerProcesses);

  test.each([
    ['an object with a function in it', tasks.returnWithCallback],
    ['a function', tasks.returnFunction],
  ])('%s: MaybeEncodingError shows the value as a local Pool does', async (_, task) => {
    const local = new Pool({ processes: 1 });
    let expected: MaybeEncodingError;
    try {
      expected = await rejection<MaybeEncodingError>(local.apply(task, []));
    } finally {
      await local.terminate();
    }
    const queue = newQueue();
    await startWorkerProcess({ connection: redis.url, queue, pool: 1 });
    const pool = makeDistributedPool({ connection: redis.url, queue });
    const error = await rejection<MaybeEncodingError>(pool.apply(task, []));
    expect(error).toBeInstanceOf(MaybeEncodingError);
    expect(error.message).not.toContain('[object Object]');
    expect(error.message).not.toContain('not for an error message');
    expect((error as unknown as { value: unknown }).value).toBe((expected as unknown as { value: unknown }).value);
  });
});
