import net from 'node:net';
import { writeFileSync } from 'node:fs';
import { afterEach, describe, expect, test } from '@jest/globals';
import * as tasks from '../../fixtures/bullmq/tasks.mjs';
import { makeDistributedPool, newQueue, started, startedCount } from '../bullmq/clients.js';
import { killWorkerProcesses, startWorkerProcess } from '../bullmq/worker-processes.js';
import { startRedis } from '../helpers/redis.js';
import { tempDir } from '../helpers/temp.js';

// CLIENT PAUSE ms ALL, then PING on the same socket: Redis answers the PING once the pause is over, so
// this resolves when Redis has been unresponsive to every client for `ms` (Redis does the waiting).
function pauseRedis(port: number, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let reply = '';
    socket.once('error', reject);
    socket.once('connect', () => socket.write(`CLIENT PAUSE ${ms} ALL\r\nPING\r\n`));
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString();
      if (!reply.includes('\r\n', reply.indexOf('\r\n') + 2)) return;
      socket.destroy();
      if (reply === '+OK\r\n+PONG\r\n') resolve();
      else reject(new Error(`CLIENT PAUSE: ${reply}`));
    });
  });
}

// docs/distributed.md, Failures, "Redis goes away": "clients and workers reconnect by themselves …;
// jobs wait in Redis … what the caller gets: nothing, if it is back within reconnectTimeout". A job
// that is running when Redis stops answering for longer than lockDuration (4 s by default; 0.5 s
// here) loses its lock though its worker is alive: the stalled-job check then counts it as a try of a
// dead worker, and with attempts 1 the call fails with WorkerLostError ("stopped renewing its lock
// (its process or machine died, or it lost Redis)") while the task goes on and finishes where it ran.
describe('Redis unresponsive for longer than lockDuration while a job runs', () => {
  afterEach(killWorkerProcesses);

  test('the call gets its value, within reconnectTimeout, as for any short outage', async () => {
    const redis = await startRedis();
    const queue = newQueue();
    await startWorkerProcess({ connection: redis.url, queue, pool: 1, lockDuration: 500, stalledInterval: 250 });
    const pool = makeDistributedPool({ connection: redis.url, queue, reconnectTimeout: 20_000 });
    const dir = tempDir();
    const call = pool.apply(tasks.block, [{ dir, key: 'a' }]);
    call.catch(() => undefined);
    await started(dir, 'started-a-');
    await pauseRedis(redis.port, 1500);
    writeFileSync(`${dir}/go`, '');
    await expect(call).resolves.toEqual(expect.objectContaining({ value: 'a' }));
    expect(startedCount(dir, 'started-a-')).toBe(1);
  }, 30_000);
});
