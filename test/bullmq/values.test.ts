import { afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import type { DistributedPool } from '@procpool/bullmq';
import * as tasks from '../../fixtures/bullmq/tasks.mjs';
import { startRedis, type RedisServer } from '../helpers/redis.js';
import { makeDistributedPool, newQueue } from './clients.js';
import { killWorkerProcesses, startWorkerProcess } from './worker-processes.js';

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});

async function poolWithWorker(): Promise<DistributedPool> {
  const queue = newQueue();
  await startWorkerProcess({ connection: redis.url, queue, pool: { processes: 1 } });
  return makeDistributedPool({ connection: redis.url, queue });
}

describe('values through Redis', () => {
  afterEach(killWorkerProcesses);

  test('Map, Set, Date, BigInt, Buffer, typed arrays, undefined and shared references go there and back', async () => {
    const pool = await poolWithWorker();
    const shared = { id: 1 };
    const value = {
      map: new Map<unknown, unknown>([
        [1, 'one'],
        ['set', new Set([1n, 'a'])],
      ]),
      date: new Date(Date.UTC(2026, 11, 1)),
      big: 2n ** 70n,
      negative: -(2n ** 64n),
      buffer: Buffer.from('héllo'),
      // Past the codec's out-of-band size: sent apart from the text on a pipe.
      large: Buffer.alloc(100_000, 7),
      bytes: new Uint8Array([1, 2, 255]),
      floats: new Float64Array([0.5, NaN, -0]),
      missing: undefined,
      special: [NaN, Infinity, -0],
      text: 'ünïcödé \u0000 \ud83d\ude00',
      both: [shared, shared],
    };
    const back = (await pool.apply(tasks.echo, [value])) as typeof value;
    expect(back).toEqual(value);
    expect(back.map).toBeInstanceOf(Map);
    expect(back.map.get('set')).toBeInstanceOf(Set);
    expect(back.date).toBeInstanceOf(Date);
    expect(typeof back.big).toBe('bigint');
    expect(Buffer.isBuffer(back.buffer) && back.buffer.equals(value.buffer)).toBe(true);
    expect(Buffer.isBuffer(back.large) && back.large.equals(value.large)).toBe(true);
    expect(back.bytes).toBeInstanceOf(Uint8Array);
    expect(Buffer.isBuffer(back.bytes)).toBe(false);
    expect(Object.is(back.special[2], -0)).toBe(true);
    expect('missing' in back).toBe(true);
    expect(back.both[0]).toBe(back.both[1]);
  });

  test('map, starmap and imap carry codec values too', async () => {
    const pool = await poolWithWorker();
    const items = [new Date(0), 5n, new Map([[1, 2]]), Buffer.from([9])];
    await expect(pool.map(tasks.echo, items)).resolves.toEqual(items);
    await expect(pool.starmap(tasks.add, [[1n, 2n]])).resolves.toEqual([3n]);
    const seen: unknown[] = [];
    for await (const value of pool.imap(tasks.echo, items)) seen.push(value);
    expect(seen).toEqual(items);
  });

  test('a function as an argument fails that call with a TypeError naming it; other calls go on', async () => {
    const pool = await poolWithWorker();
    const bad = pool.apply(tasks.echo, [{ onDone: () => 1 }]);
    const good = pool.apply(tasks.square, [3]);
    await expect(bad).rejects.toBeInstanceOf(TypeError);
    await expect(bad).rejects.toThrow(/args\[0\]\.onDone.*functions cannot be sent/);
    await expect(good).resolves.toBe(9);
    // In a map, the one bad item fails the map, naming it; the pool still works.
    await expect(pool.map(tasks.echo, [1, () => 2, 3])).rejects.toThrow(/functions cannot be sent/);
    await expect(pool.apply(tasks.square, [4])).resolves.toBe(16);
  });
});
