import type { Input } from './inputs.js';
import { TimeoutError } from '@procpool/core';

type Read = { ok: true; value: unknown } | { ok: false; index: number; thrown: unknown };
type Entry = { ok: true; value: unknown } | { ok: false; error: unknown };

interface InFlight {
  settled: boolean;
  entries: Entry[];
  promise: Promise<void>;
}

interface DistributedIMapIteratorOptions {
  iterable: Input<unknown>;
  chunksize: number;
  /** Jobs kept in Redis ahead of the consumer. */
  jobsAhead: number;
  ordered: boolean;
  /** Adds a job for `chunk`, whose first item is input item `start`. */
  submit(chunk: unknown[], start: number): { id: string; promise: Promise<unknown> };
  read(returnvalue: unknown, jobId: string): Read;
  /** Runs once, when the iteration has ended (its input and jobs done, an error of its input, or return()). */
  onEnd(): void;
}

/**
 * The results of imap/imapUnordered: reads the input lazily, keeping at most
 * `jobsAhead` jobs in Redis. An item's error is thrown at its place (for a
 * chunk: once, for the chunk) and ends the iteration, as does an error of
 * the input itself, after the results before it.
 */
export class DistributedIMapIterator<R> implements AsyncIterableIterator<R> {
  readonly #options: DistributedIMapIteratorOptions;
  #source: Iterator<unknown> | AsyncIterator<unknown> | undefined;
  #read = 0;
  #inputDone = false;
  #inputError: { error: unknown } | undefined;
  #window: InFlight[] = [];
  #ready: Entry[] = [];
  #finished = false;
  #pending: Promise<IteratorResult<R>> | undefined;

  constructor(options: DistributedIMapIteratorOptions) {
    this.#options = options;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** The next result; with `timeout` (ms), rejects with TimeoutError when none comes in time (the work goes on). */
  next(timeout?: number | null): Promise<IteratorResult<R>> {
    const pending = (this.#pending ??= this.#next().finally(() => (this.#pending = undefined)));
    if (timeout === undefined || timeout === null) return pending;
    if (typeof timeout !== 'number' || !(timeout >= 0)) {
      return Promise.reject(
        new RangeError(`Expected \`timeout\` to be a number of ms ≥ 0, got \`${String(timeout)}\``),
      );
    }
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new TimeoutError(timeout)), timeout);
    });
    return Promise.race([pending, late]).finally(() => clearTimeout(timer));
  }

  /** Stops reading the input; jobs already in Redis still run, their results unread. */
  async return(): Promise<IteratorResult<R>> {
    await this.#stop();
    return { done: true, value: undefined };
  }

  // Ends the iteration: no more input is read (the input is closed), results not yet read are dropped.
  async #stop(): Promise<void> {
    this.#finish();
    this.#ready = [];
    this.#window = [];
    const source = this.#source;
    if (!this.#inputDone) {
      this.#inputDone = true;
      await source?.return?.();
    }
  }

  #finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#options.onEnd();
  }

  async #next(): Promise<IteratorResult<R>> {
    for (;;) {
      const entry = this.#ready.shift();
      if (entry !== undefined) {
        if (!entry.ok) {
          // An item's error ends the iteration, as it ends a for-await loop (which then calls no return()).
          await this.#stop().catch(() => undefined);
          throw entry.error;
        }
        return { done: false, value: entry.value as R };
      }
      if (this.#finished) return { done: true, value: undefined };
      await this.#fill();
      if (this.#window.length === 0) {
        this.#finish();
        if (this.#inputError !== undefined) throw this.#inputError.error;
        return { done: true, value: undefined };
      }
      await this.#takeSettled();
    }
  }

  // Moves finished jobs' results to #ready: the oldest job's (ordered), or any finished one's.
  async #takeSettled(): Promise<void> {
    if (this.#options.ordered) {
      const head = this.#window[0]!;
      await head.promise;
      if (this.#window[0] !== head) return;
      this.#window.shift();
      this.#ready.push(...head.entries);
      return;
    }
    if (!this.#window.some((job) => job.settled)) await Promise.race(this.#window.map((job) => job.promise));
    const done = this.#window.filter((job) => job.settled);
    this.#window = this.#window.filter((job) => !job.settled);
    for (const job of done) this.#ready.push(...job.entries);
  }

  async #fill(): Promise<void> {
    const { chunksize, jobsAhead } = this.#options;
    while (!this.#inputDone && this.#window.length < jobsAhead) {
      const chunk: unknown[] = [];
      try {
        this.#source ??= openInput(this.#options.iterable);
        while (chunk.length < chunksize) {
          const step = await this.#source.next();
          if (step.done === true) {
            this.#inputDone = true;
            break;
          }
          chunk.push(step.value);
        }
      } catch (error) {
        this.#inputDone = true;
        this.#inputError = { error };
      }
      if (this.#finished) return;
      if (chunk.length > 0) this.#window.push(this.#start(chunk));
    }
  }

  #start(chunk: unknown[]): InFlight {
    const start = this.#read;
    this.#read += chunk.length;
    const job: InFlight = { settled: false, entries: [], promise: Promise.resolve() };
    let submitted: { id: string; promise: Promise<unknown> };
    try {
      submitted = this.#options.submit(chunk, start);
    } catch (error) {
      // The pool ended, or the chunk cannot be sent: said in its place, and nothing more is read.
      this.#inputDone = true;
      job.settled = true;
      job.entries = [{ ok: false, error }];
      return job;
    }
    job.promise = submitted.promise.then(
      (value) => {
        const read = this.#options.read(value, submitted.id);
        job.entries = read.ok
          ? (read.value as unknown[]).map((item) => ({ ok: true, value: item }))
          : [{ ok: false, error: read.thrown }];
      },
      (error: unknown) => {
        job.entries = [{ ok: false, error }];
      },
    );
    job.promise = job.promise
      .catch((error: unknown) => {
        job.entries = [{ ok: false, error }];
      })
      .finally(() => (job.settled = true));
    return job;
  }
}

function openInput(iterable: Input<unknown>): Iterator<unknown> | AsyncIterator<unknown> {
  if (typeof (iterable as Iterable<unknown>)[Symbol.iterator] === 'function') {
    return (iterable as Iterable<unknown>)[Symbol.iterator]();
  }
  return (iterable as AsyncIterable<unknown>)[Symbol.asyncIterator]();
}
