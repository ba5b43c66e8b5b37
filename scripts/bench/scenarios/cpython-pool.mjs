// @ts-check
// CPython's multiprocessing.Pool as a peer in A–F: two reference rows per
// scenario, one per start method, each running python/pool_bench.py (through
// python.mjs) with the scenario's work and counts. procpool's Pool is compared
// with both, trial by trial (`Adapter.againstReferences` in subjects.mjs).
import { python } from '../python.mjs';

/** @typedef {import('./helpers.mjs').Baseline} Baseline */
/** @typedef {import('./helpers.mjs').RunOptions} RunOptions */
/** @typedef {import('./helpers.mjs').Measurement} Measurement */
/** @typedef {'fork' | 'spawn'} StartMethod */

export const SCRIPT = 'pool_bench.py';

/** The reference ids, in the order of their rows, and their start methods. */
export const CPYTHON_POOL = /** @type {const} */ ({ 'cpython-fork': 'fork', 'cpython-spawn': 'spawn' });

/** A row's name, which procpool's ratios to it are shown with. @param {StartMethod} method */
export const cpythonPoolName = (method) => `CPython Pool ${method}`;

/** Said next to CPython's fork rows where fork() is why they are fast (D, F). */
const FORK_NOTE = 'fork() copies a live interpreter; Node has no fork()';

/**
 * One measurement of pool_bench.py with a start method: its arguments after the method.
 * @param {StartMethod} method
 * @param {string[]} args
 * @returns {Promise<Measurement>}
 */
async function poolBench(method, args) {
  const { value, extra } = await python([method, ...args], SCRIPT);
  return {
    value: /** @type {number} */ (value),
    ...(Array.isArray(extra) ? { extra: /** @type {Array<number | null>} */ (extra) } : {}),
  };
}

/**
 * The two reference rows of a scenario: `run` measures CPython's Pool with one start method.
 * @param {(method: StartMethod, options: RunOptions) => Promise<number | Measurement>} run
 * @param {{ forkNote?: boolean }} [how] `forkNote`: say next to the fork row what fork() does.
 * @returns {Record<string, Baseline>}
 */
export function cpythonPool(run, { forkNote = false } = {}) {
  return Object.fromEntries(
    Object.entries(CPYTHON_POOL).map(([id, method]) => [
      id,
      {
        name: cpythonPoolName(method),
        ...(forkNote && method === 'fork' ? { note: FORK_NOTE } : {}),
        run: (/** @type {RunOptions} */ options) => run(method, options),
      },
    ]),
  );
}

/**
 * cpythonPool for a scenario measured by one pool_bench.py call.
 * @param {(options: RunOptions) => string[]} args the measurement and its arguments, after the start method
 * @param {{ forkNote?: boolean }} [how]
 */
export const cpythonPoolRows = (args, how) => cpythonPool((method, options) => poolBench(method, args(options)), how);
