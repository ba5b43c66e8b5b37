import { TimeoutError } from '@procpool/core';
import type { Future } from './future.js';
import { keepingAlive } from './keep-alive.js';
import type { ZipChunks } from './zip-chunks.js';

// A submitted chunk of calls, or what reading or submitting the input threw there.
type Entry = { readonly future: Future<unknown[]> } | { readonly error: unknown };

// An input is read at most this many chunks per turn of the event loop, so that
// an endless one neither blocks it nor keeps a `break` from stopping it.
const SYNC_BATCH = 256;
// Chunks read ahead of the consumer without buffersize past which map warns, once.
const READ_AHEAD_WARNING = 100_000;

const DONE = Object.freeze({ done: true, value: undefined }) as IteratorReturnResult<undefined>;

/**
 * executor.map()'s results, in input order: Python's `Executor.map` iterator.
 * Chunks are submitted as the input is read: all of it (a batch per turn of
 * the event loop), or with `buffersize` that many chunks ahead of
 * the consumer. The first error, from
 * a call or from the input, is thrown at its position and the rest cancelled.
 */
export class MapIterator<R> implements AsyncIterableIterator<R> {
  readonly #entries: Entry[] = [];
  #values: unknown[] = [];
  #index = 0;
  #finished = false;
  #reading = false;
  #warned = false;
  // Called once when the input will be read no further and every chunk read is submitted.
  #readDone: (() => void) | undefined;
  #wake: (() => void) | null = null;
  readonly #deadline: number | null;
  // next() calls run one after another, as a generator's do.
  #turn: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly zip: ZipChunks,
    private readonly submit: (lists: unknown[][]) => Future<unknown[]>,
    private readonly buffersize: number | undefined,
    timeout: number | null,
    readDone?: () => void,
  ) {
    this.#deadline = timeout === null ? null : performance.now() + timeout;
    this.#readDone = readDone;
    this.#fill();
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<R, undefined>> {
    const step = this.#turn.then(() => this.#step());
    this.#turn = step.catch(() => {});
    return step;
  }

  /** Stops: the futures not yet running are cancelled, the input is read no further, and every next() is done, one in flight too. */
  return(): Promise<IteratorResult<R, undefined>> {
    this.#finish();
    return Promise.resolve(DONE);
  }

  async #step(): Promise<IteratorResult<R, undefined>> {
    // Stopped (return(), an error, the end): nothing more, not even the rest of a chunk in hand.
    if (this.#finished) return DONE;
    if (this.#index < this.#values.length) {
      const value = this.#values[this.#index] as R;
      this.#index += 1;
      return { done: false, value };
    }
    let head = this.#entries[0];
    while (head === undefined) {
      if (this.#finished || (this.zip.ended && !this.#reading)) {
        this.#finish();
        return DONE;
      }
      try {
        await this.#inputArrives();
      } catch (error) {
        this.#finish();
        throw error;
      }
      head = this.#entries[0];
    }
    if ('error' in head) {
      this.#finish();
      throw head.error;
    }
    let values: unknown[];
    try {
      values = await head.future.result(this.#remaining());
    } catch (error) {
      this.#finish();
      throw error;
    }
    if (this.#finished) return DONE;
    this.#entries.shift();
    this.#fill();
    this.#values = values;
    this.#index = 0;
    return this.#step();
  }

  #remaining(): number | undefined {
    return this.#deadline === null ? undefined : Math.max(0, this.#deadline - performance.now());
  }

  // Waits for an async input to give a chunk (or end), within the map's timeout.
  #inputArrives(): Promise<void> {
    const remaining = this.#remaining();
    if (remaining === 0) return Promise.reject(new TimeoutError(0));
    return keepingAlive(
      new Promise<void>((resolve, reject) => {
        const timer =
          remaining === undefined ? undefined : setTimeout(() => reject(new TimeoutError(remaining)), remaining);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      }),
    );
  }

  #wakeUp(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }

  #room(): boolean {
    return (
      !this.#finished && !this.zip.ended && (this.buffersize === undefined || this.#entries.length < this.buffersize)
    );
  }

  #fill(): void {
    if (this.#reading) return;
    if (!this.zip.sync) {
      void this.#fillAsync();
      return;
    }
    for (let batch = 0; this.#room(); batch += 1) {
      if (batch === SYNC_BATCH) {
        this.#reading = true;
        setImmediate(() => {
          this.#reading = false;
          this.#fill();
          // A step may be waiting for this read, which may have found only the end.
          this.#wakeUp();
        });
        return;
      }
      const { lists, failure } = this.zip.readSync();
      this.#submit(lists);
      if (failure !== undefined) this.#failInput(failure.error);
    }
    this.#checkReadDone();
  }

  async #fillAsync(): Promise<void> {
    this.#reading = true;
    try {
      for (let batch = 1; this.#room(); batch += 1) {
        // An async input that never waits for I/O settles in microtasks only: without a turn of the event loop now and then, it would starve it.
        if (batch % SYNC_BATCH === 0) await new Promise<void>((resolve) => setImmediate(resolve));
        if (!this.#room()) return;
        const { lists, failure } = await this.zip.read();
        if (this.#finished) return;
        this.#submit(lists);
        if (failure !== undefined) {
          this.#failInput(failure.error);
          return;
        }
      }
    } finally {
      this.#reading = false;
      this.#checkReadDone();
      this.#wakeUp();
    }
  }

  #checkReadDone(): void {
    const readDone = this.#readDone;
    if (readDone === undefined || this.#reading || !(this.zip.ended || this.#finished)) return;
    this.#readDone = undefined;
    readDone();
  }

  #submit(lists: unknown[][]): void {
    if (lists.length === 0) return;
    try {
      this.#push({ future: this.submit(lists) });
    } catch (error) {
      // The executor was shut down or broke: that is where the results end.
      this.#failInput(error);
    }
  }

  #failInput(error: unknown): void {
    this.zip.close();
    this.#push({ error });
  }

  #push(entry: Entry): void {
    this.#entries.push(entry);
    if (this.buffersize === undefined && !this.#warned && this.#entries.length > READ_AHEAD_WARNING) {
      this.#warned = true;
      process.emitWarning(
        `executor.map() has read ${READ_AHEAD_WARNING} chunks of its input ahead of its consumer and reads on; pass { buffersize } to read an endless or very long input only that far ahead`,
        { code: 'PROCPOOL_MAP_READ_AHEAD' },
      );
    }
    this.#wakeUp();
  }

  #finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    this.zip.close();
    for (const entry of this.#entries.splice(0)) if ('future' in entry) entry.future.cancel();
    this.#values = [];
    this.#checkReadDone();
    this.#wakeUp();
  }
}
