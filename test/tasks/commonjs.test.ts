import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, test } from '@jest/globals';
import { taskRef } from '@procpool/core';
import { kindOf, kinds, makePool, makeStartPool, starts, type PoolKind } from '../helpers/pools.js';

const run = promisify(execFile);
const url = (name: string): URL => new URL(`../../fixtures/${name}`, import.meta.url);
const cjsTasks = url('cjs-tasks.cjs');

// The bundle file that starts a worker: a process's main, a thread's entry.
const bootstrapFile: Record<PoolKind, string> = { process: 'bootstrap/main.cjs', thread: 'bootstrap/thread.cjs' };

test.each(kinds)(
  'a CommonJS program uses procpool through require(), the same instance import() gives (%s)',
  async (kind) => {
    const { stdout } = await run(process.execPath, [fileURLToPath(url('commonjs-parent.cjs')), kind], {
      timeout: 30_000,
    });
    expect(JSON.parse(stdout)).toEqual({
      connectionErrorClass: true,
      sameModule: true,
      asyncResultClass: true,
      tripled: [3, 6, 9],
      esmLoaderUsed: false,
    });
  },
);

test.each(starts)('a CommonJS task module is required: no ES module loader in the worker (%s)', async (start) => {
  const pool = makeStartPool(start, { processes: 1 });
  await expect(pool.apply(taskRef(cjsTasks, 'triple'), [4])).resolves.toBe(12);
  // procpool's own worker code never needs the loader; the task module's format decides.
  await expect(pool.apply(taskRef(cjsTasks, 'esmLoaderUsed'))).resolves.toBe(false);
  await expect(pool.apply(taskRef(cjsTasks, 'workerName'))).resolves.toMatch(/^PoolWorker-\d+$/);
  // The parent's half of procpool (pool.cjs) is never loaded by a worker that does not start a pool, nor
  // a lazy bundle (connection.cjs, objects.cjs) by one that never uses its names or gets its objects.
  await expect(pool.apply(taskRef(cjsTasks, 'procpoolFiles'))).resolves.toEqual(
    [bootstrapFile[kindOf(start)], 'index.cjs', 'procpool.cjs'].sort(),
  );
  // An ES module task in the same worker starts it, as Node would.
  await expect(pool.apply(taskRef(url('tasks.mjs'), 'square'), [3])).resolves.toBe(9);
  await expect(pool.apply(taskRef(cjsTasks, 'esmLoaderUsed'))).resolves.toBe(true);
});

test.each(kinds)(
  'ES module syntax in an untyped .js file is imported, with or without top-level await (%s)',
  async (kind) => {
    const pool = makePool(1, kind);
    await expect(pool.apply(taskRef(url('untyped/esm-syntax.js'), 'negate'), [5])).resolves.toBe(-5);
    await expect(pool.apply(taskRef(url('untyped/top-level-await.js'), 'scale'), [5])).resolves.toBe(50);
  },
);

test.each(kinds)(
  'a CommonJS module whose require() of a top-level-await module fails is not run again by import() (%s)',
  async (kind) => {
    const pool = makePool(1, kind);
    await expect(pool.apply(taskRef(url('cjs-requires-tla.cjs'), 'never'))).rejects.toThrow(
      expect.objectContaining({ code: 'ERR_REQUIRE_ASYNC_MODULE' }),
    );
    await expect(pool.apply(taskRef(cjsTasks, 'globalValue'), ['cjsRequiresTlaRuns'])).resolves.toBe(1);
  },
);

test.each(kinds)(
  'a CommonJS module that throws at load fails its tasks with that error, not a fallback import (%s)',
  async (kind) => {
    const pool = makePool(1, kind);
    const broken = taskRef(url('cjs-throws-on-load.cjs'), 'anything');
    await expect(pool.apply(broken)).rejects.toThrow(expect.objectContaining({ name: 'RangeError' }));
    await expect(pool.apply(broken)).rejects.toThrow('cjs-throws-on-load: broken at load');
    await expect(pool.apply(taskRef(cjsTasks, 'triple'), [1])).resolves.toBe(3);
  },
);
