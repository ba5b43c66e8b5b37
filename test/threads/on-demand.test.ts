import path from 'node:path';
import { writeFileSync } from 'node:fs';
import { describe, expect, test } from '@jest/globals';
import { lingerOnExit } from '../../fixtures/thread-review-tasks.mjs';
import { tempDir } from '../helpers/temp.js';
import { liveThreads, makeThreadPool } from './thread-pools.js';

describe("startWorkers: 'onDemand' on threads", () => {
  // As under 'eager': a replacement may start while the thread it replaces is
  // still exiting, but never more than 2 × threads are alive at once.
  test('retiring threads that are slow to exit do not make it start more than 2 × threads', async () => {
    const threads = 2;
    const release = path.join(tempDir(), 'release');
    const pool = makeThreadPool({ processes: threads, startWorkers: 'onDemand', maxTasksPerChild: 1 });
    let most = 0;
    const count = (): void => void (most = Math.max(most, liveThreads()));
    pool.on('workerStart', count);
    let answered = 0;
    const results = Array.from({ length: 12 }, (_, i) =>
      pool.apply(lingerOnExit, [release, i]).then((value) => {
        // Every thread that answered so far lingers: replacements for them are all that may start.
        count();
        answered += 1;
        if (answered === 2 * threads) writeFileSync(release, '');
        return value;
      }),
    );
    await expect(Promise.all(results)).resolves.toEqual(Array.from({ length: 12 }, (_, i) => i));
    expect(most).toBeLessThanOrEqual(2 * threads);
  });
});
