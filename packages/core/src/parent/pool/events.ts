import type { WorkerExitReason } from '../worker/exit-reason.js';

export type { WorkerExitReason };

export interface WorkerStartEvent {
  pid: number;
  name: string;
  /** A ThreadPool's worker: its thread id (its pid is the pool's own). */
  threadId?: number;
}

export interface WorkerExitEvent {
  pid: number;
  name: string;
  /** A ThreadPool's worker: its thread id (its pid is the pool's own). */
  threadId?: number;
  exitCode: number | null;
  signal: string | null;
  /** `maxTasks`, `memory`, `timeout`: retired by a limit; `abort`: killed for an AbortSignal; `shutdown`: close/terminate; `crash`: it died by itself. */
  reason: WorkerExitReason;
}

/** The events a Pool emits, with their listener arguments. */
export interface PoolEventMap {
  workerStart: [WorkerStartEvent];
  workerExit: [WorkerExitEvent];
  /** A task failed and nobody was listening: no `get()`, `await`, `wait()` or `errorCallback`. */
  taskError: [unknown];
}

/** Counts from `pool.stats()`. They count chunks, one message of work each: an `apply` is a chunk of one call, a `map` is split into chunks of `chunksize` items. */
export interface PoolStats {
  /** Workers the pool keeps (the `processes` option). */
  processes: number;
  /** Worker processes alive now, retiring ones included. */
  workers: number;
  idle: number;
  busy: number;
  /** Chunks waiting for a worker. */
  queued: number;
  completed: number;
  failed: number;
  workersStarted: number;
  workersExited: Record<WorkerExitReason, number>;
}
