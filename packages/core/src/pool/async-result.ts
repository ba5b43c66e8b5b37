import { ProcessError, TimeoutError } from '../errors.js';
import { awaiterFrames, withCallerFrames } from './stacks.js';

export interface ResultCallbacks<R> {
  /** Called once with the value when the result succeeds. */
  callback?: ((value: R) => void) | undefined;
  /** Called once with the error when the result fails. */
  errorCallback?: ((error: unknown) => void) | undefined;
}

/** Settles an AsyncResult; kept out of the public class. */
export interface Settler<R> {
  resolve(value: R): void;
  reject(error: unknown): void;
}

// A throwing user callback must not break the pool's bookkeeping: it surfaces
// as an uncaught exception, as a throwing event listener would.
export function callUserCallback<T>(fn: ((arg: T) => void) | undefined, arg: T): void {
  if (fn === undefined) return;
  try {
    fn(arg);
  } catch (error) {
    queueMicrotask(() => {
      throw error;
    });
  }
}

export function waitWithTimeout<T>(promise: Promise<T>, timeout: number | undefined): Promise<T> {
  if (timeout === undefined) return promise;
  if (typeof timeout !== 'number' || Number.isNaN(timeout) || timeout < 0) {
    return Promise.reject(
      new RangeError(`Expected \`timeout\` to be a non-negative number of ms, got \`${String(timeout)}\``),
    );
  }
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new TimeoutError(timeout)), timeout);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/** @internal The pool's own wait on a result it hands out as a promise; it adds the caller's frames itself. */
export let settlementOf: <R>(result: AsyncResult<R>) => Promise<R>;

/**
 * The result of `applyAsync`, `mapAsync` and `starmapAsync`. Awaiting it is
 * awaiting `get()`.
 */
export class AsyncResult<R> implements PromiseLike<R> {
  readonly #promise: Promise<R>;
  #state: 'pending' | 'fulfilled' | 'rejected' = 'pending';
  #observed = false;

  static {
    settlementOf = <T>(result: AsyncResult<T>): Promise<T> => {
      result.#observed = true;
      return result.#promise;
    };
  }

  /**
   * @internal Created by the pool; `attach` receives the settler. `unobserved`
   * hears of a failure nobody asked for (no get/then/wait, no errorCallback).
   */
  constructor(
    attach: (settler: Settler<R>) => void,
    callbacks: ResultCallbacks<R> = {},
    unobserved?: (error: unknown) => void,
  ) {
    let settler!: Settler<R>;
    this.#promise = new Promise<R>((resolve, reject) => {
      settler = {
        resolve: (value) => {
          if (this.#state !== 'pending') return;
          this.#state = 'fulfilled';
          resolve(value);
          callUserCallback(callbacks.callback, value);
        },
        reject: (error) => {
          if (this.#state !== 'pending') return;
          this.#state = 'rejected';
          reject(error);
          callUserCallback(callbacks.errorCallback, error);
          if (unobserved !== undefined && callbacks.errorCallback === undefined) {
            setImmediate(() => {
              if (!this.#observed) unobserved(error);
            });
          }
        },
      };
    });
    // Nobody has to call get(): an unread failure must not crash the program.
    this.#promise.catch(() => {});
    attach(settler);
  }

  /**
   * The value, or the task's error; rejects with `TimeoutError` after `timeout`
   * ms (the task goes on). An error not yet given the caller's frames (see
   * `applyAsync`) gets those of the functions awaiting this call.
   */
  async get(timeout?: number): Promise<R> {
    this.#observed = true;
    try {
      return await waitWithTimeout(this.#promise, timeout);
    } catch (error) {
      // eslint-disable-next-line @typescript-eslint/unbound-method -- only the frame to cut the stack at
      throw withCallerFrames(error, awaiterFrames(AsyncResult.prototype.get));
    }
  }

  /** Resolves when the result is ready, or after `timeout` ms, whichever is first. */
  wait(timeout?: number): Promise<void> {
    this.#observed = true;
    const settled = this.#promise.then(
      () => undefined,
      () => undefined,
    );
    return waitWithTimeout(settled, timeout).catch(() => undefined);
  }

  ready(): boolean {
    return this.#state !== 'pending';
  }

  /** Whether the call succeeded; throws if it is not ready yet. */
  successful(): boolean {
    if (this.#state === 'pending') throw new ProcessError('The result is not ready yet');
    return this.#state === 'fulfilled';
  }

  then<A = R, B = never>(
    onFulfilled?: ((value: R) => A | PromiseLike<A>) | null,
    onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    this.#observed = true;
    return this.#promise.then(onFulfilled, onRejected);
  }
}
