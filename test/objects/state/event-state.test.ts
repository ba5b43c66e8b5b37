import { expect, test } from '@jest/globals';
import { ProcessError } from '../../../packages/core/src/common/errors.js';
import { EventState } from '../../../packages/core/src/common/objects/state/event-state.js';
import { A, B, countTimers, flush, watch } from './helpers.js';

test('wait answers true at once when set, false at once for 0 ms, false after its timeout', async () => {
  const event = new EventState();
  expect(event.isSet()).toBe(false);
  expect(event.wait(A, 0)).toBe(false);
  expect(await event.wait(A, 1)).toBe(false);
  event.set();
  expect(event.isSet()).toBe(true);
  expect(event.wait(A, null)).toBe(true);
  expect(event.wait(A, 0)).toBe(true);
  event.clear();
  expect(event.isSet()).toBe(false);
  expect(event.wait(A, 0)).toBe(false);
});

test('set wakes every waiter; clear afterwards does not un-wake them, and a timed-out waiter stays false', async () => {
  const timers = countTimers();
  const event = new EventState();
  const late = event.wait(A, 1);
  const waits = [watch(event.wait(A, null)), watch(event.wait(B, 60_000))];
  expect(await late).toBe(false);
  event.set();
  event.clear();
  await flush();
  expect(waits).toEqual([
    { settled: true, value: true },
    { settled: true, value: true },
  ]);
  expect(await timers.stop()).toBe(0);
});

test('a gone caller’s waits are dropped unanswered; dispose rejects the rest', async () => {
  const event = new EventState();
  const a = watch(event.wait(A, 60_000));
  const b = event.wait(B, null);
  event.callerGone(A);
  const error = new ProcessError('freed');
  event.dispose(error);
  await expect(b).rejects.toBe(error);
  event.set();
  await flush();
  expect(a.settled).toBe(false);
  expect(() => event.wait(A, Number.NaN)).toThrow(RangeError);
});
