import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { WorkerLostError, type Pool, type PoolOptions } from '@procpool/core';
import type { Job, Worker } from 'bullmq';
import { AllowedModules } from './allowed-modules.js';
import { bridge } from './bridge.js';
import { settlesWithin } from './grace.js';
import { PoolHolder } from './pool-holder.js';
import { Link, type RedisConnection } from './connection.js';
import { isJobData, type Outcome, type Place, type RunnerAnswer } from './job-data.js';
import { JobMarks, type Holder } from './job-marks.js';
import { checkQueueName, checkTime, loadBullmq, show } from './options.js';

/** Options of `createWorker` (and of `procpool worker`). */
export interface WorkerOptions {
  connection: RedisConnection;
  queue: string;
  /** The local Pool that runs the jobs (its `processes` is how many jobs run at once). */
  pool?: PoolOptions | number;
  /** How this worker appears in BullMQ (`job.processedBy`) and in remote tracebacks; default `host:pid`. */
  name?: string;
  /** BullMQ's key prefix; default `bull`. */
  prefix?: string;
  /** ms a job's lock lasts without renewal; a dead worker's job is retried after about lockDuration + stalledInterval. Default 4000. */
  lockDuration?: number;
  /** ms between checks for jobs whose lock expired. Default 2000. */
  stalledInterval?: number;
  /** ms the first connection to Redis may take before `createWorker` rejects. Default 10 000. */
  connectTimeout?: number;
  /** ms Redis may be away once connected before the worker gives up and closes; default: never gives up. */
  reconnectTimeout?: number;
  /**
   * The modules it may import for a job: absolute paths (or file URLs) of
   * directories or files, and package names. A job naming another fails with
   * a TypeError, untried. Default: any module a job names.
   */
  allowModules?: readonly string[];
}

const RUNNER = `${fileURLToPath(new URL('./job-runner.cjs', import.meta.url))}#runJob`;
// A job whose worker died is tried again by the next worker while attempts are left; BullMQ's own count (a
// Worker option) would fail it before: this worker counts tries itself (an integer Redis accepts).
const STALLS_ALLOWED = 1_000_000;
// close() waits this long for BullMQ to let go of its connections once no job runs.
const CLOSE_GRACE = 5000;
// Disconnecting, and BullMQ's close once disconnected, settle at once or never (Redis gone).
const ABANDON_GRACE = 500;

/** A BullMQ Worker whose jobs run in a local procpool Pool. */
export class DistributedWorker {
  readonly name: string;
  readonly queue: string;
  readonly #pools: PoolHolder;
  /**
   * Settles when the worker has closed: resolves after `close()` or
   * `terminate()`, rejects with RedisConnectionError when it gave up on a
   * Redis gone longer than `reconnectTimeout` (it then terminates itself).
   */
  readonly closed: Promise<void>;
  readonly #worker: Worker;
  readonly #running: Running;
  readonly #link: Link;
  #closing: Promise<void> | null = null;
  #terminating: Promise<void> | null = null;
  /** BullMQ's close, once begun: a second close() of BullMQ's returns the first, force or not. */
  #bullmqClosing: Promise<void> | null = null;
  #settle!: (error?: Error) => void;
  #lostError: Error | undefined;

  /** @internal */
  constructor(name: string, queue: string, pools: PoolHolder, worker: Worker, running: Running, link: Link) {
    this.#running = running;
    this.#link = link;
    this.name = name;
    this.queue = queue;
    this.#pools = pools;
    this.#worker = worker;
    this.closed = new Promise<void>((resolve, reject) => {
      this.#settle = (error) => (error === undefined ? resolve() : reject(error));
    });
    this.closed.catch(() => undefined);
  }

  /** Its local Pool (a new one after one broke: see PoolHolder). */
  get pool(): Pool {
    return this.#pools.pool;
  }

  /** @internal Redis stayed away past reconnectTimeout. */
  lost(error: Error): void {
    this.#lostError ??= error;
    void this.terminate();
  }

  /** Takes no new job, lets the running ones finish and report, then closes the Pool and the connections. */
  close(): Promise<void> {
    return (this.#closing ??= this.#close(false));
  }

  /**
   * Stops at once: running jobs are not reported, so their locks expire and
   * another worker takes them (a try each); the Pool is terminated.
   */
  terminate(): Promise<void> {
    const terminating = (this.#terminating ??= this.#close(true));
    this.#closing ??= terminating;
    return terminating;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /**
   * BullMQ's close() waits for Redis, which may be gone, and a second close()
   * returns the first: disconnecting ends the wait, and its lock renewal timer
   * (which BullMQ stops only at the end of close) must not keep Node alive.
   */
  async #abandon(closing: Promise<void>): Promise<void> {
    const internals = this.#worker as unknown as { lockManager?: { close?(): Promise<void> } };
    await internals.lockManager?.close?.();
    await settlesWithin(this.#worker.disconnect(), ABANDON_GRACE);
    await settlesWithin(closing, ABANDON_GRACE);
  }

  async #close(force: boolean): Promise<void> {
    // Closing holds Node open until it is done: a Pool's join() and terminate() do not (a pool never
    // keeps Node alive), and once Redis is gone nothing else may, so `closed` would never settle.
    const holdOpen = setInterval(() => undefined, 60_000);
    try {
      if (!force) {
        // BullMQ's close() waits for the running jobs (as long as they run), then for Redis, which may be gone.
        const closing = (this.#bullmqClosing = this.#worker.close(false));
        await this.#running.idle();
        // terminate() came meanwhile: it stops the rest.
        if (this.#terminating !== null) return await this.#terminating;
        this.#link.stop();
        // Without Redis, BullMQ cannot finish closing: no need to wait for it.
        await (this.#link.down ? this.#abandon(closing) : bounded(closing, () => this.#abandon(closing)));
        this.pool.close();
        await this.pool.join();
      } else {
        this.#link.stop();
        const begun = this.#bullmqClosing;
        const closing = (this.#bullmqClosing ??= this.#worker.close(true));
        // A close in progress waits for the running jobs, which this is not to do: cut it off.
        const cutOff = begun !== null || this.#link.down;
        await (cutOff ? this.#abandon(closing) : bounded(closing, () => this.#abandon(closing)));
        await this.pool.terminate();
      }
    } finally {
      clearInterval(holdOpen);
    }
    this.#settle(this.#lostError);
  }
}

// Waits for `closing`, at most CLOSE_GRACE; then for `fallback()`, as long again.
async function bounded(closing: Promise<void>, fallback: () => Promise<void>): Promise<void> {
  if (await settlesWithin(closing, CLOSE_GRACE)) return;
  await settlesWithin(fallback(), CLOSE_GRACE);
}

/** Counts the jobs the processor is running, for a close that waits for them (and not for a Redis that is gone). */
class Running {
  #count = 0;
  #idle: Array<() => void> = [];

  async run<T>(job: () => Promise<T>): Promise<T> {
    this.#count += 1;
    try {
      return await job();
    } finally {
      this.#count -= 1;
      if (this.#count === 0) for (const resolve of this.#idle.splice(0)) resolve();
    }
  }

  idle(): Promise<void> {
    return this.#count === 0 ? Promise.resolve() : new Promise((resolve) => this.#idle.push(resolve));
  }
}

function poolOptions(pool: PoolOptions | number | undefined): PoolOptions {
  if (pool === undefined) return {};
  if (typeof pool === 'number') return { processes: pool };
  if (typeof pool !== 'object' || pool === null) {
    throw new TypeError(`Expected \`pool\` to be PoolOptions or a number of processes, got \`${show(pool)}\``);
  }
  return pool;
}

function checkName(name: unknown): string {
  if (typeof name !== 'string' || name === '' || /\s/.test(name)) {
    throw new TypeError(`Expected \`name\` to be a non-empty string without spaces, got \`${show(name)}\``);
  }
  return name;
}

/** The outcome of a job whose worker died on its last try: WorkerLostError, as a Pool reports a worker lost mid-task. */
function lostOutcome(job: Job, queue: string, attempts: number, holder: Holder | null, here: Place): Outcome {
  const error = new WorkerLostError({
    pid: holder?.pid ?? 0,
    workerName: holder?.name ?? 'unknown',
    exitCode: null,
    signal: null,
    stderr: '',
  });
  const who = holder === null ? 'The worker' : `Worker ${holder.name} (pid ${holder.pid} on ${holder.host})`;
  const tries = job.attemptsMade + job.stalledCounter;
  const message =
    `${who} running job ${String(job.id)} of queue ${queue} stopped renewing its lock (its process or machine ` +
    `died, or it lost Redis); tried ${tries} time(s) of attempts: ${attempts}`;
  Object.defineProperty(error, 'message', { value: message, writable: true, configurable: true });
  Object.defineProperty(error, 'stack', { value: `WorkerLostError: ${message}`, writable: true, configurable: true });
  return { ok: false, e: error, i: 0, at: here };
}

/** The BullMQ processor: each job runs in `pool`, its tries counted against the job's attempts. */
function processorFor(
  pools: PoolHolder,
  queue: string,
  name: string,
  running: Running,
  marks: JobMarks,
  allowed: AllowedModules,
): (job: Job) => Promise<string> {
  const encode = (outcome: Outcome): string => bridge.encode(outcome, String, false);
  const here: Place = { host: os.hostname(), pid: process.pid, name, via: name };
  return (job) => running.run(() => runJob(job));
  async function runJob(job: Job): Promise<string> {
    if (!isJobData(job.data)) {
      const { UnrecoverableError } = await loadBullmq();
      throw new UnrecoverableError(`job ${String(job.id)} is not a procpool job: its data names no task`);
    }
    const refusal = allowed.refusal(job.data.m);
    if (refusal !== null) return encode({ ok: false, e: new TypeError(refusal), i: 0, at: here });
    const attempts = Math.max(1, job.opts.attempts ?? 1);
    const tried = job.attemptsMade + job.stalledCounter;
    const jobId = String(job.id);
    if (job.stalledCounter > 0 && tried >= attempts) {
      return encode(lostOutcome(job, queue, attempts, await marks.holder(jobId), here));
    }
    marks.mark(jobId);
    // Before the last try, a failure is thrown: BullMQ tries again (after the job's backoff).
    const last = tried + 1 >= attempts;
    let answer: RunnerAnswer;
    try {
      const call = job.data.t === undefined ? undefined : { taskTimeout: job.data.t };
      answer = (await pools.run((pool) => pool.apply(RUNNER, [job.data, name], call))) as RunnerAnswer;
    } catch (error) {
      // The Pool's own failures: the task crashed its process, ran past taskTimeout, the pool is closing.
      if (!last) throw error;
      return encode({ ok: false, e: error, i: 0, at: here });
    }
    if (answer.failed && !last) throw new Error(answer.reason ?? 'the task failed');
    return answer.out;
  }
}

/**
 * Connects a BullMQ Worker for `queue` whose jobs (sent by DistributedPool)
 * run in a local Pool; resolves once Redis answers, rejects with
 * RedisConnectionError when it does not within `connectTimeout`.
 * @example
 * const worker = await createWorker({ connection: 'redis://127.0.0.1:6379', queue: 'images', pool: { processes: 4 } });
 * process.once('SIGTERM', () => void worker.close());
 */
export async function createWorker(options: WorkerOptions): Promise<DistributedWorker> {
  if (typeof options !== 'object' || options === null) throw new TypeError('Expected createWorker options');
  const queue = checkQueueName(options.queue);
  const name = checkName(options.name ?? `${os.hostname()}:${process.pid}`);
  const lockDuration = checkTime(options.lockDuration, 'lockDuration', 4000);
  const stalledInterval = checkTime(options.stalledInterval, 'stalledInterval', 2000);
  const connectTimeout = checkTime(options.connectTimeout, 'connectTimeout', 10_000);
  const reconnectTimeout = checkTime(options.reconnectTimeout, 'reconnectTimeout', Infinity);
  const settings = poolOptions(options.pool);
  const allowed = new AllowedModules(options.allowModules);
  // Once running, a worker that gives up on Redis terminates itself (`closed` says why).
  let onGiveUp: (error: Error) => void = () => undefined;
  const link = new Link(options.connection, connectTimeout, (error) => onGiveUp(error));
  const { Worker } = await loadBullmq();
  const pools = new PoolHolder(settings);
  const processes = pools.pool.stats().processes;
  const running = new Running();
  let worker: Worker;
  const jobMarks = new JobMarks({ name, host: os.hostname(), pid: process.pid });
  try {
    worker = new Worker(queue, processorFor(pools, queue, name, running, jobMarks, allowed), {
      connection: link.options,
      // The processes ride on the name, so a DistributedPool can cut a map into jobs for all of them.
      name: `${name}~j${processes}`,
      concurrency: processes,
      lockDuration,
      stalledInterval,
      maxStalledCount: STALLS_ALLOWED,
      autorun: false,
      ...(options.prefix === undefined ? {} : { prefix: options.prefix }),
    });
  } catch (error) {
    await pools.pool.terminate();
    throw error;
  }
  jobMarks.attach(worker);
  worker.on('error', (error) => link.noteError(error));
  worker.backend.on('ready', () => link.noteReady());
  try {
    await Promise.race([worker.waitUntilReady(), link.givenUp]);
  } catch (error) {
    await bounded(worker.close(true), () => worker.disconnect());
    await pools.pool.terminate();
    throw link.gaveUp ? error : link.error(`could not connect to Redis at ${link.address}`);
  }
  const distributed = new DistributedWorker(name, queue, pools, worker, running, link);
  link.timeout = reconnectTimeout;
  onGiveUp = (error) => distributed.lost(error);
  void worker.run().catch((error: unknown) => link.noteError(error));
  return distributed;
}
