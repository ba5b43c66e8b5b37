import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, test } from '@jest/globals';
import { taskRef } from '@procpool/core';
import { makePool } from '../helpers/pools.js';

const run = promisify(execFile);
const fixture = (name: string): string => fileURLToPath(new URL(`../../fixtures/${name}`, import.meta.url));

describe('TypeScript task modules', () => {
  test('spawn registers ts-node for a .ts module', async () => {
    const pool = makePool({ processes: 1, context: 'spawn' });
    const norm = taskRef<(p: { x: number; y: number }) => number>(
      new URL('../../fixtures/ts-tasks.ts', import.meta.url),
      'norm',
    );
    await expect(pool.apply(norm, [{ x: 3, y: 4 }])).resolves.toBe(5);
  });

  test('fork hands the parent loader flags on, and the .ts module loads through them', async () => {
    const { stdout } = await run(process.execPath, ['--import', fixture('register-ts.mjs'), fixture('ts-main.ts')], {
      timeout: 60_000,
    });
    expect(JSON.parse(stdout)).toEqual({ norm: 5, workerHasLoader: true });
  });
});
