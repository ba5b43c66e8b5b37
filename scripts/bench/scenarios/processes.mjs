// @ts-check
// Python's multiprocessing API, against bare Node and CPython: a Process from
// start to join (H). Only procpool has it (`needs: 'multiprocessing'`); the
// CPython rows run python/multiprocessing_bench.py (python.mjs).
import { createRequire } from 'node:module';
import { forkAndExit } from '../baselines.mjs';
import { python } from '../python.mjs';
import { median } from '../results.mjs';
import { NotAvailable } from '../subjects.mjs';
import { now } from './helpers.mjs';

/** @typedef {import('./helpers.mjs').Scenario} Scenario */
/** @typedef {import('./helpers.mjs').RunOptions} RunOptions */

const require = createRequire(import.meta.url);
/** The targets, the same on procpool's side as on CPython's. */
const targets = () => require('../workers/procpool-processes.cjs');

/**
 * procpool's API, for a subject that has it: the scenarios drive it directly, as a user would.
 * @param {import('./helpers.mjs').Adapter} subject
 */
async function multiprocessing(subject) {
  const lacking = subject.lacks.multiprocessing;
  if (lacking !== undefined) throw new NotAvailable(lacking);
  return import('@procpool/core');
}

/** Processes started and joined per trial, one at a time, after one unmeasured. @param {boolean} quick */
const starts = (quick) => (quick ? 3 : 8);

/**
 * The median ms of `once`, one at a time, after one unmeasured call.
 * @param {() => Promise<void>} once
 * @param {RunOptions} options
 */
async function medianMs(once, { quick }) {
  await once();
  const times = [];
  for (let i = 0; i < starts(quick); i += 1) {
    const start = now();
    await once();
    times.push(now() - start);
  }
  return median(times);
}

/**
 * CPython's Process with a start method, timed in Python the same way.
 * @param {'fork' | 'spawn'} method
 * @returns {import('./helpers.mjs').Baseline}
 */
const pythonStartJoin = (method) => ({
  variant: method,
  name: `CPython ${method}: multiprocessing.Process(target=f).start(); join()`,
  run: async ({ quick }) => {
    const { ms } = await python(['start-join', method, '1', String(starts(quick))]);
    return median(/** @type {number[]} */ (ms));
  },
});

// (H) A Process whose target returns at once, from construction to join(): ms.
/** @type {Scenario} */
export const H = {
  title: 'H. Process start → join, a target that returns at once (ms, lower is better)',
  baseline: { name: 'child_process.fork of a child that exits', run: (options) => medianMs(forkAndExit, options) },
  references: { 'python-fork': pythonStartJoin('fork'), 'python-spawn': pythonStartJoin('spawn') },
  unit: 'ms',
  needs: 'multiprocessing',
  // procpool's two start methods; CPython's of the same name beside each.
  variants: { fork: () => 'fork', spawn: () => 'spawn' },
  run: async (subject, { quick, variant }) => {
    const { Process } = await multiprocessing(subject);
    const { nothing } = targets();
    return medianMs(
      async () => {
        const child = new Process({ target: nothing, context: /** @type {'fork' | 'spawn'} */ (variant) });
        child.start();
        await child.join();
        if (child.exitCode !== 0) throw new Error(`the child exited with ${child.exitCode}`);
      },
      { quick },
    );
  },
};
