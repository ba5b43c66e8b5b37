import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, test } from '@jest/globals';
import { JobLostError, RedisConnectionError, createWorker } from '@procpool/bullmq';
import * as tasks from '../../fixtures/bullmq/tasks.mjs';
import { descendants, isAlive, waitFor } from '../helpers/processes.js';
import { freePort, startRedis } from '../helpers/redis.js';
import { tempDir } from '../helpers/temp.js';
import { makeDistributedPool, newQueue, started } from './clients.js';
import { killWorkerProcesses, startWorkerProcess } from './worker-processes.js';

// The give-up times are tiny next to jest's timeout here: a call that hangs instead of rejecting fails the test.
const giveUp = 500;
const guard = 20_000;

// Connection options that cannot reach a Redis: a dead port (URL and options object), a host
// name that does not resolve.
async function badConnections(): Promise<Array<[string, string | Record<string, unknown>]>> {
  const dead = await freePort();
  return [
    ['nothing listening (URL)', `redis://127.0.0.1:${dead}`],
    ['nothing listening (options)', { host: '127.0.0.1', port: dead }],
    ['a host name that does not resolve', 'redis://no-such-host.invalid:6379'],
  ];
}

// Strings that are not redis:// URLs.
const badUrls = ['not a url at all', 'http://127.0.0.1:6379', 'redis://127.0.0.1:99999'];

const poolWorkers = (): Array<{ pid: number; cmdline: string }> =>
  descendants().filter((p) => p.cmdline.includes('bootstrap/main.'));

const failingFixture = fileURLToPath(new URL('../../fixtures/bullmq/create-worker-fails.mjs', import.meta.url));

async function reason(attempt: () => Promise<unknown>): Promise<unknown> {
  try {
    await attempt();
  } catch (error) {
    return error;
  }
  return new Error('expected a rejection');
}

describe('bad connection options', () => {
  afterEach(killWorkerProcesses);

  test(
    'DistributedPool calls reject with RedisConnectionError, and the pool still closes',
    async () => {
      for (const [what, connection] of await badConnections()) {
        let pool: ReturnType<typeof makeDistributedPool> | undefined;
        const error = await reason(async () => {
          // A bad URL may be refused at once, by the constructor, or by the first call.
          pool = makeDistributedPool({ connection, queue: newQueue(), reconnectTimeout: giveUp });
          await pool.apply(tasks.square, [2]);
        });
        expect([what, error]).toEqual([what, expect.any(RedisConnectionError)]);
        // Every call fails the same way; none is left pending.
        if (pool !== undefined) {
          await expect(pool.map(tasks.square, [1, 2])).rejects.toBeInstanceOf(RedisConnectionError);
          await pool.terminate();
        }
      }
    },
    guard,
  );

  test(
    'createWorker rejects with RedisConnectionError, leaving no procpool worker behind',
    async () => {
      for (const [what, connection] of await badConnections()) {
        const error = await reason(async () => {
          const worker = await createWorker({ connection, queue: newQueue(), pool: 1, connectTimeout: giveUp });
          await worker.terminate();
        });
        expect([what, error]).toEqual([what, expect.any(RedisConnectionError)]);
        expect(poolWorkers()).toEqual([]);
      }
    },
    guard,
  );

  test(
    'a worker process with a bad URL exits 1 saying why',
    async () => {
      const dead = await freePort();
      const started = startWorkerProcess({
        connection: `redis://127.0.0.1:${dead}`,
        queue: newQueue(),
        pool: 1,
        connectTimeout: giveUp,
      });
      await expect(started).rejects.toThrow(/exited \(1\).*\n.*RedisConnectionError.*127\.0\.0\.1/s);
    },
    guard,
  );

  test.each(badUrls)(
    'a connection string that is no redis:// URL (%j) is refused at once by DistributedPool, naming it',
    async (connection) => {
      // RedisConnectionError (bad connection options, as API says), or an option check's TypeError; at
      // construction or on the first call, never a hang.
      const error = await reason(async () => {
        const pool = makeDistributedPool({ connection, queue: newQueue(), reconnectTimeout: giveUp });
        await pool.apply(tasks.square, [2]);
      });
      expect(error).toEqual(expect.objectContaining({ message: expect.stringMatching(/connection|URL|url/) }));
      expect(error instanceof RedisConnectionError || error instanceof TypeError).toBe(true);
    },
    guard,
  );

  // In a process of its own: a Pool that createWorker left running would outlive the test (it replaces
  // workers that are killed), and keeps that process from exiting.
  test.each(badUrls.map((url): [string, string] => [JSON.stringify(url), url]))(
    'createWorker refuses a connection string that is no redis:// URL (%s), and leaves nothing running',
    async (_, connection) => {
      const { stdout } = await promisify(execFile)(
        process.execPath,
        [failingFixture, JSON.stringify({ connection, queue: newQueue(), pool: 1, connectTimeout: giveUp })],
        { timeout: guard },
      );
      expect(stdout).toMatch(/^rejected (TypeError|RedisConnectionError): .*(connection|URL|url)/);
      expect(stdout).not.toContain('still running');
      expect(stdout).toContain('exit with 0 pool worker(s) running');
    },
    guard,
  );

  test('RedisConnectionError names the address, without a password', async () => {
    const dead = await freePort();
    const pool = makeDistributedPool({
      connection: `redis://user:s3cret@127.0.0.1:${dead}`,
      queue: newQueue(),
      reconnectTimeout: giveUp,
    });
    const error = (await reason(() => pool.apply(tasks.square, [2]))) as RedisConnectionError;
    expect(error).toBeInstanceOf(RedisConnectionError);
    expect(error.message).toContain(`127.0.0.1:${dead}`);
    expect(error.message).not.toContain('s3cret');
    expect(error.address).not.toContain('s3cret');
  });
});

describe('Redis going away while calls are pending', () => {
  afterEach(killWorkerProcesses);

  test('killed and restarted empty: every pending call settles (a result, JobLostError or RedisConnectionError), and new calls work', async () => {
    const redis = await startRedis();
    const queue = newQueue();
    await startWorkerProcess({ connection: redis.url, queue, pool: 1, lockDuration: 1000, stalledInterval: 500 });
    const pool = makeDistributedPool({ connection: redis.url, queue, reconnectTimeout: 10_000 });
    const dir = tempDir();
    const calls = [pool.apply(tasks.block, [{ dir, key: 'a' }]), pool.apply(tasks.square, [2])];
    await started(dir, 'started-a-');
    await redis.kill();
    await redis.restart();
    writeFileSync(`${dir}/go`, '');
    const outcomes = await Promise.allSettled(calls);
    for (const outcome of outcomes) {
      if (outcome.status === 'rejected') {
        expect([JobLostError, RedisConnectionError]).toContainEqual((outcome.reason as Error).constructor);
      }
    }
    expect(outcomes[0]).not.toEqual({ status: 'fulfilled', value: 4 });
    // The client and the worker found the new Redis by themselves.
    await expect(pool.apply(tasks.square, [5])).resolves.toBe(25);
    await pool.close();
  }, 30_000);

  test('down briefly: a call made while it is down completes once it is back', async () => {
    const redis = await startRedis();
    const queue = newQueue();
    await startWorkerProcess({ connection: redis.url, queue, pool: 1 });
    const pool = makeDistributedPool({ connection: redis.url, queue, reconnectTimeout: 10_000 });
    await expect(pool.apply(tasks.square, [2])).resolves.toBe(4);
    await redis.kill();
    const during = pool.apply(tasks.square, [3]);
    await redis.restart();
    await expect(during).resolves.toBe(9);
    await pool.close();
  }, 30_000);

  test(
    'gone for good: pending and new calls reject with RedisConnectionError once reconnectTimeout has passed; calls after it is back work',
    async () => {
      const redis = await startRedis();
      const queue = newQueue();
      await startWorkerProcess({ connection: redis.url, queue, pool: 1 });
      const pool = makeDistributedPool({ connection: redis.url, queue, reconnectTimeout: 1000 });
      const dir = tempDir();
      const pending = pool.apply(tasks.block, [{ dir, key: 'a' }]);
      await started(dir, 'started-a-');
      await redis.kill();
      await expect(pending).rejects.toBeInstanceOf(RedisConnectionError);
      await expect(pool.apply(tasks.square, [2])).rejects.toBeInstanceOf(RedisConnectionError);
      // Back later: the pool connects again for its next call (the worker never gave up, and its task has ended).
      writeFileSync(`${dir}/go`, '');
      await redis.restart();
      await expect(pool.apply(tasks.square, [3])).resolves.toBe(9);
      await pool.terminate();
    },
    guard,
  );

  test(
    "gone for good: a worker with reconnectTimeout gives up and closes: its Pool's processes end and its process exits",
    async () => {
      const redis = await startRedis();
      const worker = await startWorkerProcess({
        connection: redis.url,
        queue: newQueue(),
        pool: 1,
        reconnectTimeout: 1000,
      });
      const poolPids = descendants(worker.pid).map((p) => p.pid);
      expect(poolPids).toHaveLength(1);
      await redis.kill();
      // worker.closed says why; nothing is left to keep the process alive once it has closed.
      await expect(worker.line('gave up: ')).resolves.toMatch(/^gave up: RedisConnectionError: .*127\.0\.0\.1/);
      await expect(worker.exited).resolves.toEqual({ code: 1, signal: null });
      await waitFor(() => !poolPids.some(isAlive), 'its pool worker to exit');
    },
    guard,
  );

  test(
    'gone: a worker process stopped with SIGTERM meanwhile still closes and exits 0',
    async () => {
      const redis = await startRedis();
      const queue = newQueue();
      const worker = await startWorkerProcess({ connection: redis.url, queue, pool: 1 });
      // A job done: the worker is back to waiting on Redis for the next one when Redis goes.
      const pool = makeDistributedPool({ connection: redis.url, queue });
      await expect(pool.apply(tasks.square, [2])).resolves.toBe(4);
      await pool.close();
      await redis.kill();
      worker.sigterm();
      await expect(worker.exited).resolves.toEqual({ code: 0, signal: null });
      expect(worker.stderr()).toBe('');
    },
    guard,
  );

  test(
    'gone for good: close() resolves once the pending calls have rejected',
    async () => {
      const redis = await startRedis();
      const queue = newQueue();
      await startWorkerProcess({ connection: redis.url, queue, pool: 1 });
      const pool = makeDistributedPool({ connection: redis.url, queue, reconnectTimeout: 1000 });
      const dir = tempDir();
      const rejected = expect(pool.apply(tasks.block, [{ dir, key: 'a' }])).rejects.toBeInstanceOf(
        RedisConnectionError,
      );
      await started(dir, 'started-a-');
      await redis.kill();
      await pool.close();
      await rejected;
    },
    guard,
  );
});
