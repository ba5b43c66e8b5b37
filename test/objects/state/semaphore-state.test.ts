import { expect, test } from '@jest/globals';
import { ProcessError } from '../../../packages/core/src/common/errors.js';
import { SemaphoreState } from '../../../packages/core/src/common/objects/state/semaphore-state.js';
import { A, B, C, countTimers, flush, watch } from './helpers.js';

test('acquire takes a unit while any is left; then answers false without waiting, or after its timeout', async () => {
  const sem = new SemaphoreState(2, false);
  expect(sem.getValue()).toBe(2);
  expect(sem.acquire(A, true, null)).toBe(true);
  expect(sem.acquire(B, false, null)).toBe(true);
  expect(sem.getValue()).toBe(0);
  expect(sem.locked()).toBe(true);
  expect(sem.acquire(C, false, 60_000)).toBe(false);
  expect(await sem.acquire(C, true, 1)).toBe(false);
  sem.release(A);
  expect(sem.getValue()).toBe(1);
  // A plain Semaphore may be released beyond its initial value.
  sem.release(C, 3);
  expect(sem.getValue()).toBe(4);
});

test('a BoundedSemaphore refuses to go above its initial value', () => {
  const sem = new SemaphoreState(1, true);
  expect(() => sem.release(A)).toThrow(new ProcessError('BoundedSemaphore released too many times'));
  expect(sem.acquire(A, true, null)).toBe(true);
  expect(() => sem.release(A, 2)).toThrow(ProcessError);
  sem.release(A);
  expect(sem.getValue()).toBe(1);
});

test('released units go to the waiters in the order they asked; a timed-out waiter is never served', async () => {
  const sem = new SemaphoreState(0, false);
  const a = watch(sem.acquire(A, true, null));
  const late = sem.acquire(B, true, 1);
  const c = watch(sem.acquire(C, true, 60_000));
  expect(await late).toBe(false);
  sem.release(B);
  await flush();
  expect(a.value).toBe(true);
  expect(c.settled).toBe(false);
  sem.release(B, 2);
  await flush();
  expect(c.value).toBe(true);
  expect(sem.getValue()).toBe(1);
});

test('a process that dies gives back the units it holds (not those it released), and the next acquirer can tell', async () => {
  const timers = countTimers();
  const sem = new SemaphoreState(3, true);
  expect(sem.acquire(A, true, null)).toBe(true);
  expect(sem.acquire(A, true, null)).toBe(true);
  expect(sem.acquire(B, true, null)).toBe(true);
  const c = watch(sem.acquire(C, true, 60_000));
  // B releases one of its own: A still holds two.
  sem.release(B);
  await flush();
  expect(c.value).toBe(true);
  sem.callerGone(A);
  expect(sem.getValue()).toBe(2);
  expect(sem.ownerDied()).toBe(true);
  sem.release(C);
  expect(sem.ownerDied()).toBe(false);
  expect(sem.getValue()).toBe(3);
  // Nothing held: a gone caller changes nothing.
  sem.callerGone(B);
  expect(sem.ownerDied()).toBe(false);
  expect(await timers.stop()).toBe(0);
});

test('a release by a process holding nothing takes the unit from the earliest holder', () => {
  const sem = new SemaphoreState(2, false);
  expect(sem.acquire(A, true, null)).toBe(true);
  expect(sem.acquire(B, true, null)).toBe(true);
  sem.release(C);
  // A's unit is gone: its death gives back nothing, B's gives back one.
  sem.callerGone(A);
  expect(sem.getValue()).toBe(1);
  expect(sem.ownerDied()).toBe(false);
  sem.callerGone(B);
  expect(sem.getValue()).toBe(2);
  expect(sem.ownerDied()).toBe(true);
});

test("a gone caller's units go straight to the waiters; its own waiters are dropped unanswered", async () => {
  const sem = new SemaphoreState(1, false);
  expect(sem.acquire(A, true, null)).toBe(true);
  const a2 = watch(sem.acquire(A, true, null));
  const b = watch(sem.acquire(B, true, null));
  sem.callerGone(A);
  await flush();
  expect(a2.settled).toBe(false);
  expect(b.value).toBe(true);
  expect(sem.getValue()).toBe(0);
});

test('dispose rejects the waiters; bad arguments are errors that change nothing', async () => {
  const sem = new SemaphoreState(0, false);
  const waiting = sem.acquire(A, true, null);
  const error = new ProcessError('freed');
  sem.dispose(error);
  await expect(waiting).rejects.toBe(error);
  expect(() => sem.release(A, 0)).toThrow(RangeError);
  expect(() => sem.release(A, 1.5)).toThrow(RangeError);
  expect(() => new SemaphoreState(-1, false)).toThrow(RangeError);
  expect(() => sem.acquire(A, true, -5)).toThrow(RangeError);
  expect(sem.getValue()).toBe(0);
});
