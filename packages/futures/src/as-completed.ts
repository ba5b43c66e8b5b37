import { TimeoutError } from '@procpool/core';
import { collectFutures } from './collect.js';
import { onDone, type CompletedFuture, type Future } from './future.js';
import { keepingAlive } from './keep-alive.js';
import { checkTimeout, timerDelay } from './timeout.js';

interface Reader<T> {
  resolve(result: IteratorResult<Future<T>, undefined>): void;
  reject(error: unknown): void;
}

const END: IteratorReturnResult<undefined> = { done: true, value: undefined };

// The iterator asCompleted returns. It holds only the futures still unfinished:
// one it has yielded is the caller's to keep or drop.
class AsCompletedIterator<T> implements AsyncIterableIterator<Future<T>, undefined> {
  readonly #finished: Future<T>[] = [];
  readonly #unfinished: Set<Future<T>>;
  readonly #readers: Reader<T>[] = [];
  readonly #stops: (() => void)[] = [];
  readonly #total: number;
  #timer: NodeJS.Timeout | undefined;
  // Set when the time is up: what the next read past the finished futures rejects with.
  #timeout: TimeoutError | undefined;
  #closed = false;

  constructor(futures: Set<Future<T>>, timeout: number | null | undefined) {
    this.#total = futures.size;
    this.#unfinished = new Set();
    for (const future of futures) {
      if (future.done()) this.#finished.push(future);
      else this.#unfinished.add(future);
    }
    for (const future of this.#unfinished) this.#stops.push(onDone(future, () => this.#arrived(future)));
    const delay = timerDelay(timeout);
    if (this.#unfinished.size === 0 || delay === null) return;
    if (delay === 0) this.#timeUp(delay);
    else this.#timer = setTimeout(() => this.#timeUp(delay), delay).unref();
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** The next future to finish; rejects with `TimeoutError` once the time is up, and then ends. */
  next(): Promise<IteratorResult<Future<T>, undefined>> {
    const future = this.#finished.shift();
    if (future !== undefined) return Promise.resolve({ done: false, value: future });
    if (this.#timeout !== undefined) {
      const error = this.#timeout;
      this.#close();
      return Promise.reject(error);
    }
    if (this.#closed || this.#unfinished.size === 0) {
      this.#close();
      return Promise.resolve(END);
    }
    return keepingAlive(new Promise((resolve, reject) => this.#readers.push({ resolve, reject })));
  }

  /** Stops listening to the unfinished futures; they go on. */
  return(): Promise<IteratorResult<Future<T>, undefined>> {
    this.#close();
    return Promise.resolve(END);
  }

  #arrived(future: Future<T>): void {
    this.#unfinished.delete(future);
    const reader = this.#readers.shift();
    if (reader !== undefined) reader.resolve({ done: false, value: future });
    else this.#finished.push(future);
    if (this.#unfinished.size === 0) {
      clearTimeout(this.#timer);
      for (const waiting of this.#readers.splice(0)) waiting.resolve(END);
    }
  }

  #timeUp(delay: number): void {
    const unfinished = this.#unfinished.size;
    this.#unsubscribe();
    this.#timeout = new TimeoutError(delay, `${unfinished} (of ${this.#total}) futures unfinished`);
    const [first, ...rest] = this.#readers.splice(0);
    if (first === undefined) return;
    // Waiting readers have seen every finished future; one gets the error, the rest the end.
    first.reject(this.#timeout);
    for (const reader of rest) reader.resolve(END);
    this.#close();
  }

  #unsubscribe(): void {
    clearTimeout(this.#timer);
    for (const stop of this.#stops.splice(0)) stop();
  }

  #close(): void {
    this.#closed = true;
    this.#timeout = undefined;
    this.#finished.length = 0;
    this.#unsubscribe();
    this.#unfinished.clear();
    for (const reader of this.#readers.splice(0)) reader.resolve(END);
  }
}

/**
 * The futures as they finish (or are cancelled), each once: those already done
 * first, then the others in the order they finish. With `timeout` (ms from this
 * call), the iteration rejects with `TimeoutError` ("2 (of 4) futures
 * unfinished") once the time is up and every future done by then has been
 * yielded. While it waits for the next, Node keeps running, as a blocked Python
 * call does.
 *
 * Each is yielded as a {@link CompletedFuture}: the future itself, typed
 * without `then`, because TypeScript types a `for await` variable as the
 * awaited value of what is yielded and would otherwise read a thenable future
 * as its value.
 * @example
 * for await (const future of asCompleted(futures, 60_000)) console.log(await future.result());
 */
export function asCompleted<T>(
  futures: Iterable<CompletedFuture<T>>,
  timeout?: number | null,
): AsyncIterableIterator<CompletedFuture<T>> {
  const all = collectFutures(futures);
  checkTimeout(timeout);
  return new AsCompletedIterator(all, timeout);
}
