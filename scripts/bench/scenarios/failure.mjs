// @ts-check
// Failure: a worker SIGKILLed mid-task, and the tasks after it (G).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { NotAvailable } from '../subjects.mjs';
import { Hangs, now, sleep, warm, within, withPool } from './helpers.mjs';

/** @typedef {import('./helpers.mjs').Scenario} Scenario */

// (G) a worker SIGKILLed mid-task, then 10 normal tasks.
/** @type {Scenario} */
export const G = {
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
};
