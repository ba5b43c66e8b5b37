import { timerDelay } from '../../common/timers.js';
import { ProcessError, TimeoutError } from '../../common/errors.js';
import { invalidTimeout } from '../../common/validate.js';
import { rethrowWithAwaiterFrames } from './stacks.js';

export interface ResultCallbacks<R> {
  /** Called once with the value when the result succeeds. */
  callback?: ((value: R) => void) | undefined;
  /** Called once with the error when the result fails. */
  errorCallback?: ((error: unknown) => void) | undefined;
}

/** Settles a pool call's result; kept out of the public class. */
export interface Settler<R> {
  resolve(value: R): void;
  reject(error: unknown): void;
}

// A throwing user callback must not break the pool's bookkeeping: it surfaces
// as an uncaught exception, as a throwing event listener would.
function callUserCallback<T>(fn: ((arg: T) => void) | undefined, arg: T): void {
  if (fn === undefined) return;
  try {
    fn(arg);
  } catch (error) {
    queueMicrotask(() => {
      throw error;
    });
  }
}

function waitWithTimeout<T>(promise: Promise<T>, timeout: number | undefined): Promise<T> {
  const error = invalidTimeout(timeout);
  if (error !== null) return Promise.reject(error);
  const delay = timerDelay(timeout);
  if (delay === null) return promise;
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new TimeoutError(delay)), delay);
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

/**
 * @internal The state behind one pool call: the pool's jobs settle it, and
 * its promise exists only once somebody waits (`get`, `then`, `wait`, or
 * `apply` itself): a call whose result is only read through callbacks costs
 * no promise. `unobserved` hears of a failure nobody asked for (no
 * get/then/wait, no errorCallback).
 */
export class Settlement<R> implements Settler<R> {
  state: 'pending' | 'fulfilled' | 'rejected' = 'pending';
  #outcome: unknown;
  #promise: Promise<R> | undefined;
  #resolvePromise: ((value: R) => void) | undefined;
  #rejectPromise: ((error: unknown) => void) | undefined;

  constructor(
    private readonly callbacks: ResultCallbacks<R>,
    private readonly unobserved?: (error: unknown) => void,
  ) {}

  resolve(value: R): void {
    if (this.state !== 'pending') return;
    this.state = 'fulfilled';
    this.#outcome = value;
    this.#resolvePromise?.(value);
    callUserCallback(this.callbacks.callback, value);
  }

  reject(error: unknown): void {
    if (this.state !== 'pending') return;
    this.state = 'rejected';
    this.#outcome = error;
    this.#rejectPromise?.(error);
    callUserCallback(this.callbacks.errorCallback, error);
    const { unobserved } = this;
    if (unobserved !== undefined && this.callbacks.errorCallback === undefined) {
      setImmediate(() => {
        if (this.#promise === undefined) unobserved(error); // nobody asked for it
      });
    }
  }

  /** The outcome as a promise; the caller attaches its handlers at once. */
  promise(): Promise<R> {
    if (this.#promise === undefined) {
      if (this.state === 'fulfilled') this.#promise = Promise.resolve(this.#outcome as R);
      else if (this.state === 'rejected') this.#promise = Promise.reject(this.#outcome);
      else {
        this.#promise = new Promise<R>((resolve, reject) => {
          this.#resolvePromise = resolve;
          this.#rejectPromise = reject;
        });
      }
    }
    return this.#promise;
  }
}

/**
 * The result of `applyAsync`, `mapAsync` and `starmapAsync`. Awaiting it is
 * awaiting `get()`.
 */
export class AsyncResult<R> implements PromiseLike<R> {
  readonly #settlement: Settlement<R>;

  /** @internal Created by the pool. */
  constructor(settlement: Settlement<R>) {
    this.#settlement = settlement;
  }

  /**
   * The value, or the task's error; rejects with `TimeoutError` after `timeout`
   * ms (the task goes on). An error not yet given the caller's frames (see
   * `applyAsync`) gets those of the functions awaiting this call.
   */
  get(timeout?: number): Promise<R> {
    return waitWithTimeout(this.#settlement.promise(), timeout).then(undefined, rethrowWithAwaiterFrames);
  }

  /** Resolves when the result is ready, or after `timeout` ms, whichever is first. */
  wait(timeout?: number): Promise<void> {
    const settled = this.#settlement.promise().then(
      () => undefined,
      () => undefined,
    );
    return waitWithTimeout(settled, timeout).catch(() => undefined);
  }

  ready(): boolean {
    return this.#settlement.state !== 'pending';
  }

  /** Whether the call succeeded; throws if it is not ready yet. */
  successful(): boolean {
    if (this.#settlement.state === 'pending') throw new ProcessError('The result is not ready yet');
    return this.#settlement.state === 'fulfilled';
  }

  then<A = R, B = never>(
    onFulfilled?: ((value: R) => A | PromiseLike<A>) | null,
    onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    return this.get().then(onFulfilled, onRejected);
  }
}
