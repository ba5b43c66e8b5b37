// Lock and RLock where they live. The owner is a process (a Caller), as
// Python's is a thread; a lock is handed straight to its oldest waiter, so
// a newcomer never overtakes the line.
import { ProcessError } from '../../errors.js';
import type { Caller, Referent } from '../referent.js';
import { answersAtOnce, checkBlock, checkInteger, checkTimeout } from './checks.js';
import { sameCaller, WaitQueue } from './wait-queue.js';

abstract class OwnedLock implements Referent {
  #owner: Caller | null = null;
  #depth = 0;
  #ownerDied = false;
  // Each waiter's data is the depth it takes the lock at: 1 for acquire, more for a Condition's restore.
  readonly #waiters = new WaitQueue<boolean, number>();

  protected abstract readonly reentrant: boolean;

  acquire(caller: Caller, block: boolean, timeout: number | null): boolean | Promise<boolean> {
    checkBlock(block);
    checkTimeout(timeout);
    if (this.#take(caller, 1)) return true;
    if (answersAtOnce(block, timeout)) return false;
    return this.#waiters.add(caller, 1, timeout, (waiter) => waiter.resolve(false));
  }

  locked(): boolean {
    return this.#owner !== null;
  }

  /** Whether a process died holding the lock since the last clean release. */
  ownerDied(): boolean {
    return this.#ownerDied;
  }

  isOwnedBy(caller: Caller): boolean {
    return sameCaller(this.#owner, caller);
  }

  /** Releases the lock however deep `caller` holds it (for Condition.wait); returns that depth. */
  releaseAll(caller: Caller): number {
    if (!this.isOwnedBy(caller)) throw new ProcessError(this.notHeldMessage());
    const depth = this.#depth;
    this.#releaseClean();
    return depth;
  }

  /** Takes the lock back at `depth` once it is `caller`'s turn (after Condition.wait). */
  restore(caller: Caller, depth: number): Promise<void> {
    checkInteger(depth, 'depth', 1);
    if (!this.reentrant && depth !== 1) throw new TypeError(`A Lock is held at depth 1, not ${depth}`);
    if (this.#take(caller, depth)) return Promise.resolve();
    return this.#waiters.add(caller, depth, null, () => {}).then(() => undefined);
  }

  callerGone(caller: Caller): void {
    this.#waiters.dropCaller(caller);
    if (!this.isOwnedBy(caller)) return;
    this.#ownerDied = true;
    this.#handOff();
  }

  dispose(error: Error): void {
    this.#waiters.rejectAll(error);
  }

  protected abstract notHeldMessage(): string;

  /** One level of `release()`; the lock is free once the depth reaches 0. */
  protected releaseOne(): void {
    this.#depth -= 1;
    if (this.#depth === 0) this.#releaseClean();
  }

  #take(caller: Caller, depth: number): boolean {
    if (this.#owner === null) {
      this.#owner = caller;
      this.#depth = depth;
      return true;
    }
    if (!this.reentrant || !sameCaller(this.#owner, caller)) return false;
    this.#depth += depth;
    return true;
  }

  #releaseClean(): void {
    this.#ownerDied = false;
    this.#handOff();
  }

  #handOff(): void {
    const next = this.#waiters.shift();
    this.#owner = next?.caller ?? null;
    this.#depth = next?.data ?? 0;
    next?.resolve(true);
  }
}

/** A Lock's state: any process may release it while held, as Python's multiprocessing.Lock. */
export class LockState extends OwnedLock {
  protected readonly reentrant = false;

  release(_caller: Caller): void {
    if (!this.locked()) throw new ProcessError('release() of an unlocked Lock');
    this.releaseOne();
  }

  protected notHeldMessage(): string {
    return 'release() of a Lock this process does not hold';
  }
}

/** An RLock's state: its owner process may acquire it again, and must release it as often. */
export class RLockState extends OwnedLock {
  protected readonly reentrant = true;

  release(caller: Caller): void {
    if (!this.isOwnedBy(caller)) throw new ProcessError(this.notHeldMessage());
    this.releaseOne();
  }

  protected notHeldMessage(): string {
    return 'release() of an RLock this process does not hold';
  }
}
