// Event and Barrier over real processes: the semantics of CPython's
// _TestEvent and _TestBarrier, and a Barrier party SIGKILLed mid-wait.
import { describe, expect, test } from '@jest/globals';
import { Barrier, BrokenBarrierError, Event, Queue, Value, type Process } from '@procpool/core';
import { barrierWaiter, barrierWaitThenStay, eventWaiter, setEvent } from '../../fixtures/sync-targets.mjs';
import { makePool, makeProcess } from '../helpers/pools.js';

type Report = { waiting?: number; index?: number; seen?: number | null; error?: { name: string }; broken?: boolean };

/** A child waiting on `event`; resolves once the host has its wait. */
async function eventChild(event: Event, timeout: number | null = null): Promise<{ child: Process; reports: Queue }> {
  const reports = new Queue();
  const child = makeProcess({ target: eventWaiter, args: [event, timeout, reports] });
  child.start();
  expect(await reports.get()).toBe('waiting');
  return { child, reports };
}

/** A child waiting `rounds` times on `barrier`; resolves once the host has its first wait. */
async function barrierChild(
  barrier: Barrier,
  { rounds = 1, seen = null, timeout = null }: { rounds?: number; seen?: Value | null; timeout?: number | null } = {},
): Promise<{ child: Process; reports: Queue }> {
  const reports = new Queue();
  const child = makeProcess({ target: barrierWaiter, args: [barrier, rounds, seen, timeout, reports] });
  child.start();
  expect(await reports.get()).toEqual({ waiting: 0 });
  return { child, reports };
}

const brokenReport = { error: { name: 'BrokenBarrierError', message: 'The barrier is broken' }, broken: true };

describe('Event', () => {
  test('set() wakes every waiting child; isSet(), clear(), and wait on a set Event', async () => {
    const event = new Event();
    expect(await event.isSet()).toBe(false);
    const children = [await eventChild(event), await eventChild(event)];
    await event.set();
    for (const { reports } of children) expect(await reports.get()).toEqual({ result: true, isSet: true });
    await Promise.all(children.map(({ child }) => child.join()));
    expect(await event.wait(0)).toBe(true);
    expect(await event.wait()).toBe(true);
    await event.clear();
    expect(await event.isSet()).toBe(false);
    expect(await event.wait(0)).toBe(false);
  });

  test('a wait past its timeout resolves false, in a child and here', async () => {
    const event = new Event();
    const { child, reports } = await eventChild(event, 20);
    expect(await reports.get()).toEqual({ result: false, isSet: false });
    await child.join();
    expect(await event.wait(20)).toBe(false);
    await expect(event.wait(-1)).rejects.toThrow('Expected `timeout` to be a non-negative number of ms');
  });

  test('a pool worker sets it while this process waits', async () => {
    const event = new Event();
    const pool = makePool(1);
    const waiting = event.wait();
    await pool.apply(setEvent, [event]);
    expect(await waiting).toBe(true);
  });

  test('set then clear before a waiter asks: the waiter waits for the next set', async () => {
    const event = new Event();
    await event.set();
    await event.clear();
    const { child, reports } = await eventChild(event);
    await event.set();
    expect(await reports.get()).toEqual({ result: true, isSet: true });
    await child.join();
  });

  test('a child SIGKILLed while waiting leaves nothing behind', async () => {
    const event = new Event();
    const gone = await eventChild(event);
    const stays = await eventChild(event);
    gone.child.kill();
    await gone.child.join();
    await event.set();
    expect(await stays.reports.get()).toEqual({ result: true, isSet: true });
    await stays.child.join();
  });
});

describe('Barrier', () => {
  test('3 children, 2 rounds: unique indexes each round; the action runs once per round before any is released', async () => {
    const seen = new Value('i', 0);
    let actions = 0;
    const barrier = new Barrier(3, {
      action: async () => {
        actions += 1;
        await seen.set(actions);
      },
    });
    expect(barrier.parties).toBe(3);
    const children = [];
    for (let i = 0; i < 3; i += 1) children.push(await barrierChild(barrier, { rounds: 2, seen }));
    const results: Report[] = [];
    for (const { reports } of children) {
      for (let i = 0; i < 3; i += 1) results.push((await reports.get()) as Report);
    }
    const released = results.filter((report) => report.waiting === undefined);
    for (const round of [1, 2]) {
      // Each child read `seen` right after its release: the round's action had run.
      const indexes = released.filter((report) => report.seen === round).map((report) => report.index);
      expect(indexes.sort()).toEqual([0, 1, 2]);
    }
    expect(actions).toBe(2);
    await Promise.all(children.map(({ child }) => child.join()));
    expect(await barrier.nWaiting()).toBe(0);
    expect(await barrier.broken()).toBe(false);
  });

  test('this process is a party with a child; nWaiting() counts the waiting', async () => {
    const barrier = new Barrier(2);
    const { child, reports } = await barrierChild(barrier);
    expect(await barrier.nWaiting()).toBe(1);
    // Indexes follow arrival, as Python's threading.Barrier: the first gets 0, the last parties-1.
    expect(await barrier.wait()).toBe(1);
    expect(await reports.get()).toEqual({ index: 0, seen: null });
    await child.join();
  });

  test('abort() breaks it for the waiting and later waits, until reset()', async () => {
    const barrier = new Barrier(2);
    const { child, reports } = await barrierChild(barrier);
    await barrier.abort();
    expect(await reports.get()).toEqual(brokenReport);
    expect(await barrier.broken()).toBe(true);
    await expect(barrier.wait()).rejects.toBeInstanceOf(BrokenBarrierError);
    await barrier.reset();
    expect(await barrier.broken()).toBe(false);
    const again = await barrierChild(barrier);
    expect(await barrier.wait()).toBe(1);
    expect(await again.reports.get()).toEqual({ index: 0, seen: null });
    await Promise.all([child.join(), again.child.join()]);
  });

  test('reset() while a child waits: it gets BrokenBarrierError, and the barrier is usable at once', async () => {
    const barrier = new Barrier(2);
    const { child, reports } = await barrierChild(barrier);
    await barrier.reset();
    expect(await reports.get()).toEqual(brokenReport);
    expect(await barrier.broken()).toBe(false);
    expect(await barrier.nWaiting()).toBe(0);
    await child.join();
  });

  test('a wait past its timeout breaks it; so does the barrier’s own timeout', async () => {
    const barrier = new Barrier(2);
    const reports = new Queue();
    const child = makeProcess({ target: barrierWaiter, args: [barrier, 1, null, 20, reports] });
    child.start();
    expect(await reports.get()).toEqual({ waiting: 0 });
    expect(await reports.get()).toEqual(brokenReport);
    expect(await barrier.broken()).toBe(true);
    await child.join();

    const timed = new Barrier(2, { timeout: 20 });
    await expect(timed.wait()).rejects.toBeInstanceOf(BrokenBarrierError);
    expect(await timed.broken()).toBe(true);
  });

  test('a party SIGKILLed while waiting breaks it: the others get BrokenBarrierError', async () => {
    const barrier = new Barrier(3);
    const reports = new Queue();
    const child = makeProcess({ target: barrierWaitThenStay, args: [barrier, reports] });
    child.start();
    expect(await reports.get()).toBe('waiting');
    const other = await barrierChild(barrier);
    expect(await barrier.nWaiting()).toBe(2);
    child.kill();
    await child.join();
    expect(await other.reports.get()).toEqual(brokenReport);
    expect(await barrier.broken()).toBe(true);
    await other.child.join();
  });

  test('the last party SIGKILLed while the action runs breaks the round; the action finishing later changes nothing', async () => {
    const started = new Event();
    const gate = new Event();
    let finished = 0;
    const barrier = new Barrier(2, {
      action: async () => {
        await started.set();
        await gate.wait();
        finished += 1;
      },
    });
    const first = await barrierChild(barrier);
    const reports = new Queue();
    const runner = makeProcess({ target: barrierWaitThenStay, args: [barrier, reports] });
    runner.start();
    await started.wait();
    runner.kill();
    await runner.join();
    expect(await first.reports.get()).toEqual(brokenReport);
    expect(await barrier.broken()).toBe(true);
    await gate.set();
    await first.child.join();
    // Once broken, it stays so until reset(), whatever the late action did.
    await barrier.wait(0).catch(() => {});
    expect(finished).toBe(1);
    expect(await barrier.broken()).toBe(true);
    await barrier.reset();
    const again = await barrierChild(barrier);
    expect(await barrier.wait()).toBe(1);
    expect(await again.reports.get()).toEqual({ index: 0, seen: null });
    await again.child.join();
    expect(finished).toBe(2);
  });

  test('an action that throws breaks the round: the runner gets its error, the others BrokenBarrierError', async () => {
    let runs = 0;
    const barrier = new Barrier(2, {
      action: () => {
        runs += 1;
        throw new Error(`boom ${runs}`);
      },
    });
    // This process arrives last: it runs the action (here, its host).
    const { child, reports } = await barrierChild(barrier);
    await expect(barrier.wait()).rejects.toThrow('boom 1');
    expect(await reports.get()).toEqual(brokenReport);
    await child.join();
    // A child arrives last: the action's error reaches it.
    await barrier.reset();
    const waiting = barrier.wait();
    const late = makeProcess({ target: barrierWaiter, args: [barrier, 1, null, null, reports] });
    late.start();
    expect(await reports.get()).toEqual({ waiting: 0 });
    expect(await reports.get()).toEqual({ error: { name: 'Error', message: 'boom 2' }, broken: false });
    await expect(waiting).rejects.toBeInstanceOf(BrokenBarrierError);
    await late.join();
    expect(runs).toBe(2);
  });

  test('bad parties and options are rejected', () => {
    expect(() => new Barrier(0)).toThrow('Expected `parties` to be a positive integer');
    expect(() => new Barrier(2, { timeout: -1 })).toThrow('Expected `timeout` to be a non-negative number of ms');
    expect(() => new Barrier(2, { nope: 1 } as never)).toThrow(/nope/);
  });
});
