import { describe, expect, test } from '@jest/globals';
import {
  ALL_COMPLETED,
  FIRST_COMPLETED,
  FIRST_EXCEPTION,
  wait,
  type DoneAndNotDone,
  type Future,
  type ReturnWhen,
} from '@procpool/futures';
import { cancelled, failed, pending, running, succeeded } from './make-futures.js';

/** `promise`, and a flag that says whether it has settled. */
function watch<T>(promise: Promise<T>): { promise: Promise<T>; settled: () => boolean } {
  let settled = false;
  void promise.finally(() => (settled = true)).catch(() => {});
  return { promise, settled: () => settled };
}

// Lets every settled future's waiters and promise reactions run: a turn of the event loop, not a sleep.
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

const sets = <T>({ done, notDone }: DoneAndNotDone<T>): [Set<Future<T>>, Set<Future<T>>] => [done, notDone];

describe('wait', () => {
  test('a future given twice counts once (bpo-20369)', async () => {
    const future = running();
    const waiting = wait([future, future], { returnWhen: ALL_COMPLETED });
    future.setResult(2);
    expect(sets(await waiting)).toEqual([new Set([future]), new Set()]);
  });

  test('FIRST_COMPLETED returns when one future finishes', async () => {
    const [first, second] = [running(), running()];
    const waiting = watch(wait([first, second], { returnWhen: FIRST_COMPLETED }));
    await turn();
    expect(waiting.settled()).toBe(false);
    first.setResult(42);
    expect(sets(await waiting.promise)).toEqual([new Set([first]), new Set([second])]);
  });

  test('FIRST_COMPLETED returns at once when some are done already; a cancelled future is done', async () => {
    const [gone, ok, open] = [cancelled(), succeeded(), pending()];
    expect(sets(await wait([gone, ok, open], { returnWhen: FIRST_COMPLETED }))).toEqual([
      new Set([gone, ok]),
      new Set([open]),
    ]);
  });

  test('FIRST_COMPLETED counts a cancellation while it waits', async () => {
    const [first, second] = [pending(), pending()];
    const waiting = wait([first, second], { returnWhen: FIRST_COMPLETED });
    second.cancel();
    expect(sets(await waiting)).toEqual([new Set([second]), new Set([first])]);
  });

  test('FIRST_EXCEPTION returns when a future fails, not when one succeeds', async () => {
    const [first, second, third] = [running(), running(), running()];
    const waiting = watch(wait([first, second, third], { returnWhen: FIRST_EXCEPTION }));
    first.setResult(42);
    await turn();
    expect(waiting.settled()).toBe(false);
    second.setException(new Error('this is an exception'));
    expect(sets(await waiting.promise)).toEqual([new Set([first, second]), new Set([third])]);
  });

  test('FIRST_EXCEPTION with some already done waits for a failure; a cancellation is none', async () => {
    const [ok, gone, failing, open] = [succeeded(), cancelled(), running(), running()];
    const waiting = watch(wait([ok, gone, failing, open], { returnWhen: FIRST_EXCEPTION }));
    await turn();
    expect(waiting.settled()).toBe(false);
    failing.setException(new RangeError('divide by zero'));
    expect(sets(await waiting.promise)).toEqual([new Set([ok, gone, failing]), new Set([open])]);
  });

  test('FIRST_EXCEPTION returns at once when one has failed already', async () => {
    const [broken, open] = [failed(), running()];
    expect(sets(await wait([broken, open], { returnWhen: FIRST_EXCEPTION }))).toEqual([
      new Set([broken]),
      new Set([open]),
    ]);
  });

  test('FIRST_EXCEPTION without a failure returns when all are done', async () => {
    const [first, second] = [running(), pending()];
    const waiting = wait([first, second], { returnWhen: FIRST_EXCEPTION });
    first.setResult(1);
    second.cancel();
    expect(sets(await waiting)).toEqual([new Set([first, second]), new Set()]);
  });

  test.each<ReturnWhen | undefined>([ALL_COMPLETED, undefined])(
    'returnWhen %p returns when all are done',
    async (returnWhen) => {
      const done = [succeeded(), cancelled(), failed()];
      const [first, second] = [running(), running()];
      const waiting = watch(wait([...done, first, second], { returnWhen }));
      first.setException(new RangeError('divide by zero'));
      await turn();
      expect(waiting.settled()).toBe(false);
      second.setResult(42);
      expect(sets(await waiting.promise)).toEqual([new Set([...done, first, second]), new Set()]);
    },
  );

  test.each([0, 1])('with timeout %p it resolves with what is done by then', async (timeout) => {
    const done = [cancelled(), failed(), succeeded()];
    const open = running();
    const result = await wait(new Set([...done, open]), { timeout, returnWhen: ALL_COMPLETED });
    expect(sets(result)).toEqual([new Set(done), new Set([open])]);
    // The future goes on, and may be waited for again.
    open.setResult(1);
    expect(sets(await wait([open], { timeout }))).toEqual([new Set([open]), new Set()]);
  });

  test('no futures, no options, any iterable', async () => {
    expect(sets(await wait([]))).toEqual([new Set(), new Set()]);
    const ok = succeeded();
    function* generate(): Generator<Future<number>> {
      yield ok;
    }
    expect(sets(await wait(generate()))).toEqual([new Set([ok]), new Set()]);
  });

  test.each([
    [null, undefined, new TypeError('Expected `futures` to be an iterable of Future, got `null` (object)')],
    [[succeeded(), 5], undefined, new TypeError('Expected `futures[1]` to be a Future, got `5` (number)')],
    [[], 'all', new TypeError('Expected `options` to be an object, got `all` (string)')],
    [[], { return_when: ALL_COMPLETED }, new TypeError('Unknown wait option `return_when`')],
    [
      [],
      { returnWhen: 'ANY' },
      new TypeError(
        'Expected `returnWhen` to be FIRST_COMPLETED, FIRST_EXCEPTION or ALL_COMPLETED, got `ANY` (string)',
      ),
    ],
    [[], { timeout: -1 }, new RangeError('Expected `timeout` to be a non-negative number of ms, got `-1` (number)')],
  ])('wait(%p, %p) rejects with %p', async (futures, options, error) => {
    await expect(wait(futures as Future<number>[], options as { returnWhen: ReturnWhen })).rejects.toThrow(error);
  });
});
