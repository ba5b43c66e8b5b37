import { afterEach, expect } from '@jest/globals';
import { ThreadPool, type PoolEventMap, type ThreadPoolOptions } from '@procpool/core';

const pools = new Set<ThreadPool>();

/** A ThreadPool that is terminated after the test, whatever the test did with it. */
export function makeThreadPool(options?: number | ThreadPoolOptions): ThreadPool {
  const pool = new ThreadPool(options);
  pools.add(pool);
  return pool;
}

/** The pool threads alive in this process (launch/thread.ts's registry). */
export function liveThreads(): number {
  const registry = (globalThis as Record<symbol, Set<unknown> | undefined>)[
    Symbol.for('procpool.registry.liveThreads')
  ];
  return registry?.size ?? 0;
}

/** The next `workerExit` event of `pool`. */
export const nextExit = (pool: ThreadPool): Promise<PoolEventMap['workerExit'][0]> =>
  new Promise((resolve) => pool.once('workerExit', resolve));

afterEach(async () => {
  await Promise.all([...pools].map((pool) => pool.terminate()));
  pools.clear();
  // terminate() resolved once every thread had exited: the check is exact, not a wait.
  expect(liveThreads()).toBe(0);
});
