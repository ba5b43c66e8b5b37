/* eslint-disable @typescript-eslint/unbound-method -- public methods are passed to captureCaller only as the frame to cut the stack at, never called */
import { randomUUID } from 'node:crypto';
import {
  PoolNotRunningError,
  PoolTerminatedError,
  type AnyFunction,
  type MapItem,
  type OneArgFunction,
  type TaskLike,
  type TaskResult,
} from '@procpool/core';
import type { JobsOptions } from 'bullmq';
import { bridge } from './bridge.js';
import { describe, type RedisConnection } from './connection.js';
import { DistributedIMapIterator } from './distributed-imap-iterator.js';
import { settlesWithin } from './grace.js';
import { checkChunksize, isInput, jobData, readAll, shiftIndex, type Input } from './inputs.js';
import type { JobData, JobKind } from './job-data.js';
import { checkQueueName, checkTime, show } from './options.js';
import { captureCaller, readOutcome, type Caller } from './outcome.js';
import { Session, type PendingJob, type Waiter } from './session.js';
import {
  checkCallOptions,
  type DistributedCallOptions,
  type DistributedImapOptions,
  type DistributedMapOptions,
} from './call-options.js';

/** Options of `new DistributedPool`. */
export interface DistributedPoolOptions {
  connection: RedisConnection;
  queue: string;
  /**
   * BullMQ's job options for every job (attempts, backoff, priority, …). By
   * default Redis keeps the latest 10 000 finished jobs for an hour (`removeOnComplete`).
   */
  defaultJobOptions?: JobsOptions;
  /** BullMQ's key prefix; default `bull`. */
  prefix?: string;
  /** ms Redis may be unreachable before pending calls reject with RedisConnectionError. Default 10 000. */
  reconnectTimeout?: number;
}

type ApplyArgs<F extends AnyFunction> =
  [] extends Parameters<F>
    ? [args?: Parameters<F>, options?: DistributedCallOptions]
    : [args: Parameters<F>, options?: DistributedCallOptions];

/**
 * Finished jobs Redis keeps (the latest 10 000, for an hour at most): a client
 * that fell behind the event stream, or lost Redis for a moment, reads the
 * results it missed from them.
 */
const KEEP_FINISHED = { age: 3600, count: 10_000 };
/** ms terminate() spends removing its unstarted jobs, at most. */
const REMOVE_GRACE = 2000;
/** How many jobs a map is cut into per process of the workers, as Pool does per process of its own. */
const JOBS_PER_PROCESS = 4;
/** The processes assumed when Redis cannot list the workers (none connected yet, or CLIENT LIST refused). */
const UNKNOWN_PROCESSES = 16;

/**
 * A Pool whose tasks run on procpool workers on other machines, through a
 * BullMQ queue in Redis (`createWorker` / `procpool worker` on each).
 * @example
 * const pool = new DistributedPool({ connection: 'redis://10.0.0.5:6379', queue: 'images' });
 * const sizes = await pool.map(resize, files);
 * await pool.close();
 */
export class DistributedPool {
  readonly queue: string;
  readonly #options: {
    connection: RedisConnection;
    prefix?: string;
    defaultJobOptions: JobsOptions;
    reconnectTimeout: number;
  };
  readonly #waiters = new Map<string, Waiter>();
  readonly #idPrefix = randomUUID();
  #sequence = 0;
  #session: Session | null = null;
  #state: 'running' | 'closed' | 'terminated' = 'running';
  #idle: Array<() => void> = [];
  #active = 0;

  constructor(options: DistributedPoolOptions) {
    if (typeof options !== 'object' || options === null) throw new TypeError('Expected DistributedPool options');
    describe(options.connection);
    this.queue = checkQueueName(options.queue);
    const jobOptions = options.defaultJobOptions ?? {};
    if (typeof jobOptions !== 'object' || jobOptions === null) {
      throw new TypeError(`Expected \`defaultJobOptions\` to be BullMQ job options, got \`${show(jobOptions)}\``);
    }
    this.#options = {
      connection: options.connection,
      ...(options.prefix === undefined ? {} : { prefix: options.prefix }),
      defaultJobOptions: { removeOnComplete: KEEP_FINISHED, removeOnFail: KEEP_FINISHED, ...jobOptions },
      reconnectTimeout: checkTime(options.reconnectTimeout, 'reconnectTimeout', 10_000),
    };
  }

  /** `fn(...args)` on a worker. */
  apply<F extends AnyFunction>(fn: TaskLike<F>, ...rest: ApplyArgs<F>): Promise<TaskResult<F>>;
  apply(fn: string, args?: readonly unknown[], options?: DistributedCallOptions): Promise<unknown>;
  async apply(fn: unknown, args: readonly unknown[] = [], options?: DistributedCallOptions): Promise<unknown> {
    const caller = captureCaller(this.apply);
    this.#checkRunning();
    return this.#tracked(async () => {
      const call = checkCallOptions(options, 'apply');
      if (!Array.isArray(args)) {
        throw new TypeError(`Expected \`args\` to be an array of arguments, got \`${show(args)}\``);
      }
      const ref = bridge.resolveTask(fn);
      const encoded = bridge.encode(args, (path) => `args${path}`, true);
      const [job] = this.#submit([jobData(ref, 'a', encoded, call.taskTimeout)], call.jobOptions, call.signal);
      const outcome = readOutcome(await job!.promise, job!.id, caller);
      if (!outcome.ok) throw outcome.thrown;
      return outcome.value;
    });
  }

  /** `fn(item)` for every item, in order; the items travel in jobs of `chunksize`. */
  map<F extends OneArgFunction>(
    fn: TaskLike<F>,
    iterable: Input<MapItem<F>>,
    chunksize?: number | DistributedMapOptions,
  ): Promise<TaskResult<F>[]>;
  map(fn: string, iterable: Input<unknown>, chunksize?: number | DistributedMapOptions): Promise<unknown[]>;
  map(fn: unknown, iterable: Input<unknown>, chunksize?: number | DistributedMapOptions): Promise<unknown[]> {
    return this.#map('m', fn, iterable, chunksize, captureCaller(this.map));
  }

  /** `fn(...args)` for every argument list, in order. */
  starmap<F extends AnyFunction>(
    fn: TaskLike<F>,
    iterable: Input<Parameters<F>>,
    chunksize?: number | DistributedMapOptions,
  ): Promise<TaskResult<F>[]>;
  starmap(
    fn: string,
    iterable: Input<readonly unknown[]>,
    chunksize?: number | DistributedMapOptions,
  ): Promise<unknown[]>;
  starmap(fn: unknown, iterable: Input<unknown>, chunksize?: number | DistributedMapOptions): Promise<unknown[]> {
    return this.#map('s', fn, iterable, chunksize, captureCaller(this.starmap));
  }

  /** Results in input order, the input read lazily: at most `bufferSize` items are in Redis at a time. */
  imap<F extends OneArgFunction>(
    fn: TaskLike<F>,
    iterable: Input<MapItem<F>>,
    chunksize?: number | DistributedImapOptions,
  ): DistributedIMapIterator<TaskResult<F>>;
  imap(
    fn: string,
    iterable: Input<unknown>,
    chunksize?: number | DistributedImapOptions,
  ): DistributedIMapIterator<unknown>;
  imap(
    fn: unknown,
    iterable: Input<unknown>,
    chunksize?: number | DistributedImapOptions,
  ): DistributedIMapIterator<unknown> {
    return this.#imap(fn, iterable, chunksize, true, captureCaller(this.imap));
  }

  /** As imap, in the order the results arrive. */
  imapUnordered<F extends OneArgFunction>(
    fn: TaskLike<F>,
    iterable: Input<MapItem<F>>,
    chunksize?: number | DistributedImapOptions,
  ): DistributedIMapIterator<TaskResult<F>>;
  imapUnordered(
    fn: string,
    iterable: Input<unknown>,
    chunksize?: number | DistributedImapOptions,
  ): DistributedIMapIterator<unknown>;
  imapUnordered(
    fn: unknown,
    iterable: Input<unknown>,
    chunksize?: number | DistributedImapOptions,
  ): DistributedIMapIterator<unknown> {
    return this.#imap(fn, iterable, chunksize, false, captureCaller(this.imapUnordered));
  }

  /** Takes no new calls; resolves once every pending call has settled and the connections are closed. */
  async close(): Promise<void> {
    if (this.#state === 'running') this.#state = 'closed';
    if (this.#busy()) await new Promise<void>((resolve) => this.#idle.push(resolve));
    await this.#session?.close();
  }

  /**
   * Rejects every pending call with PoolTerminatedError, removes their jobs
   * that no worker has started, and closes the connections.
   */
  async terminate(): Promise<void> {
    this.#state = 'terminated';
    const waiting = [...this.#waiters];
    this.#waiters.clear();
    for (const [, waiter] of waiting) waiter.failed(new PoolTerminatedError());
    const queue = this.#session?.queue;
    if (queue !== undefined) {
      // Best effort: a job a worker holds cannot be removed, and Redis may be away.
      await settlesWithin(Promise.allSettled(waiting.map(([jobId]) => queue.remove(jobId))), REMOVE_GRACE);
    }
    this.#settleIdle();
    await this.#session?.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.terminate();
  }

  #checkRunning(): void {
    if (this.#state !== 'running') throw new PoolNotRunningError(`DistributedPool is ${this.#state}`);
  }

  /** Calls in progress (an imap until it ends) or jobs waited for: close() waits for them. */
  #busy(): boolean {
    return this.#active > 0 || this.#waiters.size > 0;
  }

  async #tracked<T>(call: () => Promise<T>): Promise<T> {
    this.#active += 1;
    try {
      return await call();
    } finally {
      this.#active -= 1;
      this.#settleIdle();
    }
  }

  #settleIdle(): void {
    if (this.#busy()) return;
    this.#session?.hold(false);
    for (const resolve of this.#idle.splice(0)) resolve();
  }

  #sessionNow(): Session {
    if (this.#session === null) {
      const session: Session = new Session({ ...this.#options, queue: this.queue }, this.#waiters, () => {
        if (this.#session === session) this.#session = null;
      });
      this.#session = session;
    }
    return this.#session;
  }

  /** Adds the jobs (registered as waiting first: a fast job can end before its add returns). */
  #submit(datas: JobData[], jobOptions: JobsOptions, signal: AbortSignal | undefined): PendingJob[] {
    const jobs = datas.map((data): PendingJob => {
      const id = `${this.#idPrefix}-${(this.#sequence += 1)}`;
      let waiter!: Waiter;
      const promise = new Promise<unknown>((resolve, reject) => {
        waiter = {
          added: false,
          done: (value) => {
            resolve(value);
            this.#settleIdle();
          },
          failed: (error) => {
            reject(error);
            this.#settleIdle();
          },
        };
      });
      this.#waiters.set(id, waiter);
      return { id, data, promise, waiter };
    });
    this.#sessionNow().add(jobs, jobOptions, signal);
    return jobs;
  }

  async #map(
    kind: JobKind,
    fn: unknown,
    iterable: Input<unknown>,
    chunksize: number | DistributedMapOptions | undefined,
    caller: Caller,
  ): Promise<unknown[]> {
    this.#checkRunning();
    return this.#tracked(() => this.#mapNow(kind, fn, iterable, chunksize, caller));
  }

  async #mapNow(
    kind: JobKind,
    fn: unknown,
    iterable: Input<unknown>,
    chunksize: number | DistributedMapOptions | undefined,
    caller: Caller,
  ): Promise<unknown[]> {
    const options = typeof chunksize === 'object' && chunksize !== null ? chunksize : { chunksize };
    const call = checkCallOptions(options, 'map');
    const size = checkChunksize(options.chunksize);
    const ref = bridge.resolveTask(fn);
    const items = await readAll(iterable);
    if (items.length === 0) return [];
    const per = size ?? Math.ceil(items.length / (JOBS_PER_PROCESS * (await this.#workerProcesses())));
    const datas: JobData[] = [];
    for (let start = 0; start < items.length; start += per) {
      const chunk = items.slice(start, start + per);
      const encoded = bridge.encode(chunk, (path) => `items${shiftIndex(path, start)}`, true);
      datas.push(jobData(ref, kind, encoded, call.taskTimeout));
    }
    const jobs = this.#submit(datas, call.jobOptions, call.signal);
    const settled = await Promise.allSettled(jobs.map((job) => job.promise));
    const values: unknown[] = [];
    for (let i = 0; i < jobs.length; i++) {
      const result = settled[i]!;
      if (result.status === 'rejected') throw result.reason;
      const outcome = readOutcome(result.value, jobs[i]!.id, caller);
      if (!outcome.ok) throw outcome.thrown;
      values.push(...(outcome.value as unknown[]));
    }
    return values;
  }

  #imap(
    fn: unknown,
    iterable: Input<unknown>,
    chunksize: number | DistributedImapOptions | undefined,
    ordered: boolean,
    caller: Caller,
  ): DistributedIMapIterator<unknown> {
    this.#checkRunning();
    const options = typeof chunksize === 'object' && chunksize !== null ? chunksize : { chunksize };
    const call = checkCallOptions(options, 'imap');
    const size = checkChunksize(options.chunksize) ?? 1;
    const bufferSize = checkChunksize(options.bufferSize, 'bufferSize') ?? 64 * size;
    const ref = bridge.resolveTask(fn);
    if (!isInput(iterable)) throw new TypeError(`Expected an iterable or async iterable, got \`${show(iterable)}\``);
    // A pending call until it ends: close() waits for it, and it may go on adding jobs meanwhile.
    this.#active += 1;
    return new DistributedIMapIterator({
      iterable,
      chunksize: size,
      jobsAhead: Math.max(1, Math.ceil(bufferSize / size)),
      ordered,
      submit: (chunk, start) => {
        if (this.#state === 'terminated') throw new PoolTerminatedError();
        const encoded = bridge.encode(chunk, (path) => `items${shiftIndex(path, start)}`, true);
        const [job] = this.#submit([jobData(ref, 'm', encoded, call.taskTimeout)], call.jobOptions, call.signal);
        return job!;
      },
      read: (value, id) => readOutcome(value, id, caller),
      onEnd: () => {
        this.#active -= 1;
        this.#settleIdle();
      },
    });
  }

  /** The processes of the workers connected now (their names carry it: BullMQ lists a client as `rawname`), for map's chunks. */
  async #workerProcesses(): Promise<number> {
    const session = this.#sessionNow();
    // The connections keep Node alive only while something waits for Redis: this does.
    session.hold(true);
    try {
      await session.ready;
      const workers = await session.queue!.getWorkers();
      let processes = 0;
      for (const worker of workers) processes += Number(/~j(\d+)$/.exec(worker.rawname ?? '')?.[1] ?? 0);
      return processes > 0 ? processes : UNKNOWN_PROCESSES;
    } catch {
      return UNKNOWN_PROCESSES;
    } finally {
      if (this.#waiters.size === 0) session.hold(false);
    }
  }
}
