// procpool: everything of @procpool/core (Python's multiprocessing) and
// @procpool/futures (concurrent.futures) from one package. Both have a `wait`:
// core's waits on connections and processes (multiprocessing.connection.wait),
// futures' on futures (concurrent.futures.wait). Here they are
// `connectionWait` and `futuresWait`, and plain `wait` is core's, as in
// `@procpool/core`; `procpool/core`, `procpool/futures` and `procpool/bullmq`
// export each package whole. @procpool/bullmq loads bullmq itself only when a
// DistributedPool or a worker first connects, so importing this costs nothing
// for it. (test/cli/umbrella.test.ts checks that nothing is missing.)
export * from '@procpool/core';
export { wait as connectionWait } from '@procpool/core';
export {
  ALL_COMPLETED,
  FIRST_COMPLETED,
  FIRST_EXCEPTION,
  BrokenExecutor,
  BrokenProcessPool,
  BrokenThreadPool,
  CancelledError,
  Executor,
  Future,
  InvalidStateError,
  ProcessPoolExecutor,
  ThreadPoolExecutor,
  asCompleted,
  wait as futuresWait,
  type CompletedFuture,
  type DoneAndNotDone,
  type DoneCallback,
  type ExecutorMapOptions,
  type ExecutorOptions,
  type FutureState,
  type Input,
  type MapInputs,
  type ReturnWhen,
  type ThreadExecutorOptions,
  type WaitOptions,
} from '@procpool/futures';
export * from '@procpool/bullmq';
