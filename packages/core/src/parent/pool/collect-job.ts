import type { Settler } from './async-result.js';
import { withCallerFrames, type Caller } from './stacks.js';
import type { Job } from './job.js';

/**
 * The job of `apply`, `map` and `starmap`: gathers every chunk's values in
 * input order and settles once all chunks have finished (not at the first
 * failure, as in Python), with the first error that arrived, if any.
 */
export class CollectJob<R> implements Job {
  readonly reading = false;
  #finished = false;
  readonly #values: unknown[];
  #chunksLeft: number;
  #error: { value: unknown } | null = null;

  constructor(
    private readonly settler: Settler<R>,
    private readonly caller: Caller | null,
    chunks: number,
    items: number,
    private readonly single: boolean,
    private readonly onFinish: (job: Job) => void,
    readonly taskTimeout: number | null = null,
  ) {
    this.#values = new Array<unknown>(items);
    this.#chunksLeft = chunks;
  }

  get finished(): boolean {
    return this.#finished;
  }

  chunkDone(start: number, values: unknown[]): void {
    for (let i = 0; i < values.length; i += 1) this.#values[start + i] = values[i];
    this.#chunkSettled();
  }

  chunkFailed(_start: number, _count: number, error: unknown): void {
    this.#error ??= { value: withCallerFrames(error, this.caller) };
    this.#chunkSettled();
  }

  abort(error: unknown): void {
    if (this.#finished) return;
    this.#error = { value: withCallerFrames(error, this.caller) };
    this.#chunksLeft = 0;
    this.#finish();
  }

  #chunkSettled(): void {
    this.#chunksLeft -= 1;
    if (this.#chunksLeft === 0) this.#finish();
  }

  #finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    this.onFinish(this);
    if (this.#error !== null) this.settler.reject(this.#error.value);
    else this.settler.resolve((this.single ? this.#values[0] : this.#values) as R);
  }
}
