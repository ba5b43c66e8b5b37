import type { WireTaskRef } from '../../common/protocol.js';

/**
 * The task functions one worker was told of, by number: a chunk's frame names
 * its function by that number, and the worker hears of each function once.
 * Registered functions keep one ref object, so the object is looked up first;
 * refs built per call are matched by value.
 */
export class TaskRefs {
  readonly #byObject = new WeakMap<WireTaskRef, number>();
  readonly #byValue = new Map<string, number>();

  /** The number of `ref` on this worker; `announce` is called the first time a ref gets one. */
  numberOf(ref: WireTaskRef, announce: (number: number, ref: WireTaskRef) => void): number {
    let number = this.#byObject.get(ref);
    if (number !== undefined) return number;
    const value = JSON.stringify([ref.m, ref.n, ref.d === true]);
    number = this.#byValue.get(value);
    if (number === undefined) {
      number = this.#byValue.size;
      this.#byValue.set(value, number);
      announce(number, ref);
    }
    this.#byObject.set(ref, number);
    return number;
  }
}
