import net from 'node:net';
import { writeFileSync } from 'node:fs';
import { afterEach, describe, expect, test } from '@jest/globals';
import * as tasks from '../../fixtures/bullmq/tasks.mjs';
import { makeDistributedPool, newQueue, started, startedCount } from '../bullmq/clients.js';
import { killWorkerProcesses, startWorkerProcess } from '../bullmq/worker-processes.js';
import { startRedis } from '../helpers/redis.js';
import { tempDir } from '../helpers/temp.js';

// SAVE on a raw socket: the server writes its data to dump.rdb in its directory, which the next
// redis-server started there (restart()) loads: a restart with its data.
function save(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('error', reject);
    socket.once('connect', () => socket.write('SAVE\r\n'));
    socket.once('data', (reply: Buffer) => {
      socket.destroy();
      if (reply.toString().startsWith('+OK')) resolve();
      else reject(new Error(`SAVE: ${reply.toString()}`));
    });
  });
}

describe('Redis restarted with its data while calls are pending', () => {
  afterEach(killWorkerProcesses);

  test('every pending call gets its result, and the running task runs once', async () => {
    const redis = await startRedis();
    const queue = newQueue();
    await startWorkerProcess({ connection: redis.url, queue, pool: 1, lockDuration: 1000, stalledInterval: 500 });
    const pool = makeDistributedPool({ connection: redis.url, queue, reconnectTimeout: 20_000 });
    const dir = tempDir();
    const calls = [
      pool.apply(tasks.block, [{ dir, key: 'a' }]),
      pool.apply(tasks.square, [2]),
      pool.map(tasks.square, [1, 2, 3], 1),
    ];
    await started(dir, 'started-a-');
    await save(redis.port);
    await redis.restart();
    writeFileSync(`${dir}/go`, '');
    const [a, two, mapped] = await Promise.all(calls);
    expect(a).toEqual(expect.objectContaining({ value: 'a' }));
    expect(two).toBe(4);
    expect(mapped).toEqual([1, 4, 9]);
    expect(startedCount(dir, 'started-a-')).toBe(1);
    await pool.close();
  }, 40_000);
});
