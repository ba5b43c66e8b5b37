import type { WorkerExitReason } from '../worker/exit-reason.js';
import type { PoolStats } from './events.js';
import type { WorkerSet } from './worker-set.js';

/** What a pool has done so far, for stats(): chunks answered and failed, workers started and gone. */
export class Counts {
  #completed = 0;
  #failed = 0;
  #workersStarted = 0;
  readonly #workersExited: Record<WorkerExitReason, number> = {
    maxTasks: 0,
    memory: 0,
    timeout: 0,
    crash: 0,
    abort: 0,
    shutdown: 0,
  };

  completed(): void {
    this.#completed += 1;
  }

  failed(): void {
    this.#failed += 1;
  }

  workerStarted(): void {
    this.#workersStarted += 1;
  }

  workerExited(reason: WorkerExitReason): void {
    this.#workersExited[reason] += 1;
  }

  stats(processes: number, workers: WorkerSet, queued: number): PoolStats {
    return {
      processes,
      workers: workers.size,
      ...workers.countIdleAndBusy(),
      queued,
      completed: this.#completed,
      failed: this.#failed,
      workersStarted: this.#workersStarted,
      workersExited: { ...this.#workersExited },
    };
  }
}
