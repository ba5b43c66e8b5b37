import { expect, test } from '@jest/globals';
import { Pool } from '@procpool/core';
import * as tasks from '../fixtures/tasks.mjs';
import { makePool } from './helpers/pools.js';

// One table pins every validation message.
test.each([
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
  [{ cwd: '' }, TypeError, 'Expected `cwd` to be a directory path, got `` (string)'],
  [{ context: 'thread' }, TypeError, "Expected `context` to be 'fork', 'spawn' or a Context, got `thread` (string)"],
  [{ initializer: [() => 1][0] }, TypeError, 'Cannot send an anonymous or bound function to a worker'],
  [{ initargs: [() => 1] }, TypeError, 'Cannot send initargs[0] to a worker: functions cannot be sent to a worker'],
  [{ processes: 1, bogus: true }, TypeError, 'Unknown pool option `bogus`'],
  ['four', TypeError, 'Expected `options` to be a number of processes or an options object, got `four` (string)'],
])('new Pool(%p) throws %p', (options, ErrorClass, message) => {
  const create = (): Pool => makePool(options as never);
  expect(create).toThrow(ErrorClass);
  expect(create).toThrow(message);
});

test("the caller's options object is not changed", async () => {
  const options = Object.freeze({ processes: 1, execArgv: Object.freeze([]) });
  const pool = makePool(options);
  expect(options).toEqual({ processes: 1, execArgv: [] });
  await pool.terminate();
});

test('a timeout to wait for a result must be a non-negative number of ms', async () => {
  const pool = makePool(1);
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
