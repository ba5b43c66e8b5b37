import { cpuCount, type AnyFunction, type PoolOptions, type TaskLike } from '@procpool/core';
import { show } from './show.js';

/** Options of `new ProcessPoolExecutor()` and `new ThreadPoolExecutor()`. */
export interface ExecutorOptions {
  /** Workers at most; they start as work needs them. @default cpuCount() */
  maxWorkers?: number | undefined;
  /** Start method (`'fork'`, `'spawn'`) or a `Context`. @default getStartMethod(), or `'spawn'` under maxTasksPerChild */
  mpContext?: PoolOptions['context'];
  /** Runs once in each worker before its first call; if it fails, the executor is broken. */
  initializer?: TaskLike<AnyFunction> | string | undefined;
  initargs?: readonly unknown[] | undefined;
  /** A worker exits after this many calls (a map chunk is one) and a new one starts when work needs it. */
  maxTasksPerChild?: number | undefined;
  /** Beyond Python: ms a call may run; its worker is stopped and its future fails with TaskTimeoutError. */
  taskTimeout?: number | undefined;
  /** Beyond Python: bytes a worker may hold after a call before it is replaced (RSS for processes, heap for threads). */
  maxMemoryPerChild?: number | undefined;
}

// `satisfies` holds this list to ExecutorOptions: no key missing, none extra.
const KNOWN: ReadonlySet<string> = new Set(
  Object.keys({
    maxWorkers: true,
    mpContext: true,
    initializer: true,
    initargs: true,
    maxTasksPerChild: true,
    taskTimeout: true,
    maxMemoryPerChild: true,
  } satisfies Record<keyof ExecutorOptions, true>),
);

/** `ThreadPoolExecutor`'s options: a ProcessPoolExecutor's without the start method. */
export type ThreadExecutorOptions = Omit<ExecutorOptions, 'mpContext'>;

/**
 * The workers an executor may run, and the options of the pool under it
 * (which checks the rest). Processes default to cpuCount() workers; threads,
 * as CPython, to cpuCount() + 4, at most 32.
 */
export function poolOptionsOf(raw: unknown, kind: 'process' | 'thread'): { maxWorkers: number; pool: PoolOptions } {
  let options: ExecutorOptions;
  if (raw === undefined) options = {};
  else if (typeof raw === 'number') options = { maxWorkers: raw };
  else if (typeof raw === 'object' && raw !== null && !Array.isArray(raw)) options = { ...(raw as ExecutorOptions) };
  else throw new TypeError(`Expected \`options\` to be a number of workers or an options object, got ${show(raw)}`);
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) throw new TypeError(`Unknown executor option \`${key}\``);
  }
  const { maxWorkers = kind === 'process' ? cpuCount() : Math.min(32, cpuCount() + 4), mpContext, ...pool } = options;
  if (typeof maxWorkers !== 'number' || !Number.isInteger(maxWorkers) || maxWorkers < 1) {
    const message = `Expected \`maxWorkers\` to be a positive integer, got ${show(maxWorkers)}`;
    throw typeof maxWorkers === 'number' ? new RangeError(message) : new TypeError(message);
  }
  if (kind === 'thread') {
    if (mpContext !== undefined) {
      throw new TypeError(
        `Expected \`mpContext\` to be left out of a ThreadPoolExecutor (threads have no start method), got ${show(mpContext)}`,
      );
    }
    return { maxWorkers, pool: { ...pool, processes: maxWorkers, startWorkers: 'onDemand' } };
  }
  // As CPython, which refuses fork with max_tasks_per_child and defaults to spawn then.
  const context = mpContext ?? (pool.maxTasksPerChild === undefined ? undefined : 'spawn');
  return { maxWorkers, pool: { ...pool, context, processes: maxWorkers, startWorkers: 'onDemand' } };
}
