import { Future, type CompletedFuture } from './future.js';
import { show } from './show.js';

/**
 * `futures` as a set (each future once, in first-seen order); a TypeError for
 * anything but an iterable of Future. Futures typed as asCompleted yields them
 * are accepted: they are Futures at run time, as checked here.
 */
export function collectFutures<T>(futures: Iterable<CompletedFuture<T>>): Set<Future<T>> {
  if (typeof (futures as Partial<Iterable<unknown>> | null | undefined)?.[Symbol.iterator] !== 'function') {
    throw new TypeError(`Expected \`futures\` to be an iterable of Future, got ${show(futures)}`);
  }
  const set = new Set<Future<T>>();
  let index = 0;
  for (const future of futures) {
    if (!(future instanceof Future)) {
      throw new TypeError(`Expected \`futures[${index}]\` to be a Future, got ${show(future)}`);
    }
    set.add(future as Future<T>);
    index += 1;
  }
  return set;
}
