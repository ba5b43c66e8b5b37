import { describe, expect, test } from '@jest/globals';
import { MaybeEncodingError, RemoteTraceback, currentProcess } from '@procpool/core';
import { workerName } from '../../fixtures/kind-tasks.mjs';
import * as tasks from '../../fixtures/tasks.mjs';
import { kindOf, kinds, makePool, makeStartPool, starts } from '../helpers/pools.js';

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe.each(starts)('remote errors under %s', (start) => {
  test('a built-in error comes back as the same class, with the worker stack, a worker line and the caller frames', async () => {
    const pool = makeStartPool(start, { processes: 1 });
    const error = (await rejection(pool.apply(tasks.throwTypeError, ['bad input']))) as TypeError;
    expect(error).toBeInstanceOf(TypeError);
    expect(error.name).toBe('TypeError');
    expect(error.message).toBe('bad input');
    const lines = String(error.stack).split('\n');
    expect(lines[0]).toBe('TypeError: bad input');
    expect(lines[1]).toMatch(/at throwTypeError .*fixtures\/tasks\.mjs/);
    const marker = lines.findIndex((line) => line.includes('--- above: PoolWorker-'));
    expect(marker).toBeGreaterThan(1);
    // The worker line names the worker and where it ran: its pid, or its thread (whose pid is ours).
    expect(lines[marker]).toMatch(
      kindOf(start) === 'thread' ? /PoolWorker-\d+ \(thread \d+\)/ : /PoolWorker-\d+ \(pid \d+\)/,
    );
    // Above the marker, only the task's own frames: none of the worker's machinery.
    for (const line of lines.slice(1, marker)) expect(line).toMatch(/fixtures\/tasks\.mjs/);
    expect(lines.slice(marker + 1).join('\n')).toContain('remote-errors.test.ts');
    expect(String(error.stack)).not.toMatch(/bootstrap\/(main|thread)\./);
    const tb = (error as TypeError & { remoteTraceback: RemoteTraceback }).remoteTraceback;
    expect(tb).toBeInstanceOf(RemoteTraceback);
    expect(tb.tb).toContain('at throwTypeError');
    expect(tb.workerName).toMatch(/^PoolWorker-\d+$/);
    // A thread's pid is ours; a process's is its own.
    expect(tb.pid === currentProcess().pid).toBe(kindOf(start) === 'thread');
    expect(Object.keys(error)).not.toContain('remoteTraceback');
  });
});

describe.each(kinds)('remote errors (%s)', (kind) => {
  test('code, own properties and the cause chain are kept', async () => {
    const pool = makePool(1, kind);
    const error = (await rejection(pool.apply(tasks.throwWithCause))) as Error & {
      code: string;
      details: unknown;
      cause: RangeError & { code: string };
    };
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toBe('outer failure');
    expect(error.code).toBe('E_OUTER');
    expect(error.details).toEqual({ attempt: 3, tags: ['a', 'b'] });
    expect(error.cause).toBeInstanceOf(RangeError);
    expect(error.cause.message).toBe('root cause');
    expect(error.cause.code).toBe('E_ROOT');
    expect(Object.getOwnPropertyDescriptor(error, 'cause')?.enumerable).toBe(false);
  });

  test('AggregateError keeps its errors', async () => {
    const pool = makePool(1, kind);
    const error = (await rejection(pool.apply(tasks.throwAggregate))) as AggregateError;
    expect(error).toBeInstanceOf(AggregateError);
    expect(error.errors.map((e: Error) => e.constructor.name)).toEqual(['TypeError', 'RangeError']);
    expect(error.errors.map((e: Error) => e.message)).toEqual(['one', 'two']);
  });

  test('a class registered with registerErrorClass comes back as that class, without running its constructor', async () => {
    const pool = makePool(1, kind);
    const error = (await rejection(pool.apply(tasks.throwQuota, [7]))) as InstanceType<typeof tasks.QuotaError>;
    expect(error).toBeInstanceOf(tasks.QuotaError);
    expect(error.message).toBe('over quota 7');
    expect(error.limit).toBe(7);
  });

  test.each([
    ['throw null', tasks.throwNull, null],
    ["throw 'x'", tasks.throwString, 'x'],
    ['throw {code: 1}', tasks.throwObject, { code: 1 }],
  ])('%s rejects with that value', async (_name, fn, value) => {
    const pool = makePool(1, kind);
    await expect(pool.apply(fn as () => unknown)).rejects.toEqual(value);
  });

  test('a result that cannot be sent rejects with MaybeEncodingError; the worker survives', async () => {
    const pool = makePool(1, kind);
    const worker = await pool.apply(workerName);
    const error = (await rejection(pool.apply(tasks.returnFunction))) as MaybeEncodingError;
    expect(error).toBeInstanceOf(MaybeEncodingError);
    expect(error.message).toMatch(/^Error sending result: '\[Function.*\]'\. Reason: '.*functions cannot be sent/);
    expect(error.value).toContain('Function');
    expect(error.exc).toContain('functions cannot be sent back to the parent');
    // The direction is the worker's answer, not the parent's call.
    expect(error.exc).not.toContain('to a worker');
    await expect(pool.apply(workerName)).resolves.toBe(worker);
  });

  test('a result or thrown value that cannot be sent names the way back to the parent, and what to return', async () => {
    const pool = makePool(1, kind);
    const instance = (await rejection(pool.apply(tasks.returnInstance))) as MaybeEncodingError;
    expect(instance).toBeInstanceOf(MaybeEncodingError);
    expect(instance.value).toContain('Unregistered');
    expect(instance.exc).toBe(
      'instances of Unregistered cannot be sent back to the parent; return plain objects, arrays, Map, Set, ' +
        'Date, typed arrays or Errors, or register the class with registerType() (at result.nested[0])',
    );
    const thrown = (await rejection(pool.apply(tasks.throwFunction))) as MaybeEncodingError;
    expect(thrown).toBeInstanceOf(MaybeEncodingError);
    expect(thrown.exc).toBe('functions cannot be sent back to the parent; a task must return (or throw) data');
  });

  test('an argument that cannot be sent fails only its own task, naming where it is', async () => {
    const pool = makePool(1, kind);
    const bad = pool.apply(tasks.echo, [{ onDone: () => 1 }]);
    const good = pool.apply(tasks.square, [3]);
    await expect(bad).rejects.toThrow('Cannot send args[0].onDone to a worker: functions cannot be sent to a worker');
    await expect(bad).rejects.toBeInstanceOf(TypeError);
    await expect(good).resolves.toBe(9);
    class Point {
      x = 1;
    }
    await expect(pool.apply(tasks.identity, [1, [new Point()]])).rejects.toThrow(
      'Cannot send args[1][0] to a worker: instances of Point cannot be sent to a worker',
    );
  });

  test('apply, get() and awaiting an AsyncResult add the frames of the functions awaiting them, without Node internals', async () => {
    const pool = makePool(1, kind);
    async function awaitsOne(): Promise<unknown> {
      return await pool.applyAsync(tasks.throwTypeError, ['one']).get();
    }
    async function awaitsAll(): Promise<unknown> {
      return await Promise.all([
        pool.applyAsync(tasks.square, [2]).get(),
        pool.applyAsync(tasks.throwTypeError, ['all']).get(),
      ]);
    }
    async function awaitsTheResult(): Promise<unknown> {
      return await pool.applyAsync(tasks.throwTypeError, ['thenable']);
    }
    async function awaitsApply(): Promise<unknown> {
      return await pool.apply(tasks.throwTypeError, ['apply']);
    }
    for (const [awaiting, name] of [
      [awaitsOne, 'awaitsOne'],
      [awaitsAll, 'awaitsAll'],
      [awaitsTheResult, 'awaitsTheResult'],
      [awaitsApply, 'awaitsApply'],
    ] as const) {
      const stack = String(((await rejection(awaiting())) as Error).stack);
      const callerPart = stack.slice(stack.indexOf('--- above: PoolWorker-'));
      expect(callerPart).toMatch(new RegExp(`at (async )?${name} `));
      expect(callerPart).toContain('remote-errors.test.ts');
      expect(callerPart).not.toContain('node:internal');
      expect(callerPart).not.toContain('async-result');
    }
  });

  test('applyAsync with an errorCallback: the error carries the frames that submitted the task', async () => {
    const pool = makePool(1, kind);
    function submitsWithCallback(): Promise<unknown> {
      return new Promise((resolve) => {
        pool.applyAsync(tasks.throwTypeError, ['cb'], { errorCallback: resolve });
      });
    }
    const stack = String(((await submitsWithCallback()) as Error).stack);
    expect(stack.slice(stack.indexOf('--- above: PoolWorker-'))).toContain('at submitsWithCallback ');
  });

  test('a local error (bad argument) ends with the caller frames, not pool internals', async () => {
    const pool = makePool(1, kind);
    const error = (await rejection(pool.apply(tasks.echo, [Symbol('s')]))) as Error;
    expect(String(error.stack)).toContain('remote-errors.test.ts');
    expect(String(error.stack)).not.toContain('scheduler.js');
  });
});
