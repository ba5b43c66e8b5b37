// @ts-check
// Throughput: one task at a time (A), many at once (B), a map of tiny items
// (B2), CPU-bound tasks against the ideal (C).
import { ipcChild, pipeChild } from '../baselines.mjs';
import { pinApart } from '../processes.mjs';
import { pythonServing } from '../python.mjs';
import { NotAvailable } from '../subjects.mjs';
import { SCRIPT, cpythonPool, cpythonPoolRows } from './cpython-pool.mjs';
import { WORKERS, now, warm, within, withPool } from './helpers.mjs';

/** @typedef {import('./helpers.mjs').Scenario} Scenario */
/** @typedef {import('./helpers.mjs').RunOptions} RunOptions */
/** @typedef {import('./helpers.mjs').Measurement} Measurement */

// A measures the steady state: every subject and baseline first makes this
// many unmeasured round trips. procpool's own first ~2 000 run at 1.5–3× its
// steady time while V8 optimizes its per-message code, longer than the peers'
// (docs/performance.md, A); 200, as before, measured mostly that.
/** @param {boolean} quick */
const warmRoundTrips = (quick) => (quick ? 200 : 2000);

/**
 * @typedef {(i: number) => Promise<unknown>} Call one round trip, given its index
 */
/**
 * µs per call of `once`, one at a time, after the warm-up.
 * @param {Call} once
 * @param {RunOptions} options
 */
async function sequentialMicros(once, { quick }) {
  for (let i = 0; i < warmRoundTrips(quick); i += 1) await once(i);
  const n = quick ? 500 : 2000;
  const start = now();
  for (let i = 0; i < n; i += 1) await once(i);
  return ((now() - start) * 1000) / n;
}

/**
 * sequentialMicros over a baseline child, closed afterwards.
 * @template {{ close: () => unknown }} Child
 * @param {() => Promise<Child>} start
 * @param {(child: Child, i: number) => Promise<unknown>} roundTrip
 * @param {RunOptions} options
 */
async function childMicros(start, roundTrip, options) {
  const child = await start();
  try {
    pinApart();
    return await sequentialMicros((i) => roundTrip(child, i), options);
  } finally {
    child.close();
  }
}

/**
 * What takes turns with A's baseline: `warmOne`, one unmeasured call (none if
 * it warms itself up), and `block`, `size` calls in a row, resolving to the ms
 * they took.
 * @typedef {{ warmOne?: Call, block: (size: number) => Promise<number>, close?: () => void }} Turns
 */

/** @param {Call} once @returns {Turns} */
const callTurns = (once) => ({
  warmOne: once,
  block: async (size) => {
    const start = now();
    for (let i = 0; i < size; i += 1) await once(i);
    return now() - start;
  },
});

/**
 * µs per call of what `start` returns, and its ratio to A's baseline (a
 * process.send JSON child) measured in the same process: blocks of 200 calls
 * of each in turn, after the warm-up of each. Load on the machine comes and
 * goes over seconds, and back-to-back processes caught it differently
 * (workerpool, on the same process.send, landed at 0.72–1.20× of it in one
 * day's runs). `start` runs once the children are pinned apart.
 * @param {() => Promise<Turns>} start
 * @param {RunOptions} options
 * @returns {Promise<Measurement>}
 */
async function againstBaseline(start, { quick }) {
  const child = await ipcChild('json');
  try {
    pinApart();
    const mine = await start();
    try {
      /** @type {Call} */
      const base = (i) => child.roundTrip(i);
      for (let i = 0; i < warmRoundTrips(quick); i += 1) {
        await mine.warmOne?.(i);
        await base(i);
      }
      const [blocks, size] = [quick ? 4 : 10, 200];
      const spent = { mine: 0, theirs: 0 };
      const { block } = callTurns(base);
      // Which goes first alternates, so neither always follows the other.
      for (let b = 0; b < blocks; b += 1) {
        if (b % 2 === 0) {
          spent.mine += await mine.block(size);
          spent.theirs += await block(size);
        } else {
          spent.theirs += await block(size);
          spent.mine += await mine.block(size);
        }
      }
      return { value: (spent.mine * 1000) / (blocks * size), ratio: spent.mine / spent.theirs };
    } finally {
      mine.close?.();
    }
  } finally {
    child.close();
  }
}

/**
 * CPython's Pool taking turns with A's baseline: pool_bench.py's blocks,
 * started once this process and its children are pinned, so that it pins
 * itself the same way (its parent's threads on CPU 0, its workers on CPU 1).
 * @param {'fork' | 'spawn'} method
 * @param {RunOptions} options
 */
const cpythonAgainstBaseline = (method, options) =>
  againstBaseline(async () => {
    const cpython = await pythonServing(
      [method, 'blocks', String(WORKERS), String(warmRoundTrips(options.quick))],
      SCRIPT,
    );
    await within(cpython.ready, 60_000);
    return {
      block: async (size) => (Number(await within(cpython.ask(String(size)), 60_000)) * size) / 1000,
      close: cpython.close,
    };
  }, options);

/**
 * againstBaseline over another child, closed afterwards.
 * @template {{ close: () => unknown }} Child
 * @param {() => Promise<Child>} start
 * @param {(child: Child, i: number) => Promise<unknown>} roundTrip
 * @param {RunOptions} options
 */
async function childAgainstBaseline(start, roundTrip, options) {
  const child = await start();
  try {
    return await againstBaseline(async () => callTurns((i) => roundTrip(child, i)), options);
  } finally {
    child.close();
  }
}

/** B's tasks per round. @param {boolean} quick */
const burstCount = (quick) => (quick ? 4000 : 20_000);
/** B2's items. @param {boolean} quick */
const mapCount = (quick) => (quick ? 20_000 : 100_000);
/** C's tasks, of CPU_MS each. @param {boolean} quick */
const cpuTasks = (quick) => (quick ? 60 : 200);
const CPU_MS = 5;

/**
 * B's baseline, and B2's: small frames written all at once down the raw pipe
 * to one echoing child, after 1 000 unmeasured; messages/s.
 * @param {RunOptions} options
 */
async function pipelinedRate({ quick }) {
  const child = await pipeChild();
  await child.pipelined(1000, '{"t":"task","id":1}');
  const n = quick ? 4000 : 20_000;
  const start = now();
  await child.pipelined(n, '{"t":"task","id":1}');
  child.close();
  return n / ((now() - start) / 1000);
}

// (A) one task at a time: the round trip, µs.
/** @type {Scenario} */
export const A = {
  title:
    'A. Sequential no-op round trip (µs, lower is better; each ratio is taken against process.send in the same trial process, in alternating blocks)',
  baseline: {
    name: 'process.send JSON',
    run: (options) =>
      childMicros(
        () => ipcChild('json'),
        (child, i) => child.roundTrip(i),
        options,
      ),
  },
  // The other transports a pool could build on, measured the same way.
  references: {
    advanced: {
      name: 'process.send, advanced serialization',
      run: (options) =>
        childAgainstBaseline(
          () => ipcChild('advanced'),
          (child, i) => child.roundTrip(i),
          options,
        ),
    },
    pipe: {
      name: 'raw fd-3 pipe, one small frame at a time',
      run: (options) =>
        childAgainstBaseline(
          () => pipeChild(),
          (child) => child.roundTrip('1'),
          options,
        ),
    },
    ...cpythonPool(cpythonAgainstBaseline),
  },
  unit: 'µs',
  run: (subject, options) =>
    withPool(subject, {}, async (pool) => {
      await warm(subject, pool);
      return againstBaseline(async () => callTurns((i) => subject.call(pool, 'noop', i)), options);
    }),
};

// (B) many tasks at once, one message each: tasks/s.
/** @type {Scenario} */
export const B = {
  title: 'B. 20 000 no-op tasks submitted at once, after one warm-up round of the same (tasks/s, higher is better)',
  baseline: { name: 'raw fd-3 pipe, pipelined, 1 child', run: pipelinedRate },
  references: cpythonPoolRows(({ quick }) => ['burst', String(WORKERS), String(burstCount(quick))]),
  unit: 'tasks/s',
  run: (subject, { quick }) =>
    withPool(subject, {}, async (pool) => {
      const submit = subject.submit ?? subject.call;
      const n = burstCount(quick);
      // Every pool's first round also measures its JIT warming up (procpool's ran at
      // about half speed): the number kept is the second round.
      await Promise.all(Array.from({ length: n }, (_, i) => submit(pool, 'noop', i)));
      const start = now();
      await Promise.all(Array.from({ length: n }, (_, i) => submit(pool, 'noop', i)));
      return n / ((now() - start) / 1000);
    }),
};

// (B2) a map of tiny items with the default chunksize: items/s.
/** @type {Scenario} */
export const B2 = {
  title: 'B2. `map` of 100 000 tiny items, default chunksize (items/s, higher is better)',
  baseline: {
    name: 'raw fd-3 pipe, pipelined, 1 child (messages/s)',
    run: pipelinedRate,
  },
  references: cpythonPoolRows(({ quick }) => ['map', String(WORKERS), String(mapCount(quick))]),
  unit: 'items/s',
  needs: 'map',
  run: (subject, { quick }) => {
    const { map } = subject;
    if (map === undefined) throw new NotAvailable('no map');
    return withPool(subject, {}, async (pool) => {
      await warm(subject, pool);
      const items = Array.from({ length: mapCount(quick) }, (_, i) => i);
      const start = now();
      await map.call(subject, pool, 'noop', items);
      return items.length / ((now() - start) / 1000);
    });
  },
};

// (C) CPU-bound tasks against the ideal (tasks × ms / workers).
/** @type {Scenario} */
export const C = {
  title: 'C. 200 × 5 ms CPU-bound tasks on 2 workers (ms, lower is better; baseline: the ideal)',
  baseline: { name: 'ideal: 200 × 5 ms / 2', run: async ({ quick }) => (cpuTasks(quick) * CPU_MS) / WORKERS },
  references: cpythonPoolRows(({ quick }) => ['cpu', String(WORKERS), String(cpuTasks(quick)), String(CPU_MS)]),
  unit: 'ms',
  run: (subject, { quick }) =>
    withPool(subject, {}, async (pool) => {
      await warm(subject, pool);
      const start = now();
      await Promise.all(Array.from({ length: cpuTasks(quick) }, () => subject.call(pool, 'cpu', CPU_MS)));
      return now() - start;
    }),
};
