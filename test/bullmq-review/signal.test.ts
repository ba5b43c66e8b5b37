import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import { newQueue } from '../bullmq/clients.js';
import { killWorkerProcesses, startWorkerProcess } from '../bullmq/worker-processes.js';
import { startRedis, type RedisServer } from '../helpers/redis.js';

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});

const program = fileURLToPath(new URL('../../fixtures/bullmq-review/imap-with-signal.mjs', import.meta.url));

// Before the fix, imap adds an 'abort' listener to the call's signal for each job it keeps in Redis (64 by
// default), and Node prints "MaxListenersExceededWarning: Possible EventTarget memory leak detected.
// 11 abort listeners added to [AbortSignal]" on the user's stderr for an ordinary imap with a signal.
// map adds one for all its jobs; a local Pool's imap prints nothing.
describe('imap with a signal, in a program of its own', () => {
  afterEach(killWorkerProcesses);

  test('prints no MaxListenersExceededWarning', async () => {
    const queue = newQueue();
    await startWorkerProcess({ connection: redis.url, queue, pool: 2 });
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [program, redis.url, queue]);
    expect(stdout).toBe('results 100\n');
    expect(stderr).toBe('');
  });
});
