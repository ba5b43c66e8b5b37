import { describe, expect, test } from '@jest/globals';
import { TimeoutError } from '@procpool/core';
import { asCompleted, type CompletedFuture, type Future } from '@procpool/futures';
import { cancelled, failed, pending, running, succeeded } from './make-futures.js';

/** Every future the iteration yields, and the error that ended it, if one did. */
async function drain<T>(
  iterator: AsyncIterable<CompletedFuture<T>>,
): Promise<{ seen: CompletedFuture<T>[]; error?: unknown }> {
  const seen: CompletedFuture<T>[] = [];
  try {
    for await (const future of iterator) seen.push(future);
  } catch (error) {
    return { seen, error };
  }
  return { seen };
}

describe('asCompleted', () => {
  test('yields the futures done already, then the others as they finish', async () => {
    const done = [cancelled(), failed(), succeeded()];
    const [first, second] = [running(), running()];
    const iterator = asCompleted([...done, first, second]);
    const seen = [await iterator.next(), await iterator.next(), await iterator.next()];
    expect(seen).toEqual(done.map((value) => ({ done: false, value })));
    const next = iterator.next();
    second.setResult(42);
    first.setException(new RangeError('later'));
    expect(await next).toEqual({ done: false, value: second });
    expect(await iterator.next()).toEqual({ done: false, value: first });
    expect(await iterator.next()).toEqual({ done: true, value: undefined });
  });

  test('with no timeout, a for await loop sees every future once', async () => {
    const futures = [cancelled(), failed(), succeeded(), running(), pending()];
    const reading = drain(asCompleted(futures));
    futures[3]?.setResult(1);
    futures[4]?.cancel();
    expect(new Set((await reading).seen)).toEqual(new Set(futures));
  });

  test.each([0, 1])('with timeout %p it yields the done futures, then rejects with TimeoutError', async (timeout) => {
    const done = [cancelled(), failed(), succeeded()];
    const open = running();
    const { seen, error } = await drain(asCompleted(new Set([...done, open]), timeout));
    expect(new Set(seen)).toEqual(new Set(done));
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).timeout).toBe(timeout);
    expect(open.done()).toBe(false);
  });

  test('the TimeoutError says how many futures are unfinished', async () => {
    const iterator = asCompleted([cancelled(), pending(), running(), succeeded()], 0);
    const { error } = await drain(iterator);
    expect(error).toEqual(new TimeoutError(0, '2 (of 4) futures unfinished'));
    // After the error the iteration is over.
    expect(await iterator.next()).toEqual({ done: true, value: undefined });
  });

  test('a reader waiting when the time is up gets the TimeoutError', async () => {
    const iterator = asCompleted([running()], 1);
    await expect(iterator.next()).rejects.toThrow('1 (of 1) futures unfinished');
  });

  test('a future given three times is yielded once (bpo-20367)', async () => {
    const future = running();
    const reading = drain(asCompleted([future, future, future]));
    future.setResult(1);
    expect((await reading).seen).toEqual([future]);
  });

  test('reads side by side get the futures in the order they finish', async () => {
    const [first, second] = [running(), running()];
    const iterator = asCompleted([first, second]);
    const reads = [iterator.next(), iterator.next(), iterator.next()];
    second.setResult(2);
    first.setResult(1);
    expect(await Promise.all(reads)).toEqual([
      { done: false, value: second },
      { done: false, value: first },
      { done: true, value: undefined },
    ]);
  });

  test('return() ends the iteration, and the futures go on', async () => {
    const open = running();
    const iterator = asCompleted([succeeded(), open]);
    expect((await iterator.next()).done).toBe(false);
    const reading = iterator.next();
    expect(await iterator.return?.()).toEqual({ done: true, value: undefined });
    expect(await reading).toEqual({ done: true, value: undefined });
    open.setResult(1);
    expect(await iterator.next()).toEqual({ done: true, value: undefined });
    expect(await open.result()).toBe(1);
  });

  test('breaking out of a for await loop stops it', async () => {
    const [ok, open] = [succeeded(), running()];
    for await (const future of asCompleted([ok, open])) {
      expect(future).toBe(ok);
      expect(await future.result()).toBe(42);
      break;
    }
    open.setResult(1);
    expect(open.done()).toBe(true);
  });

  test('no futures: nothing to yield', async () => {
    expect((await drain(asCompleted([], 0))).seen).toEqual([]);
  });

  test.each([
    [null, undefined, new TypeError('Expected `futures` to be an iterable of Future, got `null` (object)')],
    [[1], undefined, new TypeError('Expected `futures[0]` to be a Future, got `1` (number)')],
    [[], -1, new RangeError('Expected `timeout` to be a non-negative number of ms, got `-1` (number)')],
  ])('asCompleted(%p, %p) throws %p', (futures, timeout, error) => {
    expect(() => asCompleted(futures as Future<number>[], timeout)).toThrow(error);
  });
});
