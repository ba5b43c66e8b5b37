import { afterEach, describe, expect, test } from '@jest/globals';
import { getLogger, ProcessError, TimeoutError, type LogHandler, type LogRecord } from '@procpool/core';
import {
  BrokenExecutor,
  BrokenProcessPool,
  BrokenThreadPool,
  CancelledError,
  Future,
  InvalidStateError,
} from '@procpool/futures';
import * as tasks from '../../fixtures/futures-errors.mjs';
import { makePool } from '../helpers/pools.js';
import { cancelled, failed, pending, running, succeeded } from './make-futures.js';

const states = [
  ['pending', pending, { cancelled: false, running: false, done: false }],
  ['running', running, { cancelled: false, running: true, done: false }],
  ['cancelled', cancelled, { cancelled: true, running: false, done: true }],
  ['failed', failed, { cancelled: false, running: false, done: true }],
  ['succeeded', succeeded, { cancelled: false, running: false, done: true }],
] as const;

const logger = getLogger();
let handler: LogHandler | undefined;
afterEach(() => {
  if (handler !== undefined) logger.removeHandler(handler);
  handler = undefined;
});

/** Records what reaches the logger until the test ends. */
function logged(): LogRecord[] {
  const records: LogRecord[] = [];
  handler = (record) => records.push(record);
  logger.addHandler(handler);
  return records;
}

describe('state', () => {
  test.each(states)('a %s future', (_name, make, expected) => {
    const future = make();
    expect({ cancelled: future.cancelled(), running: future.running(), done: future.done() }).toEqual(expected);
  });

  test.each([
    ['pending', pending, true, 'cancelled'],
    ['running', running, false, 'running'],
    ['cancelled', cancelled, true, 'cancelled'],
    ['failed', failed, false, 'finished raised RangeError'],
    ['succeeded', succeeded, false, 'finished returned number'],
  ] as const)('cancel() on a %s future returns %s and leaves it %s', (_name, make, result, after) => {
    const future = make();
    expect(future.cancel()).toBe(result);
    expect(future.toString()).toBe(`<Future state=${after}>`);
  });

  test('toString() names the state, and what a finished future returned or raised', () => {
    expect(pending().toString()).toBe('<Future state=pending>');
    expect(running().toString()).toBe('<Future state=running>');
    expect(cancelled().toString()).toBe('<Future state=cancelled>');
    expect(failed(new TypeError('x')).toString()).toBe('<Future state=finished raised TypeError>');
    expect(failed(null).toString()).toBe('<Future state=finished raised null>');
    expect(succeeded(5).toString()).toBe('<Future state=finished returned number>');
  });

  test('setRunningOrNotifyCancel() starts a pending future, refuses a cancelled one, and throws otherwise', () => {
    const future = pending();
    expect(future.setRunningOrNotifyCancel()).toBe(true);
    expect(future.running()).toBe(true);
    expect(future.cancel()).toBe(false);
    expect(cancelled().setRunningOrNotifyCancel()).toBe(false);
    expect(() => future.setRunningOrNotifyCancel()).toThrow(InvalidStateError);
    expect(() => succeeded().setRunningOrNotifyCancel()).toThrow(
      'Cannot mark as running a future that is finished: <Future state=finished returned number>',
    );
  });

  test('a second setResult or setException throws InvalidStateError and keeps the first outcome', async () => {
    const future = succeeded(1);
    expect(() => future.setResult(2)).toThrow(
      new InvalidStateError(
        'Cannot set the result of a future that is finished: <Future state=finished returned number>',
      ),
    );
    expect(() => future.setException(new Error('late'))).toThrow(InvalidStateError);
    expect(await future.result()).toBe(1);

    const error = new RangeError('first');
    const failure = failed(error);
    expect(() => failure.setException(new Error('second'))).toThrow(
      'Cannot set the exception of a future that is finished: <Future state=finished raised RangeError>',
    );
    expect(await failure.exception()).toBe(error);
  });

  test('a cancelled future cannot be given a result', () => {
    expect(() => cancelled().setResult(1)).toThrow(
      'Cannot set the result of a future that is cancelled: <Future state=cancelled>',
    );
  });
});

describe('result() and exception()', () => {
  test.each([
    ['pending', pending],
    ['running', running],
  ])('on a %s future with timeout 0 reject with TimeoutError', async (_name, make) => {
    const future = make();
    await expect(future.result(0)).rejects.toThrow(TimeoutError);
    await expect(future.exception(0)).rejects.toThrow(TimeoutError);
  });

  test('on a done future they answer at once, even with timeout 0', async () => {
    const error = new RangeError('boom');
    await expect(cancelled().result(0)).rejects.toThrow(CancelledError);
    await expect(cancelled().exception(0)).rejects.toThrow(CancelledError);
    await expect(failed(error).result(0)).rejects.toBe(error);
    expect(await failed(error).exception(0)).toBe(error);
    expect(await succeeded(42).result(0)).toBe(42);
    expect(await succeeded(42).exception(0)).toBeUndefined();
  });

  test('a thrown non-Error is what result() rejects with and exception() returns', async () => {
    await expect(failed(null).result()).rejects.toBeNull();
    expect(await failed('x').exception()).toBe('x');
  });

  test('a waiting result() gets the value set later', async () => {
    const future = running();
    const result = future.result(60_000);
    const exception = future.exception();
    future.setResult(42);
    expect(await result).toBe(42);
    expect(await exception).toBeUndefined();
  });

  test('a waiting result() rejects with CancelledError when the future is cancelled', async () => {
    const future = pending();
    const result = future.result();
    const exception = future.exception(60_000);
    expect(future.cancel()).toBe(true);
    await expect(result).rejects.toThrow(new CancelledError('The future was cancelled'));
    await expect(exception).rejects.toThrow(CancelledError);
  });

  test('a waiting exception() gets the error set later', async () => {
    const future = running();
    const exception = future.exception();
    const error = new RangeError('later');
    future.setException(error);
    expect(await exception).toBe(error);
  });

  test('after a timeout the future goes on and can be waited for again', async () => {
    const future = running();
    const error = (await future.result(1).catch((e: unknown) => e)) as TimeoutError;
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error.timeout).toBe(1);
    expect(future.running()).toBe(true);
    future.setResult(7);
    expect(await future.result(1)).toBe(7);
  });

  test.each([-1, Number.NaN, '5'])('timeout %p is a RangeError', async (timeout) => {
    await expect(succeeded().result(timeout as number)).rejects.toThrow(
      new RangeError(
        `Expected \`timeout\` to be a non-negative number of ms, got \`${String(timeout)}\` (${typeof timeout})`,
      ),
    );
  });

  test('null and a timeout longer than a timer holds wait for as long as it takes', async () => {
    const future = running();
    const results = [future.result(null), future.result(2 ** 40), future.result(Infinity)];
    future.setResult(3);
    expect(await Promise.all(results)).toEqual([3, 3, 3]);
  });
});

describe('thenable', () => {
  test('awaiting a future is awaiting result()', async () => {
    const future = running();
    queueMicrotask(() => future.setResult(5));
    expect(await future).toBe(5);
    await expect(failed(new RangeError('no'))).rejects.toThrow('no');
    await expect(cancelled()).rejects.toThrow(CancelledError);
  });

  test('then, catch and finally chain as a promise does', async () => {
    const order: string[] = [];
    expect(await succeeded(2).then((v) => v * 10)).toBe(20);
    expect(await failed(new RangeError('x')).catch((e: unknown) => (e as Error).message)).toBe('x');
    expect(await succeeded(3).finally(() => order.push('finally'))).toBe(3);
    expect(order).toEqual(['finally']);
    expect(await Promise.all([succeeded(1), succeeded(2)])).toEqual([1, 2]);
  });

  test('a Future<T> is a Future<unknown> and a PromiseLike<T>', () => {
    const future: Future<number> = succeeded();
    const anyFuture: Future<unknown> = future;
    const thenable: PromiseLike<number> = future;
    expect([anyFuture, thenable]).toEqual([future, future]);
  });
});

describe('addDoneCallback', () => {
  test.each([
    ['a result', (f: Future<number>) => f.setResult(5)],
    ['an exception', (f: Future<number>) => f.setException(new RangeError('test'))],
    ['cancel()', (f: Future<number>) => f.cancel()],
  ])('is called with the future on %s, in the order added', (_name, settle) => {
    const future = pending();
    const calls: [string, Future<number>, boolean][] = [];
    future.addDoneCallback((f) => calls.push(['first', f, f.done()]));
    future.addDoneCallback((f) => calls.push(['second', f, f.done()]));
    expect(calls).toEqual([]);
    settle(future);
    expect(calls).toEqual([
      ['first', future, true],
      ['second', future, true],
    ]);
  });

  test.each([
    ['succeeded', succeeded],
    ['failed', failed],
    ['cancelled', cancelled],
  ])('on a %s future is called at once', (_name, make) => {
    const future = make();
    const calls: Future<number>[] = [];
    future.addDoneCallback((f) => calls.push(f));
    expect(calls).toEqual([future]);
  });

  test('is not called when the future starts running, and only once', () => {
    const future = pending();
    let calls = 0;
    future.addDoneCallback(() => (calls += 1));
    future.setRunningOrNotifyCancel();
    expect(calls).toBe(0);
    future.setResult(1);
    expect(() => future.setResult(2)).toThrow(InvalidStateError);
    expect(calls).toBe(1);
  });

  test('a callback that throws is logged and the others still run', () => {
    const records = logged();
    const future = pending();
    const calls: string[] = [];
    future.addDoneCallback(() => {
      calls.push('raising');
      throw new Error('doh!');
    });
    future.addDoneCallback(() => calls.push('next'));
    future.setResult(5);
    expect(calls).toEqual(['raising', 'next']);
    expect(records).toHaveLength(1);
    expect(records[0]?.level).toBe('error');
    expect(records[0]?.message).toMatch(
      /^exception calling callback for <Future state=finished returned number>: Error: doh!\n/,
    );
  });

  test('a callback that throws on an already finished future is logged, not thrown', () => {
    const records = logged();
    expect(() =>
      succeeded().addDoneCallback(() => {
        // eslint-disable-next-line @typescript-eslint/only-throw-error -- a callback may throw anything
        throw 'doh!';
      }),
    ).not.toThrow();
    expect(records.map((r) => r.message)).toEqual([
      'exception calling callback for <Future state=finished returned number>: doh!',
    ]);
  });

  test('anything but a function is a TypeError', () => {
    expect(() => pending().addDoneCallback(null as never)).toThrow(
      new TypeError('Expected `fn` to be a function, got `null` (object)'),
    );
  });
});

describe('errors', () => {
  test('each is a ProcessError with its own name; the broken pools are BrokenExecutors', () => {
    for (const [C, name] of [
      [CancelledError, 'CancelledError'],
      [InvalidStateError, 'InvalidStateError'],
      [BrokenExecutor, 'BrokenExecutor'],
      [BrokenProcessPool, 'BrokenProcessPool'],
      [BrokenThreadPool, 'BrokenThreadPool'],
    ] as const) {
      const error = new C('m');
      expect(error).toBeInstanceOf(ProcessError);
      expect(error.name).toBe(name);
    }
    expect(new BrokenProcessPool('x')).toBeInstanceOf(BrokenExecutor);
    expect(new BrokenThreadPool('x')).toBeInstanceOf(BrokenExecutor);
  });

  test.each([
    ['CancelledError', CancelledError],
    ['InvalidStateError', InvalidStateError],
    ['BrokenExecutor', BrokenExecutor],
    ['BrokenProcessPool', BrokenProcessPool],
    ['BrokenThreadPool', BrokenThreadPool],
  ])('a %s thrown in a worker comes back as its class', async (name, C) => {
    const pool = makePool(1);
    const error = (await pool
      .apply(tasks.throwFuturesError, [name, 'from the worker'])
      .catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(C);
    expect(error.message).toBe('from the worker');
  });
});
