// @ts-check
// Throughput: one task at a time (A), many at once (B), a map of tiny items
// (B2), CPU-bound tasks against the ideal (C).
import { ipcChild, pipeChild } from '../baselines.mjs';
import { pinApart } from '../processes.mjs';
import { NotAvailable } from '../subjects.mjs';
import { WORKERS, now, warm, withPool } from './helpers.mjs';

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
 * µs per call of `once`, and its ratio to A's baseline (a process.send JSON
 * child) measured in the same process: blocks of 200 calls of each in turn,
 * after the warm-up of each. Load on the machine comes and goes over
 * seconds, and back-to-back processes caught it differently (workerpool, on
 * the same process.send, landed at 0.72–1.20× of it in one day's runs).
 * @param {Call} once
 * @param {RunOptions} options
 * @returns {Promise<Measurement>}
 */
async function againstBaseline(once, { quick }) {
  const child = await ipcChild('json');
  try {
    pinApart();
    /** @type {Call} */
    const base = (i) => child.roundTrip(i);
    for (let i = 0; i < warmRoundTrips(quick); i += 1) {
      await once(i);
      await base(i);
    }
    const [blocks, size] = [quick ? 4 : 10, 200];
    const spent = { mine: 0, theirs: 0 };
    /** @param {Call} call @param {keyof typeof spent} key */
    const block = async (call, key) => {
      const start = now();
      for (let i = 0; i < size; i += 1) await call(i);
      spent[key] += now() - start;
    };
    // Which goes first alternates, so neither always follows the other.
    for (let b = 0; b < blocks; b += 1) {
      if (b % 2 === 0) {
        await block(once, 'mine');
        await block(base, 'theirs');
      } else {
        await block(base, 'theirs');
        await block(once, 'mine');
      }
    }
    return { value: (spent.mine * 1000) / (blocks * size), ratio: spent.mine / spent.theirs };
  } finally {
    child.close();
  }
}

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
    return await againstBaseline((i) => roundTrip(child, i), options);
  } finally {
    child.close();
  }
}

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
  },
  unit: 'µs',
  run: (subject, options) =>
    withPool(subject, {}, async (pool) => {
      await warm(subject, pool);
      return againstBaseline((i) => subject.call(pool, 'noop', i), options);
    }),
};

// (B) many tasks at once, one message each: tasks/s.
/** @type {Scenario} */
export const B = {
  title: 'B. 20 000 no-op tasks submitted at once, after one warm-up round of the same (tasks/s, higher is better)',
  baseline: { name: 'raw fd-3 pipe, pipelined, 1 child', run: pipelinedRate },
  unit: 'tasks/s',
  run: (subject, { quick }) =>
    withPool(subject, {}, async (pool) => {
      const submit = subject.submit ?? subject.call;
      const n = quick ? 4000 : 20_000;
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
  unit: 'items/s',
  needs: 'map',
  run: (subject, { quick }) => {
    const { map } = subject;
    if (map === undefined) throw new NotAvailable('no map');
    return withPool(subject, {}, async (pool) => {
      await warm(subject, pool);
      const items = Array.from({ length: quick ? 20_000 : 100_000 }, (_, i) => i);
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
  baseline: { name: 'ideal: 200 × 5 ms / 2', run: async ({ quick }) => ((quick ? 60 : 200) * 5) / WORKERS },
  unit: 'ms',
  run: (subject, { quick }) =>
    withPool(subject, {}, async (pool) => {
      await warm(subject, pool);
      const start = now();
      await Promise.all(Array.from({ length: quick ? 60 : 200 }, () => subject.call(pool, 'cpu', 5)));
      return now() - start;
    }),
};
