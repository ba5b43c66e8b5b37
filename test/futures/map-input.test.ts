// Review of executor.map's reading of its input: what is read before an input
// throws still runs, and an endless input without buffersize neither blocks
// the event loop nor grows without a word.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, test } from '@jest/globals';
import { CancelledError } from '@procpool/futures';
import * as ftasks from '../../fixtures/futures-tasks.mjs';
import * as tasks from '../../fixtures/tasks.mjs';
import { kinds, makeEvent, makeExecutor, stopExecutorsAfterEach } from './executors.js';

const run = promisify(execFile);
const readAhead = fileURLToPath(new URL('../../fixtures/futures-read-ahead.mjs', import.meta.url));

describe.each(kinds)('%s map input', (kind) => {
  stopExecutorsAfterEach();

  test('an input that throws inside a chunk: the calls read before it run, the error comes after them', async () => {
    const executor = makeExecutor(kind, 2);
    function* broken(): Generator<number> {
      yield 1;
      yield 2;
      yield 3;
      throw new SyntaxError('input broke');
    }
    async function* brokenAsync(): AsyncGenerator<number> {
      yield* broken();
    }
    for (const input of [broken(), brokenAsync()]) {
      const got: number[] = [];
      await expect(collectInto(executor.map(tasks.square, input, { chunksize: 2 }), got)).rejects.toThrow(
        new SyntaxError('input broke'),
      );
      expect(got).toEqual([1, 4, 9]);
    }
  });

  test('an endless sync input without buffersize: map returns, results flow, and a break stops the reading', async () => {
    const executor = makeExecutor(kind, 2);
    let closed = false;
    function* naturals(): Generator<number> {
      try {
        for (let i = 0; ; i += 1) yield i;
      } finally {
        closed = true;
      }
    }
    const out: number[] = [];
    for await (const value of executor.map(tasks.square, naturals())) {
      out.push(value);
      if (out.length === 5) break;
    }
    expect(out).toEqual([0, 1, 4, 9, 16]);
    expect(closed).toBe(true);
  });

  test('an endless async input that never waits, without buffersize: results flow and a break stops the reading', async () => {
    const executor = makeExecutor(kind, 2);
    let closed = false;
    async function* naturals(): AsyncGenerator<number> {
      try {
        for (let i = 0; ; i += 1) yield i;
      } finally {
        closed = true;
      }
    }
    const out: number[] = [];
    for await (const value of executor.map(tasks.square, naturals())) {
      out.push(value);
      if (out.length === 5) break;
    }
    expect(out).toEqual([0, 1, 4, 9, 16]);
    await executor.shutdown();
    expect(closed).toBe(true);
  });

  test('an input of exactly one batch and one more ends (the last read finds only the end)', async () => {
    const executor = makeExecutor(kind, 2);
    function* upTo(n: number): Generator<number> {
      for (let i = 0; i < n; i += 1) yield i;
    }
    for (const n of [256, 257, 600]) {
      const got: number[] = [];
      await collectInto(executor.map(tasks.square, upTo(n)), got);
      expect(got).toHaveLength(n);
    }
  });

  test('a map without buffersize then shutdown(): every call of its input runs, as CPython submits them all in map()', async () => {
    const executor = makeExecutor(kind, 2);
    function* upTo(n: number): Generator<number> {
      for (let i = 0; i < n; i += 1) yield i;
    }
    async function* upToAsync(n: number): AsyncGenerator<number> {
      yield* upTo(n);
    }
    const sync = executor.map(tasks.square, upTo(600));
    const async = executor.map(tasks.square, upToAsync(20));
    await executor.shutdown();
    const got: number[] = [];
    await collectInto(sync, got);
    expect(got).toEqual(Array.from({ length: 600 }, (_, i) => i * i));
    const gotAsync: number[] = [];
    await collectInto(async, gotAsync);
    expect(gotAsync).toEqual(Array.from({ length: 20 }, (_, i) => i * i));
  });

  test('shutdown({ cancelFutures }) stops a map without buffersize reading an endless input', async () => {
    const executor = makeExecutor(kind, 2);
    let closed = false;
    function* naturals(): Generator<number> {
      try {
        for (let i = 0; ; i += 1) yield i;
      } finally {
        closed = true;
      }
    }
    const results = executor.map(tasks.square, naturals());
    await executor.shutdown({ cancelFutures: true });
    expect(closed).toBe(true);
    const got: number[] = [];
    await expect(collectInto(results, got)).rejects.toBeInstanceOf(CancelledError);
  });

  test('after return(), next() is done, also with the rest of a chunk in hand or a next() in flight', async () => {
    const executor = makeExecutor(kind, 1);
    const [started, event] = [makeEvent(), makeEvent()];
    const inFlight = executor.map(ftasks.startThenWait, [started, started], [event, event], [1, 2], { chunksize: 2 });
    const pending = inFlight.next();
    // The chunk runs, so that next() is waiting for its result when return() comes.
    await started.wait();
    await inFlight.return?.();
    await event.set();
    await expect(pending).resolves.toEqual({ done: true, value: undefined });
    await expect(inFlight.next()).resolves.toEqual({ done: true, value: undefined });
    const inHand = executor.map(tasks.square, [1, 2, 3], { chunksize: 3 });
    await expect(inHand.next()).resolves.toEqual({ done: false, value: 1 });
    await inHand.return?.();
    await expect(inHand.next()).resolves.toEqual({ done: true, value: undefined });
  });

  test('reading far ahead of the consumer without buffersize warns once (PROCPOOL_MAP_READ_AHEAD), naming buffersize', async () => {
    // In a child Node with a small heap: the warning is the real process's, and reading on silently runs out of memory there.
    const { stdout } = await run(process.execPath, [
      '--max-old-space-size=256',
      readAhead,
      kind === 'ThreadPoolExecutor' ? 'thread' : 'process',
    ]);
    const warning = JSON.parse(stdout) as { code: string; message: string };
    expect(warning.code).toBe('PROCPOOL_MAP_READ_AHEAD');
    expect(warning.message).toMatch(/pass \{ buffersize \}/);
  });
});

async function collectInto<T>(results: AsyncIterable<T>, into: T[]): Promise<void> {
  for await (const value of results) into.push(value);
}
