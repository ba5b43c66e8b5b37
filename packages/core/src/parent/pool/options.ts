import { cpuCount } from '../../common/process-info.js';
import { resolveLaunchOptions } from '../launch/launch-options.js';
import type { ContextLike, StartMethod } from '../start-methods.js';
import { checkOptions, invalid, isPositiveInteger, isPositiveNumber } from '../../common/validate.js';
import { resolveTask, type AnyFunction, type TaskLike } from '../../common/tasks.js';
import type { WireTaskRef } from '../../common/protocol.js';

export interface PoolOptions {
  /** Number of worker processes. @default os.availableParallelism() */
  processes?: number | undefined;
  /**
   * `'eager'`: `processes` workers start with the pool. `'onDemand'`: none at
   * first; one starts when a task arrives that no idle worker can take, up to
   * `processes`. @default 'eager'
   */
  startWorkers?: StartWorkers | undefined;
  /** Runs once in each worker before its first task; if it throws, the pool is broken. */
  initializer?: TaskLike<AnyFunction> | string | undefined;
  initargs?: readonly unknown[] | undefined;
  /** A worker exits after this many tasks (a map chunk is one task) and is replaced. */
  maxTasksPerChild?: number | undefined;
  /** Start method, or a `Context` (`getContext()`). @default getStartMethod() */
  context?: StartMethod | ContextLike | undefined;
  /** Hard limit per task, in ms: the worker is killed (SIGTERM, then SIGKILL) and the task rejects with TaskTimeoutError. */
  taskTimeout?: number | undefined;
  /** Bytes of resident memory (RSS, so native allocations count); a worker above it after a task is replaced. */
  maxMemoryPerChild?: number | undefined;
  /** Times a task whose worker died is run again before it rejects with WorkerLostError. @default 0 */
  retries?: number | undefined;
  /** Node flags for workers, after the parent's own under `fork`. */
  execArgv?: readonly string[] | undefined;
  /** Environment for workers, on top of `process.env`; `undefined` removes a variable. */
  env?: Readonly<Record<string, string | undefined>> | undefined;
  /** Working directory of workers. @default process.cwd() */
  cwd?: string | undefined;
  /**
   * Start workers from procpool's V8 start-up snapshot where Node can: about
   * the CPU per worker start of the code cache the others compile with, and
   * ~3–4.5 MiB more private memory per worker (Node keeps the blob). @default false
   */
  snapshot?: boolean | undefined;
  /**
   * Start each worker in a session and process group of its own (Node's
   * `detached`): a terminal's Ctrl-C, which signals the whole foreground
   * process group, then reaches only this process, which decides what its
   * workers do. They still die with it. @default false
   */
  detached?: boolean | undefined;
  /**
   * Where workers' standard output goes: this process's stdout, or its stderr
   * (for a program whose stdout carries data, as the `procpool` command's
   * does). @default 'inherit'
   */
  stdout?: WorkerStdout | undefined;
}

/** Where pool workers' standard output goes. */
export type WorkerStdout = 'inherit' | 'stderr';

/** When a pool starts its workers: all with the pool, or each when work first needs it. */
export type StartWorkers = 'eager' | 'onDemand';

export interface ResolvedOptions {
  processes: number;
  startWorkers: StartWorkers;
  initializer: WireTaskRef | null;
  initargs: readonly unknown[];
  maxTasksPerChild: number;
  startMethod: StartMethod;
  taskTimeout: number | null;
  maxMemoryPerChild: number | null;
  retries: number;
  execArgv: readonly string[];
  env: Readonly<Record<string, string | undefined>>;
  cwd: string | undefined;
  snapshot: boolean;
  detached: boolean;
  stdout: WorkerStdout;
}

// `satisfies` makes the compiler hold this list to PoolOptions: no key missing, none extra.
const KNOWN: ReadonlySet<string> = new Set(
  Object.keys({
    processes: true,
    startWorkers: true,
    initializer: true,
    initargs: true,
    maxTasksPerChild: true,
    context: true,
    taskTimeout: true,
    maxMemoryPerChild: true,
    retries: true,
    execArgv: true,
    env: true,
    cwd: true,
    snapshot: true,
    detached: true,
    stdout: true,
  } satisfies Record<keyof PoolOptions, true>),
);

/** Validates and defaults pool options without touching the caller's object. */
export function normalizeOptions(raw: number | PoolOptions | undefined): ResolvedOptions {
  const options: PoolOptions = typeof raw === 'number' ? { processes: raw } : { ...(raw ?? {}) };
  if (typeof raw !== 'number' && raw !== undefined && (typeof raw !== 'object' || raw === null)) {
    throw invalid('options', 'a number of processes or an options object', raw);
  }
  checkOptions(options, KNOWN, 'pool');
  const {
    processes = cpuCount(),
    startWorkers = 'eager',
    initializer,
    initargs = [],
    maxTasksPerChild,
    context,
    taskTimeout,
    maxMemoryPerChild,
    retries = 0,
    execArgv,
    env,
    cwd,
    snapshot,
    detached = false,
    stdout = 'inherit',
  } = options;
  if (!isPositiveInteger(processes)) throw invalid('processes', 'a positive integer', processes, true);
  if (startWorkers !== 'eager' && startWorkers !== 'onDemand') {
    throw invalid('startWorkers', "'eager' or 'onDemand'", startWorkers);
  }
  if (maxTasksPerChild !== undefined && !isPositiveInteger(maxTasksPerChild)) {
    throw invalid('maxTasksPerChild', 'a positive integer', maxTasksPerChild, true);
  }
  if (taskTimeout !== undefined && !isPositiveNumber(taskTimeout)) {
    throw invalid('taskTimeout', 'a positive number of milliseconds', taskTimeout, true);
  }
  if (maxMemoryPerChild !== undefined && !isPositiveNumber(maxMemoryPerChild)) {
    throw invalid('maxMemoryPerChild', 'a positive number of bytes', maxMemoryPerChild, true);
  }
  if (!Number.isInteger(retries) || retries < 0) throw invalid('retries', 'a non-negative integer', retries, true);
  if (!Array.isArray(initargs)) throw invalid('initargs', 'an array', initargs);
  if (typeof detached !== 'boolean') throw invalid('detached', 'a boolean', detached);
  if (stdout !== 'inherit' && stdout !== 'stderr') throw invalid('stdout', "'inherit' or 'stderr'", stdout);
  const launch = resolveLaunchOptions({ context, execArgv, env, cwd, snapshot });

  return {
    processes,
    startWorkers,
    initializer: initializer === undefined ? null : resolveTask(initializer),
    initargs: Array.from(initargs as readonly unknown[]),
    maxTasksPerChild: maxTasksPerChild ?? Number.POSITIVE_INFINITY,
    startMethod: launch.method,
    taskTimeout: taskTimeout ?? null,
    maxMemoryPerChild: maxMemoryPerChild ?? null,
    retries,
    execArgv: launch.execArgv,
    env: launch.env,
    cwd: launch.cwd,
    snapshot: launch.snapshot,
    detached,
    stdout,
  };
}
