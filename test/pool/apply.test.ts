import { describe, expect, jest, test } from '@jest/globals';
import { AsyncResult, PoolNotRunningError, ProcessError, TimeoutError } from '@procpool/core';
import { workerName } from '../../fixtures/kind-tasks.mjs';
import * as tasks from '../../fixtures/tasks.mjs';
import { kinds, makePool, makeStartPool, starts } from '../helpers/pools.js';

describe.each(starts)('apply under %s', (start) => {
  test('apply runs a sync task and an async task in a worker', async () => {
    const pool = makeStartPool(start, { processes: 2 });
    await expect(pool.apply(tasks.square, [7])).resolves.toBe(49);
    await expect(pool.apply(tasks.asyncSquare, [8])).resolves.toBe(64);
    await expect(pool.apply(workerName)).resolves.toMatch(/^PoolWorker-\d+$/);
  });

  test('values keep their types across the pipe', async () => {
    const pool = makeStartPool(start, { processes: 1 });
    const cyclic: { self?: unknown; n: bigint } = { n: 10n ** 30n };
    cyclic.self = cyclic;
    const value = {
      date: new Date(0),
      map: new Map([[1, 'one']]),
      set: new Set(['a']),
      regexp: /x+/gi,
      buffer: Buffer.from('bytes'),
      typed: new Float64Array([1.5, -0]),
      nothing: undefined,
      nan: Number.NaN,
      cyclic,
      error: new RangeError('as a value'),
    };
    const back = (await pool.apply(tasks.echo, [value])) as typeof value;
    expect(back.date).toEqual(new Date(0));
    expect(back.map.get(1)).toBe('one');
    expect(back.set.has('a')).toBe(true);
    expect(back.regexp.flags).toBe('gi');
    expect(Buffer.isBuffer(back.buffer) && back.buffer.toString()).toBe('bytes');
    expect(back.typed).toEqual(new Float64Array([1.5, -0]));
    expect('nothing' in back && back.nothing === undefined).toBe(true);
    expect(back.nan).toBeNaN();
    expect(back.cyclic.self).toBe(back.cyclic);
    expect(back.cyclic.n).toBe(10n ** 30n);
    expect(back.error).toBeInstanceOf(RangeError);
    expect(back.error.message).toBe('as a value');
  });
});

describe.each(kinds)('large payloads (%s)', (kind) => {
  test('multi-megabyte strings, Buffers and byte arrays go there and back intact', async () => {
    const pool = makePool(2, kind);
    const text = 'é✓x'.repeat(1_000_000);
    const buffer = Buffer.alloc(8 * 1024 * 1024, 5);
    const bytes = new Uint8Array(3 * 1024 * 1024).fill(7);
    const back = (await pool.apply(tasks.echo, [{ text, buffer, bytes, nested: [text] }])) as {
      text: string;
      buffer: Buffer;
      bytes: Uint8Array;
      nested: string[];
    };
    expect(back.text).toBe(text);
    expect(back.nested[0]).toBe(text);
    expect(Buffer.isBuffer(back.buffer) && back.buffer.equals(buffer)).toBe(true);
    expect(back.bytes).toBeInstanceOf(Uint8Array);
    expect(back.bytes.length).toBe(bytes.length);
    expect(back.bytes.every((b) => b === 7)).toBe(true);
  });
});

describe.each(kinds)('applyAsync and AsyncResult (%s)', (kind) => {
  test('is thenable, and get() returns the value', async () => {
    const pool = makePool(1, kind);
    const result = pool.applyAsync(tasks.add, [2, 3]);
    expect(result).toBeInstanceOf(AsyncResult);
    expect(await result).toBe(5);
    await expect(result.get()).resolves.toBe(5);
    expect(result.ready()).toBe(true);
    expect(result.successful()).toBe(true);
  });

  test('successful() throws while not ready; ready() is false', async () => {
    const pool = makePool(1, kind);
    const result = pool.applyAsync(tasks.sleep, [200, 'late']);
    expect(result.ready()).toBe(false);
    expect(() => result.successful()).toThrow(ProcessError);
    await result.wait();
    expect(result.successful()).toBe(true);
  });

  test('get(timeout) only stops waiting: the task goes on and get() works again', async () => {
    const pool = makePool(1, kind);
    const result = pool.applyAsync(tasks.sleep, [300, 'done']);
    await expect(result.get(1)).rejects.toBeInstanceOf(TimeoutError);
    expect(result.ready()).toBe(false);
    await expect(result.get(60_000)).resolves.toBe('done');
  });

  test('wait(timeout) resolves after the timeout without the result', async () => {
    const pool = makePool(1, kind);
    const result = pool.applyAsync(tasks.sleep, [300, 'done']);
    await expect(result.wait(1)).resolves.toBeUndefined();
    expect(result.ready()).toBe(false);
    await result.wait();
    expect(result.ready()).toBe(true);
  });

  test('callback gets the value once; errorCallback is not called', async () => {
    const pool = makePool(1, kind);
    const callback = jest.fn();
    const errorCallback = jest.fn();
    await pool.applyAsync(tasks.square, [3], { callback, errorCallback });
    expect(callback).toHaveBeenCalledTimes(1);
    expect(callback).toHaveBeenCalledWith(9);
    expect(errorCallback).not.toHaveBeenCalled();
  });

  test('errorCallback gets the error once; an unread failure does not crash', async () => {
    const pool = makePool(1, kind);
    const callback = jest.fn();
    const errorCallback = jest.fn();
    const result = pool.applyAsync(tasks.throwTypeError, ['nope'], { callback, errorCallback });
    await result.wait();
    expect(callback).not.toHaveBeenCalled();
    expect(errorCallback).toHaveBeenCalledTimes(1);
    expect(errorCallback.mock.calls[0]?.[0]).toBeInstanceOf(TypeError);
    expect(result.successful()).toBe(false);
  });

  test('invalid arguments and a closed pool throw synchronously', () => {
    const pool = makePool(1, kind);
    expect(() => pool.applyAsync(tasks.square, 5 as never)).toThrow(
      'Expected `args` to be an array of arguments, got `5` (number)',
    );
    expect(() => pool.applyAsync(tasks.square, [1], { callback: 'x' as never })).toThrow(
      'Expected `callback` to be a function, got `x` (string)',
    );
    pool.close();
    expect(() => pool.applyAsync(tasks.square, [1])).toThrow(PoolNotRunningError);
  });

  test('apply reports invalid arguments by rejecting', async () => {
    const pool = makePool(1, kind);
    await expect(pool.apply(tasks.square, 5 as never)).rejects.toThrow(TypeError);
    await pool.terminate();
    await expect(pool.apply(tasks.square, [1])).rejects.toBeInstanceOf(PoolNotRunningError);
  });
});
