// An Event where it lives: a flag, and the calls waiting for it to be set.
import type { Caller, Referent } from '../referent.js';
import { checkTimeout } from './checks.js';
import { WaitQueue } from './wait-queue.js';

/** An Event's state. */
export class EventState implements Referent {
  #flag = false;
  readonly #waiters = new WaitQueue<boolean>();

  isSet(): boolean {
    return this.#flag;
  }

  set(): void {
    this.#flag = true;
    for (const waiter of this.#waiters.takeAll()) waiter.resolve(true);
  }

  clear(): void {
    this.#flag = false;
  }

  /** True once the flag is set; false if `timeout` passes first. */
  wait(caller: Caller, timeout: number | null): boolean | Promise<boolean> {
    checkTimeout(timeout);
    if (this.#flag) return true;
    if (timeout === 0) return false;
    return this.#waiters.add(caller, undefined, timeout, (waiter) => waiter.resolve(false));
  }

  callerGone(caller: Caller): void {
    this.#waiters.dropCaller(caller);
  }

  dispose(error: Error): void {
    this.#waiters.rejectAll(error);
  }
}
