import { describe, expect, test } from '@jest/globals';
import { IMapIterator, PoolNotRunningError, TimeoutError } from '@procpool/core';
import * as tasks from '../../fixtures/tasks.mjs';
import { kinds, makePool, makeStartPool, starts } from '../helpers/pools.js';

function* naturals(counter?: { read: number }): Generator<number> {
  for (let i = 0; ; i += 1) {
    if (counter) counter.read += 1;
    yield i;
  }
}

async function take<T>(iterator: AsyncIterable<T>, n: number): Promise<T[]> {
  const out: T[] = [];
  if (n === 0) return out;
  for await (const value of iterator) {
    out.push(value);
    if (out.length === n) break;
  }
  return out;
}

describe.each(starts)('imap under %s', (start) => {
  test('imap yields results in input order; imapUnordered yields them all', async () => {
    const pool = makeStartPool(start, { processes: 2 });
    const ordered = pool.imap(tasks.square, [1, 2, 3, 4, 5]);
    expect(ordered).toBeInstanceOf(IMapIterator);
    await expect(take(ordered, 5)).resolves.toEqual([1, 4, 9, 16, 25]);
    const unordered: number[] = [];
    for await (const value of pool.imapUnordered(tasks.square, [1, 2, 3, 4, 5], 2)) unordered.push(value);
    expect(unordered.sort((a, b) => a - b)).toEqual([1, 4, 9, 16, 25]);
  });
});

describe.each(kinds)('imap semantics (%s)', (kind) => {
  test('an infinite generator works: only a bounded window is read ahead', async () => {
    const pool = makePool(2, kind);
    const counter = { read: 0 };
    const iterator = pool.imap(tasks.square, naturals(counter), { chunksize: 1, bufferSize: 6 });
    await expect(take(iterator, 3)).resolves.toEqual([0, 1, 4]);
    // 3 consumed + at most 6 ahead.
    expect(counter.read).toBeLessThanOrEqual(9);
  });

  test('a slow consumer stops the input being read', async () => {
    const pool = makePool(2, kind);
    const counter = { read: 0 };
    const iterator = pool.imap(tasks.square, naturals(counter), { chunksize: 2, bufferSize: 4 });
    await iterator.next();
    // Give the workers every chance to run ahead; the window must hold.
    await pool.map(tasks.sleep, [50, 50]);
    expect(counter.read).toBeLessThanOrEqual(1 * 2 + 4 + 2);
    await iterator.return();
  });

  test('return() stops reading the input and ends the iteration', async () => {
    const pool = makePool(1, kind);
    const counter = { read: 0 };
    const iterator = pool.imapUnordered(tasks.square, naturals(counter), 1);
    await iterator.next();
    await iterator.return();
    const readAtStop = counter.read;
    await expect(iterator.next()).resolves.toEqual({ done: true, value: undefined });
    await pool.apply(tasks.square, [1]);
    expect(counter.read).toBe(readAtStop);
  });

  test('an input error comes after the results before it, unwrapped; the pool stays usable', async () => {
    const pool = makePool(2, kind);
    const failure = new EvalError('input broke at 3');
    function* input(): Generator<number> {
      yield 1;
      yield 2;
      yield 3;
      throw failure;
    }
    for (const ordered of [true, false]) {
      const iterator = ordered ? pool.imap(tasks.square, input(), 2) : pool.imapUnordered(tasks.square, input());
      const seen: number[] = [];
      let thrown: unknown;
      try {
        for await (const value of iterator) seen.push(value);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBe(failure);
      expect(seen.sort()).toEqual([1, 4, 9]);
    }
    await expect(pool.apply(tasks.square, [3])).resolves.toBe(9);
  });

  test('async iterables are read lazily too', async () => {
    const pool = makePool(2, kind);
    async function* input(): AsyncGenerator<number> {
      for (let i = 0; ; i += 1) {
        await new Promise((resolve) => setImmediate(resolve));
        yield i;
      }
    }
    await expect(take(pool.imap(tasks.square, input()), 4)).resolves.toEqual([0, 1, 4, 9]);
  });

  test('a failing task yields its error at its place; iteration goes on', async () => {
    const pool = makePool(2, kind);
    const iterator = pool.imap(tasks.failOn as (x: number) => number, [1, 2, 3], 1);
    await expect(iterator.next()).resolves.toEqual({ done: false, value: 1 });
    await expect(iterator.next()).resolves.toEqual({ done: false, value: 2 });
    await expect(iterator.next()).resolves.toEqual({ done: false, value: 3 });
    await expect(iterator.next()).resolves.toEqual({ done: true, value: undefined });
    const withError = pool.imap(tasks.throwTypeError, ['a', 'b']);
    await expect(withError.next()).rejects.toThrow('a');
    await expect(withError.next()).rejects.toThrow('b');
    await expect(withError.next()).resolves.toMatchObject({ done: true });
  });

  test('next(timeout) rejects with TimeoutError; the result can be asked for again', async () => {
    const pool = makePool(1, kind);
    const iterator = pool.imap(tasks.sleep, [300]);
    await expect(iterator.next(1)).rejects.toBeInstanceOf(TimeoutError);
    await expect(iterator.next(60_000)).resolves.toEqual({ done: false, value: undefined });
    await expect(iterator.next()).resolves.toMatchObject({ done: true });
  });

  test('empty input ends at once; invalid arguments throw synchronously', async () => {
    const pool = makePool(1, kind);
    await expect(pool.imap(tasks.square, []).next()).resolves.toEqual({ done: true, value: undefined });
    expect(() => pool.imap(tasks.square, [1], 0)).toThrow(
      'Expected `chunksize` to be a positive integer, got `0` (number)',
    );
    expect(() => pool.imap(tasks.square, [1], { bufferSize: 0 })).toThrow(
      'Expected `bufferSize` to be a positive integer',
    );
    expect(() => pool.imap(tasks.square, 3 as never)).toThrow('Expected `iterable`');
    pool.close();
    expect(() => pool.imapUnordered(tasks.square, [1])).toThrow(PoolNotRunningError);
  });
});
