import { expect, test } from '@jest/globals';
import { ProcessError } from '../../../packages/core/src/common/errors.js';
import { BrokenBarrierError } from '../../../packages/core/src/common/objects/errors.js';
import type { Caller } from '../../../packages/core/src/common/objects/referent.js';
import { BarrierState } from '../../../packages/core/src/common/objects/state/barrier-state.js';
import { A, B, C, countTimers, flush, watch } from './helpers.js';

/** An action the test finishes by hand, recording who ran it. */
function gate(): { action: (caller: Caller) => Promise<void>; runs: string[]; open(): void; fail(error: Error): void } {
  const runs: string[] = [];
  let settle: { resolve(): void; reject(error: Error): void } | undefined;
  return {
    runs,
    action: (caller) => {
      runs.push(caller.id);
      return new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
    },
    open: () => settle?.resolve(),
    fail: (error) => settle?.reject(error),
  };
}

test('parties get their arrival index (0 first, as Python) once all have arrived, round after round', async () => {
  const barrier = new BarrierState(3, null, null);
  expect(barrier.parties()).toBe(3);
  for (let round = 0; round < 3; round += 1) {
    const a = watch(barrier.wait(A, null));
    const b = watch(barrier.wait(B, null));
    expect(barrier.nWaiting()).toBe(2);
    await flush();
    expect(a.settled || b.settled).toBe(false);
    expect(await barrier.wait(C, null)).toBe(2);
    await flush();
    expect([a.value, b.value]).toEqual([0, 1]);
    expect(barrier.nWaiting()).toBe(0);
  }
  expect(barrier.broken()).toBe(false);
});

test('the last to arrive runs the action before anyone goes on; arrivals meanwhile wait for the next round', async () => {
  const { action, runs, open } = gate();
  const barrier = new BarrierState(2, null, action);
  const a = watch(barrier.wait(A, null));
  const b = watch(barrier.wait(B, null));
  // A timeout no test outlasts: whether C waits in the new round must not depend on how busy the machine is.
  const late = barrier.wait(C, 60_000);
  const next = watch(late);
  await flush();
  expect(runs).toEqual(['b']);
  expect([a.settled, b.settled, next.settled]).toEqual([false, false, false]);
  open();
  await flush();
  expect([a.value, b.value]).toEqual([0, 1]);
  expect(barrier.nWaiting()).toBe(1);
  expect(next.settled).toBe(false);
  barrier.abort();
  await expect(late).rejects.toThrow(BrokenBarrierError);
  expect(barrier.broken()).toBe(true);
});

test('an action that throws breaks the barrier: its runner gets that error, the others BrokenBarrierError', async () => {
  const { action, fail } = gate();
  const barrier = new BarrierState(2, null, action);
  const a = barrier.wait(A, null);
  const b = barrier.wait(B, null);
  const error = new TypeError('action failed');
  fail(error);
  await expect(a).rejects.toThrow(BrokenBarrierError);
  await expect(b).rejects.toBe(error);
  expect(barrier.broken()).toBe(true);
  await expect(barrier.wait(C, null)).rejects.toThrow(BrokenBarrierError);
});

test('a timeout (the wait’s, else the barrier’s) breaks the barrier for every party waiting', async () => {
  const timers = countTimers();
  const barrier = new BarrierState(3, 1, null);
  const a = barrier.wait(A, 60_000);
  const b = barrier.wait(B, null);
  await expect(b).rejects.toThrow(BrokenBarrierError);
  await expect(a).rejects.toThrow(BrokenBarrierError);
  expect(barrier.broken()).toBe(true);
  expect(barrier.nWaiting()).toBe(0);
  expect(await timers.stop()).toBe(0);
});

test('abort breaks it until reset; reset frees the parties waiting with BrokenBarrierError and starts afresh', async () => {
  const barrier = new BarrierState(2, null, null);
  const a = barrier.wait(A, null);
  barrier.abort();
  await expect(a).rejects.toThrow(BrokenBarrierError);
  await expect(barrier.wait(B, null)).rejects.toThrow(BrokenBarrierError);
  barrier.reset();
  expect(barrier.broken()).toBe(false);
  const b = barrier.wait(B, null);
  barrier.reset();
  await expect(b).rejects.toThrow(BrokenBarrierError);
  expect(barrier.broken()).toBe(false);
  const c = barrier.wait(C, null);
  expect(await barrier.wait(A, null)).toBe(1);
  expect(await c).toBe(0);
});

test('a process that dies waiting breaks the round (unanswered itself); once all have arrived only the runner matters', async () => {
  const timers = countTimers();
  const barrier = new BarrierState(3, null, null);
  const a = watch(barrier.wait(A, 60_000));
  const b = barrier.wait(B, null);
  barrier.callerGone(A);
  await expect(b).rejects.toThrow(BrokenBarrierError);
  await flush();
  expect(a.settled).toBe(false);
  expect(barrier.broken()).toBe(true);

  const { action, open } = gate();
  const withAction = new BarrierState(2, null, action);
  const gone = watch(withAction.wait(A, null));
  const runner = withAction.wait(B, null);
  withAction.callerGone(A);
  open();
  expect(await runner).toBe(1);
  expect(gone.settled).toBe(false);
  expect(withAction.broken()).toBe(false);
  expect(await timers.stop()).toBe(0);
});

test('a runner that dies during its action breaks the barrier, whatever the action does later', async () => {
  const { action, open } = gate();
  const barrier = new BarrierState(2, null, action);
  const a = barrier.wait(A, null);
  const runner = watch(barrier.wait(B, null));
  const entrant = barrier.wait(C, null);
  barrier.callerGone(B);
  await expect(a).rejects.toThrow(BrokenBarrierError);
  await expect(entrant).rejects.toThrow(BrokenBarrierError);
  open();
  await flush();
  expect(runner.error).toBeInstanceOf(BrokenBarrierError);
  expect(barrier.broken()).toBe(true);
});

test('dispose rejects every party with its error; bad arguments are errors', async () => {
  const barrier = new BarrierState(3, null, null);
  const a = barrier.wait(A, 60_000);
  const error = new ProcessError('freed');
  barrier.dispose(error);
  await expect(a).rejects.toBe(error);
  expect(() => new BarrierState(0, null, null)).toThrow(RangeError);
  expect(() => new BarrierState(2, -1, null)).toThrow(RangeError);
  expect(() => barrier.wait(A, -1)).toThrow(RangeError);
});
