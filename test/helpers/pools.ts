import { afterAll, afterEach, expect, test } from '@jest/globals';
import { Pool, Process, ThreadPool, activeChildren, type PoolOptions, type ProcessOptions } from '@procpool/core';
import type { Worker } from 'node:worker_threads';
import { descendants, isAlive } from './processes.js';

/** What runs a pool's workers: child processes (`Pool`) or threads of this process (`ThreadPool`). */
export type PoolKind = 'process' | 'thread';

/** The kinds the Pool suite runs against. */
export const kinds: readonly PoolKind[] = ['process', 'thread'];

export const methods = ['fork', 'spawn'] as const;

/** A way a pool's workers start: a process Pool's start method, or a thread. */
export type Start = (typeof methods)[number] | 'thread';

/** Every start the suite runs against: the start methods, then a thread. */
export const starts: readonly Start[] = [...methods, 'thread'];

export const kindOf = (start: Start): PoolKind => (start === 'thread' ? 'thread' : 'process');

const pools = new Set<Pool>();
// Whether this test made a ThreadPool here: then no pool thread may outlive it. (Other
// helpers' pools, test/threads' own, are terminated by their afterEach, after this one.)
let madeThreads = false;

/** A pool of `kind` that is terminated after the test, whatever the test did with it. */
export function makePool(options?: number | PoolOptions, kind: PoolKind = 'process'): Pool {
  // A ThreadPool checks its options as a Pool does, and refuses `context` and `cwd`.
  const pool = kind === 'thread' ? new ThreadPool(options) : new Pool(options);
  madeThreads ||= kind === 'thread';
  pools.add(pool);
  return pool;
}

/** A pool whose workers start as `start` says (`context` for a start method), terminated after the test. */
export function makeStartPool(start: Start, options: PoolOptions = {}): Pool {
  return start === 'thread' ? makePool(options, 'thread') : makePool({ ...options, context: start });
}

/** Registers a pool (say from a Context) for teardown. */
export function track<P extends Pool>(pool: P): P {
  pools.add(pool);
  return pool;
}

/** Why a test cannot apply to threads; said in the name of its skipped thread twin. */
export const notForThreads = {
  outsideKill: 'a thread has no pid of its own for another process to signal',
  nativeCrash:
    'a native crash or a signal a thread sends itself takes the whole process (jest) down: the price API §11 names',
  pipe: 'a thread talks over a MessagePort, not a byte pipe: a message arrives whole or not at all',
  orphans: 'a thread cannot outlive its process',
  signals: 'a thread has no signals of its own: terminate() stops it at once, with no grace period to outlast',
  v8Flags:
    "V8 heap flags are refused in a Worker's execArgv, and ThreadPool sets no resourceLimits: a thread's OOM ends the whole process",
} as const;

/**
 * A test for process pools only: it runs, and its thread twin is listed as
 * skipped, named with `reason`, so jest's output says why.
 */
export function processOnlyTest(name: string, reason: string, fn: () => Promise<unknown>, timeout?: number): void {
  test(name, fn, timeout);
  skipForThreads(name, reason);
}

/** Lists the thread twin of a process-only test (or test.each) as skipped, named with why. */
export function skipForThreads(name: string, reason: string): void {
  test.skip(`${name} [not for threads: ${reason}]`, () => {});
}

// The pool threads of this process that have not exited, every copy of procpool's (thread.ts's registry).
function liveThreads(): Worker[] {
  const threads = (globalThis as Record<symbol, Set<Worker> | undefined>)[Symbol.for('procpool.registry.liveThreads')];
  return [...(threads ?? [])];
}

/**
 * The workers of `kind` running in this process now (every pool's), as ids:
 * pids for processes. `stillRunning` tells later which of them still run.
 */
export function runningWorkers(kind: PoolKind): number[] {
  if (kind === 'thread') return liveThreads().map((thread) => thread.threadId);
  return activeChildren().map((child) => child.pid);
}

/** A worker's id in `runningWorkers` terms (thread id or pid), from its workerStart or workerExit event. */
export const workerId = (event: { pid: number; threadId?: number }): number => event.threadId ?? event.pid;

/** Which of `ids` (from `runningWorkers(kind)`) still run. */
export function stillRunning(kind: PoolKind, ids: readonly number[]): number[] {
  if (kind === 'thread') return ids.filter((id) => runningWorkers('thread').includes(id));
  return ids.filter(isAlive);
}

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
  // terminate() and join() resolved, so no child or thread may be alive: the check is exact, not a wait.
  const left = descendants().filter((p) => p.cmdline.includes('bootstrap/main.'));
  expect(left).toEqual([]);
  if (madeThreads) expect(runningWorkers('thread')).toEqual([]);
  madeThreads = false;
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
