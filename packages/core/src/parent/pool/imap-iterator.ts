import type { ImapJob } from './imap-job.js';
import { invalidTimeout } from '../../common/validate.js';

/**
 * The results of `imap`/`imapUnordered`, as an async iterator.
 * @example
 * for await (const value of pool.imap(square, naturals())) if (value > 100) break;
 */
export class IMapIterator<R> implements AsyncIterableIterator<R> {
  readonly #job: ImapJob;

  /** @internal Created by the pool. */
  constructor(job: ImapJob) {
    this.#job = job;
  }

  /** The next result; rejects with `TimeoutError` if none arrives within `timeout` ms (it can be asked for again). */
  next(timeout?: number): Promise<IteratorResult<R>> {
    const error = invalidTimeout(timeout);
    if (error !== null) return Promise.reject(error);
    return this.#job.next(timeout) as Promise<IteratorResult<R>>;
  }

  /** Stops: reads no more input and drops chunks not yet sent (`break` in `for await` calls it). */
  return(): Promise<IteratorResult<R>> {
    this.#job.stop();
    return Promise.resolve({ done: true, value: undefined });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
