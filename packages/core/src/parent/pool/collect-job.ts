import type { Settler } from './async-result.js';
import { withCallerFrames, type Caller } from './stacks.js';
import type { Job, Unit } from './unit.js';

/**
 * The job of `apply`, `map` and `starmap`: gathers every chunk's values in
 * input order and settles once all chunks have finished (not at the first
 * failure, as in Python), with the first error that arrived, if any.
 */
export class CollectJob<R> implements Job {
  readonly reading = false;
  #finished = false;
  readonly #values: unknown[];
  #unitsLeft: number;
  #error: { value: unknown } | null = null;

  constructor(
    private readonly settler: Settler<R>,
    private readonly caller: Caller | null,
    units: number,
    items: number,
    private readonly single: boolean,
    private readonly onFinish: (job: Job) => void,
    readonly taskTimeout: number | null = null,
  ) {
    this.#values = new Array<unknown>(items);
    this.#unitsLeft = units;
  }

  get finished(): boolean {
    return this.#finished;
  }

  unitDone(unit: Unit, values: unknown[]): void {
    for (let i = 0; i < values.length; i += 1) this.#values[unit.start + i] = values[i];
    this.#unitSettled();
  }

  unitFailed(_unit: Unit, error: unknown): void {
    this.#error ??= { value: withCallerFrames(error, this.caller) };
    this.#unitSettled();
  }

  abort(error: unknown): void {
    if (this.#finished) return;
    this.#error = { value: withCallerFrames(error, this.caller) };
    this.#unitsLeft = 0;
    this.#finish();
  }

  #unitSettled(): void {
    this.#unitsLeft -= 1;
    if (this.#unitsLeft === 0) this.#finish();
  }

  #finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    this.onFinish(this);
    if (this.#error !== null) this.settler.reject(this.#error.value);
    else this.settler.resolve((this.single ? this.#values[0] : this.#values) as R);
  }
}
