import {
  BrokenPoolError,
  PoolNotRunningError,
  PoolTerminatedError,
  type AnyFunction,
  type Pool,
  type TaskLike,
  type TaskResult,
} from '@procpool/core';
import type { BrokenExecutor } from './errors.js';
import { Future } from './future.js';
import { mapArguments, type ExecutorMapOptions } from './map-arguments.js';
import { MapIterator } from './map-iterator.js';
import { ZipChunks, type Input } from './zip-chunks.js';

/** `map`'s inputs for a task with parameters `P`: one iterable per parameter. */
export type MapInputs<P extends readonly unknown[]> = { [K in keyof P]: Input<P[K]> };

/** How an executor settles a future: its call, given the pool. */
type Call = (pool: Pool) => Promise<unknown>;
interface WorkItem {
  readonly future: Future<unknown>;
  readonly call: Call;
}

/** What ProcessPoolExecutor and ThreadPoolExecutor pass: their pool, and how they call themselves broken. */
interface ExecutorParts {
  readonly pool: Pool;
  readonly maxWorkers: number;
  readonly broken: (message: string, cause: unknown) => BrokenExecutor;
}

/**
 * Python's `concurrent.futures.Executor` over a procpool `Pool`: calls wait in
 * the executor's own queue, where their futures can still be cancelled, and go
 * to the pool only while it has fewer than `maxWorkers + 1` of them, so that a
 * worker that finishes finds its next call at once.
 */
export abstract class Executor {
  readonly #pool: Pool;
  readonly #broken: ExecutorParts['broken'];
  readonly #limit: number;
  // Slots before #head are cleared as they are taken, so a settled future (and its result) is not kept.
  #pending: (WorkItem | undefined)[] = [];
  #head = 0;
  #handed = 0;
  #shutdown = false;
  #brokenBy: BrokenExecutor | null = null;
  #forced = false;
  // Set by shutdown({ cancelFutures }) and terminate/kill: maps still reading their input submit no more.
  #stopped = false;
  // Maps without buffersize still reading their input: how to stop each.
  readonly #readers = new Set<() => void>();
  readonly #pids = new Set<number>();
  #drained: (() => void)[] = [];

  protected constructor({ pool, maxWorkers, broken }: ExecutorParts) {
    this.#pool = pool;
    this.#broken = broken;
    this.#limit = maxWorkers + 1;
    pool.on('workerStart', ({ pid }) => this.#pids.add(pid));
    pool.on('workerExit', ({ pid }) => this.#pids.delete(pid));
  }

  /**
   * Schedules `fn(...args)` in a worker; its Future settles with the outcome.
   * Throws after `shutdown()`, and with the executor's BrokenExecutor once it is broken.
   */
  submit<F extends AnyFunction>(fn: TaskLike<F>, ...args: Parameters<F>): Future<TaskResult<F>>;
  submit(fn: string, ...args: unknown[]): Future<unknown>;
  submit(fn: unknown, ...args: unknown[]): Future<unknown> {
    return this.#enqueue((pool) => pool.apply(fn as string, args));
  }

  /**
   * `fn` over the items of `iterables` taken in step (as zip() does, to the
   * shortest), results in input order. The last argument may be
   * `{ timeout, chunksize, buffersize }`. `return()` (a `break` out of a
   * `for await`) cancels the calls not yet running.
   */
  map<F extends AnyFunction>(
    fn: TaskLike<F>,
    ...iterables: [...MapInputs<Parameters<F>>] | [...MapInputs<Parameters<F>>, ExecutorMapOptions]
  ): AsyncIterableIterator<TaskResult<F>>;
  map(fn: string, ...iterables: unknown[]): AsyncIterableIterator<unknown>;
  map(fn: unknown, ...rest: unknown[]): AsyncIterableIterator<unknown> {
    const { inputs, timeout, chunksize, buffersize } = mapArguments(rest);
    this.#checkOpen();
    const zip = new ZipChunks(inputs, chunksize);
    const call =
      (lists: unknown[][]): Call =>
      (pool) =>
        pool.starmap(fn as string, lists, lists.length);
    if (buffersize !== undefined) {
      const submitChunk = (lists: unknown[][]): Future<unknown[]> => this.#enqueue(call(lists)) as Future<unknown[]>;
      return new MapIterator(zip, submitChunk, buffersize, timeout);
    }
    // CPython submits all of such a map's calls inside map(); this one reads its
    // input over turns of the event loop, so shutdown() lets it submit on and waits for it.
    const stop = (): void => zip.close();
    this.#readers.add(stop);
    const submitRead = (lists: unknown[][]): Future<unknown[]> => {
      if (this.#stopped) this.#checkOpen();
      return this.#push(call(lists)) as Future<unknown[]>;
    };
    return new MapIterator(zip, submitRead, undefined, timeout, () => {
      this.#readers.delete(stop);
      this.#checkDrained();
    });
  }

  /**
   * No new calls; with `cancelFutures` the ones still waiting are cancelled.
   * With `wait` (the default) resolves once every call has settled and every
   * worker has exited; without, at once (the workers exit when the work is done).
   */
  async shutdown({
    wait = true,
    cancelFutures = false,
  }: { wait?: boolean; cancelFutures?: boolean } = {}): Promise<void> {
    this.#shutdown = true;
    if (cancelFutures) this.#stopReaders();
    if (cancelFutures) this.#cancelPending();
    const drained = this.#whenDrained();
    if (!wait) return;
    await drained;
    await this.#pool.join();
  }

  /** Stops the workers now (SIGTERM for processes): the waiting calls are cancelled, the running ones fail with the executor's BrokenExecutor. */
  terminateWorkers(): Promise<void> {
    return this.#force(false);
  }

  /** As terminateWorkers(), with SIGKILL for processes. */
  killWorkers(): Promise<void> {
    return this.#force(true);
  }

  /** `await using executor = new ProcessPoolExecutor()` calls `shutdown()` at the end of the block. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.shutdown();
  }

  async #force(kill: boolean): Promise<void> {
    this.#shutdown = true;
    this.#forced = true;
    this.#stopReaders();
    this.#cancelPending();
    // A thread pool's workers report this process's pid: it is never signalled.
    if (kill) for (const pid of this.#pids) if (pid !== process.pid) signal(pid);
    await this.#pool.terminate();
  }

  #checkOpen(): void {
    if (this.#brokenBy !== null) throw this.#broken(this.#brokenBy.message, this.#brokenBy.cause);
    if (this.#shutdown) throw new PoolNotRunningError('cannot schedule new futures after shutdown');
  }

  #enqueue(call: Call): Future<unknown> {
    this.#checkOpen();
    return this.#push(call);
  }

  #push(call: Call): Future<unknown> {
    if (this.#brokenBy !== null) this.#checkOpen();
    const future = new Future<unknown>();
    this.#pending.push({ future, call });
    this.#pump();
    return future;
  }

  // Hands waiting calls to the pool while it holds fewer than maxWorkers + 1.
  #pump(): void {
    while (this.#handed < this.#limit && this.#head < this.#pending.length) {
      const item = this.#pending[this.#head] as WorkItem;
      this.#pending[this.#head] = undefined;
      this.#head += 1;
      // Cancelled, or settled by hand while it waited: it does not run.
      if (item.future.done() || !item.future.setRunningOrNotifyCancel()) continue;
      this.#handed += 1;
      item.call(this.#pool).then(
        (value) => this.#settled(item.future, true, value),
        (error: unknown) => this.#settled(item.future, false, error),
      );
    }
    if (this.#head > 1024 && this.#head * 2 > this.#pending.length) {
      this.#pending = this.#pending.slice(this.#head);
      this.#head = 0;
    }
    this.#checkDrained();
  }

  #settled(future: Future<unknown>, ok: boolean, outcome: unknown): void {
    this.#handed -= 1;
    const error = ok ? undefined : this.#translate(outcome);
    // A future settled by hand (its setters are public) keeps that outcome.
    if (!future.done()) {
      if (ok) future.setResult(outcome);
      else future.setException(error);
    }
    this.#pump();
  }

  // The pool's errors that mean the executor cannot go on become its BrokenExecutor.
  #translate(error: unknown): unknown {
    if (error instanceof BrokenPoolError) {
      this.#brokenBy ??= this.#broken(`The pool under this executor is broken: ${error.message}`, error);
      this.#failPending();
      return this.#broken(this.#brokenBy.message, error);
    }
    if (error instanceof PoolTerminatedError && this.#forced) {
      return this.#broken('The workers were stopped (terminateWorkers or killWorkers) while the call ran', error);
    }
    return error;
  }

  #stopReaders(): void {
    this.#stopped = true;
    for (const stop of this.#readers) stop();
  }

  #cancelPending(): void {
    for (const { future } of this.#takePending()) future.cancel();
  }

  #failPending(): void {
    const broken = this.#brokenBy as BrokenExecutor;
    for (const { future } of this.#takePending()) {
      if (!future.done()) future.setException(this.#broken(broken.message, broken.cause));
    }
  }

  // The calls still waiting, which the queue lets go of.
  #takePending(): WorkItem[] {
    const waiting = this.#pending.slice(this.#head) as WorkItem[];
    this.#pending = [];
    this.#head = 0;
    return waiting;
  }

  #whenDrained(): Promise<void> {
    const drained = new Promise<void>((resolve) => this.#drained.push(resolve));
    this.#checkDrained();
    return drained;
  }

  // Once shut down with nothing left to run, the pool closes and its workers exit.
  #checkDrained(): void {
    if (!this.#shutdown || this.#handed > 0 || this.#head < this.#pending.length || this.#readers.size > 0) return;
    this.#pool.close();
    for (const resolve of this.#drained.splice(0)) resolve();
  }
}

function signal(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // It has exited already.
  }
}
