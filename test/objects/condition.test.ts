// Condition over real processes: the semantics of CPython's _TestCondition
// (wait/notify/notifyAll, timeouts, wait_for), with its lock owned per
// process, and what a SIGKILLed waiter or holder leaves behind.
import { describe, expect, test } from '@jest/globals';
import { Condition, Event, Lock, ProcessError, Queue, RLock, Value, type Process } from '@procpool/core';
import {
  conditionMisuse,
  conditionNotifier,
  conditionOverForeignLock,
  conditionWaitFor,
  conditionWaiter,
  holdThenRelease,
} from '../../fixtures/sync-targets.mjs';
import { makePool, makeProcess } from '../helpers/pools.js';

/** A child waiting on `cond` (with `timeout`); resolves once its wait has released the lock. */
async function waiter(
  cond: Condition,
  timeout: number | null = null,
  alsoHold: Lock | null = null,
): Promise<{ child: Process; reports: Queue }> {
  const reports = new Queue();
  const child = makeProcess({ target: conditionWaiter, args: [cond, timeout, reports, alsoHold] });
  child.start();
  expect(await reports.get()).toBe('waiting');
  // The child held the lock until its wait released it: once we get it, the child waits.
  await cond.acquire();
  await cond.release();
  return { child, reports };
}

describe('Condition', () => {
  test('notify wakes a waiting child, which has the lock back when its wait resolves true', async () => {
    const cond = new Condition();
    const { child, reports } = await waiter(cond);
    await cond.acquire();
    await cond.notify();
    // The child cannot go on before we release: it needs the lock back.
    expect(await reports.get({ timeout: 50 }).catch((error: Error) => error.name)).toBe('Empty');
    await cond.release();
    expect(await reports.get()).toEqual({ notified: true, held: true });
    await child.join();
    expect(child.exitCode).toBe(0);
  });

  test('notify(n) wakes the n longest waiting; notifyAll the rest', async () => {
    const cond = new Condition();
    const waiters = [];
    for (let i = 0; i < 3; i += 1) waiters.push(await waiter(cond));
    await cond.acquire();
    await cond.notify(2);
    await cond.release();
    expect(await waiters[0]!.reports.get()).toEqual({ notified: true, held: true });
    expect(await waiters[1]!.reports.get()).toEqual({ notified: true, held: true });
    await Promise.all([waiters[0]!.child.join(), waiters[1]!.child.join()]);
    expect(waiters[2]!.child.isAlive()).toBe(true);
    await cond.acquire();
    await cond.notifyAll();
    await cond.release();
    expect(await waiters[2]!.reports.get()).toEqual({ notified: true, held: true });
    await waiters[2]!.child.join();
  });

  test('notify with nobody waiting does nothing; notify(0) wakes nobody', async () => {
    const cond = new Condition();
    await cond.acquire();
    await cond.notify();
    await cond.notifyAll();
    await cond.release();
    const { child, reports } = await waiter(cond, 200);
    await cond.acquire();
    await cond.notify(0);
    await cond.release();
    expect(await reports.get()).toEqual({ notified: false, held: true });
    await child.join();
  });

  test('a wait past its timeout resolves false with the lock back, in a child and here', async () => {
    const cond = new Condition();
    const reports = new Queue();
    const child = makeProcess({ target: conditionWaiter, args: [cond, 20, reports] });
    child.start();
    expect(await reports.get()).toBe('waiting');
    expect(await reports.get()).toEqual({ notified: false, held: true });
    await child.join();
    await cond.acquire();
    expect(await cond.wait(0)).toBe(false);
    expect(await cond.wait(20)).toBe(false);
    expect(await cond.locked()).toBe(true);
    await cond.release();
    expect(await cond.locked()).toBe(false);
  });

  test('the parent waits and a child notifies it', async () => {
    const cond = new Condition(new Lock());
    await cond.acquire();
    // The child's acquire waits until our wait gives the lock up.
    const child = makeProcess({ target: conditionNotifier, args: [cond] });
    child.start();
    expect(await cond.wait()).toBe(true);
    expect(await cond.locked()).toBe(true);
    await cond.release();
    await child.join();
    expect(child.exitCode).toBe(0);
  });

  test('waitFor: an async predicate rechecked after each notification, in a child', async () => {
    const cond = new Condition();
    const ready = new Value('i', 0);
    const reports = new Queue();
    const child = makeProcess({ target: conditionWaitFor, args: [cond, ready, 3, null, reports] });
    child.start();
    expect(await reports.get()).toBe('waiting');
    // The child holds the lock except while it waits: each acquire here finds it waiting.
    for (let i = 1; i <= 3; i += 1) {
      await cond.acquire();
      await ready.set(i);
      await cond.notifyAll();
      await cond.release();
    }
    expect(await reports.get()).toEqual({ result: true, checks: 4 });
    await child.join();
  });

  test('waitFor gives up past its timeout with the predicate’s last value; a true predicate never waits', async () => {
    const cond = new Condition();
    const ready = new Value('i', 0);
    const reports = new Queue();
    const child = makeProcess({ target: conditionWaitFor, args: [cond, ready, 1, 30, reports] });
    child.start();
    expect(await reports.get()).toBe('waiting');
    const { result, checks } = (await reports.get()) as { result: boolean; checks: number };
    expect(result).toBe(false);
    expect(checks).toBeGreaterThanOrEqual(2);
    await child.join();
    await cond.acquire();
    expect(await cond.waitFor(async () => 'yes', 0)).toBe('yes');
    expect(await cond.waitFor(() => 0, 0)).toBe(0);
    await cond.release();
    await expect(cond.waitFor('no' as unknown as () => boolean)).rejects.toThrow(TypeError);
  });

  test('wait, notify and notifyAll without the lock reject, here and in a pool worker', async () => {
    const cond = new Condition();
    await expect(cond.wait()).rejects.toThrow(
      new ProcessError('wait() on a Condition whose lock this process does not hold'),
    );
    await expect(cond.notify()).rejects.toThrow('notify() on a Condition whose lock this process does not hold');
    // Held by this process, not by the worker.
    await cond.acquire();
    const pool = makePool(1);
    expect(await pool.apply(conditionMisuse, [cond])).toEqual(
      ['wait', 'notify', 'notifyAll'].map((method) => ({
        name: 'ProcessError',
        message: `${method}() on a Condition whose lock this process does not hold`,
      })),
    );
    await cond.release();
    await expect(cond.notify(-1)).rejects.toThrow('Expected `n` to be a non-negative integer');
    await expect(cond.wait(-1)).rejects.toThrow('Expected `timeout` to be a non-negative number of ms');
  });

  test('a Condition over a lock made in another process is a TypeError there', async () => {
    const pool = makePool(1);
    const answer = (await pool.apply(conditionOverForeignLock, [new RLock()])) as { name: string; message: string };
    expect(answer.name).toBe('TypeError');
    expect(answer.message).toMatch(/A Condition lives with its lock/);
    expect(() => new Condition({} as Lock)).toThrow(TypeError);
  });

  test('a Condition over a given Lock shares it: holding one holds the other', async () => {
    const lock = new Lock();
    const cond = new Condition(lock);
    await lock.acquire();
    expect(await cond.locked()).toBe(true);
    // A Lock is not re-entrant, even through the Condition.
    expect(await cond.acquire({ block: false })).toBe(false);
    await cond.release();
    expect(await lock.locked()).toBe(false);
  });

  // Which waiter one notify() wakes depends on whether the host has seen the death yet
  // (a notified process may die before it takes the lock back): notifyAll does not.
  test('a child SIGKILLed while waiting leaves nothing behind: the others wake, the lock ends free', async () => {
    const cond = new Condition();
    const first = await waiter(cond);
    const second = await waiter(cond);
    first.child.kill();
    await first.child.join();
    await cond.acquire();
    await cond.notifyAll();
    await cond.release();
    expect(await second.reports.get()).toEqual({ notified: true, held: true });
    await second.child.join();
    expect(await cond.locked()).toBe(false);
    expect(await cond.ownerDied()).toBe(false);
  });

  test('a child SIGKILLed while waiting is dropped: one notify() goes to the next waiter', async () => {
    const cond = new Condition();
    const deathSeen = new Lock();
    const first = await waiter(cond, null, deathSeen);
    const second = await waiter(cond);
    const lockBack = deathSeen.acquire();
    first.child.kill();
    await first.child.join();
    // The host tells every object the child touched at once: with this lock back, the Condition has dropped it.
    expect(await lockBack).toBe(true);
    await cond.acquire();
    await cond.notify();
    await cond.release();
    expect(await second.reports.get()).toEqual({ notified: true, held: true });
    await second.child.join();
  });

  test('a child SIGKILLed holding its lock frees it; ownerDied() until a clean release', async () => {
    const cond = new Condition();
    const reports = new Queue();
    const child = makeProcess({ target: holdThenRelease, args: [cond, 2, reports, new Event()] });
    child.start();
    expect(await reports.get()).toBe('holding');
    const waiting = cond.acquire();
    child.kill();
    await child.join();
    expect(await waiting).toBe(true);
    expect(await cond.ownerDied()).toBe(true);
    await cond.release();
    expect(await cond.ownerDied()).toBe(false);
  });
});
