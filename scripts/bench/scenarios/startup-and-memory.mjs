// @ts-check
// Start-up and memory: a new worker per task (D); a new pool to its first
// result, idle RSS per worker and the import (F).
import { forkPerTask, ipcChild } from '../baselines.mjs';
import { descendants } from '../processes.mjs';
import { cpythonPoolRows } from './cpython-pool.mjs';
import { MiB, WORKERS, now, rssOf, sleep, within, withPool } from './helpers.mjs';

/** @typedef {import('./helpers.mjs').Scenario} Scenario */

/** D's tasks, each on a new worker. @param {boolean} quick */
const recycledTasks = (quick) => (quick ? 20 : 200);

// (D) a fresh worker for every task: tasks/s.
/** @type {Scenario} */
export const D = {
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
  // CPython's Pool(maxtasksperchild=1).
  references: cpythonPoolRows(({ quick }) => ['recycle', String(WORKERS), String(recycledTasks(quick))], {
    forkNote: true,
  }),
  unit: 'tasks/s',
  needs: 'recycle',
  run: (subject, { quick }) =>
    withPool(subject, { recycle: true }, async (pool) => {
      const n = recycledTasks(quick);
      const start = now();
      await Promise.all(Array.from({ length: n }, (_, i) => subject.call(pool, 'noop', i)));
      return n / ((now() - start) / 1000);
    }),
};

// (F) creation to first result; idle RSS per worker; the library's import, apart.
/** @type {Scenario} */
export const F = {
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
  // Its RSS column: every process below CPython's parent (with spawn, its resource tracker too) ÷ 2, as below.
  references: cpythonPoolRows(() => ['first-result', String(WORKERS)], { forkNote: true }),
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
};
