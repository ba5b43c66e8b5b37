// Lock, RLock, Semaphore and BoundedSemaphore over real processes: the
// semantics of CPython's _TestLock and _TestSemaphore, with the owner a
// process, and what happens when a holder or a waiter is SIGKILLed.
import { describe, expect, test } from '@jest/globals';
import {
  BoundedSemaphore,
  Event,
  Lock,
  ProcessError,
  Queue,
  RLock,
  Semaphore,
  TimeoutError,
  type Process,
} from '@procpool/core';
import {
  acquireAndExit,
  holdEachUntilKilled,
  holdThenRelease,
  releaseOnce,
  acquireReleaseRelease,
  tryAcquire,
  waitToAcquire,
} from '../../fixtures/sync-targets.mjs';
import { makePool, makeProcess } from '../helpers/pools.js';

type Acquirable = Lock | RLock | Semaphore;

/** A child that holds `lock` (`times` deep) until `go` is set; resolves once it says it holds it. */
async function holder(lock: Acquirable, times = 1): Promise<{ child: Process; reports: Queue; go: Event }> {
  const reports = new Queue();
  const go = new Event();
  const child = makeProcess({ target: holdThenRelease, args: [lock, times, reports, go] });
  child.start();
  expect(await reports.get()).toBe('holding');
  return { child, reports, go };
}

async function killed(child: Process): Promise<void> {
  child.kill();
  await child.join();
  expect(child.signal).toBe('SIGKILL');
}

describe('Lock', () => {
  test('acquire and release in one process; release of an unlocked Lock rejects', async () => {
    const lock = new Lock();
    expect(await lock.locked()).toBe(false);
    expect(await lock.acquire()).toBe(true);
    expect(await lock.locked()).toBe(true);
    expect(await lock.acquire({ block: false })).toBe(false);
    expect(await lock.acquire({ timeout: 0 })).toBe(false);
    // block: false answers at once even with a timeout.
    expect(await lock.acquire({ block: false, timeout: 60_000 })).toBe(false);
    await lock.release();
    expect(await lock.locked()).toBe(false);
    await expect(lock.release()).rejects.toThrow(new ProcessError('release() of an unlocked Lock'));
    expect(await lock.ownerDied()).toBe(false);
  });

  test('bad options reject with the usual messages', async () => {
    const lock = new Lock();
    await expect(lock.acquire({ timeout: -1 })).rejects.toThrow(
      'Expected `timeout` to be a non-negative number of ms, got `-1`',
    );
    await expect(lock.acquire({ block: 'no' as unknown as boolean })).rejects.toThrow(
      'Expected `block` to be a boolean',
    );
    expect(await lock.locked()).toBe(false);
  });

  test('a misspelt option is an error, not a wait forever; hold() checks its options too', async () => {
    const lock = new Lock();
    await lock.acquire();
    await expect(lock.acquire({ timeot: 10 } as never)).rejects.toThrow(
      new TypeError('Unknown acquire option `timeot`'),
    );
    await expect(lock.hold({ timeot: 10 } as never)).rejects.toThrow(new TypeError('Unknown hold option `timeot`'));
    await expect(lock.hold('soon' as never)).rejects.toThrow('Expected `options` to be an object');
    await expect(lock.hold({ timeout: -1 })).rejects.toThrow('Expected `timeout` to be a non-negative number of ms');
    await lock.release();
  });

  test("hold()'s TimeoutError says what it waited for", async () => {
    const lock = new Lock();
    await lock.acquire();
    const error = (await lock.hold({ timeout: 10 }).catch((caught: unknown) => caught)) as TimeoutError;
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error.timeout).toBe(10);
    expect(error.message).toBe('Could not acquire the Lock within 10 ms');
    await lock.release();
  });

  test('a timeout of Infinity or above 2^31-1 ms waits, here and from a child', async () => {
    const lock = new Lock();
    await lock.acquire();
    // Node fires a timer above 2^31-1 ms at once: these must still be waiting when we release.
    const waits = [lock.acquire({ timeout: Infinity }), lock.acquire({ timeout: 2 ** 32 })];
    const reports = new Queue();
    const child = makeProcess({ target: tryAcquire, args: [lock, { timeout: Infinity }, reports] });
    child.start();
    await lock.release();
    expect(await waits[0]).toBe(true);
    await lock.release();
    expect(await waits[1]).toBe(true);
    await lock.release();
    expect(await reports.get()).toEqual({ got: true, died: false });
    await child.join();
  });

  test('held by a child: the parent cannot take it; waits with a timeout resolve false; then it is free', async () => {
    const lock = new Lock();
    const { child, reports, go } = await holder(lock);
    expect(await lock.locked()).toBe(true);
    expect(await lock.acquire({ block: false })).toBe(false);
    expect(await lock.acquire({ timeout: 20 })).toBe(false);
    await expect(lock.hold({ timeout: 20 })).rejects.toBeInstanceOf(TimeoutError);
    const waiting = lock.acquire();
    await go.set();
    expect(await waiting).toBe(true);
    expect(await reports.get()).toBe('released');
    expect(await lock.ownerDied()).toBe(false);
    await lock.release();
    await child.join();
    expect(child.exitCode).toBe(0);
  });

  test('any process may release a held Lock, as Python’s', async () => {
    const lock = new Lock();
    await lock.acquire();
    const child = makeProcess({ target: releaseOnce, args: [lock] });
    child.start();
    await child.join();
    expect(child.exitCode).toBe(0);
    expect(await lock.locked()).toBe(false);
  });

  test('a release from a pool worker of an unlocked Lock rejects there with the message', async () => {
    const pool = makePool(1);
    const lock = new Lock();
    expect(await pool.apply(releaseOnce, [lock])).toEqual({
      name: 'ProcessError',
      message: 'release() of an unlocked Lock',
    });
  });

  test("a worker's releases of what it acquired go without waiting; one release too many still rejects there", async () => {
    const pool = makePool(1);
    const lock = new Lock();
    expect(await pool.apply(acquireReleaseRelease, [lock, 50])).toEqual({
      name: 'ProcessError',
      message: 'release() of an unlocked Lock',
    });
    expect(await lock.acquire({ block: false })).toBe(true);
  });

  test('hold() with await using releases at the end of the block, even when it throws', async () => {
    const lock = new Lock();
    {
      await using held = await lock.hold();
      expect(await lock.locked()).toBe(true);
      // Disposing early releases once; the block's end then does nothing.
      await held[Symbol.asyncDispose]();
      expect(await lock.locked()).toBe(false);
      await lock.acquire();
    }
    // That acquire's hold is not the one the block released.
    expect(await lock.locked()).toBe(true);
    await lock.release();
    await expect(
      (async () => {
        await using held = await lock.hold({ timeout: 1000 });
        throw new Error(`inside, holding ${typeof held}`);
      })(),
    ).rejects.toThrow('inside');
    expect(await lock.locked()).toBe(false);
  });

  test('waiting children are served in the order they asked', async () => {
    const lock = new Lock();
    await lock.acquire();
    const reports = [new Queue(), new Queue(), new Queue()];
    const children = reports.map((q) => makeProcess({ target: waitToAcquire, args: [lock, q] }));
    // One at a time, so the order they ask in is known.
    for (const [i, child] of children.entries()) {
      child.start();
      expect(await reports[i]!.get()).toBe('waiting');
    }
    await lock.release();
    for (const q of reports) expect(await q.get()).toEqual({ got: true, died: false });
    await Promise.all(children.map((child) => child.join()));
    expect(await lock.locked()).toBe(false);
  });

  test('a child SIGKILLed holding it: the parent waiting gets it, ownerDied() until a clean release', async () => {
    const lock = new Lock();
    const { child } = await holder(lock);
    const waiting = lock.acquire();
    await killed(child);
    expect(await waiting).toBe(true);
    expect(await lock.ownerDied()).toBe(true);
    await lock.release();
    expect(await lock.ownerDied()).toBe(false);
  });

  test('a child SIGKILLed holding it: a waiter in another process gets it and sees ownerDied()', async () => {
    const lock = new Lock();
    const { child } = await holder(lock);
    const reports = new Queue();
    const waiter = makeProcess({ target: waitToAcquire, args: [lock, reports] });
    waiter.start();
    expect(await reports.get()).toBe('waiting');
    await killed(child);
    expect(await reports.get()).toEqual({ got: true, died: true });
    await waiter.join();
    expect(waiter.exitCode).toBe(0);
    // The waiter's clean release cleared it.
    expect(await lock.ownerDied()).toBe(false);
    expect(await lock.locked()).toBe(false);
  });

  test('a pool terminated while its worker’s task holds it: the parent waiting gets it', async () => {
    const lock = new Lock();
    const pool = makePool(1);
    const reports = new Queue();
    const task = pool.applyAsync(holdThenRelease, [lock, 1, reports, new Event()]);
    expect(await reports.get()).toBe('holding');
    const waiting = lock.acquire();
    await pool.terminate();
    expect(await waiting).toBe(true);
    expect(await lock.ownerDied()).toBe(true);
    await lock.release();
    await expect(task.get()).rejects.toThrow();
  });

  test('a child that exits cleanly still holding it releases it too (Python’s would stay locked)', async () => {
    const lock = new Lock();
    const child = makeProcess({ target: acquireAndExit, args: [lock] });
    child.start();
    await child.join();
    expect(child.exitCode).toBe(0);
    // The host learns of the exit when the connection closes: wait for the lock, not for a time.
    expect(await lock.acquire({ timeout: 30_000 })).toBe(true);
    expect(await lock.ownerDied()).toBe(true);
    await lock.release();
  });

  test('a child SIGKILLed while waiting leaves nothing behind: the next release frees it', async () => {
    const lock = new Lock();
    await lock.acquire();
    const reports = new Queue();
    const deathSeen = new Lock();
    const waiter = makeProcess({ target: waitToAcquire, args: [lock, reports, deathSeen] });
    waiter.start();
    expect(await reports.get()).toBe('waiting');
    await killed(waiter);
    // The host tells every object the child touched at once: with this lock back, lock has forgotten the waiter.
    expect(await deathSeen.acquire()).toBe(true);
    await lock.release();
    expect(await lock.locked()).toBe(false);
    expect(await lock.ownerDied()).toBe(false);
    expect(await lock.acquire({ block: false })).toBe(true);
    await lock.release();
  });
});

describe('RLock', () => {
  test('re-entrant in its owner; each acquire needs a release; then release rejects', async () => {
    const lock = new RLock();
    expect(await lock.acquire()).toBe(true);
    expect(await lock.acquire({ block: false })).toBe(true);
    expect(await lock.acquire({ timeout: 0 })).toBe(true);
    await lock.release();
    await lock.release();
    expect(await lock.locked()).toBe(true);
    await lock.release();
    expect(await lock.locked()).toBe(false);
    await expect(lock.release()).rejects.toThrow(new ProcessError('release() of an RLock this process does not hold'));
  });

  test('held twice by a child: the parent is blocked until both releases, and may not release it', async () => {
    const lock = new RLock();
    const { child, reports, go } = await holder(lock, 2);
    expect(await lock.acquire({ block: false })).toBe(false);
    expect(await lock.acquire({ timeout: 20 })).toBe(false);
    await expect(lock.release()).rejects.toThrow('release() of an RLock this process does not hold');
    const waiting = lock.acquire();
    await go.set();
    expect(await reports.get()).toBe('released');
    expect(await waiting).toBe(true);
    await lock.release();
    await child.join();
  });

  test('held by the parent: a child is blocked, and its release rejects', async () => {
    const lock = new RLock();
    await lock.acquire();
    await lock.acquire();
    const reports = new Queue();
    const tried = makeProcess({ target: tryAcquire, args: [lock, { block: false }, reports] });
    tried.start();
    expect(await reports.get()).toEqual({ got: false, died: false });
    const pool = makePool(1);
    expect(await pool.apply(releaseOnce, [lock])).toEqual({
      name: 'ProcessError',
      message: 'release() of an RLock this process does not hold',
    });
    const waiter = makeProcess({ target: waitToAcquire, args: [lock, reports] });
    waiter.start();
    expect(await reports.get()).toBe('waiting');
    await lock.release();
    expect(await lock.locked()).toBe(true);
    await lock.release();
    expect(await reports.get()).toEqual({ got: true, died: false });
    await Promise.all([tried.join(), waiter.join()]);
  });

  test('a child SIGKILLed holding it at depth 2: the parent gets it at depth 1, ownerDied() until released', async () => {
    const lock = new RLock();
    const { child } = await holder(lock, 2);
    const waiting = lock.acquire();
    await killed(child);
    expect(await waiting).toBe(true);
    expect(await lock.ownerDied()).toBe(true);
    await lock.release();
    expect(await lock.locked()).toBe(false);
    expect(await lock.ownerDied()).toBe(false);
  });
});

describe('Semaphore', () => {
  test('counts down to 0 and waits there; release counts up; getValue() and locked()', async () => {
    const sem = new Semaphore(2);
    expect(await sem.getValue()).toBe(2);
    expect(await sem.acquire()).toBe(true);
    expect(await sem.acquire()).toBe(true);
    expect(await sem.getValue()).toBe(0);
    expect(await sem.locked()).toBe(true);
    expect(await sem.acquire({ block: false })).toBe(false);
    expect(await sem.acquire({ timeout: 20 })).toBe(false);
    await sem.release();
    expect(await sem.getValue()).toBe(1);
    await sem.release();
    // Unbounded: it may go above where it started.
    await sem.release();
    expect(await sem.getValue()).toBe(3);
  });

  test('a Semaphore(0) blocks children until the parent releases, one unit each', async () => {
    const sem = new Semaphore(0);
    const reports = new Queue();
    const children = [0, 1].map(() => makeProcess({ target: waitToAcquire, args: [sem, reports] }));
    for (const child of children) {
      child.start();
      expect(await reports.get()).toBe('waiting');
    }
    await sem.release();
    expect(await reports.get()).toEqual({ got: true, died: false });
    // That child gave its unit back: the other one takes it.
    expect(await reports.get()).toEqual({ got: true, died: false });
    await Promise.all(children.map((child) => child.join()));
    expect(await sem.getValue()).toBe(1);
  });

  test('bad values are rejected at construction', () => {
    expect(() => new Semaphore(-1)).toThrow('Expected `value` to be a non-negative integer');
    expect(() => new Semaphore(1.5)).toThrow('Expected `value` to be a non-negative integer');
  });

  test('a BoundedSemaphore that fails to construct leaves the next Semaphore unbounded', async () => {
    expect(() => new BoundedSemaphore(-1)).toThrow('Expected `value` to be a non-negative integer');
    const sem = new Semaphore(1);
    await sem.release();
    expect(await sem.getValue()).toBe(2);
    const bounded = new BoundedSemaphore(1);
    await expect(bounded.release()).rejects.toThrow('BoundedSemaphore released too many times');
  });

  test('a child SIGKILLed holding 2 units gives them back: a waiter gets one and sees ownerDied()', async () => {
    const sem = new Semaphore(2);
    const { child } = await holder(sem, 2);
    expect(await sem.getValue()).toBe(0);
    const reports = new Queue();
    const waiter = makeProcess({ target: waitToAcquire, args: [sem, reports] });
    waiter.start();
    expect(await reports.get()).toBe('waiting');
    await killed(child);
    expect(await reports.get()).toEqual({ got: true, died: true });
    await waiter.join();
    expect(await sem.getValue()).toBe(2);
    expect(await sem.ownerDied()).toBe(false);
  });

  test('a unit released for a holder by another process is not given back again when the holder dies', async () => {
    const sem = new Semaphore(1);
    const lock = new Lock();
    const reports = new Queue();
    const child = makeProcess({ target: holdEachUntilKilled, args: [[sem, lock], reports] });
    child.start();
    expect(await reports.get()).toBe('holding');
    // This process holds nothing: the unit comes off the child's holds.
    await sem.release();
    expect(await sem.acquire()).toBe(true);
    const lockBack = lock.acquire();
    await killed(child);
    // The host tells every object the child touched at once: once the lock is back, the semaphore has heard too.
    expect(await lockBack).toBe(true);
    expect(await sem.getValue()).toBe(0);
    expect(await sem.ownerDied()).toBe(false);
  });

  test('a child SIGKILLed while waiting takes no unit: the next release is counted', async () => {
    const sem = new Semaphore(0);
    const reports = new Queue();
    const deathSeen = new Lock();
    const waiter = makeProcess({ target: waitToAcquire, args: [sem, reports, deathSeen] });
    waiter.start();
    expect(await reports.get()).toBe('waiting');
    await killed(waiter);
    // The host tells every object the child touched at once: with this lock back, sem has forgotten the waiter.
    expect(await deathSeen.acquire()).toBe(true);
    await sem.release();
    expect(await sem.getValue()).toBe(1);
    expect(await sem.ownerDied()).toBe(false);
  });
});

describe('BoundedSemaphore', () => {
  test('release above its start rejects, in the host and in a child', async () => {
    const sem = new BoundedSemaphore(2);
    await expect(sem.release()).rejects.toThrow(new ProcessError('BoundedSemaphore released too many times'));
    await sem.acquire();
    const pool = makePool(1);
    expect(await pool.apply(releaseOnce, [sem])).toBe('released');
    expect(await pool.apply(releaseOnce, [sem])).toEqual({
      name: 'ProcessError',
      message: 'BoundedSemaphore released too many times',
    });
    expect(await sem.getValue()).toBe(2);
  });

  test('travels as a BoundedSemaphore: a child that took a unit from it cannot over-release', async () => {
    const sem = new BoundedSemaphore(1);
    const { child, reports, go } = await holder(sem);
    expect(await sem.locked()).toBe(true);
    await go.set();
    expect(await reports.get()).toBe('released');
    await child.join();
    await expect(sem.release()).rejects.toThrow('BoundedSemaphore released too many times');
  });

  test('a child SIGKILLed holding its unit: the parent waiting gets it', async () => {
    const sem = new BoundedSemaphore(1);
    const { child } = await holder(sem);
    const waiting = sem.acquire({ timeout: 30_000 });
    await killed(child);
    expect(await waiting).toBe(true);
    expect(await sem.ownerDied()).toBe(true);
    await sem.release();
    expect(await sem.ownerDied()).toBe(false);
    await expect(sem.release()).rejects.toThrow('BoundedSemaphore released too many times');
  });
});
