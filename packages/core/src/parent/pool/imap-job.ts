import { timerDelay } from '../../common/timers.js';
import { TimeoutError } from '../../common/errors.js';
import { withCallerFrames, type Caller } from './stacks.js';
import type { Job } from './job.js';

type Entry = { ok: true; value: unknown; weight: number } | { ok: false; error: unknown; weight: number };
type Outcome = { ok: true; values: unknown[] } | { ok: false; error: unknown; count: number };
interface Waiter {
  resolve(result: IteratorResult<unknown>): void;
  reject(error: unknown): void;
}

interface ImapSettings {
  ordered: boolean;
  chunksize: number;
  /** Items read ahead of the consumer, at most (at least one chunk). */
  bufferSize: number;
  taskTimeout: number | null;
}

/** Submits one chunk of input items to the pool. */
type SubmitChunk = (job: Job, start: number, items: unknown[]) => void;

/**
 * The job behind `imap`/`imapUnordered`: reads its input lazily, never more
 * than `bufferSize` items ahead of what the caller has consumed, and hands
 * results out in input order or completion order.
 */
export class ImapJob implements Job {
  #finished = false;
  #inputDone = false;
  #inputError: { error: unknown; at: number } | null = null;
  #filling = false;
  #read = 0;
  #consumed = 0;
  #nextStart = 0; // ordered: the next chunk start to hand out
  #chunksOut = 0; // chunks submitted whose outcome has not arrived
  readonly #arrived = new Map<number, Outcome>();
  readonly #entries: Entry[] = [];
  readonly #waiters: Waiter[] = [];
  #stopError: { error: unknown } | null = null;
  readonly #sync: Iterator<unknown> | null;
  readonly #async: AsyncIterator<unknown> | null;

  constructor(
    input: Iterable<unknown> | AsyncIterable<unknown>,
    private readonly settings: ImapSettings,
    private readonly caller: Caller | null,
    private readonly submit: SubmitChunk,
    private readonly onFinish: (job: Job) => void,
  ) {
    if (typeof (input as Iterable<unknown>)[Symbol.iterator] === 'function') {
      this.#sync = (input as Iterable<unknown>)[Symbol.iterator]();
      this.#async = null;
    } else {
      this.#sync = null;
      this.#async = (input as AsyncIterable<unknown>)[Symbol.asyncIterator]();
    }
  }

  get finished(): boolean {
    return this.#finished;
  }

  get taskTimeout(): number | null {
    return this.settings.taskTimeout;
  }

  get reading(): boolean {
    return !this.#inputDone && !this.#finished;
  }

  /** Reads input while the window has room. */
  fill(): void {
    if (this.#filling) return;
    if (this.#async !== null) {
      void this.#fillAsync(this.#async);
      return;
    }
    const iterator = this.#sync as Iterator<unknown>;
    this.#filling = true;
    while (this.#hasRoom()) {
      const items: unknown[] = [];
      try {
        while (items.length < this.settings.chunksize) {
          const step = iterator.next();
          if (step.done === true) {
            this.#inputDone = true;
            break;
          }
          items.push(step.value);
        }
      } catch (error) {
        this.#failInput(error, items.length);
      }
      this.#submitItems(items);
    }
    this.#filling = false;
    this.#advance();
  }

  async #fillAsync(iterator: AsyncIterator<unknown>): Promise<void> {
    this.#filling = true;
    while (this.#hasRoom()) {
      const items: unknown[] = [];
      try {
        while (items.length < this.settings.chunksize && !this.#finished) {
          const step = await iterator.next();
          if (step.done === true) {
            this.#inputDone = true;
            break;
          }
          items.push(step.value);
        }
      } catch (error) {
        this.#failInput(error, items.length);
      }
      if (!this.#finished) this.#submitItems(items);
    }
    this.#filling = false;
    this.#advance();
  }

  #hasRoom(): boolean {
    return !this.#inputDone && !this.#finished && this.#read - this.#consumed < this.settings.bufferSize;
  }

  #failInput(error: unknown, itemsBefore: number): void {
    this.#inputDone = true;
    this.#inputError = { error, at: this.#read + itemsBefore };
  }

  #submitItems(items: unknown[]): void {
    if (items.length === 0) return;
    const start = this.#read;
    this.#read += items.length;
    this.#chunksOut += 1;
    this.submit(this, start, items);
  }

  chunkDone(start: number, values: unknown[]): void {
    this.#arrive(start, { ok: true, values });
  }

  chunkFailed(start: number, count: number, error: unknown): void {
    this.#arrive(start, { ok: false, error: withCallerFrames(error, this.caller), count });
  }

  #arrive(start: number, outcome: Outcome): void {
    if (this.#finished) return;
    this.#chunksOut -= 1;
    if (this.settings.ordered) this.#arrived.set(start, outcome);
    else this.#push(outcome);
    this.#advance();
  }

  #push(outcome: Outcome): void {
    if (outcome.ok) for (const value of outcome.values) this.#entries.push({ ok: true, value, weight: 1 });
    else this.#entries.push({ ok: false, error: outcome.error, weight: outcome.count });
  }

  // Moves what may now be handed out into #entries, then serves waiting next() calls.
  #advance(): void {
    if (this.settings.ordered) {
      for (
        let outcome = this.#arrived.get(this.#nextStart);
        outcome !== undefined;
        outcome = this.#arrived.get(this.#nextStart)
      ) {
        this.#arrived.delete(this.#nextStart);
        this.#nextStart += outcome.ok ? outcome.values.length : outcome.count;
        this.#push(outcome);
      }
    }
    const inputError = this.#inputError;
    const allArrived = this.settings.ordered ? this.#nextStart === this.#read : this.#chunksOut === 0;
    if (inputError !== null && allArrived) {
      this.#inputError = null;
      // The input's own error goes to the caller as it is, after the results before it.
      this.#entries.push({ ok: false, error: inputError.error, weight: 0 });
    }
    while (this.#waiters.length > 0 && this.#entries.length > 0) {
      this.#settle(this.#waiters.shift() as Waiter, this.#entries.shift() as Entry);
    }
    if (this.#isDrained()) {
      this.#finish();
      for (const waiter of this.#waiters.splice(0)) waiter.resolve({ done: true, value: undefined });
    }
  }

  #isDrained(): boolean {
    return this.#inputDone && this.#inputError === null && this.#chunksOut === 0 && this.#entries.length === 0;
  }

  #settle(waiter: Waiter, entry: Entry): void {
    this.#consumed += entry.weight;
    if (entry.ok) waiter.resolve({ done: false, value: entry.value });
    else waiter.reject(entry.error);
    if (!this.#filling) this.fill();
  }

  next(timeout?: number): Promise<IteratorResult<unknown>> {
    const entry = this.#entries.shift();
    if (entry !== undefined) {
      return new Promise((resolve, reject) => this.#settle({ resolve, reject }, entry));
    }
    if (this.#stopError !== null) return Promise.reject(this.#stopError.error);
    if (this.#finished) return Promise.resolve({ done: true, value: undefined });
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { resolve, reject };
      this.#waiters.push(waiter);
      const delay = timerDelay(timeout);
      if (delay === null) return;
      const timer = setTimeout(() => {
        const index = this.#waiters.indexOf(waiter);
        if (index !== -1) this.#waiters.splice(index, 1);
        reject(new TimeoutError(delay));
      }, delay);
      waiter.resolve = (result) => {
        clearTimeout(timer);
        resolve(result);
      };
      waiter.reject = (error) => {
        clearTimeout(timer);
        reject(error);
      };
    });
  }

  /** The caller stops: read no more input, drop queued chunks, end pending next() calls. */
  stop(): void {
    if (this.#finished) return;
    this.#entries.length = 0;
    this.#finish();
    for (const waiter of this.#waiters.splice(0)) waiter.resolve({ done: true, value: undefined });
    try {
      void (this.#sync ?? this.#async)?.return?.();
    } catch {
      // The input's own cleanup failing is not the caller's concern once it stopped reading.
    }
  }

  abort(error: unknown): void {
    if (this.#finished) return;
    const reason = withCallerFrames(error, this.caller);
    this.#stopError = { error: reason };
    this.#entries.length = 0;
    this.#finish();
    for (const waiter of this.#waiters.splice(0)) waiter.reject(reason);
  }

  #finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    this.onFinish(this);
  }
}
