import { afterAll, afterEach } from '@jest/globals';
import { Event } from '@procpool/core';
import {
  BrokenProcessPool,
  BrokenThreadPool,
  ProcessPoolExecutor,
  ThreadPoolExecutor,
  type Executor,
  type ExecutorOptions,
} from '@procpool/futures';

const executors = new Set<Executor>();
const events = new Set<Event>();

/** The executor classes: the tests that apply to both run for each (describe.each). */
export const kinds = ['ProcessPoolExecutor', 'ThreadPoolExecutor'] as const;
export type Kind = (typeof kinds)[number];

/** The BrokenExecutor subclass of an executor class. */
export const brokenOf = (kind: Kind): typeof BrokenProcessPool | typeof BrokenThreadPool =>
  kind === 'ProcessPoolExecutor' ? BrokenProcessPool : BrokenThreadPool;

/** An executor whose workers are stopped after the test, whatever the test did with it. */
export function makeExecutor(kind: Kind, options?: number | ExecutorOptions): Executor {
  const executor = kind === 'ProcessPoolExecutor' ? new ProcessPoolExecutor(options) : new ThreadPoolExecutor(options);
  executors.add(executor);
  return executor;
}

/** An Event that is set after the test, so that no call waits on it for ever. */
export function makeEvent(): Event {
  const event = new Event();
  events.add(event);
  return event;
}

/**
 * Stops every executor and sets every Event of the test after each test of the
 * calling describe block: there, it runs before test/helpers/pools.ts's check
 * that no worker is left (a root-level hook of this file would run after it).
 */
export function stopExecutorsAfterEach(): void {
  afterEach(async () => {
    await Promise.all([...events].map((event) => event.set()));
    events.clear();
    await Promise.all([...executors].map((executor) => executor.terminateWorkers()));
    executors.clear();
  });
}

// The test's Events are served from this process on a socket until closed (as test/helpers/pools.ts does).
afterAll(() => {
  const servers = (globalThis as Record<symbol, Set<{ close(): void }> | undefined>)[
    Symbol.for('procpool.registry.processServers')
  ];
  for (const server of [...(servers ?? [])]) server.close();
});
