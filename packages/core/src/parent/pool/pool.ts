/* eslint-disable @typescript-eslint/unbound-method -- public methods are passed to captureCaller only as the frame to cut the stack at, never called */
import { EventEmitter } from 'node:events';
import { PoolNotRunningError, ProcessError } from '../../common/errors.js';
import type { WireTaskRef } from '../../common/protocol.js';
import { resolveTask, type AnyFunction, type TaskLike, type TaskResult } from '../../common/tasks.js';
import {
  checkCallbacks,
  checkChunksize,
  checkInput,
  checkOptionKeys,
  isIterable,
  NO_OPTIONS,
  readAll,
  resolveCall,
  toArgList,
  type CallOptions,
  type Input,
  type ResolvedCall,
} from './arguments.js';
import { AsyncResult, Settlement, type ResultCallbacks, type Settler } from './async-result.js';
import { CollectJob } from './collect-job.js';
import type { PoolEventMap, PoolStats } from './events.js';
import { ImapJob } from './imap-job.js';
import { IMapIterator } from './imap-iterator.js';
import { invalid, isPositiveInteger, normalizeOptions, type PoolOptions, type ResolvedOptions } from './options.js';
import type { ArgsForm } from './chunk.js';
import type { Emit, Executor } from './executor.js';
import { Scheduler } from './scheduler.js';
import { launchWorker } from '../launch/launch.js';
import { captureCaller, rethrowWithAwaiterFrames, type Caller } from './stacks.js';
import type { Job } from './job.js';

/** `args` may be left out only when the task takes no required arguments (`apply` and `applyAsync` alike). */
export type ApplyRest<F extends AnyFunction, O = CallOptions> =
  [] extends Parameters<F> ? [args?: Parameters<F>, options?: O] : [args: Parameters<F>, options?: O];
/** Tasks `map` can call: one argument per item. */
export type OneArgFunction = (arg: never) => unknown;
/** What `map` feeds a task: its first parameter; anything for a task that takes none. */
export type MapItem<F extends OneArgFunction> = Parameters<F> extends [] ? unknown : Parameters<F>[0];

export interface ApplyAsyncOptions<R> extends ResultCallbacks<R>, CallOptions {}

export interface MapOptions extends CallOptions {
  /** Items per task message. @default ceil(items / (4 × processes)) */
  chunksize?: number | undefined;
}

export interface MapAsyncOptions<R> extends MapOptions, ResultCallbacks<R> {}

export interface ImapOptions extends CallOptions {
  /** Items per task message. @default 1 */
  chunksize?: number | undefined;
  /** Items read from the input ahead of the consumer, at most. @default 4 × processes × chunksize */
  bufferSize?: number | undefined;
}

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
  readonly #processes: number;

  constructor(options?: number | PoolOptions) {
    super();
    const resolved = normalizeOptions(options);
    this.#processes = resolved.processes;
    // EventEmitter's typed emit cannot see through the generic event name; the Emit type checks callers.
    const emit = this.emit.bind(this) as (event: string, ...args: unknown[]) => boolean;
    this.#executor = this.createExecutor(resolved, (event, ...args) => void emit(event, ...args));
  }

  /**
   * The engine that runs this pool's jobs: worker processes. A pool of
   * another kind (threads, machines) overrides this. Called by the constructor.
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
      settlement = this.#apply(fn, args, null, options ?? NO_OPTIONS);
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
    return new AsyncResult(this.#apply(fn, args, caller, options));
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
      return this.#map('map', fn, iterable, chunksize, captureCaller(this.map)).get();
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
    return this.#map('map', fn, iterable, options, captureCaller(this.mapAsync));
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
      return this.#map('starmap', fn, iterable, chunksize, captureCaller(this.starmap)).get();
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
    return this.#map('starmap', fn, iterable, options, captureCaller(this.starmapAsync));
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
    return this.#imap(true, fn, iterable, options, captureCaller(this.imap));
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
    return this.#imap(false, fn, iterable, options, captureCaller(this.imapUnordered));
  }

  /** Accepts no more work; workers exit once the work already submitted is done. */
  close(): void {
    this.#executor.close();
  }

  /** Kills the workers now; every unsettled result rejects with `PoolTerminatedError`. Resolves when all have exited. */
  terminate(): Promise<void> {
    return this.#executor.terminate();
  }

  /** Resolves when every worker has exited; call `close()` or `terminate()` first. */
  join(): Promise<void> {
    if (this.#executor.state === 'running' && this.#executor.broken === null) {
      return Promise.reject(new ProcessError('Pool is still running: call close() or terminate() before join()'));
    }
    return this.#executor.allExited();
  }

  /** Counts of workers and tasks, now. */
  stats(): PoolStats {
    return this.#executor.stats();
  }

  /** `await using pool = new Pool()` terminates the pool at the end of the block. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.terminate();
  }

  #checkRunning(): void {
    const { state } = this.#executor;
    if (state !== 'running') {
      throw new PoolNotRunningError(`Pool is ${state === 'closed' ? 'closed' : 'terminated'}: it accepts no new tasks`);
    }
  }

  #reportUnobserved = (error: unknown): void => {
    this.emit('taskError', error);
  };

  /** Registers a job, aborting it when the call's signal fires. */
  #startJob(job: Job, { signal }: ResolvedCall): void {
    this.#executor.addJob(job);
    if (signal === undefined || job.finished) return;
    if (signal.aborted) {
      this.#executor.abortJob(job, signal.reason);
      return;
    }
    const onAbort = (): void => this.#executor.abortJob(job, signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    this.#executor.onFinish(job, () => signal.removeEventListener('abort', onAbort));
  }

  #apply(fn: unknown, args: unknown, caller: Caller | null, options: ApplyAsyncOptions<unknown>): Settlement<unknown> {
    this.#checkRunning();
    if (args !== undefined && !Array.isArray(args)) throw invalid('args', 'an array of arguments', args);
    checkCallbacks(options);
    const call = resolveCall(options);
    const ref = resolveTask(fn);
    const settlement = new Settlement<unknown>(options, this.#reportUnobserved);
    const job = new CollectJob(settlement, caller, 1, 1, true, this.#executor.jobFinished, call.taskTimeout);
    this.#startJob(job, call);
    // Encoded at once (submit), so the caller's array is neither kept nor copied.
    this.#executor.submit(job, ref, 'apply', 0, [(args ?? []) as unknown[]]);
    return settlement;
  }

  #map(
    form: ArgsForm,
    fn: unknown,
    iterable: unknown,
    options: number | MapAsyncOptions<unknown[]> | undefined,
    caller: Caller,
  ): AsyncResult<unknown[]> {
    this.#checkRunning();
    const settings = typeof options === 'object' && options !== null ? options : { chunksize: options };
    const size = checkChunksize(settings.chunksize);
    checkCallbacks(settings);
    const call = resolveCall(settings);
    const ref = resolveTask(fn);
    checkInput(iterable);
    // A sync input is read now, so its own error reaches the caller as it is.
    const items = isIterable(iterable) ? Array.from(iterable) : null;
    const settlement = new Settlement<unknown[]>(settings, this.#reportUnobserved);
    if (items !== null) this.#startMap(form, ref, items, size, caller, settlement, call);
    else {
      this.#executor.track(readAll(iterable as AsyncIterable<unknown>)).then(
        (read) => this.#startMap(form, ref, read, size, caller, settlement, call),
        (error: unknown) => settlement.reject(error),
      );
    }
    return new AsyncResult(settlement);
  }

  #startMap(
    form: ArgsForm,
    ref: WireTaskRef,
    items: unknown[],
    chunksize: number | undefined,
    caller: Caller,
    settler: Settler<unknown[]>,
    call: ResolvedCall,
  ): void {
    if (items.length === 0) {
      settler.resolve([]);
      return;
    }
    const size = chunksize ?? Math.ceil(items.length / (4 * this.#processes));
    const chunks = Math.ceil(items.length / size);
    const job = new CollectJob(
      settler,
      caller,
      chunks,
      items.length,
      false,
      this.#executor.jobFinished,
      call.taskTimeout,
    );
    this.#startJob(job, call);
    for (let start = 0; start < items.length && !job.finished; start += size) {
      const chunk = items.slice(start, start + size);
      // map: the items go as they are, each the one argument of its call.
      let list: unknown[];
      try {
        list = form === 'starmap' ? chunk.map((item, i) => toArgList(item, start + i)) : chunk;
      } catch (error) {
        job.chunkFailed(start, chunk.length, error);
        continue;
      }
      this.#executor.submit(job, ref, form, start, list);
    }
  }

  #imap(
    ordered: boolean,
    fn: unknown,
    iterable: unknown,
    options: number | ImapOptions | undefined,
    caller: Caller,
  ): IMapIterator<unknown> {
    this.#checkRunning();
    const settings = typeof options === 'object' && options !== null ? options : { chunksize: options };
    const chunksize = checkChunksize(settings.chunksize) ?? 1;
    const bufferSize = settings.bufferSize ?? 4 * this.#processes * chunksize;
    if (!isPositiveInteger(bufferSize)) throw invalid('bufferSize', 'a positive integer', bufferSize, true);
    const call = resolveCall(settings);
    const ref = resolveTask(fn);
    checkInput(iterable);
    const job = new ImapJob(
      iterable,
      { ordered, chunksize, bufferSize: Math.max(bufferSize, chunksize), taskTimeout: call.taskTimeout },
      caller,
      (owner, start, items) => this.#executor.submit(owner, ref, 'map', start, items),
      this.#executor.jobFinished,
    );
    this.#startJob(job, call);
    if (!job.finished) job.fill();
    return new IMapIterator(job);
  }
}
