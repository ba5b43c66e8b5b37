// @ts-check
// Python's shared objects, against CPython's: Queue put→get between two
// processes (K), a manager's dict set and Lock acquire+release (L), a plain
// Lock acquire+release in its own process and from a child (M). Only procpool
// has them (`needs: 'multiprocessing'`); the baselines run
// python/shared_state_bench.py, fork start method, pinned as the Node side is
// (this process on CPU 0, every other on CPU 1).
import { createRequire } from 'node:module';
import { pinApart } from '../processes.mjs';
import { python } from '../python.mjs';
import { now, within } from './helpers.mjs';
import { multiprocessing } from './processes.mjs';

/** @typedef {import('./helpers.mjs').Scenario} Scenario */
/** @typedef {import('./helpers.mjs').RunOptions} RunOptions */

const require = createRequire(import.meta.url);
/** The targets, the same on procpool's side as on CPython's. */
const targets = () => require('../workers/procpool-shared-state.cjs');
const SCRIPT = 'shared_state_bench.py';

/** The item put, the same on CPython's side. */
const ITEM = { id: 1, name: 'small', ok: true };

/**
 * `use`, then the child joined (killed if it does not end in 10 s).
 * @template T
 * @param {any} child a started Process
 * @param {() => Promise<T>} use
 */
async function thenJoin(child, use) {
  try {
    return await use();
  } finally {
    await within(child.join(), 10_000).catch(() => child.kill());
  }
}

/** Items got unmeasured, then measured; the same on CPython's side. @param {boolean} quick */
const items = (quick) => (quick ? { warm: 500, count: 2000 } : { warm: 2000, count: 20_000 });

// (K) small items through a Queue from one process to the other: items/s.
/** @type {Scenario} */
export const K = {
  title:
    'K. Queue put → get between two processes, small items, the parent on CPU 0 and the child on CPU 1 (items/s, higher is better)',
  baseline: {
    name: 'CPython: multiprocessing.Queue() the same way (fork)',
    run: async ({ quick, variant }) => {
      const { warm, count } = items(quick);
      const { rate } = await python(['queue', String(variant), String(warm), String(count)], SCRIPT);
      return /** @type {number} */ (rate);
    },
  },
  unit: 'items/s',
  needs: 'multiprocessing',
  // child-puts: a child puts, the queue's creator gets; parent-puts: the creator puts, a child gets (one round trip per get).
  variants: { 'child-puts': () => 'child-puts', 'parent-puts': () => 'parent-puts' },
  run: async (subject, { quick, variant }) => {
    const { Process, Queue } = await multiprocessing(subject);
    const { producer, consumer } = targets();
    const { warm, count } = items(quick);
    const queue = new Queue();
    if (variant === 'child-puts') {
      const child = new Process({ target: producer, args: [queue, warm + count] });
      child.start();
      return thenJoin(child, async () => {
        pinApart();
        for (let i = 0; i < warm; i += 1) await queue.get();
        const start = now();
        for (let i = 0; i < count; i += 1) await queue.get();
        return count / ((now() - start) / 1000);
      });
    }
    const acks = new Queue();
    const child = new Process({ target: consumer, args: [queue, acks, warm, count] });
    child.start();
    return thenJoin(child, async () => {
      pinApart();
      for (let i = 0; i < warm; i += 1) await queue.put({ ...ITEM, id: i });
      await within(acks.get(), 60_000);
      const start = now();
      for (let i = 0; i < count; i += 1) await queue.put({ ...ITEM, id: i });
      await within(acks.get(), 60_000);
      return count / ((now() - start) / 1000);
    });
  },
};

/** Calls unmeasured, then measured; the same on CPython's side. @param {boolean} quick */
const calls = (quick) => (quick ? { warm: 200, count: 1000 } : { warm: 1000, count: 5000 });

/**
 * µs per call of `once`, one at a time, after `warm` unmeasured; `beforeMeasuring` between.
 * @param {() => Promise<unknown>} once
 * @param {{ warm: number, count: number }} counts
 * @param {() => void} [beforeMeasuring]
 */
async function microsPerCall(once, { warm, count }, beforeMeasuring) {
  for (let i = 0; i < warm; i += 1) await once();
  beforeMeasuring?.();
  const start = now();
  for (let i = 0; i < count; i += 1) await once();
  return ((now() - start) * 1000) / count;
}

// (L) one call at a time from the parent to a manager's object: µs.
/** @type {Scenario} */
export const L = {
  title:
    "L. A manager's dict set and Lock acquire+release from the parent, one at a time, the parent on CPU 0 and the manager on CPU 1 (µs, lower is better)",
  baseline: {
    name: "CPython: Manager().dict()'s d[k] = v / Manager().Lock()'s acquire(); release() (fork)",
    run: async ({ quick, variant }) => {
      const { warm, count } = calls(quick);
      const { us } = await python(['manager', String(variant), String(warm), String(count)], SCRIPT);
      return /** @type {number} */ (us);
    },
  },
  unit: 'µs',
  needs: 'multiprocessing',
  // dict-set: `await d.set(k, v)` (100 keys in turn); lock: `await lock.acquire(); await lock.release()`.
  variants: { 'dict-set': () => 'dict-set', lock: () => 'lock' },
  run: async (subject, { quick, variant }) => {
    const { Manager } = await multiprocessing(subject);
    const manager = await Manager();
    try {
      /** @type {() => Promise<unknown>} */
      let once;
      if (variant === 'dict-set') {
        const dict = await manager.dict();
        let i = 0;
        once = () => ((i += 1), dict.set(`k${i % 100}`, i));
      } else {
        const lock = await manager.Lock();
        once = async () => {
          await lock.acquire();
          await lock.release();
        };
      }
      return await microsPerCall(once, calls(quick), pinApart);
    } finally {
      await within(manager.shutdown(), 10_000);
    }
  },
};

/**
 * Acquire+release pairs unmeasured, then measured, in the lock's own process
 * (no round trip: many) or from a child (two round trips each: fewer).
 * @param {boolean} quick
 * @param {string | undefined} variant
 */
const pairs = (quick, variant) =>
  variant === 'creator' ? (quick ? { warm: 2000, count: 20_000 } : { warm: 10_000, count: 200_000 }) : calls(quick);

// (M) a plain (non-manager) Lock: acquire+release, one at a time: µs.
/** @type {Scenario} */
export const M = {
  title:
    'M. Lock acquire+release, in the process that created it and from a child (the child on CPU 1), one at a time (µs, lower is better)',
  baseline: {
    name: "CPython: multiprocessing.Lock()'s acquire(); release(), in the same place (a POSIX semaphore, fork)",
    run: async ({ quick, variant }) => {
      const { warm, count } = pairs(quick, variant);
      const { us } = await python(['lock', String(variant), String(warm), String(count)], SCRIPT);
      return /** @type {number} */ (us);
    },
  },
  unit: 'µs',
  needs: 'multiprocessing',
  // creator: the process that made it (no socket); child: a Process it was passed to (the lock lives in the parent).
  variants: { creator: () => 'creator', child: () => 'child' },
  run: async (subject, { quick, variant }) => {
    const { Lock, Pipe, Process } = await multiprocessing(subject);
    const { warm, count } = pairs(quick, variant);
    const lock = new Lock();
    if (variant === 'creator') {
      pinApart();
      return microsPerCall(
        async () => {
          await lock.acquire();
          await lock.release();
        },
        { warm, count },
      );
    }
    const [ours, theirs] = Pipe();
    const child = new Process({ target: targets().lockLoop, args: [lock, theirs, warm, count] });
    child.start();
    theirs.close();
    return thenJoin(child, async () => {
      pinApart();
      try {
        return /** @type {number} */ (await within(ours.recv(), 60_000));
      } finally {
        ours.close();
      }
    });
  },
};
