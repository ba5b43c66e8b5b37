// Semaphore and BoundedSemaphore where they live. Each unit acquired is
// counted against the process that took it, so a process that dies gives
// its units back and the waiters go on (Python's would wait forever).
import { ProcessError } from '../../errors.js';
import type { Caller, Referent } from '../referent.js';
import { answersAtOnce, checkBlock, checkInteger, checkTimeout } from './checks.js';
import { WaitQueue } from './wait-queue.js';

/** A Semaphore's (or BoundedSemaphore's) state. */
export class SemaphoreState implements Referent {
  #value: number;
  readonly #initial: number;
  readonly #bounded: boolean;
  #ownerDied = false;
  // Units held per caller id; a Map keeps the earliest holder first.
  readonly #holds = new Map<string, number>();
  readonly #waiters = new WaitQueue<boolean>();

  constructor(value: number, bounded: boolean) {
    checkInteger(value, 'value', 0);
    checkBlock(bounded);
    this.#value = value;
    this.#initial = value;
    this.#bounded = bounded;
  }

  acquire(caller: Caller, block: boolean, timeout: number | null): boolean | Promise<boolean> {
    checkBlock(block);
    checkTimeout(timeout);
    // A free unit means nobody waits: units go to waiters before they are counted free.
    if (this.#value > 0) {
      this.#value -= 1;
      this.#hold(caller.id);
      return true;
    }
    if (answersAtOnce(block, timeout)) return false;
    return this.#waiters.add(caller, undefined, timeout, (waiter) => waiter.resolve(false));
  }

  release(caller: Caller, n = 1): void {
    checkInteger(n, 'n', 1);
    if (this.#bounded && this.#value + n > this.#initial) {
      throw new ProcessError('BoundedSemaphore released too many times');
    }
    this.#ownerDied = false;
    for (let i = 0; i < n; i += 1) {
      this.#unhold(this.#holds.has(caller.id) ? caller.id : this.#holds.keys().next().value);
      this.#giveUnit();
    }
  }

  getValue(): number {
    return this.#value;
  }

  locked(): boolean {
    return this.#value === 0;
  }

  /** Whether a process died holding units since the last release. */
  ownerDied(): boolean {
    return this.#ownerDied;
  }

  callerGone(caller: Caller): void {
    this.#waiters.dropCaller(caller);
    const held = this.#holds.get(caller.id) ?? 0;
    if (held === 0) return;
    this.#holds.delete(caller.id);
    this.#ownerDied = true;
    for (let i = 0; i < held; i += 1) this.#giveUnit();
  }

  dispose(error: Error): void {
    this.#waiters.rejectAll(error);
  }

  #giveUnit(): void {
    const next = this.#waiters.shift();
    if (next === undefined) {
      this.#value += 1;
      return;
    }
    this.#hold(next.caller.id);
    next.resolve(true);
  }

  #hold(id: string): void {
    this.#holds.set(id, (this.#holds.get(id) ?? 0) + 1);
  }

  // A release by a process holding nothing takes the unit from the earliest holder, if any.
  #unhold(id: string | undefined): void {
    if (id === undefined) return;
    const left = (this.#holds.get(id) ?? 0) - 1;
    if (left > 0) this.#holds.set(id, left);
    else this.#holds.delete(id);
  }
}
