// map()'s input: several iterables, sync or async, read in step as zip() does
// and cut into argument lists of `chunksize` calls.

/** What map() reads: an iterable or async iterable. */
export type Input<T> = Iterable<T> | AsyncIterable<T>;

type AnyIterator = Iterator<unknown> | AsyncIterator<unknown>;

/**
 * A chunk read: argument lists, or the end (`done`), possibly after a last
 * short chunk; `failure` when an input threw, after the lists read before it.
 */
interface Read {
  readonly lists: unknown[][];
  readonly done: boolean;
  readonly failure?: { readonly error: unknown };
}

const isSyncIterable = (value: unknown): value is Iterable<unknown> =>
  typeof value === 'object' && value !== null && typeof (value as Iterable<unknown>)[Symbol.iterator] === 'function';

export const isInput = (value: unknown): value is Input<unknown> =>
  isSyncIterable(value) ||
  (typeof value === 'object' &&
    value !== null &&
    typeof (value as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function');

/** Reads argument lists from the inputs: synchronously when every input is a sync iterable. */
export class ZipChunks {
  readonly sync: boolean;
  readonly #iterators: AnyIterator[];
  #ended = false;

  constructor(
    inputs: readonly Input<unknown>[],
    private readonly chunksize: number,
  ) {
    this.sync = inputs.every(isSyncIterable);
    // Strings are iterable but typed apart: the cast covers them.
    this.#iterators = inputs.map((input) =>
      isSyncIterable(input) ? input[Symbol.iterator]() : (input as AsyncIterable<unknown>)[Symbol.asyncIterator](),
    );
    if (inputs.length === 0) this.#ended = true;
  }

  get ended(): boolean {
    return this.#ended;
  }

  /** The next chunk, when every input is sync. */
  readSync(): Read {
    const lists: unknown[][] = [];
    try {
      while (!this.#ended && lists.length < this.chunksize) {
        const list: unknown[] = [];
        for (const iterator of this.#iterators) {
          const step = (iterator as Iterator<unknown>).next();
          if (step.done === true) {
            this.#end(iterator);
            break;
          }
          list.push(step.value);
        }
        if (!this.#ended) lists.push(list);
      }
    } catch (error) {
      return this.#failed(lists, error);
    }
    return { lists, done: this.#ended };
  }

  /** The next chunk, inputs awaited in turn. */
  async read(): Promise<Read> {
    const lists: unknown[][] = [];
    try {
      while (!this.#ended && lists.length < this.chunksize) {
        const list: unknown[] = [];
        for (const iterator of this.#iterators) {
          const step = await iterator.next();
          if (step.done === true) {
            this.#end(iterator);
            break;
          }
          list.push(step.value);
        }
        if (!this.#ended) lists.push(list);
      }
    } catch (error) {
      return this.#failed(lists, error);
    }
    return { lists, done: this.#ended };
  }

  // The calls read before an input threw still run: the error comes after their results.
  #failed(lists: unknown[][], error: unknown): Read {
    this.close();
    return { lists, done: true, failure: { error } };
  }

  /** Stops reading: each input not yet at its end is closed (its `return()`, as `break` in a for…of does). */
  close(): void {
    this.#end(null);
  }

  // The shortest input ends the zip; the others are closed, as a for…of left early closes its iterator.
  #end(finished: AnyIterator | null): void {
    if (this.#ended) return;
    this.#ended = true;
    for (const iterator of this.#iterators) {
      if (iterator === finished) continue;
      try {
        const closing = iterator.return?.();
        if (closing instanceof Promise) closing.catch(() => {});
      } catch {
        // A throwing return() during cleanup is not the caller's error.
      }
    }
  }
}
