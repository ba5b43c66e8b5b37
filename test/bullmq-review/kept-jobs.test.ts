import net from 'node:net';
import { afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import * as tasks from '../../fixtures/bullmq-review/tasks.mjs';
import { makeDistributedPool, newQueue } from '../bullmq/clients.js';
import { killWorkerProcesses, startWorkerProcess } from '../bullmq/worker-processes.js';
import { startRedis, type RedisServer } from '../helpers/redis.js';

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});

// One inline command on a raw socket; its integer reply (`:N`).
function integerReply(port: number, command: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('error', reject);
    socket.once('connect', () => socket.write(`${command}\r\n`));
    socket.once('data', (reply: Buffer) => {
      socket.destroy();
      const match = /^:(-?\d+)\r\n/.exec(reply.toString());
      if (match === null) reject(new Error(`${command}: ${reply.toString()}`));
      else resolve(Number(match[1]));
    });
  });
}

// docs/distributed.md: "Redis keeps the latest 10 000 finished jobs for an hour at most". BullMQ's
// removeOnComplete { age } is applied only when a later job of the queue finishes (moveToFinished
// trims by age then); the job's key has no expiry. So on a queue that goes quiet, its last finished
// jobs (arguments and results, up to 10 000 of them) stay in Redis's memory for ever, not an hour.
describe('finished jobs kept for the client', () => {
  afterEach(killWorkerProcesses);

  test('a finished job of a queue that goes quiet is gone from Redis within the hour', async () => {
    const queue = newQueue();
    await startWorkerProcess({ connection: redis.url, queue, pool: 1 });
    const pool = makeDistributedPool({ connection: redis.url, queue });
    await expect(pool.apply(tasks.square, [3])).resolves.toBe(9);
    await pool.close();
    const kept = await integerReply(redis.port, `ZCARD bull:${queue}:completed`);
    expect(kept).toBe(1);
    // The job's own hash: its id is the pool's, so read it from the set.
    const ids = await new Promise<string[]>((resolve, reject) => {
      const socket = net.connect(redis.port, '127.0.0.1');
      let reply = '';
      socket.once('error', reject);
      socket.once('connect', () => socket.write(`ZRANGE bull:${queue}:completed 0 -1\r\n`));
      socket.on('data', (chunk: Buffer) => {
        reply += chunk.toString();
        const lines = reply.split('\r\n');
        if (lines.length < 4) return;
        socket.destroy();
        resolve([lines[2]!]);
      });
    });
    const ttl = await integerReply(redis.port, `TTL bull:${queue}:${ids[0]}`);
    // -1: no expiry at all.
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(3600);
  });
});
