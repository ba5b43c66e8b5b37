/* eslint-disable @typescript-eslint/unbound-method -- public methods are passed to captureCaller only as the frame to cut the stack at, never called */
import { EventEmitter } from 'node:events';
import { ProcessError } from '../../common/errors.js';
import type { AnyFunction, TaskLike, TaskResult } from '../../common/tasks.js';
import { launchWorker } from '../launch/launch.js';
import { checkOptionKeys, NO_OPTIONS, type CallOptions, type Input } from './arguments.js';
import { AsyncResult, type Settlement } from './async-result.js';
import type { ApplyAsyncOptions, ImapOptions, MapAsyncOptions, MapOptions } from './call-options.js';
import type { PoolEventMap, PoolStats } from './events.js';
import type { Emit, Executor } from './executor.js';
import type { IMapIterator } from './imap-iterator.js';
import { logPool, withLifecycleLog } from './lifecycle-log.js';
import { normalizeOptions, type PoolOptions, type ResolvedOptions } from './options.js';
import { Scheduler } from './scheduler.js';
import { captureCaller, rethrowWithAwaiterFrames } from './stacks.js';
import { JobStarter } from './start-jobs.js';

/** `args` may be left out only when the task takes no required arguments (`apply` and `applyAsync` alike). */
export type ApplyRest<F extends AnyFunction, O = CallOptions> =
  [] extends Parameters<F> ? [args?: Parameters<F>, options?: O] : [args: Parameters<F>, options?: O];
/** Tasks `map` can call: one argument per item. */
export type OneArgFunction = (arg: never) => unknown;
/** What `map` feeds a task: its first parameter; anything for a task that takes none. */
export type MapItem<F extends OneArgFunction> = Parameters<F> extends [] ? unknown : Parameters<F>[0];

/**
 * A pool of worker processes: Python's `multiprocessing.Pool`, with Promises
 * where Python blocks and milliseconds where Python uses seconds. It emits
 * `workerStart`, `workerExit` and `taskError` (see PoolEventMap).
 * @example
 * await using pool = new Pool(4);
 * const squares = await pool.map(square, [1, 2, 3]);
 */
export class Pool extends EventEmitter<PoolEventMap> {
  readonly #executor: Executor;
  readonly #jobs: JobStarter;

  constructor(options?: number | PoolOptions) {
    super();
    const resolved = normalizeOptions(options);
    // EventEmitter's typed emit cannot see through the generic event name; the Emit type checks callers.
    const emit = this.emit.bind(this) as (event: string, ...args: unknown[]) => boolean;
    const emitSafely: Emit = (event, ...args) => {
      // A listener that throws must not stop the pool half-way through a
      // worker's exit (its chunks would never settle): its error surfaces
      // on its own, as an uncaught exception, after the pool is done.
      try {
        emit(event, ...args);
      } catch (error) {
        process.nextTick(() => {
          throw error;
        });
      }
    };
    this.#executor = this.createExecutor(resolved, withLifecycleLog(emitSafely, resolved));
    this.#jobs = new JobStarter(this.#executor, resolved.processes, (error) => this.emit('taskError', error));
  }

  /**
   * The engine that runs this pool's jobs: worker processes. A pool of
   * another kind (threads, machines) overrides this. Called by the
   * constructor, before a subclass's own fields exist: use only the arguments.
   * @internal
   */
  protected createExecutor(options: ResolvedOptions, emit: Emit): Executor {
    return new Scheduler(options, emit, launchWorker);
  }

  /** Runs `fn(...args)` in a worker. */
  apply<F extends AnyFunction>(fn: TaskLike<F>, ...rest: ApplyRest<F>): Promise<TaskResult<F>>;
  apply(fn: string, args?: readonly unknown[], options?: CallOptions): Promise<unknown>;
  apply(fn: unknown, args?: readonly unknown[], options?: CallOptions): Promise<unknown> {
    let settlement: Settlement<unknown>;
    try {
      checkOptionKeys('apply', options);
      settlement = this.#jobs.apply(fn, args, null, options ?? NO_OPTIONS);
    } catch (error) {
      return Promise.reject(error);
    }
    return settlement.promise().then(undefined, rethrowWithAwaiterFrames);
  }

  /** Runs `fn(...args)` in a worker; the AsyncResult settles later. */
  applyAsync<F extends AnyFunction>(
    fn: TaskLike<F>,
    ...rest: ApplyRest<F, ApplyAsyncOptions<TaskResult<F>>>
  ): AsyncResult<TaskResult<F>>;
  applyAsync(fn: string, args?: readonly unknown[], options?: ApplyAsyncOptions<unknown>): AsyncResult<unknown>;
  applyAsync(
    fn: unknown,
    args?: readonly unknown[],
    options: ApplyAsyncOptions<unknown> = NO_OPTIONS,
  ): AsyncResult<unknown> {
    checkOptionKeys('applyAsync', options);
    // Frames are recorded up front only for an errorCallback; get() adds its awaiters' frames.
    const caller =
      (options as Partial<ApplyAsyncOptions<unknown>> | null)?.errorCallback === undefined
        ? null
        : captureCaller(this.applyAsync);
    return new AsyncResult(this.#jobs.apply(fn, args, caller, options));
  }

  /** `fn(item)` for every item, in order; settles when every chunk has finished. */
  map<F extends OneArgFunction>(
    fn: TaskLike<F>,
    iterable: Input<MapItem<F>>,
    chunksize?: number | MapOptions,
  ): Promise<TaskResult<F>[]>;
  map(fn: string, iterable: Input<unknown>, chunksize?: number | MapOptions): Promise<unknown[]>;
  map(fn: unknown, iterable: Input<unknown>, chunksize?: number | MapOptions): Promise<unknown[]> {
    try {
      checkOptionKeys('map', chunksize);
      return this.#jobs.map('map', fn, iterable, chunksize, captureCaller(this.map)).get();
    } catch (error) {
      return Promise.reject(error);
    }
  }

  mapAsync<F extends OneArgFunction>(
    fn: TaskLike<F>,
    iterable: Input<MapItem<F>>,
    options?: MapAsyncOptions<TaskResult<F>[]>,
  ): AsyncResult<TaskResult<F>[]>;
  mapAsync(fn: string, iterable: Input<unknown>, options?: MapAsyncOptions<unknown[]>): AsyncResult<unknown[]>;
  mapAsync(fn: unknown, iterable: Input<unknown>, options: MapAsyncOptions<unknown[]> = {}): AsyncResult<unknown[]> {
    checkOptionKeys('mapAsync', options);
    return this.#jobs.map('map', fn, iterable, options, captureCaller(this.mapAsync));
  }

  /** `fn(...args)` for every argument list, in order. */
  starmap<F extends AnyFunction>(
    fn: TaskLike<F>,
    iterable: Input<Parameters<F>>,
    chunksize?: number | MapOptions,
  ): Promise<TaskResult<F>[]>;
  starmap(fn: string, iterable: Input<readonly unknown[]>, chunksize?: number | MapOptions): Promise<unknown[]>;
  starmap(fn: unknown, iterable: Input<readonly unknown[]>, chunksize?: number | MapOptions): Promise<unknown[]> {
    try {
      checkOptionKeys('starmap', chunksize);
      return this.#jobs.map('starmap', fn, iterable, chunksize, captureCaller(this.starmap)).get();
    } catch (error) {
      return Promise.reject(error);
    }
  }

  starmapAsync<F extends AnyFunction>(
    fn: TaskLike<F>,
    iterable: Input<Parameters<F>>,
    options?: MapAsyncOptions<TaskResult<F>[]>,
  ): AsyncResult<TaskResult<F>[]>;
  starmapAsync(
    fn: string,
    iterable: Input<readonly unknown[]>,
    options?: MapAsyncOptions<unknown[]>,
  ): AsyncResult<unknown[]>;
  starmapAsync(
    fn: unknown,
    iterable: Input<readonly unknown[]>,
    options: MapAsyncOptions<unknown[]> = {},
  ): AsyncResult<unknown[]> {
    checkOptionKeys('starmapAsync', options);
    return this.#jobs.map('starmap', fn, iterable, options, captureCaller(this.starmapAsync));
  }

  /** Lazily maps `fn` over `iterable` (which may be infinite); results in input order. */
  imap<F extends OneArgFunction>(
    fn: TaskLike<F>,
    iterable: Input<MapItem<F>>,
    options?: number | ImapOptions,
  ): IMapIterator<TaskResult<F>>;
  imap(fn: string, iterable: Input<unknown>, options?: number | ImapOptions): IMapIterator<unknown>;
  imap(fn: unknown, iterable: Input<unknown>, options?: number | ImapOptions): IMapIterator<unknown> {
    checkOptionKeys('imap', options);
    return this.#jobs.imap(true, fn, iterable, options, captureCaller(this.imap));
  }

  /** Like `imap`, but results come in the order they finish. */
  imapUnordered<F extends OneArgFunction>(
    fn: TaskLike<F>,
    iterable: Input<MapItem<F>>,
    options?: number | ImapOptions,
  ): IMapIterator<TaskResult<F>>;
  imapUnordered(fn: string, iterable: Input<unknown>, options?: number | ImapOptions): IMapIterator<unknown>;
  imapUnordered(fn: unknown, iterable: Input<unknown>, options?: number | ImapOptions): IMapIterator<unknown> {
    checkOptionKeys('imapUnordered', options);
    return this.#jobs.imap(false, fn, iterable, options, captureCaller(this.imapUnordered));
  }

  /** Accepts no more work; workers exit once the work already submitted is done. */
  close(): void {
    if (this.#executor.state === 'running') logPool('closing pool');
    this.#executor.close();
  }

  /** Kills the workers now; every unsettled result rejects with `PoolTerminatedError`. Resolves when all have exited. */
  terminate(): Promise<void> {
    if (this.#executor.state !== 'terminated') logPool('terminating pool');
    return this.#executor.terminate();
  }

  /** Resolves when every worker has exited; call `close()` or `terminate()` first. */
  join(): Promise<void> {
    if (this.#executor.state === 'running' && this.#executor.broken === null) {
      return Promise.reject(new ProcessError('Pool is still running: call close() or terminate() before join()'));
    }
    logPool('joining pool');
    const joined = this.#executor.allExited();
    void joined.then(() => logPool('pool joined'));
    return joined;
  }

  /** Counts of workers and tasks, now. */
  stats(): PoolStats {
    return this.#executor.stats();
  }

  /** `await using pool = new Pool()` terminates the pool at the end of the block. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.terminate();
  }
}
