import { lazyOs } from './builtins.js';

/** What `currentProcess()` and `parentProcess()` describe. */
export interface ProcessInfo {
  readonly name: string;
  readonly pid: number;
  /** Pool workers are daemonic: they never outlive the pool's process. */
  readonly daemon: boolean;
}

/** Set by the worker bootstrap before any user module loads; a global so every copy of procpool sees it. */
const WORKER_IDENTITY = Symbol.for('procpool.workerIdentity');

interface WorkerIdentity {
  name: string;
  parentPid: number;
}

const identity = (): WorkerIdentity | undefined =>
  (globalThis as { [WORKER_IDENTITY]?: WorkerIdentity })[WORKER_IDENTITY];

export function setWorkerIdentity(value: WorkerIdentity): void {
  (globalThis as { [WORKER_IDENTITY]?: WorkerIdentity })[WORKER_IDENTITY] = value;
}

/**
 * `false` inside a pool worker, `true` elsewhere: the analog of
 * `if __name__ == '__main__'`. Guard a main module's entry point with it when
 * the main module exports task functions, because workers import it.
 * @example
 * if (isMainProcess()) await main();
 */
export function isMainProcess(): boolean {
  return identity() === undefined;
}

/** This process: `MainProcess`, or `PoolWorker-N` inside a worker. */
export function currentProcess(): ProcessInfo {
  const id = identity();
  return id === undefined
    ? { name: 'MainProcess', pid: process.pid, daemon: false }
    : { name: id.name, pid: process.pid, daemon: true };
}

/** The process that started this worker, or `null` in the main process. */
export function parentProcess(): ProcessInfo | null {
  const id = identity();
  return id === undefined ? null : { name: 'MainProcess', pid: id.parentPid, daemon: false };
}

/** The number of CPUs Node may use (`os.availableParallelism()`). */
export function cpuCount(): number {
  return lazyOs().availableParallelism();
}
