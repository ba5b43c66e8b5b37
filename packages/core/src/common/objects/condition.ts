import { checkTimeout, invalid } from '../validate.js';
import { Acquirable } from './locks.js';
import { Lock, RLock } from './locks.js';
import { localReferent, registerKind } from './shared-object.js';
import { ConditionState } from './state/condition-state.js';
import type { LockState, RLockState } from './state/lock-state.js';

const CONDITION_METHODS = ['acquire', 'release', 'locked', 'ownerDied', 'wait', 'notify', 'notifyAll'];

/** The state of `lock`, which must live in this process (a Condition lives with its lock). */
function lockStateOf(lock: unknown): LockState | RLockState {
  if (!(lock instanceof Lock) && !(lock instanceof RLock)) throw invalid('lock', 'a Lock or an RLock', lock);
  const state = localReferent(lock);
  if (state === null) {
    throw new TypeError(
      "A Condition lives with its lock: this lock was created in another process; create the Condition there, or use one of this process's locks",
    );
  }
  return state as LockState | RLockState;
}

/**
 * Python's `multiprocessing.Condition`: processes wait on it, holding its
 * lock, until another notifies them. Its lock is an RLock unless one is given.
 * @example
 * await using _ = await cond.hold();
 * while (!(await ready())) await cond.wait();
 */
export class Condition extends Acquirable {
  readonly #lock: Lock | RLock;

  constructor(lock?: Lock | RLock) {
    const own = lock ?? new RLock();
    super('Condition', () => ({ referent: new ConditionState(lockStateOf(own)), exposed: CONDITION_METHODS }));
    this.#lock = own;
  }

  /** @internal */
  protected override shareArgs(): unknown[] {
    return [this.#lock];
  }

  /**
   * With its lock held: releases it, waits until notified (or `timeout` ms),
   * and acquires it again. Resolves `true` if notified, `false` on timeout.
   */
  wait(timeout?: number | null): Promise<boolean> {
    try {
      return this.call('wait', checkTimeout(timeout));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Waits until `predicate()` (which may be async, and runs in this process)
   * is truthy, checking it after each notification; with `timeout`, gives up
   * after that many ms. Resolves with the predicate's last value.
   */
  async waitFor<R>(predicate: () => R | Promise<R>, timeout?: number | null): Promise<R> {
    if (typeof predicate !== 'function') throw invalid('predicate', 'a function', predicate);
    const limit = checkTimeout(timeout);
    const deadline = limit === null ? null : Date.now() + limit;
    let result = await predicate();
    while (!result) {
      const left = deadline === null ? null : deadline - Date.now();
      if (left !== null && left <= 0) break;
      await this.wait(left);
      result = await predicate();
    }
    return result;
  }

  /** Wakes up to `n` processes waiting on it (its lock must be held). */
  notify(n = 1): Promise<void> {
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) {
      return Promise.reject(invalid('n', 'a non-negative integer', n, true));
    }
    return this.call('notify', n);
  }

  /** Wakes every process waiting on it (its lock must be held). */
  notifyAll(): Promise<void> {
    return this.call('notifyAll');
  }
}
registerKind('Condition', Condition);
