import type { JobsOptions, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { Link, type RedisConnection } from './connection.js';
import { JobFailedError, JobLostError, type RedisConnectionError } from './errors.js';
import { EventReader, type JobEnd } from './event-reader.js';
import type { JobData } from './job-data.js';
import { settlesWithin } from './grace.js';
import { loadBullmq } from './options.js';

/** Whoever waits for a job's end: its return value, or why there will be none. */
export interface Waiter {
  done(returnvalue: unknown): void;
  failed(error: Error): void;
  /** Set once the job is in Redis (a job not yet added is not lost). */
  added: boolean;
}

/** A job about to be added: its id, data, and its waiter's promise. */
export interface PendingJob {
  readonly id: string;
  readonly data: JobData;
  readonly waiter: Waiter;
  readonly promise: Promise<unknown>;
}

/** Jobs per addBulk: one round trip each, and a bounded command. */
const BULK = 1000;

interface SessionOptions {
  connection: RedisConnection;
  queue: string;
  prefix?: string | undefined;
  defaultJobOptions: JobsOptions;
  reconnectTimeout: number;
}

// Closing the connections may not return while Redis is away.
const CLOSE_GRACE = 2000;

type Socketed = { stream?: { ref?(): void; unref?(): void } };

/**
 * One connection of a DistributedPool to its queue: a BullMQ Queue to add
 * jobs, and an EventReader that reports their ends to the waiters. When Redis
 * stays away past the reconnect timeout, every waiter fails and the session
 * ends; the pool starts a new one for its next call.
 */
export class Session {
  readonly link: Link;
  readonly ready: Promise<void>;
  queue: Queue | undefined;
  #events: Redis | undefined;
  #reader: EventReader | undefined;
  readonly #waiters: Map<string, Waiter>;
  #ended = false;
  #held = true;
  readonly #onEnd: () => void;

  constructor(options: SessionOptions, waiters: Map<string, Waiter>, onEnd: () => void) {
    this.#waiters = waiters;
    this.#onEnd = onEnd;
    this.link = new Link(options.connection, options.reconnectTimeout, (error) => this.#giveUp(error));
    this.ready = this.#start(options);
    this.ready.catch(() => undefined);
  }

  async #start(options: SessionOptions): Promise<void> {
    const [{ Queue }, { Redis }] = await Promise.all([loadBullmq(), import('ioredis')]);
    if (this.#ended) throw this.link.error('the pool was closed');
    const queue = new Queue(options.queue, {
      connection: this.link.options,
      defaultJobOptions: options.defaultJobOptions,
      ...(options.prefix === undefined ? {} : { prefix: options.prefix }),
    });
    this.queue = queue;
    queue.on('error', (error: unknown) => this.link.noteError(error));
    queue.backend.on('ready', () => {
      this.link.noteReady();
      this.#applyHold();
    });
    // Blocking reads: a command interrupted by a reconnection is sent again, not failed.
    const { url, ...rest } = this.link.options;
    const eventOptions = { ...rest, maxRetriesPerRequest: null };
    const events = url === undefined ? new Redis(eventOptions) : new Redis(url, eventOptions);
    this.#events = events;
    const reader = new EventReader(
      events,
      queue.keys.events!,
      (end) => this.#ended || this.#take(end),
      (why) => this.#recover(why),
    );
    this.#reader = reader;
    let connected = false;
    events.on('error', (error: unknown) => this.link.noteError(error));
    events.on('ready', () => {
      this.link.noteReady();
      if (connected) reader.noteReconnected();
      connected = true;
      this.#applyHold();
    });
    await Promise.race([Promise.all([queue.waitUntilReady(), reader.start()]), this.link.givenUp]);
    this.#applyHold();
  }

  /**
   * Adds the jobs, each already waited for (a fast job can end before its add
   * returns); a failure to add fails them. An aborted `signal` fails those still
   * pending and removes them from Redis if no worker has started them.
   */
  add(jobs: PendingJob[], jobOptions: JobsOptions, signal: AbortSignal | undefined): void {
    this.hold(true);
    const fail = (error: unknown): void => {
      for (const job of jobs) {
        if (this.#waiters.get(job.id) === job.waiter) {
          this.#waiters.delete(job.id);
          job.waiter.failed(error as Error);
        }
      }
    };
    if (signal !== undefined) this.#watchAbort(signal, jobs, fail);
    void (async () => {
      await this.ready;
      const queue = this.queue!;
      for (let i = 0; i < jobs.length; i += BULK) {
        const batch = jobs.slice(i, i + BULK).filter((job) => this.#waiters.get(job.id) === job.waiter);
        if (batch.length === 0) continue;
        await queue.addBulk(
          batch.map((job) => ({
            name: `${job.data.m}#${job.data.n}`,
            data: job.data,
            opts: { ...jobOptions, jobId: job.id },
          })),
        );
        for (const job of batch) job.waiter.added = true;
      }
    })().catch((error: unknown) => fail(this.link.gaveUp ? this.link.error('lost Redis') : error));
  }

  /**
   * One listener per signal, however many jobs it covers (an imap adds them
   * one by one): aborting fails those still pending and removes them from
   * Redis if no worker has started them. The listener goes with the last job.
   */
  #watchAbort(signal: AbortSignal, jobs: PendingJob[], fail: (error: unknown) => void): void {
    const pending = (job: PendingJob): boolean => this.#waiters.get(job.id) === job.waiter;
    if (signal.aborted) {
      fail(signal.reason);
      return;
    }
    let watched = this.#aborts.get(signal);
    if (watched === undefined) {
      const covered = new Set<PendingJob>();
      const listener = (): void => {
        this.#aborts.delete(signal);
        const still = [...covered].filter(pending);
        for (const job of still) {
          this.#waiters.delete(job.id);
          job.waiter.failed(signal.reason as Error);
        }
        for (const job of still) void this.queue?.remove(job.id).catch(() => undefined);
      };
      signal.addEventListener('abort', listener, { once: true });
      watched = { covered, listener };
      this.#aborts.set(signal, watched);
    }
    const { covered, listener } = watched;
    const done = (job: PendingJob): void => {
      covered.delete(job);
      if (covered.size > 0 || this.#aborts.get(signal) !== watched) return;
      this.#aborts.delete(signal);
      signal.removeEventListener('abort', listener);
    };
    for (const job of jobs) {
      covered.add(job);
      job.promise.then(
        () => done(job),
        () => done(job),
      );
    }
  }

  readonly #aborts = new Map<AbortSignal, { covered: Set<PendingJob>; listener: () => void }>();

  #take(end: JobEnd): void {
    const waiter = this.#waiters.get(end.jobId);
    if (waiter === undefined) return;
    this.#waiters.delete(end.jobId);
    if (end.event === 'completed') waiter.done(end.returnvalue);
    else if (end.event === 'failed') waiter.failed(new JobFailedError(end.jobId, end.failedReason ?? ''));
    else waiter.failed(new JobLostError(end.jobId, 'it was removed from the queue'));
  }

  /**
   * Whether the connections keep Node alive: only while jobs are pending, so a
   * pool the program forgets to close does not hold it open (as Pool does not).
   */
  hold(held: boolean): void {
    if (this.#held === held) return;
    this.#held = held;
    this.#applyHold();
  }

  #applyHold(): void {
    this.#reader?.want(this.#held);
    this.queue?.backend.client.then(
      (client) => {
        const { stream } = client as Socketed;
        if (this.#held) stream?.ref?.();
        else stream?.unref?.();
      },
      () => undefined,
    );
  }

  /**
   * Settles the pending jobs whose end the event stream no longer tells:
   * after a reconnection (Redis may have restarted without its data), or when
   * the stream was trimmed past what was read (it keeps ~10 000 events). A
   * finished job is read from Redis (finished jobs are kept a while for this);
   * one Redis no longer has is lost.
   */
  #recover(why: string): void {
    const queue = this.queue;
    if (queue === undefined || this.#ended) return;
    for (const [jobId, waiter] of this.#waiters) {
      if (!waiter.added) continue;
      queue.getJob(jobId).then(
        (job) => {
          if (this.#waiters.get(jobId) !== waiter) return;
          if (job === undefined) {
            this.#waiters.delete(jobId);
            waiter.failed(new JobLostError(jobId, why));
          } else if (job.finishedOn !== undefined) {
            // A job that failed a try and completed the next keeps that try's failedReason: its outcome decides.
            const returned: unknown = job.returnvalue;
            this.#take(
              typeof returned === 'string'
                ? { event: 'completed', jobId, returnvalue: returned }
                : { event: 'failed', jobId, failedReason: job.failedReason },
            );
          }
        },
        () => undefined,
      );
    }
  }

  #giveUp(error: RedisConnectionError): void {
    for (const [jobId, waiter] of [...this.#waiters]) {
      this.#waiters.delete(jobId);
      waiter.failed(error);
    }
    void this.close();
  }

  /** Closes both connections (forcibly, if Redis does not answer in time); idempotent. */
  async close(): Promise<void> {
    if (this.#ended) return;
    this.#ended = true;
    this.#onEnd();
    this.#reader?.close();
    this.#events?.disconnect();
    const queue = this.queue;
    if (queue === undefined) return;
    await settlesWithin(queue.close(), CLOSE_GRACE);
    await queue.disconnect().catch(() => undefined);
  }
}
