import type { BrokenPoolError } from '../../common/errors.js';
import type { WireTaskRef } from '../../common/protocol.js';
import type { ArgsForm } from './chunk.js';
import type { PoolEventMap, PoolStats } from './events.js';
import type { Job } from './job.js';

export type ExecutorState = 'running' | 'closed' | 'terminated';
export type Emit = <E extends keyof PoolEventMap>(event: E, ...args: PoolEventMap[E]) => void;

/**
 * What runs a Pool's jobs: the seam between `Pool` (the calls, their
 * arguments and results) and the engine under it. The Scheduler runs chunks on
 * worker processes; a thread pool or a queue across machines is another
 * engine behind the same calls.
 */
export interface Executor {
  readonly state: ExecutorState;
  /** Set once the engine cannot run anything (every job was settled with it). */
  readonly broken: BrokenPoolError | null;
  /** A job starts: it is settled with the engine's error if it cannot run. */
  addJob(job: Job): void;
  /** A chunk of `job`: the calls of `ref` over `list`, items from `start` on. */
  submit(job: Job, ref: WireTaskRef, form: ArgsForm, start: number, list: unknown[]): void;
  /** The caller gave up on `job` (AbortSignal): settle it and stop what runs it. */
  abortJob(job: Job, reason: unknown): void;
  /** Runs `cleanup` when `job` finishes (at once if it has). */
  onFinish(job: Job, cleanup: () => void): void;
  /** Jobs call this once they are finished. */
  readonly jobFinished: (job: Job) => void;
  /** Keeps the engine (and Node) alive while `work` (reading a job's input) is pending. */
  track<T>(work: Promise<T>): Promise<T>;
  close(): void;
  terminate(): Promise<void>;
  /** Resolves once every worker has exited and none will be started again. */
  allExited(): Promise<void>;
  stats(): PoolStats;
}
