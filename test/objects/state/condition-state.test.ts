import { expect, test } from '@jest/globals';
import { ProcessError } from '../../../packages/core/src/common/errors.js';
import { ConditionState } from '../../../packages/core/src/common/objects/state/condition-state.js';
import { LockState, RLockState } from '../../../packages/core/src/common/objects/state/lock-state.js';
import { A, B, C, countTimers, flush, watch } from './helpers.js';

test('acquire, release and locked are its lock’s', () => {
  const lock = new RLockState();
  const cond = new ConditionState(lock);
  expect(cond.acquire(A, true, null)).toBe(true);
  expect(cond.acquire(A, true, null)).toBe(true);
  expect(lock.isOwnedBy(A)).toBe(true);
  expect(cond.locked()).toBe(true);
  cond.release(A);
  cond.release(A);
  expect(cond.locked()).toBe(false);
  expect(() => cond.release(A)).toThrow(ProcessError);
});

test('wait, notify and notifyAll need the lock held by the calling process', () => {
  const cond = new ConditionState(new RLockState());
  const message = (method: string): ProcessError =>
    new ProcessError(`${method}() on a Condition whose lock this process does not hold`);
  expect(() => cond.wait(A, null)).toThrow(message('wait'));
  expect(cond.acquire(B, true, null)).toBe(true);
  expect(() => cond.wait(A, null)).toThrow(message('wait'));
  expect(() => cond.notify(A)).toThrow(message('notify'));
  expect(() => cond.notifyAll(A)).toThrow(message('notifyAll'));
});

test('wait releases the lock however deep, and answers true once notified and the lock is back at that depth', async () => {
  const lock = new RLockState();
  const cond = new ConditionState(lock);
  expect(cond.acquire(A, true, null)).toBe(true);
  expect(cond.acquire(A, true, null)).toBe(true);
  const waiting = watch(cond.wait(A, null));
  expect(lock.locked()).toBe(false);
  expect(cond.acquire(B, true, null)).toBe(true);
  cond.notify(B);
  await flush();
  // Notified, but the lock is B's: A waits for it.
  expect(waiting.settled).toBe(false);
  cond.release(B);
  await flush();
  expect(waiting.value).toBe(true);
  expect(lock.isOwnedBy(A)).toBe(true);
  cond.release(A);
  expect(lock.locked()).toBe(true);
  cond.release(A);
  expect(lock.locked()).toBe(false);
});

test('notify(n) wakes the n longest waiting, notifyAll the rest; a timeout answers false with the lock back', async () => {
  const cond = new ConditionState(new LockState());
  const waits = [A, B, C].map((caller) => {
    expect(cond.acquire(caller, true, null)).toBe(true);
    return watch(cond.wait(caller, null));
  });
  expect(cond.acquire(A, true, null)).toBe(true);
  cond.notify(A, 2);
  cond.notify(A, 0);
  cond.release(A);
  await flush();
  // The first woken holds the lock until it lets go.
  expect(waits.map((w) => w.settled)).toEqual([true, false, false]);
  cond.release(A);
  await flush();
  expect(waits.map((w) => w.settled)).toEqual([true, true, false]);
  cond.notifyAll(B);
  cond.release(B);
  await flush();
  expect(waits[2]).toEqual({ settled: true, value: true });
  cond.release(C);

  expect(cond.acquire(A, true, null)).toBe(true);
  expect(await cond.wait(A, 1)).toBe(false);
  expect(cond.locked()).toBe(true);
  // A waiter that timed out is not notified later.
  cond.notify(A);
  cond.release(A);
  expect(cond.locked()).toBe(false);
});

test('a process that dies waiting is dropped (notify goes to the next), and one that dies holding the lock frees it', async () => {
  const timers = countTimers();
  const lock = new LockState();
  const cond = new ConditionState(lock);
  expect(cond.acquire(A, true, null)).toBe(true);
  const a = watch(cond.wait(A, 60_000));
  expect(cond.acquire(B, true, null)).toBe(true);
  const b = watch(cond.wait(B, null));
  cond.callerGone(A);
  expect(cond.acquire(C, true, null)).toBe(true);
  cond.notify(C);
  cond.callerGone(C);
  await flush();
  expect(a.settled).toBe(false);
  expect(b.value).toBe(true);
  expect(lock.isOwnedBy(B)).toBe(true);
  expect(lock.ownerDied()).toBe(true);
  // The Condition answers for its lock (a handle calls the Condition, not the lock).
  expect(cond.ownerDied()).toBe(true);
  cond.release(B);
  expect(cond.ownerDied()).toBe(false);
  expect(await timers.stop()).toBe(0);
});

test('a process that dies after being notified, while waiting for the lock back, leaves the lock free', async () => {
  const lock = new LockState();
  const cond = new ConditionState(lock);
  expect(cond.acquire(A, true, null)).toBe(true);
  const a = watch(cond.wait(A, null));
  expect(cond.acquire(B, true, null)).toBe(true);
  cond.notify(B);
  cond.callerGone(A);
  cond.release(B);
  await flush();
  expect(a.settled).toBe(false);
  expect(lock.locked()).toBe(false);
});

test('dispose rejects the waiters', async () => {
  const cond = new ConditionState(new RLockState());
  expect(cond.acquire(A, true, null)).toBe(true);
  const waiting = cond.wait(A, 60_000);
  const error = new ProcessError('freed');
  cond.dispose(error);
  await expect(waiting).rejects.toBe(error);
  expect(() => cond.notify(A, -1)).toThrow(RangeError);
});
