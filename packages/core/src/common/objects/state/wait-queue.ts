// The line of calls waiting on a referent. Every referent serves its waiters
// oldest first, and a waiter whose timeout fired leaves the line for good.
import { timerDelay } from '../../timers.js';
import type { Caller } from '../referent.js';

/** One call waiting for its answer. */
export interface Waiter<T, D> {
  readonly caller: Caller;
  /** What the call brought (a queue item, a lock depth), or undefined. */
  readonly data: D;
  timer: NodeJS.Timeout | undefined;
  readonly resolve: (value: T) => void;
  readonly reject: (error: Error) => void;
}

export const sameCaller = (a: Caller | null, b: Caller): boolean => a !== null && a.id === b.id;

export class WaitQueue<T, D = undefined> {
  // A Set keeps insertion order and deletes in O(1): a timed-out waiter leaves from anywhere.
  readonly #waiters = new Set<Waiter<T, D>>();

  get size(): number {
    return this.#waiters.size;
  }

  /** Joins the line; after `timeout` ms (null: never) the waiter leaves it and `onTimeout` answers it. */
  add(caller: Caller, data: D, timeout: number | null, onTimeout: (waiter: Waiter<T, D>) => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const waiter: Waiter<T, D> = { caller, data, timer: undefined, resolve, reject };
      this.#waiters.add(waiter);
      const delay = timerDelay(timeout);
      if (delay === null) return;
      // Unref'd: the handle keeps its process alive while its call is pending, not the host.
      waiter.timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        onTimeout(waiter);
      }, delay).unref();
    });
  }

  /** The longest-waiting waiter, taken out of line with its timer stopped; undefined if none. */
  shift(): Waiter<T, D> | undefined {
    const first = this.#waiters.values().next();
    if (first.done === true) return undefined;
    this.#take(first.value);
    return first.value;
  }

  /** Every waiter, taken out of line, oldest first. */
  takeAll(): Waiter<T, D>[] {
    const all = [...this.#waiters];
    for (const waiter of all) this.#take(waiter);
    return all;
  }

  /** Stops every timer: the waiters stay in line and will be answered. */
  disarmAll(): void {
    for (const waiter of this.#waiters) {
      clearTimeout(waiter.timer);
      waiter.timer = undefined;
    }
  }

  /** Forgets `caller`'s waiters without answering them (nobody is listening); true if it had any. */
  dropCaller(caller: Caller): boolean {
    let dropped = false;
    for (const waiter of this.#waiters) {
      if (sameCaller(waiter.caller, caller)) {
        this.#take(waiter);
        dropped = true;
      }
    }
    return dropped;
  }

  rejectAll(error: Error): void {
    for (const waiter of this.takeAll()) waiter.reject(error);
  }

  #take(waiter: Waiter<T, D>): void {
    this.#waiters.delete(waiter);
    clearTimeout(waiter.timer);
    waiter.timer = undefined;
  }
}
