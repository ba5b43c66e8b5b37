import { describe, expect, test } from '@jest/globals';
import { ProcessError } from '../../../packages/core/src/common/errors.js';
import { LockState, RLockState } from '../../../packages/core/src/common/objects/state/lock-state.js';
import { A, B, C, countTimers, flush, watch } from './helpers.js';

describe('LockState', () => {
  test('acquire takes a free lock; a held one answers false without waiting, or after its timeout', async () => {
    const lock = new LockState();
    expect(lock.locked()).toBe(false);
    expect(lock.acquire(A, true, null)).toBe(true);
    expect(lock.locked()).toBe(true);
    expect(lock.acquire(B, false, null)).toBe(false);
    expect(lock.acquire(B, false, 60_000)).toBe(false);
    expect(lock.acquire(B, true, 0)).toBe(false);
    // Not re-entrant: even its owner waits.
    expect(await lock.acquire(A, true, 1)).toBe(false);
    expect(await lock.acquire(B, true, 1)).toBe(false);
    lock.release(A);
    expect(lock.locked()).toBe(false);
  });

  test('any process may release a held lock; releasing an unheld one fails', () => {
    const lock = new LockState();
    expect(() => lock.release(A)).toThrow(new ProcessError('release() of an unlocked Lock'));
    expect(lock.acquire(A, true, null)).toBe(true);
    lock.release(B);
    expect(lock.locked()).toBe(false);
    expect(() => lock.release(B)).toThrow(ProcessError);
  });

  test('waiters get the lock in the order they asked, handed over at each release', async () => {
    const lock = new LockState();
    expect(lock.acquire(A, true, null)).toBe(true);
    const b = watch(lock.acquire(B, true, null));
    const c = watch(lock.acquire(C, true, 60_000));
    // A newcomer does not overtake the line, even when it does not wait.
    expect(lock.acquire(A, false, null)).toBe(false);
    lock.release(A);
    await flush();
    expect(b).toEqual({ settled: true, value: true });
    expect(c.settled).toBe(false);
    expect(lock.isOwnedBy(B)).toBe(true);
    lock.release(B);
    await flush();
    expect(c).toEqual({ settled: true, value: true });
    expect(lock.isOwnedBy(C)).toBe(true);
  });

  test('a waiter whose timeout fired leaves the line and is never served later', async () => {
    const lock = new LockState();
    expect(lock.acquire(A, true, null)).toBe(true);
    const late = lock.acquire(B, true, 1);
    const c = watch(lock.acquire(C, true, null));
    expect(await late).toBe(false);
    lock.release(A);
    await flush();
    expect(c.value).toBe(true);
    expect(lock.isOwnedBy(B)).toBe(false);
    lock.release(C);
    expect(lock.locked()).toBe(false);
  });

  test('a process that dies holding the lock releases it to the next waiter, who can tell until a clean release', async () => {
    const lock = new LockState();
    expect(lock.acquire(A, true, null)).toBe(true);
    const b = watch(lock.acquire(B, true, null));
    expect(lock.ownerDied()).toBe(false);
    lock.callerGone(A);
    await flush();
    expect(b.value).toBe(true);
    expect(lock.ownerDied()).toBe(true);
    lock.release(B);
    expect(lock.ownerDied()).toBe(false);
    // With nobody waiting, the lock is simply free.
    expect(lock.acquire(C, true, null)).toBe(true);
    lock.callerGone(C);
    expect(lock.locked()).toBe(false);
    expect(lock.ownerDied()).toBe(true);
  });

  test('a process that dies waiting is forgotten without an answer, its timer cleared', async () => {
    const timers = countTimers();
    const lock = new LockState();
    expect(lock.acquire(A, true, null)).toBe(true);
    const b = watch(lock.acquire(B, true, 60_000));
    const c = watch(lock.acquire(C, true, null));
    lock.callerGone(B);
    expect(lock.ownerDied()).toBe(false);
    lock.release(A);
    await flush();
    expect(b.settled).toBe(false);
    expect(c.value).toBe(true);
    expect(await timers.stop()).toBe(0);
  });

  test('a waiter served before its timeout leaves no timer; dispose rejects the rest and clears theirs', async () => {
    const timers = countTimers();
    const lock = new LockState();
    expect(lock.acquire(A, true, null)).toBe(true);
    const served = lock.acquire(B, true, 60_000);
    const left = lock.acquire(C, true, 60_000);
    lock.release(A);
    expect(await served).toBe(true);
    const error = new ProcessError('freed');
    lock.dispose(error);
    await expect(left).rejects.toBe(error);
    expect(await timers.stop()).toBe(0);
  });

  test('releaseAll and restore (for Condition) work at depth 1', async () => {
    const lock = new LockState();
    expect(lock.acquire(A, true, null)).toBe(true);
    expect(() => lock.releaseAll(B)).toThrow(ProcessError);
    expect(lock.releaseAll(A)).toBe(1);
    expect(lock.acquire(B, true, null)).toBe(true);
    const back = watch(lock.restore(A, 1));
    await flush();
    expect(back.settled).toBe(false);
    lock.release(B);
    await flush();
    expect(back.settled).toBe(true);
    expect(lock.isOwnedBy(A)).toBe(true);
    expect(() => lock.restore(A, 2)).toThrow(TypeError);
  });

  test('bad arguments from a hostile client are TypeErrors and change nothing', () => {
    const lock = new LockState();
    expect(() => lock.acquire(A, 'yes' as unknown as boolean, null)).toThrow(TypeError);
    expect(() => lock.acquire(A, true, -1)).toThrow(RangeError);
    expect(() => lock.acquire(A, true, Number.NaN)).toThrow(RangeError);
    expect(() => lock.acquire(A, true, '1' as unknown as number)).toThrow(TypeError);
    expect(lock.locked()).toBe(false);
  });
});

describe('RLockState', () => {
  test('its owner acquires it again and must release it as often; others wait', async () => {
    const lock = new RLockState();
    expect(lock.acquire(A, true, null)).toBe(true);
    expect(lock.acquire(A, false, null)).toBe(true);
    expect(lock.acquire(B, false, null)).toBe(false);
    const b = watch(lock.acquire(B, true, null));
    lock.release(A);
    await flush();
    expect(b.settled).toBe(false);
    expect(lock.locked()).toBe(true);
    lock.release(A);
    await flush();
    expect(b.value).toBe(true);
    expect(lock.isOwnedBy(B)).toBe(true);
  });

  test('a process that does not hold it cannot release it', () => {
    const lock = new RLockState();
    const message = 'release() of an RLock this process does not hold';
    expect(() => lock.release(A)).toThrow(new ProcessError(message));
    expect(lock.acquire(A, true, null)).toBe(true);
    expect(() => lock.release(B)).toThrow(new ProcessError(message));
    expect(lock.isOwnedBy(A)).toBe(true);
  });

  test('releaseAll gives up every level and restore takes them all back', async () => {
    const lock = new RLockState();
    expect(lock.acquire(A, true, null)).toBe(true);
    expect(lock.acquire(A, true, null)).toBe(true);
    expect(lock.acquire(A, true, null)).toBe(true);
    expect(lock.releaseAll(A)).toBe(3);
    expect(lock.locked()).toBe(false);
    await lock.restore(A, 3);
    lock.release(A);
    lock.release(A);
    expect(lock.locked()).toBe(true);
    lock.release(A);
    expect(lock.locked()).toBe(false);
  });

  test('a process that dies holding it, however deep, hands it on whole', async () => {
    const lock = new RLockState();
    expect(lock.acquire(A, true, null)).toBe(true);
    expect(lock.acquire(A, true, null)).toBe(true);
    const b = lock.acquire(B, true, null);
    lock.callerGone(A);
    expect(await b).toBe(true);
    expect(lock.ownerDied()).toBe(true);
    lock.release(B);
    expect(lock.locked()).toBe(false);
    expect(lock.ownerDied()).toBe(false);
  });
});
