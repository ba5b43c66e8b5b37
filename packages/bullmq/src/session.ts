import type { JobsOptions, Queue, QueueEvents } from 'bullmq';
import { JobFailedError, JobLostError, type RedisConnectionError } from './errors.js';
import { Link, type RedisConnection } from './connection.js';
import { loadBullmq } from './options.js';

/** Whoever waits for a job's end: its return value, or why there will be none. */
export interface Waiter {
  done(returnvalue: unknown): void;
  failed(error: Error): void;
}

interface SessionOptions {
  connection: RedisConnection;
  queue: string;
  prefix?: string | undefined;
  defaultJobOptions: JobsOptions;
  reconnectTimeout: number;
}

// After Redis comes back, events of jobs that ended meanwhile arrive first; a
// job still pending this long after and gone from Redis was lost with its data.
const LOST_CHECK_DELAY = 2000;
// Closing the connections may not return while Redis is away.
const CLOSE_GRACE = 2000;

/**
 * One connection of a DistributedPool to its queue: a Queue to add jobs and a
 * QueueEvents that reports their ends to the waiters. When Redis stays away
 * past the reconnect timeout, every waiter fails and the session ends; the
 * pool then starts a new one for its next call.
 */
export class Session {
  readonly link: Link;
  readonly ready: Promise<void>;
  queue: Queue | undefined;
  #events: QueueEvents | undefined;
  readonly #waiters: Map<string, Waiter>;
  #ended = false;
  #lostCheck: NodeJS.Timeout | undefined;
  readonly #onEnd: () => void;

  constructor(options: SessionOptions, waiters: Map<string, Waiter>, onEnd: () => void) {
    this.#waiters = waiters;
    this.#onEnd = onEnd;
    this.link = new Link(options.connection, options.reconnectTimeout, (error) => this.#giveUp(error));
    this.ready = this.#start(options);
    this.ready.catch(() => undefined);
  }

  async #start(options: SessionOptions): Promise<void> {
    const { Queue, QueueEvents } = await loadBullmq();
    if (this.#ended) throw this.link.error('the pool was closed');
    const common = {
      connection: this.link.options,
      ...(options.prefix === undefined ? {} : { prefix: options.prefix }),
    };
    const queue = new Queue(options.queue, { ...common, defaultJobOptions: options.defaultJobOptions });
    const events = new QueueEvents(options.queue, common);
    this.queue = queue;
    this.#events = events;
    queue.on('error', (error: unknown) => this.link.noteError(error));
    events.on('error', (error: unknown) => this.link.noteError(error));
    for (const { backend } of [queue, events]) backend.on('ready', () => this.link.noteReady());
    let wasClosed = false;
    events.backend.on('close', () => (wasClosed = true));
    events.backend.on('ready', () => {
      if (wasClosed) this.#checkLost();
      wasClosed = false;
    });
    events.on('completed', ({ jobId, returnvalue }) => this.#take(jobId)?.done(returnvalue));
    events.on('failed', ({ jobId, failedReason }) =>
      this.#take(jobId)?.failed(new JobFailedError(jobId, failedReason)),
    );
    events.on('removed', ({ jobId }) =>
      this.#take(jobId)?.failed(new JobLostError(jobId, 'it was removed from the queue')),
    );
    // QueueEvents reads only events newer than its start: it must be reading before the first job is added.
    let gaveUp: (error: unknown) => void = () => undefined;
    const givenUp = new Promise<never>((_, reject) => (gaveUp = reject));
    this.#rejectStart = gaveUp;
    await Promise.race([Promise.all([queue.waitUntilReady(), events.waitUntilReady()]), givenUp]);
  }

  #rejectStart: (error: unknown) => void = () => undefined;

  #take(jobId: string): Waiter | undefined {
    const waiter = this.#waiters.get(jobId);
    if (waiter !== undefined) this.#waiters.delete(jobId);
    return waiter;
  }

  // Jobs still pending after Redis came back: those it no longer has are lost.
  #checkLost(): void {
    clearTimeout(this.#lostCheck);
    this.#lostCheck = setTimeout(() => {
      const queue = this.queue;
      if (queue === undefined || this.#ended) return;
      for (const jobId of [...this.#waiters.keys()]) {
        queue.getJobState(jobId).then(
          (state) => {
            if (state === 'unknown') {
              this.#take(jobId)?.failed(
                new JobLostError(jobId, 'Redis no longer has it: did it restart without its data?'),
              );
            }
          },
          () => undefined,
        );
      }
    }, LOST_CHECK_DELAY);
    this.#lostCheck.unref();
  }

  #giveUp(error: RedisConnectionError): void {
    this.#rejectStart(error);
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
    clearTimeout(this.#lostCheck);
    this.#onEnd();
    const closing = [this.queue, this.#events].map(async (emitter) => {
      if (emitter === undefined) return;
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_GRACE)));
      await Promise.race([emitter.close().catch(() => undefined), late]);
      clearTimeout(timer);
      await emitter.disconnect().catch(() => undefined);
    });
    await Promise.all(closing);
  }
}
