import { afterAll, afterEach, expect } from '@jest/globals';
import { Pool, Process, type PoolOptions, type ProcessOptions } from '@procpool/core';
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

const processes = new Set<Process>();

/** A Process that is killed and joined after the test, whatever the test did with it. */
export function makeProcess(options?: ProcessOptions): Process {
  const child = new Process(options);
  processes.add(child);
  return child;
}

async function killProcesses(): Promise<void> {
  const all = [...processes];
  processes.clear();
  for (const child of all) if (child.pid !== undefined && child.exitCode === null) child.kill();
  // A closed Process has exited already.
  await Promise.all(all.map((child) => (child.pid === undefined ? Promise.resolve() : child.join().catch(() => {}))));
}

afterEach(async () => {
  await Promise.all([...[...pools].map((pool) => pool.terminate()), killProcesses()]);
  pools.clear();
  // terminate() and join() resolved, so no child may be alive: the check is exact, not a wait.
  const left = descendants().filter((p) => p.cmdline.includes('bootstrap/main.'));
  expect(left).toEqual([]);
});

// Once a handle to a queue, lock or value of this process has left it, this
// process serves its objects on a socket in a private directory, until it
// exits; a test file's objects are done with at its end, so its servers close
// then (the suite's teardown checks that no directory is left). Every copy of
// procpool in this process registers its server under this global key.
afterAll(() => {
  const servers = (globalThis as Record<symbol, Set<{ close(): void }> | undefined>)[
    Symbol.for('procpool.registry.processServers')
  ];
  for (const server of [...(servers ?? [])]) server.close();
});
