// createWorker's allowModules (procpool worker --allow-module): a job that names
// another module fails with a TypeError, untried; the allowed ones run.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import { createWorker, type DistributedWorker } from '@procpool/bullmq';
import * as tasks from '../../fixtures/bullmq/tasks.mjs';
import { startRedis, type RedisServer } from '../helpers/redis.js';
import { makeDistributedPool, newQueue } from './clients.js';

const fixtures = fileURLToPath(new URL('../../fixtures/bullmq/', import.meta.url));

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});

describe('a worker with allowModules', () => {
  const workers: DistributedWorker[] = [];
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.terminate()));
  });

  async function poolFor(allowModules: string[]): Promise<ReturnType<typeof makeDistributedPool>> {
    const queue = newQueue();
    workers.push(await createWorker({ connection: redis.url, queue, pool: 1, allowModules }));
    return makeDistributedPool({ connection: redis.url, queue, defaultJobOptions: { attempts: 3 } });
  }

  test('runs the tasks of modules under an allowed directory, and of an allowed file', async () => {
    expect(await (await poolFor([fixtures])).apply(tasks.square, [4])).toBe(16);
    expect(await (await poolFor([path.join(fixtures, 'tasks.mjs')])).apply(tasks.square, [5])).toBe(25);
  });

  test("refuses another module's task with a TypeError at once, untried, whatever the attempts", async () => {
    const pool = await poolFor([path.join(fixtures, 'elsewhere')]);
    const refused = pool.apply(tasks.square, [4]);
    await expect(refused).rejects.toThrow(TypeError);
    await expect(refused).rejects.toThrow(
      /does not run tasks of file:.*tasks\.mjs \(it runs those of file:.*elsewhere\)/,
    );
    // A package that is not listed, and a path that climbs out of the allowed directory.
    await expect(pool.apply('node:os#hostname', [])).rejects.toThrow(/does not run tasks of node:os/);
    const climbing = `${path.join(fixtures, 'elsewhere')}/../tasks.mjs#square`;
    await expect(pool.apply(climbing, [2])).rejects.toThrow(/does not run tasks of/);
  });

  test('a package name (or node: module) allows it and its subpaths, not a longer name', async () => {
    const pool = await poolFor(['node:os', 'node:timers']);
    expect(typeof (await pool.apply('node:os#hostname', []))).toBe('string');
    expect(await pool.apply('node:timers/promises#setTimeout', [1, 'later'])).toBe('later');
    await expect(pool.apply('node:osx#hostname', [])).rejects.toThrow(/does not run tasks of node:osx/);
    await expect(pool.apply('node:fs#readFileSync', ['/etc/hostname'])).rejects.toThrow(
      /does not run tasks of node:fs/,
    );
  });

  test('bad entries are refused when the worker is made', async () => {
    await expect(createWorker({ connection: redis.url, queue: newQueue(), allowModules: [] })).rejects.toThrow(
      /allowModules/,
    );
    await expect(
      createWorker({ connection: redis.url, queue: newQueue(), allowModules: ['./relative'] }),
    ).rejects.toThrow(/absolute paths, file URLs, package names or node: modules/);
  });
});
