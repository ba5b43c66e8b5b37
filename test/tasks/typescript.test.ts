import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, test } from '@jest/globals';
import { taskRef } from '@procpool/core';
import { makeStartPool, starts } from '../helpers/pools.js';

const run = promisify(execFile);
const fixture = (name: string): string => fileURLToPath(new URL(`../../fixtures/${name}`, import.meta.url));
// What fixtures/ts-task-in-pool.mjs prints when both its TypeScript task modules
// (an ES module and a CommonJS one) loaded, each once.
const bothLoaded = { norm: 5, topLevelRuns: 1, twice: 42 };
const runInPool = async (nodeArgs: string[], start: string, env = process.env): Promise<unknown> => {
  const script = fixture('ts-task-in-pool.mjs');
  const { stdout } = await run(process.execPath, [...nodeArgs, script, start], { env, timeout: 60_000 });
  return JSON.parse(stdout);
};
// The workers that start with this process's flags (its loaders among them), and those that do not.
const inheriting = starts.filter((start) => start !== 'spawn');
const fresh = starts.filter((start) => start !== 'fork');

describe('TypeScript task modules', () => {
  test.each(fresh)('%s registers ts-node for a .ts module', async (start) => {
    const pool = makeStartPool(start, { processes: 1 });
    const norm = taskRef<(p: { x: number; y: number }) => number>(
      new URL('../../fixtures/ts-tasks.ts', import.meta.url),
      'norm',
    );
    await expect(pool.apply(norm, [{ x: 3, y: 4 }])).resolves.toBe(5);
  });

  test.each(inheriting)('%s hands the parent loader flags on, and the .ts module loads through them', async (start) => {
    const args = ['--import', fixture('register-ts.mjs'), fixture('ts-main.ts'), start];
    const { stdout } = await run(process.execPath, args, { timeout: 60_000 });
    expect(JSON.parse(stdout)).toEqual({ norm: 5, workerHasLoader: true });
  });

  test.each(starts)(
    'with no loader, the worker loads ES module and CommonJS .ts files, each once (%s)',
    async (start) => {
      await expect(runInPool([], start)).resolves.toEqual(bothLoaded);
    },
  );

  // Issue 12: any preload flag was taken for a TypeScript loader, and .ts task
  // modules then failed with ERR_UNKNOWN_FILE_EXTENSION.
  test.each(inheriting)(
    'a parent preloading something else (--require) does not keep ts-node out of its workers (%s)',
    async (start) => {
      await expect(runInPool(['--require', fixture('empty-preload.cjs')], start)).resolves.toEqual(bothLoaded);
    },
  );

  test.each(starts)('nor does a preload in NODE_OPTIONS (%s)', async (start) => {
    const options = `${process.env.NODE_OPTIONS ?? ''} --require "${fixture('empty-preload.cjs')}"`;
    await expect(runInPool([], start, { ...process.env, NODE_OPTIONS: options })).resolves.toEqual(bothLoaded);
  });

  // The parent's ts-node/esm loads the ES module in fork workers and threads; a
  // CommonJS .ts file reaches require(), which that loader does not hook: ts-node does.
  test.each(inheriting)(
    'a parent loader for ES modules only: workers load CommonJS .ts files too (%s)',
    async (start) => {
      await expect(runInPool(['--import', fixture('register-ts.mjs')], start)).resolves.toEqual(bothLoaded);
    },
  );
});
