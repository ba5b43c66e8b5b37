// A Condition where it lives. A waiter is always somewhere: in the
// Condition's line, or in its lock's line to take the lock back (entered the
// moment it is notified or times out), so a process that dies in between
// leaves nothing behind once both forget it.
import { ProcessError } from '../../errors.js';
import type { Caller, Referent } from '../referent.js';
import { checkInteger, checkTimeout } from './checks.js';
import type { LockState, RLockState } from './lock-state.js';
import { WaitQueue, type Waiter } from './wait-queue.js';

/** A Condition's state over its lock (an RLock unless the user gave one). */
export class ConditionState implements Referent {
  readonly #lock: LockState | RLockState;
  // Each waiter's data is the depth it held the lock at before waiting.
  readonly #waiters = new WaitQueue<boolean, number>();

  constructor(lock: LockState | RLockState) {
    this.#lock = lock;
  }

  acquire(caller: Caller, block: boolean, timeout: number | null): boolean | Promise<boolean> {
    return this.#lock.acquire(caller, block, timeout);
  }

  release(caller: Caller): void {
    this.#lock.release(caller);
  }

  locked(): boolean {
    return this.#lock.locked();
  }

  /** Whether a process died holding the lock since its last clean release (the lock's flag). */
  ownerDied(): boolean {
    return this.#lock.ownerDied();
  }

  /** Releases the lock, waits for a notify (true) or `timeout` (false), then takes the lock back. */
  wait(caller: Caller, timeout: number | null): Promise<boolean> {
    checkTimeout(timeout);
    this.#checkOwner(caller, 'wait');
    const depth = this.#lock.releaseAll(caller);
    return this.#waiters.add(caller, depth, timeout, (waiter) => this.#wake(waiter, false));
  }

  notify(caller: Caller, n = 1): void {
    checkInteger(n, 'n', 0);
    this.#checkOwner(caller, 'notify');
    for (let i = 0; i < n; i += 1) {
      const waiter = this.#waiters.shift();
      if (waiter === undefined) return;
      this.#wake(waiter, true);
    }
  }

  notifyAll(caller: Caller): void {
    this.#checkOwner(caller, 'notifyAll');
    for (const waiter of this.#waiters.takeAll()) this.#wake(waiter, true);
  }

  // The lock forgets the caller too: it may live only inside this Condition, and forgetting twice is harmless.
  callerGone(caller: Caller): void {
    this.#waiters.dropCaller(caller);
    this.#lock.callerGone(caller);
  }

  // The lock is not disposed: it may be shared apart from this Condition.
  dispose(error: Error): void {
    this.#waiters.rejectAll(error);
  }

  #wake(waiter: Waiter<boolean, number>, notified: boolean): void {
    this.#lock.restore(waiter.caller, waiter.data).then(
      () => waiter.resolve(notified),
      (error: unknown) => waiter.reject(error as Error),
    );
  }

  #checkOwner(caller: Caller, method: string): void {
    if (!this.#lock.isOwnedBy(caller)) {
      throw new ProcessError(`${method}() on a Condition whose lock this process does not hold`);
    }
  }
}
