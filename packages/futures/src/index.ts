// concurrent.futures.TimeoutError: what a wait past its timeout rejects with, core's class.
export { TimeoutError } from '@procpool/core';
export { Future, type CompletedFuture, type DoneCallback, type FutureState } from './future.js';
export { BrokenExecutor, BrokenProcessPool, BrokenThreadPool, CancelledError, InvalidStateError } from './errors.js';
export {
  ALL_COMPLETED,
  FIRST_COMPLETED,
  FIRST_EXCEPTION,
  wait,
  type DoneAndNotDone,
  type ReturnWhen,
  type WaitOptions,
} from './wait.js';
export { asCompleted } from './as-completed.js';
export { Executor, type MapInputs } from './executor.js';
export type { ExecutorMapOptions } from './map-arguments.js';
export type { ExecutorOptions, ThreadExecutorOptions } from './executor-options.js';
export { ProcessPoolExecutor } from './process-pool-executor.js';
export { ThreadPoolExecutor } from './thread-pool-executor.js';
export type { Input } from './zip-chunks.js';
