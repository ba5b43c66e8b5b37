import { getLogger, TimeoutError } from '@procpool/core';
import { CancelledError, InvalidStateError } from './errors.js';
import { keepingAlive } from './keep-alive.js';
import { show } from './show.js';
import { checkTimeout, timerDelay } from './timeout.js';

/** Where a future is in its life: `'cancelled'` and `'finished'` are final. */
export type FutureState = 'pending' | 'running' | 'cancelled' | 'finished';

/** Called once with the future when it is cancelled or finishes. */
export type DoneCallback<T> = (future: Future<T>) => void;

/**
 * A future as `asCompleted` yields it: the future itself, typed without
 * `then` so that a `for await` variable keeps the future's type (TypeScript
 * would otherwise type it as the awaited value).
 */
export type CompletedFuture<T = unknown> = Omit<Future<T>, 'then'>;

type Outcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: unknown };

// What wait() and asCompleted() need of a future and the public API does not give:
// set by Future's static block, so they stay out of the class's members.
let subscribe: (future: Future<unknown>, waiter: () => void) => () => void;
let failedNow: (future: Future<unknown>) => boolean;

/** Calls `waiter` (once) when `future` is done, unless the returned function is called first. */
export const onDone = (future: Future<unknown>, waiter: () => void): (() => void) => subscribe(future, waiter);

/** Whether `future` finished with an error (a cancelled one did not). */
export const hasFailed = (future: Future<unknown>): boolean => failedNow(future);

// "a TypeError", "a number", "null": what a value was, for toString().
function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return typeof value;
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === 'string' && name !== '' ? name : 'Object';
}

/**
 * The eventual outcome of a call: Python's `concurrent.futures.Future`.
 * Awaiting it is awaiting `result()`. An executor makes futures and settles them
 * through `setRunningOrNotifyCancel`, `setResult` and `setException`; tests may too.
 * @example
 * const future = executor.submit(pow, 2, 8);
 * future.addDoneCallback((f) => console.log(f.toString()));
 * console.log(await future); // 256
 */
export class Future<T = unknown> implements PromiseLike<T> {
  #state: FutureState = 'pending';
  #outcome: Outcome<T> | undefined;
  // Closures, not the callbacks themselves, so that Future<T> stays covariant in T.
  #callbacks: (() => void)[] = [];
  #waiters = new Set<() => void>();

  static {
    subscribe = (future, waiter) => {
      if (future.done()) {
        waiter();
        return () => {};
      }
      const once = (): void => waiter();
      future.#waiters.add(once);
      return () => future.#waiters.delete(once);
    };
    failedNow = (future) => future.#outcome?.ok === false;
  }

  /**
   * Cancels the future if it is still pending, and then calls its done
   * callbacks. Returns whether it is cancelled: false once it is running or finished.
   */
  cancel(): boolean {
    if (this.#state === 'cancelled') return true;
    if (this.#state !== 'pending') return false;
    this.#settle('cancelled', undefined);
    return true;
  }

  cancelled(): boolean {
    return this.#state === 'cancelled';
  }

  running(): boolean {
    return this.#state === 'running';
  }

  /** Whether it was cancelled or finished. */
  done(): boolean {
    return this.#state === 'cancelled' || this.#state === 'finished';
  }

  /**
   * The value; rejects with the call's error, with `CancelledError` if the future
   * was cancelled, or with `TimeoutError` if it is not done within `timeout` ms
   * (the future goes on, and `result()` may be called again). While it waits,
   * Node keeps running, as a blocked Python call does.
   * @param timeout ms to wait; undefined or null waits for as long as it takes.
   */
  async result(timeout?: number | null): Promise<T> {
    await this.#whenDone(timeout);
    const outcome = this.#outcome;
    if (outcome === undefined) throw new CancelledError();
    if (!outcome.ok) throw outcome.error;
    return outcome.value;
  }

  /**
   * The error the call failed with, or undefined if it succeeded; rejects as
   * `result()` does when cancelled or not done within `timeout` ms.
   */
  async exception(timeout?: number | null): Promise<unknown> {
    await this.#whenDone(timeout);
    const outcome = this.#outcome;
    if (outcome === undefined) throw new CancelledError();
    return outcome.ok ? undefined : outcome.error;
  }

  /**
   * Calls `fn(this)` when the future is cancelled or finishes, in the order the
   * callbacks were added; at once if it is done already. A callback that throws
   * is logged (`getLogger().error`, or on stderr while the logger has no
   * handler) and the others still run.
   */
  addDoneCallback(fn: DoneCallback<T>): void {
    if (typeof fn !== 'function') {
      throw new TypeError(`Expected \`fn\` to be a function, got ${show(fn)}`);
    }
    if (this.done()) this.#call(fn);
    else this.#callbacks.push(() => this.#call(fn));
  }

  /**
   * For executors: marks the future running before its call starts. Returns
   * false if it was cancelled meanwhile (the call must not run). Throws
   * `InvalidStateError` if it is already running or finished.
   */
  setRunningOrNotifyCancel(): boolean {
    if (this.#state === 'cancelled') return false;
    if (this.#state !== 'pending') throw this.#invalid('mark as running');
    this.#state = 'running';
    return true;
  }

  /** For executors: the call returned `value`. Throws `InvalidStateError` if the future is done. */
  setResult(value: T): void {
    if (this.done()) throw this.#invalid('set the result of');
    this.#settle('finished', { ok: true, value });
  }

  /** For executors: the call threw `error` (any value). Throws `InvalidStateError` if the future is done. */
  setException(error: unknown): void {
    if (this.done()) throw this.#invalid('set the exception of');
    this.#settle('finished', { ok: false, error });
  }

  then<A = T, B = never>(
    onFulfilled?: ((value: T) => A | PromiseLike<A>) | null,
    onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    return this.result().then(onFulfilled, onRejected);
  }

  catch<B = never>(onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null): Promise<T | B> {
    return this.result().catch(onRejected);
  }

  finally(onFinally?: (() => void) | null): Promise<T> {
    return this.result().finally(onFinally);
  }

  /** `<Future state=pending>`, `<Future state=finished returned number>`, `<Future state=finished raised TypeError>`. */
  toString(): string {
    const outcome = this.#outcome;
    if (outcome === undefined) return `<Future state=${this.#state}>`;
    return outcome.ok
      ? `<Future state=finished returned ${kindOf(outcome.value)}>`
      : `<Future state=finished raised ${kindOf(outcome.error)}>`;
  }

  #settle(state: 'cancelled' | 'finished', outcome: Outcome<T> | undefined): void {
    this.#state = state;
    this.#outcome = outcome;
    const waiters = [...this.#waiters];
    const callbacks = this.#callbacks;
    this.#waiters.clear();
    this.#callbacks = [];
    for (const waiter of waiters) waiter();
    for (const callback of callbacks) callback();
  }

  // One callback's failure must not keep the others (or the executor's bookkeeping) from running.
  #call(fn: DoneCallback<T>): void {
    try {
      fn(this);
    } catch (error) {
      const text = error instanceof Error ? (error.stack ?? String(error)) : String(error);
      const message = `exception calling callback for ${this.toString()}: ${text}`;
      const logger = getLogger();
      // With no handler, Python's logging prints an error on stderr (its last resort); procpool's logger would drop it.
      if (logger.handlers.length === 0) process.stderr.write(`${message}\n`);
      else logger.error(message);
    }
  }

  #invalid(action: string): InvalidStateError {
    return new InvalidStateError(`Cannot ${action} a future that is ${this.#state}: ${this.toString()}`);
  }

  async #whenDone(timeout: number | null | undefined): Promise<void> {
    checkTimeout(timeout);
    if (this.done()) return;
    const delay = timerDelay(timeout);
    if (delay === 0) throw new TimeoutError(0);
    await keepingAlive(
      new Promise<void>((resolve, reject) => {
        let timer: NodeJS.Timeout | undefined;
        const stop = onDone(this, () => {
          clearTimeout(timer);
          resolve();
        });
        if (delay !== null) {
          timer = setTimeout(() => {
            stop();
            reject(new TimeoutError(delay));
          }, delay).unref();
        }
      }),
    );
  }
}
