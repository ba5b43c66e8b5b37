// @ts-check
// Python's concurrent.futures, against CPython's: a ProcessPoolExecutor's
// submit one future at a time (N), and 20 000 futures submitted, then awaited
// (N2). Only procpool has it (`needs: 'futures'`); the baselines run
// python/futures_bench.py with the same worker count and a no-op task. N is
// pinned as A (this process on CPU 0, the workers on CPU 1) and, as A, takes
// its ratio in the trial, in turns with CPython's executor; N2 is unpinned (as B).
import { createRequire } from 'node:module';
import { pinApart } from '../processes.mjs';
import { python, pythonServing } from '../python.mjs';
import { NotAvailable } from '../subjects.mjs';
import { WORKERS, now, within } from './helpers.mjs';

/** @typedef {import('./helpers.mjs').Scenario} Scenario */
/** @typedef {import('./helpers.mjs').Adapter} Adapter */

const require = createRequire(import.meta.url);
const SCRIPT = 'futures_bench.py';

/**
 * @procpool/futures, for a subject that has it: the scenarios drive it directly, as a user would.
 * @param {Adapter} subject
 */
async function futures(subject) {
  const lacking = subject.lacks.futures;
  if (lacking !== undefined) throw new NotAvailable(lacking);
  return import('@procpool/futures');
}

/**
 * `use` on a new executor of WORKERS workers running procpool's task module,
 * shut down afterwards.
 * @template T
 * @param {Adapter} subject
 * @param {(submit: (i: number) => PromiseLike<unknown>) => Promise<T>} use
 */
async function withExecutor(subject, use) {
  const { ProcessPoolExecutor } = await futures(subject);
  const { tasks } = require('../workers/procpool.cjs');
  const executor = new ProcessPoolExecutor({ maxWorkers: WORKERS });
  try {
    return await use((i) => executor.submit(tasks.noop, i));
  } finally {
    await within(Promise.resolve(executor.shutdown()), 10_000).catch(() => {});
  }
}

/**
 * Futures unmeasured, then measured in `blocks` of `size`, one at a time; the
 * same on CPython's side.
 * @param {boolean} quick
 */
const roundTrips = (quick) => (quick ? { warm: 200, blocks: 4, size: 200 } : { warm: 2000, blocks: 10, size: 300 });
/** Futures per round (one unmeasured, one measured); the same on CPython's side. @param {boolean} quick */
const burst = (quick) => (quick ? 4000 : 20_000);

// (N) one future at a time, awaited: µs.
/** @type {Scenario} */
export const N = {
  title:
    "N. ProcessPoolExecutor `submit` round trip, one future at a time, awaited, 2 workers, the parent on CPU 0 and the workers on CPU 1 (µs, lower is better; each ratio is taken against CPython's executor in the same trial, in alternating blocks)",
  baseline: {
    name: "CPython: concurrent.futures.ProcessPoolExecutor's submit(f, x).result(), pinned the same way",
    run: async ({ quick }) => {
      const { warm, blocks, size } = roundTrips(quick);
      const { us } = await python(['round-trip', String(WORKERS), String(warm), String(blocks * size)], SCRIPT);
      return /** @type {number} */ (us);
    },
  },
  unit: 'µs',
  needs: 'futures',
  run: (subject, { quick }) =>
    withExecutor(subject, async (submit) => {
      const { warm, blocks, size } = roundTrips(quick);
      let i = 0;
      const block = async () => {
        const start = now();
        for (let k = 0; k < size; k += 1) await submit((i += 1));
        return now() - start;
      };
      for (let k = 0; k < warm; k += 1) await submit(k);
      pinApart();
      // Started after the pinning, so that it pins itself (its parent on CPU 0, its workers on CPU 1).
      const cpython = await pythonServing(['blocks', String(WORKERS), String(warm)], SCRIPT);
      try {
        await within(cpython.ready, 60_000);
        const spent = { mine: 0, theirs: 0 };
        const theirs = async () => (Number(await within(cpython.ask(String(size)), 60_000)) * size) / 1000;
        // Which goes first alternates, so neither always follows the other.
        for (let b = 0; b < blocks; b += 1) {
          if (b % 2 === 0) {
            spent.mine += await block();
            spent.theirs += await theirs();
          } else {
            spent.theirs += await theirs();
            spent.mine += await block();
          }
        }
        return { value: (spent.mine * 1000) / (blocks * size), ratio: spent.mine / spent.theirs };
      } finally {
        cpython.close();
      }
    }),
};

/**
 * Futures per second of one round: `n` submitted, then each awaited in turn.
 * @param {(i: number) => PromiseLike<unknown>} submit
 * @param {number} n
 */
async function burstRound(submit, n) {
  const start = now();
  const futures = Array.from({ length: n }, (_, i) => submit(i));
  for (const future of futures) await future;
  return n / ((now() - start) / 1000);
}

// (N2) many futures at once: futures/s.
/** @type {Scenario} */
export const N2 = {
  title:
    'N2. ProcessPoolExecutor: 20 000 no-op futures submitted, then awaited, after one warm-up round of the same, 2 workers (futures/s, higher is better)',
  baseline: {
    name: 'CPython: concurrent.futures.ProcessPoolExecutor, the same way',
    run: async ({ quick }) => {
      const { rate } = await python(['burst', String(WORKERS), String(burst(quick))], SCRIPT);
      return /** @type {number} */ (rate);
    },
  },
  unit: 'futures/s',
  needs: 'futures',
  run: (subject, { quick }) =>
    withExecutor(subject, async (submit) => {
      // The first round also measures the JIT warming up and the workers starting (on demand).
      await burstRound(submit, burst(quick));
      return burstRound(submit, burst(quick));
    }),
};
