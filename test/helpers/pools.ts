import { afterEach, expect } from '@jest/globals';
import { Pool, type PoolOptions } from '@procpool/core';
import { descendants } from './processes.js';

const pools = new Set<Pool>();

/** A pool that is terminated after the test, whatever the test did with it. */
export function makePool(options?: number | PoolOptions): Pool {
  const pool = new Pool(options);
  pools.add(pool);
  return pool;
}

/** Registers a pool (say from a Context) for teardown. */
export function track<P extends Pool>(pool: P): P {
  pools.add(pool);
  return pool;
}

export const methods = ['fork', 'spawn'] as const;

afterEach(async () => {
  await Promise.all([...pools].map((pool) => pool.terminate()));
  pools.clear();
  // terminate() resolved, so no worker may be alive: the check is exact, not a wait.
  const left = descendants().filter((p) => p.cmdline.includes('bootstrap/main.'));
  expect(left).toEqual([]);
});
