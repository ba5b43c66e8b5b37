import { describe, expect, test } from '@jest/globals';
import { Pool } from '@procpool/core';
import * as tasks from '../fixtures/tasks.mjs';
import { kinds, makePool, type PoolKind } from './helpers/pools.js';

type Row = [unknown, typeof Error, string];

// One table pins every validation message; both kinds of pool check options alike.
const shared: Row[] = [
  [0, RangeError, 'Expected `processes` to be a positive integer, got `0` (number)'],
  [{ processes: -1 }, RangeError, 'Expected `processes` to be a positive integer, got `-1` (number)'],
  [{ processes: 1.5 }, RangeError, 'Expected `processes` to be a positive integer, got `1.5` (number)'],
  [{ processes: '2' }, TypeError, 'Expected `processes` to be a positive integer, got `2` (string)'],
  [{ maxTasksPerChild: 0 }, RangeError, 'Expected `maxTasksPerChild` to be a positive integer, got `0` (number)'],
  [{ taskTimeout: 0 }, RangeError, 'Expected `taskTimeout` to be a positive number of milliseconds, got `0` (number)'],
  [
    { maxMemoryPerChild: -5 },
    RangeError,
    'Expected `maxMemoryPerChild` to be a positive number of bytes, got `-5` (number)',
  ],
  [{ initargs: 'x' }, TypeError, 'Expected `initargs` to be an array, got `x` (string)'],
  [{ execArgv: [1] }, TypeError, 'Expected `execArgv` to be an array of strings, got `1` (object)'],
  [{ env: null }, TypeError, 'Expected `env` to be an object, got `null` (object)'],
  [{ initializer: [() => 1][0] }, TypeError, 'Cannot send an anonymous or bound function to a worker'],
  [{ initargs: [() => 1] }, TypeError, 'Cannot send initargs[0] to a worker: functions cannot be sent to a worker'],
  [{ processes: 1, bogus: true }, TypeError, 'Unknown pool option `bogus`'],
  ['four', TypeError, 'Expected `options` to be a number of processes or an options object, got `four` (string)'],
];
// A working directory and a start method are a process's; a thread has neither.
const own: Record<PoolKind, Row[]> = {
  process: [
    [{ cwd: '' }, TypeError, 'Expected `cwd` to be a directory path, got `` (string)'],
    [{ context: 'thread' }, TypeError, "Expected `context` to be 'fork', 'spawn' or a Context, got `thread` (string)"],
  ],
  thread: [
    [
      { cwd: '/' },
      TypeError,
      "Expected `cwd` to be left out of a ThreadPool (a thread shares this process's working directory), got `/` (string)",
    ],
    [
      { context: 'fork' },
      TypeError,
      'Expected `context` to be left out of a ThreadPool (threads run in this process: no start method), got `fork` (string)',
    ],
  ],
};

test.each(kinds.flatMap((kind) => [...shared, ...own[kind]].map((row) => [kind, ...row] as const)))(
  '%s pool: new (%p) throws %p',
  (kind, options, ErrorClass, message) => {
    const create = (): Pool => makePool(options as never, kind);
    expect(create).toThrow(ErrorClass);
    expect(create).toThrow(message);
  },
);

describe.each(kinds)('options and call options (%s)', (kind) => {
  test("the caller's options object is not changed", async () => {
    const options = Object.freeze({ processes: 1, execArgv: Object.freeze([]) });
    const pool = makePool(options, kind);
    expect(options).toEqual({ processes: 1, execArgv: [] });
    await pool.terminate();
  });

  // Call options take the keys their types list, and no others: a misspelt
  // option must not be ignored.
  const callback = (): void => {};
  const unknownCallOptions: Array<[keyof Pool & string, object, string]> = [
    ['apply', { timeout: 5 }, 'Unknown apply option `timeout`'],
    ['apply', { callback }, 'Unknown apply option `callback`'],
    ['apply', { chunksize: 1 }, 'Unknown apply option `chunksize`'],
    ['applyAsync', { chunksize: 1 }, 'Unknown applyAsync option `chunksize`'],
    ['map', { chunkSize: 10 }, 'Unknown map option `chunkSize`'],
    ['map', { callback }, 'Unknown map option `callback`'],
    ['map', { bufferSize: 4 }, 'Unknown map option `bufferSize`'],
    ['mapAsync', { chunkSize: 10 }, 'Unknown mapAsync option `chunkSize`'],
    ['starmap', { errorCallback: callback }, 'Unknown starmap option `errorCallback`'],
    ['starmapAsync', { bufferSize: 4 }, 'Unknown starmapAsync option `bufferSize`'],
    ['imap', { callback }, 'Unknown imap option `callback`'],
    ['imapUnordered', { chunkSize: 2 }, 'Unknown imapUnordered option `chunkSize`'],
  ];

  test('call options reject keys their call does not take', async () => {
    const pool = makePool(1, kind); // one pool for every row: none reaches a worker
    for (const [method, options, message] of unknownCallOptions) {
      const call = pool[method] as (fn: unknown, input: unknown, options: object) => unknown;
      const input = method.startsWith('apply') ? [1] : [[1]];
      // A method returning a Promise rejects; the others throw at once.
      let error: unknown;
      try {
        const result = call.call(pool, tasks.identity, input, options);
        if (result instanceof Promise) await result;
      } catch (thrown) {
        error = thrown;
      }
      expect([method, error]).toEqual([method, new TypeError(message)]);
      expect(error).toBeInstanceOf(TypeError);
    }
    // Every key a call's type lists is taken (the values are checked as before).
    const signal = new AbortController().signal;
    await expect(pool.apply(tasks.square, [2], { taskTimeout: 60_000, signal })).resolves.toBe(4);
    const async = { callback, errorCallback: callback, taskTimeout: 60_000, signal };
    await expect(pool.applyAsync(tasks.square, [2], async)).resolves.toBe(4);
    await expect(pool.map(tasks.square, [2], { chunksize: 1, taskTimeout: 60_000, signal })).resolves.toEqual([4]);
    await expect(pool.mapAsync(tasks.square, [2], { chunksize: 1, ...async })).resolves.toEqual([4]);
    await expect(pool.starmap(tasks.add, [[1, 2]], { chunksize: 1, taskTimeout: 60_000, signal })).resolves.toEqual([
      3,
    ]);
    await expect(pool.starmapAsync(tasks.add, [[1, 2]], { chunksize: 1, ...async })).resolves.toEqual([3]);
    const imap = { chunksize: 1, bufferSize: 1, taskTimeout: 60_000, signal };
    await expect(pool.imap(tasks.square, [2], imap).next()).resolves.toEqual({ done: false, value: 4 });
    await expect(pool.imapUnordered(tasks.square, [2], imap).next()).resolves.toEqual({ done: false, value: 4 });
  });

  test('a timeout to wait for a result must be a non-negative number of ms', async () => {
    const pool = makePool(1, kind);
    const message = 'Expected `timeout` to be a non-negative number of ms, got `-1`';
    const result = pool.applyAsync(tasks.square, [3]);
    await expect(result.get(-1)).rejects.toThrow(RangeError);
    await expect(result.get(-1)).rejects.toThrow(message);
    await expect(result.get(Number.NaN)).rejects.toThrow('got `NaN`');
    await expect(result.wait(-1)).resolves.toBeUndefined(); // wait() never rejects
    const iterator = pool.imap(tasks.square, [3]);
    await expect(iterator.next(-1)).rejects.toThrow(RangeError);
    await expect(iterator.next(-1)).rejects.toThrow(message);
    await expect(iterator.next('1' as never)).rejects.toThrow('got `1`');
    await expect(iterator.next()).resolves.toEqual({ done: false, value: 9 });
    await expect(result.get()).resolves.toBe(9);
  });
});
