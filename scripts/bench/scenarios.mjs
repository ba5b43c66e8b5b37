// @ts-check
// The scenarios of the benchmark. Each measures one subject (or its baseline,
// or a reference) in one trial process and returns a number in its `unit`, or
// { value, ratio?, extra? } (a ratio taken in the trial; one number per extra
// column). Whether lower or higher is better, the title says.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { forkPerTask, ipcChild, pipeChild } from './baselines.mjs';
import { descendants, pinApart } from './processes.mjs';
import { NotAvailable } from './subjects.mjs';

/** @typedef {import('./subjects.mjs').Adapter} Adapter */
/** @typedef {import('./subjects.mjs').Feature} Feature */
/**
 * What a trial is told: `quick` for --quick's smaller counts; `variant`, which
 * of the scenario's variants it measures.
 * @typedef {{ quick: boolean, variant?: string | undefined }} RunOptions
 */
/**
 * What one trial measured: `value` in the scenario's unit; `ratio`, if the
 * trial took its own against the baseline (A); `extra`, one number (or null)
 * per extra column.
 * @typedef {{ value: number, ratio?: number, extra?: Array<number | null> }} Measurement
 */
/**
 * A hand-written row: a baseline (what the transport or the OS allows before
 * any pool logic, the row ratios are taken against) or a reference (another
 * such row, shown without being a ratio's denominator).
 * @typedef {object} Baseline
 * @property {string} name Its row's label.
 * @property {(options: RunOptions) => Promise<number | Measurement>} run
 * @property {string} [variant] A reference: the one variant whose table shows it.
 */
/**
 * A scenario: one section of the report. run.mjs runs, per trial, the baseline,
 * the references and every subject, each in a trial process of its own
 * (trial.mjs), then one section per variant.
 * @typedef {object} Scenario
 * @property {string} title The section's heading: what, the unit, which way is better.
 * @property {string} unit The heading of the value column.
 * @property {Baseline | null} [baseline] The first row; each subject's ratio is
 *   taken against it, trial by trial.
 * @property {Record<string, Baseline>} [references] More hand-written rows, by id.
 * @property {Feature} [needs] A subject whose adapter `lacks` it is n/a, without a trial.
 * @property {string[]} [columns] Headings of extra columns, filled from `Measurement.extra`.
 * @property {Record<string, () => unknown>} [variants] One section per key; E: the payload.
 * @property {(subject: Adapter, options: RunOptions) => Promise<number | Measurement>} run
 *   Measures one subject.
 */

const WORKERS = 2;
const MiB = 1024 * 1024;
const now = () => performance.now();
/** @param {number} ms */
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A subject that did not answer in time: its row says `hangs`. */
export class Hangs extends Error {}

/**
 * Round trips per second of `once`, after one unmeasured call.
 * @param {() => Promise<unknown>} once
 * @param {RunOptions} options
 */
async function roundTripRate(once, { quick }) {
  await once();
  const n = quick ? 8 : 32;
  const start = now();
  for (let i = 0; i < n; i += 1) await once();
  return n / ((now() - start) / 1000);
}

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
 * `promise`, or a rejection with Hangs if it does not settle in `ms`.
 * @template T
 * @param {Promise<T>} promise
 * @param {number} ms
 * @returns {Promise<T>}
 */
const within = (promise, ms) =>
  Promise.race([promise, sleep(ms).then(() => Promise.reject(new Hangs(`no answer in ${ms} ms`)))]);

/**
 * `use` on a new pool of the subject's (2 workers, no recycling unless
 * `options` say so), closed afterwards.
 * @template T
 * @param {Adapter} subject
 * @param {{ recycle?: boolean }} options
 * @param {(pool: any) => Promise<T>} use
 */
async function withPool(subject, options, use) {
  const pool = await subject.create({ workers: WORKERS, recycle: false, ...options });
  try {
    return await use(pool);
  } finally {
    await within(Promise.resolve(subject.close(pool)), 5000).catch(() => {});
  }
}

/** @param {Adapter} subject @param {unknown} pool */
async function warm(subject, pool) {
  await Promise.all(Array.from({ length: WORKERS * 4 }, (_, i) => subject.call(pool, 'noop', i)));
}

/** @param {number | undefined} pid */
const rssOf = (pid) => {
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('VmRSS:'));
    return Number(line?.split(/\s+/)[1] ?? 0) * 1024;
  } catch {
    return 0;
  }
};

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

/** E's payloads, one variant each. */
const payloads = { string: () => 'x'.repeat(MiB), Buffer: () => Buffer.alloc(MiB, 7) };

/** @type {Record<string, Scenario>} */
export const scenarios = {
  // (A) one task at a time: the round trip, µs.
  A: {
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
  },
  // (B) many tasks at once, one message each: tasks/s.
  B: {
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
  },
  // (B2) a map of tiny items with the default chunksize: items/s.
  B2: {
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
  },
  // (C) CPU-bound tasks against the ideal (tasks × ms / workers).
  C: {
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
  },
  // (D) a fresh worker for every task: tasks/s.
  D: {
    title: 'D. A new worker for every task × 200 (tasks/s, higher is better)',
    baseline: {
      name: 'raw fork per task, 2 at a time',
      run: async ({ quick }) => {
        const n = quick ? 20 : 100;
        const start = now();
        await forkPerTask(n, WORKERS);
        return n / ((now() - start) / 1000);
      },
    },
    unit: 'tasks/s',
    needs: 'recycle',
    run: (subject, { quick }) =>
      withPool(subject, { recycle: true }, async (pool) => {
        const n = quick ? 20 : 200;
        const start = now();
        await Promise.all(Array.from({ length: n }, (_, i) => subject.call(pool, 'noop', i)));
        return n / ((now() - start) / 1000);
      }),
  },
  // (E) 1 MiB payloads there and back: MiB/s of payload.
  E: {
    title: 'E. 1 MiB echo (MiB/s each way, higher is better; baseline: raw fd-3 pipe, 1 MiB Buffer frames)',
    baseline: {
      name: 'raw fd-3 pipe',
      run: async ({ quick }) => {
        const child = await pipeChild();
        const payload = Buffer.alloc(MiB, 7);
        const rate = await roundTripRate(() => child.roundTrip(payload), { quick });
        child.close();
        return rate;
      },
    },
    // What a string costs any pool on this Node: the same pipe, the text encoded
    // and decoded as UTF-8 on both sides.
    references: {
      utf8: {
        variant: 'string',
        name: 'raw fd-3 pipe, the string as UTF-8 text on both sides',
        run: async ({ quick }) => {
          const child = await pipeChild({ strings: true });
          const text = 'x'.repeat(MiB);
          const echo = async () => (await child.roundTrip(Buffer.from(text, 'utf8'))).toString('utf8');
          const rate = await roundTripRate(echo, { quick });
          child.close();
          return rate;
        },
      },
    },
    unit: 'MiB/s',
    variants: payloads,
    run: (subject, { quick, variant }) =>
      withPool(subject, {}, async (pool) => {
        const payload = payloads[/** @type {keyof typeof payloads} */ (variant)]();
        await subject.call(pool, 'echo', payload);
        const n = quick ? 8 : 32;
        const start = now();
        // Up to n round trips, fewer once 1 s has passed (a pool that moves
        // ~1 MiB/s would otherwise take half a minute per trial).
        let done = 0;
        while (done < n && (done < 2 || now() - start < 1000)) {
          await subject.call(pool, 'echo', payload);
          done += 1;
        }
        return done / ((now() - start) / 1000);
      }),
  },
  // (F) creation to first result; idle RSS per worker; the library's import, apart.
  F: {
    title:
      'F. Pool creation to first result, library already imported (ms, lower is better); idle RSS per worker; import time',
    baseline: {
      name: 'raw fork + one message; bare node child',
      run: async () => {
        const start = now();
        const child = await ipcChild('json');
        await child.roundTrip(1);
        const ms = now() - start;
        await sleep(300);
        const pid = descendants()[0]?.pid;
        const rss = rssOf(pid) / MiB;
        child.close();
        return { value: ms, extra: [rss, null] };
      },
    },
    unit: 'ms',
    columns: ['idle RSS / worker (MiB)', 'import of the library and task module (ms)'],
    run: async (subject) => {
      const loadStart = now();
      await subject.load();
      const loaded = now() - loadStart;
      const start = now();
      const pool = await subject.create({ workers: WORKERS, recycle: false });
      await subject.call(pool, 'noop', 1);
      const ms = now() - start;
      await sleep(300);
      const pids = descendants().map((p) => p.pid);
      const rss = pids.reduce((sum, pid) => sum + rssOf(pid), 0) / MiB / WORKERS;
      await within(Promise.resolve(subject.close(pool)), 5000).catch(() => {});
      return { value: ms, extra: [subject.kind === 'thread' ? null : rss, loaded] };
    },
  },
  // (G) a worker SIGKILLed mid-task, then 10 normal tasks.
  G: {
    title: 'G. A worker SIGKILLed mid-task: time until the task rejects, then until 10 more tasks finish (ms)',
    baseline: null,
    unit: 'ms',
    needs: 'process',
    columns: ['10 tasks after (ms)'],
    run: (subject, { quick }) => {
      if (subject.kind === 'thread') throw new NotAvailable('threads: no worker process to kill');
      const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-'));
      const file = path.join(dir, 'pid');
      const measure = withPool(subject, {}, async (pool) => {
        await warm(subject, pool);
        const hung = Promise.resolve(subject.call(pool, 'hang', file));
        hung.catch(() => {});
        let pid = 0;
        while (pid === 0) {
          await sleep(2);
          try {
            pid = Number(readFileSync(file, 'utf8'));
          } catch {
            // gone, or not ready yet
          }
        }
        const start = now();
        process.kill(pid, 'SIGKILL');
        const limit = quick ? 3000 : 5000;
        const settled = await within(
          hung.then(
            () => 'resolved',
            () => 'rejected',
          ),
          limit,
        ).catch((e) => e);
        if (settled instanceof Hangs) throw settled;
        const rejectedAfter = now() - start;
        const recovery = now();
        await within(Promise.all(Array.from({ length: 10 }, (_, i) => subject.call(pool, 'noop', i))), limit);
        return { value: rejectedAfter, extra: [now() - recovery] };
      });
      return measure.finally(() => rmSync(dir, { recursive: true, force: true }));
    },
  },
};
