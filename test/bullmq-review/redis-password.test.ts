import net from 'node:net';
import { beforeAll, describe, expect, test } from '@jest/globals';
import { RedisConnectionError, createWorker } from '@procpool/bullmq';
import * as tasks from '../../fixtures/bullmq-review/tasks.mjs';
import { makeDistributedPool, newQueue, rejection } from '../bullmq/clients.js';
import { startRedis, type RedisServer } from '../helpers/redis.js';

const password = 'right-horse-battery';
let redis: RedisServer;

// CONFIG SET requirepass on a raw socket: the server of this file asks every later client for it.
function requirePassword(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('error', reject);
    socket.once('connect', () => socket.write(`CONFIG SET requirepass ${password}\r\n`));
    socket.once('data', (reply: Buffer) => {
      socket.destroy();
      if (reply.toString().startsWith('+OK')) resolve();
      else reject(new Error(`CONFIG SET requirepass: ${reply.toString()}`));
    });
  });
}

beforeAll(async () => {
  redis = await startRedis();
  await requirePassword(redis.port);
});

const withPassword = (secret: string | null): string =>
  secret === null ? `redis://127.0.0.1:${redis.port}` : `redis://:${secret}@127.0.0.1:${redis.port}`;

// API.md §15 and the plan: RedisConnectionError for bad connection options. Before the fix, the client's calls
// reject with ioredis' own ReplyError (WRONGPASS / NOAUTH), a class the package does not export, and
// without the address.
describe('a Redis that wants a password', () => {
  test.each([
    ['a wrong password', 'not-it'],
    ['no password', null],
  ])('DistributedPool with %s: calls reject with RedisConnectionError naming the address', async (_, secret) => {
    const pool = makeDistributedPool({ connection: withPassword(secret), queue: newQueue(), reconnectTimeout: 500 });
    const error = await rejection(pool.apply(tasks.square, [2]));
    expect(error).toBeInstanceOf(RedisConnectionError);
    expect((error as RedisConnectionError).address).toContain(`127.0.0.1:${redis.port}`);
    expect(String((error as Error).message)).not.toContain('not-it');
    await expect(pool.map(tasks.square, [1, 2])).rejects.toBeInstanceOf(RedisConnectionError);
  });

  test('the right password works', async () => {
    const queue = newQueue();
    const worker = await createWorker({ connection: withPassword(password), queue, pool: 1 });
    try {
      const pool = makeDistributedPool({ connection: withPassword(password), queue });
      await expect(pool.apply(tasks.square, [3])).resolves.toBe(9);
    } finally {
      await worker.close();
    }
  });

  test('createWorker with a wrong password rejects with RedisConnectionError', async () => {
    const error = await rejection(
      createWorker({ connection: withPassword('not-it'), queue: newQueue(), pool: 1, connectTimeout: 500 }),
    );
    expect(error).toBeInstanceOf(RedisConnectionError);
    expect(String((error as Error).message)).not.toContain('not-it');
  });
});
