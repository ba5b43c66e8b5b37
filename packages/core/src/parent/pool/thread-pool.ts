import { encodeValue } from '../../common/codec/values.js';
import { collectingTransfers, restoreTransfers } from '../../common/codec/transferables.js';
import { invalid } from '../../common/validate.js';
import { launchThread } from '../launch/thread.js';
import type { Emit, Executor } from './executor.js';
import type { PoolOptions, ResolvedOptions } from './options.js';
import { Pool } from './pool.js';
import { Scheduler } from './scheduler.js';

/** A ThreadPool's options: a Pool's, without what only a process has (a start method, a working directory, a start-up snapshot, a process group, a stdout of its own). */
export interface ThreadPoolOptions extends Omit<
  PoolOptions,
  'context' | 'cwd' | 'snapshot' | 'detached' | 'stdout' | 'processes' | 'taskTimeout' | 'maxMemoryPerChild'
> {
  /** Number of threads. @default os.availableParallelism() */
  processes?: number | undefined;
  /** Hard limit per task, in ms: the thread is terminated and the task rejects with TaskTimeoutError. */
  taskTimeout?: number | undefined;
  /** Bytes of the thread's JS heap (`heapUsed`; the RSS is the whole process's); a thread above it after a task is replaced. */
  maxMemoryPerChild?: number | undefined;
}

/**
 * `Pool` on `worker_threads`, inside this process: the same methods, task
 * references, errors, events and limits, with threads for workers. Cheaper
 * to start and to talk to; the price is isolation: a native crash or an
 * out-of-memory in a task takes the whole process down. `maxMemoryPerChild`
 * counts the thread's heap; `taskTimeout` and an AbortSignal terminate the
 * thread. See docs/threads.md.
 * @example
 * await using pool = new ThreadPool(4);
 * const squares = await pool.map(square, [1, 2, 3]);
 */
export class ThreadPool extends Pool {
  constructor(options?: number | ThreadPoolOptions) {
    super(checkThreadOptions(options));
  }

  /** @internal */
  protected override createExecutor(options: ResolvedOptions, emit: Emit): Executor {
    refuseConnections(options.initargs);
    return new Scheduler(options, emit, launchThread);
  }
}

// What a thread cannot have, said as any other bad option is; the rest is Pool's to check.
function checkThreadOptions(options: number | ThreadPoolOptions | undefined): number | PoolOptions | undefined {
  if (typeof options !== 'object' || options === null) return options;
  const { context, cwd, snapshot, detached, stdout } = options as PoolOptions;
  if (context !== undefined) {
    throw invalid('context', 'left out of a ThreadPool (threads run in this process: no start method)', context);
  }
  if (cwd !== undefined) {
    throw invalid('cwd', "left out of a ThreadPool (a thread shares this process's working directory)", cwd);
  }
  if (snapshot !== undefined) {
    throw invalid('snapshot', 'left out of a ThreadPool (a thread starts inside this process)', snapshot);
  }
  if (detached !== undefined) {
    throw invalid('detached', 'left out of a ThreadPool (a thread is in this process, and its group)', detached);
  }
  if (stdout !== undefined) {
    throw invalid('stdout', "left out of a ThreadPool (a thread writes to this process's stdout)", stdout);
  }
  return options;
}

// A thread inherits no file descriptors, and lending it one of ours would let
// its termination close the descriptor under us: Connections stay here.
function refuseConnections(initargs: readonly unknown[]): void {
  let transferred: object[] = [];
  try {
    ({ transferred } = collectingTransfers(() => encodeValue(initargs)));
  } catch {
    return; // what cannot be sent at all, Pool says
  }
  if (transferred.length === 0) return;
  restoreTransfers(transferred);
  throw new TypeError(
    'Expected `initargs` to hold no Connection in a ThreadPool (a thread inherits no file descriptors), got a Connection',
  );
}
