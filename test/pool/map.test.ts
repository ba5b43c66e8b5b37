import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, jest, test } from '@jest/globals';
import { PoolNotRunningError } from '@procpool/core';
import { workerName } from '../../fixtures/kind-tasks.mjs';
import * as tasks from '../../fixtures/tasks.mjs';
import { kinds, makePool, makeStartPool, starts } from '../helpers/pools.js';
import { tempDir } from '../helpers/temp.js';

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

describe.each(starts)('map under %s', (start) => {
  test('map keeps input order, with default and explicit chunksize', async () => {
    const pool = makeStartPool(start, { processes: 2 });
    await expect(pool.map(tasks.square, range(1000))).resolves.toEqual(range(1000).map((x) => x * x));
    await expect(pool.map(tasks.square, range(10), 3)).resolves.toEqual(range(10).map((x) => x * x));
    await expect(pool.map(tasks.asyncSquare, new Set([1, 2, 3]))).resolves.toEqual([1, 4, 9]);
  });

  // The parent joins the chunks' values in input order once all have arrived,
  // whatever order they arrived in: with one concat for a few chunks, copied
  // one by one for thousands of one-item chunks.
  test('chunks answered out of order, few or many, give the values in input order', async () => {
    const pool = makeStartPool(start, { processes: 2 });
    const sleeps = range(8).map((i) => [(8 - i) * 5, i] as [number, number]);
    await expect(pool.starmap(tasks.sleep, sleeps, 1)).resolves.toEqual(range(8));
    await expect(pool.map(tasks.square, range(5000), 1)).resolves.toEqual(range(5000).map((x) => x * x));
    await expect(pool.map(tasks.echo, [[1], [2, [3]], []], 1)).resolves.toEqual([[1], [2, [3]], []]);
  });

  test('starmap spreads each argument list', async () => {
    const pool = makeStartPool(start, { processes: 2 });
    await expect(
      pool.starmap(tasks.add, [
        [1, 2],
        [3, 4],
        [5, 6],
      ]),
    ).resolves.toEqual([3, 7, 11]);
    await expect(pool.starmapAsync(tasks.add, [[1, 1]], { chunksize: 1 }).get()).resolves.toEqual([2]);
  });
});

describe.each(kinds)('map semantics (%s)', (kind) => {
  test('a chunk mixing values, promises and thenables answers in order; a rejection midway fails the chunk', async () => {
    const pool = makePool(1, kind);
    const items = range(12).map((x) => [x, -1] as [number, number]);
    await expect(pool.starmap(tasks.mixedSquare, items, 12)).resolves.toEqual(range(12).map((x) => x * x));
    items[7] = [7, 7];
    await expect(pool.starmap(tasks.mixedSquare, items, 12)).rejects.toThrow('item 7 is bad');
    // The worker goes on with the next task.
    await expect(pool.starmap(tasks.mixedSquare, items.slice(0, 6), 6)).resolves.toEqual([0, 1, 4, 9, 16, 25]);
  });

  test('map and imap call the task with each item as its one argument (lists, undefined and null too)', async () => {
    const pool = makePool(1, kind);
    const items = [[1, 2], 'a', undefined, [], null];
    const expected = items.map((item) => [item]);
    await expect(pool.map(tasks.identity, items, 5)).resolves.toEqual(expected);
    await expect(pool.map(tasks.asyncSquare, [1, 2, 3], 3)).resolves.toEqual([1, 4, 9]);
    const seen: unknown[] = [];
    for await (const value of pool.imap(tasks.identity, items, 2)) seen.push(value);
    expect(seen).toEqual(expected);
  });

  test('default chunksize is ceil(n / (4 × processes)): one message per chunk', async () => {
    const pool = makePool({ processes: 2, maxTasksPerChild: 1 }, kind);
    // With maxTasksPerChild 1 every chunk runs on its own worker: 9 items, 2 workers → chunks of 2 → 5 workers.
    const names = await pool.map(workerName, range(9));
    expect(new Set(names).size).toBe(5);
    expect(names[0]).toBe(names[1]);
    expect(names[1]).not.toBe(names[2]);
  });

  test('empty input resolves to [] at once, also with an explicit chunksize', async () => {
    const pool = makePool(1, kind);
    await expect(pool.map(tasks.square, [])).resolves.toEqual([]);
    await expect(pool.map(tasks.square, [], 5)).resolves.toEqual([]);
    await expect(pool.starmap(tasks.add, [])).resolves.toEqual([]);
    await expect(pool.mapAsync(tasks.square, []).get()).resolves.toEqual([]);
  });

  test('an error thrown by the input reaches the caller unwrapped, and the pool stays usable', async () => {
    const pool = makePool(1, kind);
    const failure = new SyntaxError('input broke');
    function* input(): Generator<number> {
      yield 1;
      throw failure;
    }
    await expect(pool.map(tasks.square, input())).rejects.toBe(failure);
    expect(() => pool.mapAsync(tasks.square, input())).toThrow(failure);
    async function* asyncInput(): AsyncGenerator<number> {
      yield 1;
      throw failure;
    }
    await expect(pool.map(tasks.square, asyncInput())).rejects.toBe(failure);
    await expect(pool.map(tasks.square, [4])).resolves.toEqual([16]);
  });

  test('async iterables are read to the end first', async () => {
    const pool = makePool(2, kind);
    async function* input(): AsyncGenerator<number> {
      for (let i = 0; i < 5; i += 1) yield i;
    }
    await expect(pool.map(tasks.square, input())).resolves.toEqual([0, 1, 4, 9, 16]);
  });

  test('map settles only after every chunk finished, with the first error, reported once', async () => {
    const pool = makePool(2, kind);
    const file = path.join(tempDir(), 'slow-chunk');
    const callback = jest.fn();
    const errorCallback = jest.fn();
    const result = pool.starmapAsync(
      tasks.failOrTouch,
      [
        [null, 0],
        [file, 300],
      ],
      { chunksize: 1, callback, errorCallback },
    );
    await expect(result.get()).rejects.toThrow('fail fast');
    // Not fail-fast: the slow chunk had finished (and written its file) before the rejection.
    expect(existsSync(file)).toBe(true);
    expect(errorCallback).toHaveBeenCalledTimes(1);
    expect(callback).not.toHaveBeenCalled();
  });

  test('a chunk with an argument that cannot be sent fails alone, naming the item', async () => {
    const pool = makePool(2, kind);
    const items = [1, 2, { onDone: () => 1 }, 4];
    await expect(pool.map(tasks.echo, items, 1)).rejects.toThrow(
      'Cannot send items[2].onDone to a worker: functions cannot be sent to a worker',
    );
    // Inside a chunk of several (a map chunk sends its items as they are), and through imap.
    await expect(pool.map(tasks.echo, [0, ...items], 4)).rejects.toThrow('Cannot send items[3].onDone');
    const iterator = pool.imap(tasks.echo, items, 4);
    await expect(iterator.next()).rejects.toThrow('Cannot send items[2].onDone');
    await expect(
      pool.starmap(
        tasks.add,
        [
          [1, 2],
          [3, Symbol('s')],
        ],
        1,
      ),
    ).rejects.toThrow('items[1][1]');
    await expect(pool.map(tasks.square, [5])).resolves.toEqual([25]);
  });

  test('chunksize must be a positive integer', async () => {
    const pool = makePool(1, kind);
    await expect(pool.map(tasks.square, [1], 0)).rejects.toThrow(
      'Expected `chunksize` to be a positive integer, got `0` (number)',
    );
    await expect(pool.map(tasks.square, [1], 1.5)).rejects.toBeInstanceOf(RangeError);
    expect(() => pool.mapAsync(tasks.square, [1], { chunksize: -1 })).toThrow(RangeError);
    await expect(pool.map(tasks.square, 5 as never)).rejects.toThrow(
      'Expected `iterable` to be an iterable or async iterable',
    );
  });

  test('a closed pool refuses map', async () => {
    const pool = makePool(1, kind);
    pool.close();
    await expect(pool.map(tasks.square, [1])).rejects.toBeInstanceOf(PoolNotRunningError);
    expect(() => pool.starmapAsync(tasks.add, [[1, 2]])).toThrow(PoolNotRunningError);
  });
});
