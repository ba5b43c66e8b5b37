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
