// After CPython's test_concurrent_futures/executor.py and test_process_pool.py:
// submit, map and their failures, over real worker processes.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from '@jest/globals';
import { MaybeEncodingError, TaskTimeoutError, TimeoutError, WorkerLostError } from '@procpool/core';
import { CancelledError, Future, ProcessPoolExecutor, ThreadPoolExecutor } from '@procpool/futures';
import * as tasks from '../../fixtures/tasks.mjs';
import * as ftasks from '../../fixtures/futures-tasks.mjs';
import { kinds, makeEvent, makeExecutor, stopExecutorsAfterEach } from './executors.js';

describe.each(kinds)('%s', (kind) => {
  // A start method is a process's: threads have none to default.
  const processOnly = kind === 'ProcessPoolExecutor' ? test : test.skip;

  describe('submit', () => {
    stopExecutorsAfterEach();

    test('test_submit: a Future with the call’s value', async () => {
      const executor = makeExecutor(kind, 2);
      const future = executor.submit(tasks.add, 2, 8);
      expect(future).toBeInstanceOf(Future);
      await expect(future.result()).resolves.toBe(10);
      expect(future.done()).toBe(true);
      await expect(executor.submit(tasks.pid)).resolves.toEqual(expect.any(Number));
    });

    test("a 'module#export' string is a task too", async () => {
      const executor = makeExecutor(kind, 1);
      const module = new URL('../../fixtures/futures-tasks.mjs', import.meta.url).pathname;
      await expect(executor.submit(`${module}#mul`, 6, 7)).resolves.toBe(42);
    });

    test('an error keeps its class, message and own properties', async () => {
      const executor = makeExecutor(kind, 2);
      const error = await executor.submit(tasks.throwTypeError, 'bad input').exception();
      expect(error).toBeInstanceOf(TypeError);
      expect((error as TypeError).message).toBe('bad input');
      const quota = await executor.submit(tasks.throwQuota, 7).exception();
      expect(quota).toBeInstanceOf(tasks.QuotaError);
      expect(quota).toMatchObject({ limit: 7, message: 'over quota 7' });
    });

    test('a value that cannot travel fails its future only', async () => {
      const executor = makeExecutor(kind, 1);
      await expect(executor.submit(tasks.returnFunction)).rejects.toBeInstanceOf(MaybeEncodingError);
      await expect(executor.submit(tasks.echo, () => 1)).rejects.toThrow(TypeError);
      await expect(executor.submit(tasks.square, 4)).resolves.toBe(16);
    });

    test('a function that is no task fails its future with a TypeError saying how to fix it', async () => {
      const executor = makeExecutor(kind, 1);
      await expect(executor.submit((x: number) => x, 1)).rejects.toThrow(/taskRef/);
    });

    test('test_no_stale_references / many calls: each future gets its own value', async () => {
      const executor = makeExecutor(kind, 2);
      const futures = Array.from({ length: 200 }, (_, i) => executor.submit(tasks.square, i));
      await expect(Promise.all(futures)).resolves.toEqual(Array.from({ length: 200 }, (_, i) => i * i));
    });
  });

  describe('workers', () => {
    stopExecutorsAfterEach();

    test('none start with the executor; idle ones are reused; never more than maxWorkers', async () => {
      const executor = makeExecutor(kind, 3);
      const names = new Set<string>();
      for (let i = 0; i < 4; i += 1) names.add(await executor.submit(ftasks.workerName));
      expect(names.size).toBe(1);
      const event = makeEvent();
      const all = Array.from({ length: 12 }, () => executor.submit(ftasks.nameWhenSet, event));
      await event.set();
      const seen = new Set(await Promise.all(all));
      expect(seen.size).toBeLessThanOrEqual(3);
      expect(seen.size).toBeGreaterThanOrEqual(1);
    });

    test('test_max_tasks_per_child: a worker runs that many calls, then another takes over', async () => {
      const executor = makeExecutor(kind, { maxWorkers: 1, maxTasksPerChild: 2 });
      const names: string[] = [];
      for (let i = 0; i < 6; i += 1) names.push(await executor.submit(ftasks.workerName));
      expect(new Set(names).size).toBe(3);
      expect(names[0]).toBe(names[1]);
      expect(names[1]).not.toBe(names[2]);
    });

    processOnly('test_max_tasks_per_child defaults to spawn: the worker has no fork parent state', async () => {
      const executor = makeExecutor(kind, { maxWorkers: 1, maxTasksPerChild: 1 });
      const who = (await executor.submit(tasks.whoAmI)) as { current: { name: string }; ipc: string };
      expect(who.current.name).toMatch(/^PoolWorker-/);
      expect(who.ipc).toBe('undefined');
    });

    test('taskTimeout: a call that overruns fails with TaskTimeoutError, its worker is replaced, the executor goes on', async () => {
      // The limit counts a new worker's first import of the task module: it is roomy for the second call.
      const executor = makeExecutor(kind, { maxWorkers: 1, taskTimeout: 1500 });
      const event = makeEvent();
      await expect(executor.submit(ftasks.waitThen, event, 'never')).rejects.toBeInstanceOf(TaskTimeoutError);
      await expect(executor.submit(tasks.square, 6)).resolves.toBe(36);
    });

    test('a worker that exits mid-call fails that future with WorkerLostError, and the executor goes on', async () => {
      const executor = makeExecutor(kind, 2);
      const others = [1, 2, 3].map((x) => executor.submit(tasks.square, x));
      const lost = await executor.submit(tasks.exitNow, 3).exception();
      expect(lost).toBeInstanceOf(WorkerLostError);
      expect(lost).toMatchObject({ exitCode: 3 });
      await expect(Promise.all(others)).resolves.toEqual([1, 4, 9]);
      await expect(executor.submit(tasks.square, 5)).resolves.toBe(25);
    });
  });

  describe('cancel', () => {
    stopExecutorsAfterEach();

    test('calls still waiting in the executor can be cancelled; the ones handed to workers cannot', async () => {
      const executor = makeExecutor(kind, 1);
      const event = makeEvent();
      // One worker: two calls are handed to it (its call queue is maxWorkers + 1), three wait.
      const futures = [1, 2, 3, 4, 5].map((x) => executor.submit(ftasks.waitThen, event, x));
      expect(futures.map((f) => f.running())).toEqual([true, true, false, false, false]);
      expect(futures.map((f) => f.cancel())).toEqual([false, false, true, true, true]);
      await event.set();
      await expect(Promise.all(futures.slice(0, 2))).resolves.toEqual([1, 2]);
      await expect(futures[2]?.result()).rejects.toBeInstanceOf(CancelledError);
      expect(futures.map((f) => f.cancelled())).toEqual([false, false, true, true, true]);
    });
  });

  describe('map', () => {
    stopExecutorsAfterEach();

    test('test_map: results in input order, over several iterables zipped to the shortest', async () => {
      const executor = makeExecutor(kind, 3);
      const out: number[] = [];
      for await (const v of executor.map(ftasks.mul, [1, 2, 3, 4], [10, 20, 30])) out.push(v);
      expect(out).toEqual([10, 40, 90]);
    });

    test.each([1, 2, 5, 100])('chunksize %i gives the same results', async (chunksize) => {
      const executor = makeExecutor(kind, 2);
      const out = await collect(executor.map(tasks.square, range(23), { chunksize }));
      expect(out).toEqual(range(23).map((x) => x * x));
    });

    test('async iterables are read too', async () => {
      const executor = makeExecutor(kind, 2);
      async function* numbers(): AsyncGenerator<number> {
        for (let i = 1; i <= 5; i += 1) {
          await new Promise((resolve) => setImmediate(resolve));
          yield i;
        }
      }
      const out = await collect(executor.map(ftasks.mul, numbers(), [2, 2, 2, 2, 2, 2], { chunksize: 2 }));
      expect(out).toEqual([2, 4, 6, 8, 10]);
    });

    test('test_map_exception: the error is thrown at its position, after the results before it', async () => {
      const executor = makeExecutor(kind, 1);
      const got: number[] = [];
      await expect(collectInto(executor.map(tasks.failOn, [1, 2, 3, 4, 5], [3, 3, 3, 3, 3]), got)).rejects.toThrow(
        new RangeError('item 3 is bad'),
      );
      expect(got).toEqual([1, 2]);
    });

    test('return() cancels the calls not yet handed to a worker', async () => {
      const executor = makeExecutor(kind, 1);
      const event = makeEvent();
      const dir = tempDir();
      const gate = executor.submit(ftasks.waitThen, event, 0);
      const results = executor.map(ftasks.record, Array(10).fill(dir), range(10));
      // The gate and the first call are with the worker; nine wait in the executor.
      await results.return?.();
      await event.set();
      await gate;
      await executor.shutdown();
      expect(readdirSync(dir)).toEqual(['0']);
    });

    test('test_map_timeout: the timeout counts from the call; the rest are cancelled', async () => {
      const executor = makeExecutor(kind, 1);
      const event = makeEvent();
      const results = executor.map(ftasks.waitThen, [event, event, event], [1, 2, 3], { timeout: 50 });
      await expect(results.next()).rejects.toBeInstanceOf(TimeoutError);
      await expect(results.next()).resolves.toEqual({ done: true, value: undefined });
      await event.set();
      await expect(executor.submit(tasks.square, 3)).resolves.toBe(9);
    });

    test('test_map_buffersize_on_infinite_iterable: only buffersize chunks are read ahead', async () => {
      const executor = makeExecutor(kind, 2);
      let read = 0;
      let closed = false;
      function* naturals(): Generator<number> {
        try {
          for (let i = 0; ; i += 1) {
            read = i + 1;
            yield i;
          }
        } finally {
          closed = true;
        }
      }
      const out: number[] = [];
      for await (const v of executor.map(tasks.square, naturals(), { buffersize: 3, chunksize: 2 })) {
        out.push(v);
        if (out.length === 10) break;
      }
      expect(out).toEqual(range(10).map((x) => x * x));
      // Five chunks of two were consumed; at most three more were submitted ahead.
      expect(read).toBeLessThanOrEqual(10 + 3 * 2);
      expect(closed).toBe(true);
    });

    test('test_map_buffersize_when_empty and an input that ends early', async () => {
      const executor = makeExecutor(kind, 1);
      expect(await collect(executor.map(tasks.square, [], { buffersize: 2 }))).toEqual([]);
      expect(await collect(executor.map(tasks.square, [1, 2, 3], { buffersize: 10 }))).toEqual([1, 4, 9]);
    });

    test('an error thrown by the input is thrown after the results before it', async () => {
      const executor = makeExecutor(kind, 2);
      function* broken(): Generator<number> {
        yield 1;
        yield 2;
        throw new SyntaxError('input broke');
      }
      const got: number[] = [];
      await expect(collectInto(executor.map(tasks.square, broken()), got)).rejects.toThrow(
        new SyntaxError('input broke'),
      );
      expect(got).toEqual([1, 4]);
    });

    test('test_map_buffersize_validation and other bad arguments: errors naming them', () => {
      const executor = makeExecutor(kind, 1);
      expect(() => executor.map(tasks.square, [1], { buffersize: 0 })).toThrow(
        new RangeError('Expected `buffersize` to be a positive integer, got `0` (number)'),
      );
      expect(() => executor.map(tasks.square, [1], { buffersize: 1.5 })).toThrow(RangeError);
      expect(() => executor.map(tasks.square, [1], { buffersize: '2' as unknown as number })).toThrow(
        new TypeError('Expected `buffersize` to be a positive integer, got `2` (string)'),
      );
      expect(() => executor.map(tasks.square, [1], { chunksize: 0 })).toThrow(
        new RangeError('Expected `chunksize` to be a positive integer, got `0` (number)'),
      );
      expect(() => executor.map(tasks.square, [1], { timeout: -1 })).toThrow(RangeError);
      expect(() => executor.map(tasks.square, 5 as unknown as number[])).toThrow(
        'Expected `iterables[0]` to be an iterable or async iterable, got `5` (number)',
      );
      expect(() => executor.map(tasks.square, [1], { chunkSize: 2 } as object)).toThrow(
        'Unknown map option `chunkSize`',
      );
    });
  });
});

describe('construction', () => {
  stopExecutorsAfterEach();

  test('test_max_workers_negative and friends: maxWorkers below 1 or not an integer', () => {
    expect(() => new ProcessPoolExecutor(0)).toThrow(
      new RangeError('Expected `maxWorkers` to be a positive integer, got `0` (number)'),
    );
    expect(() => new ProcessPoolExecutor({ maxWorkers: -1 })).toThrow(RangeError);
    expect(() => new ProcessPoolExecutor({ maxWorkers: 1.5 })).toThrow(RangeError);
    expect(() => new ProcessPoolExecutor({ maxWorkers: '2' as unknown as number })).toThrow(TypeError);
    expect(() => new ProcessPoolExecutor({ maxWorkers: 1, bogus: 1 } as object)).toThrow(
      'Unknown executor option `bogus`',
    );
    expect(() => new ProcessPoolExecutor({ maxTasksPerChild: 0 })).toThrow(RangeError);
    expect(() => new ThreadPoolExecutor(0)).toThrow(
      new RangeError('Expected `maxWorkers` to be a positive integer, got `0` (number)'),
    );
    expect(() => new ThreadPoolExecutor({ maxWorkers: 2, mpContext: 'spawn' } as object)).toThrow(
      'Expected `mpContext` to be left out of a ThreadPoolExecutor (threads have no start method), got `spawn` (string)',
    );
  });
});

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'procpool-executor-'));
  dirs.push(dir);
  return dir;
}

async function collect<T>(results: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  await collectInto(results, out);
  return out;
}

async function collectInto<T>(results: AsyncIterable<T>, into: T[]): Promise<void> {
  for await (const v of results) into.push(v);
}
