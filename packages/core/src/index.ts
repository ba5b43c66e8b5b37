export {
  Pool,
  type ApplyAsyncOptions,
  type ApplyRest,
  type ImapOptions,
  type MapAsyncOptions,
  type MapItem,
  type MapOptions,
  type OneArgFunction,
} from './pool/pool.js';
export type { CallOptions } from './pool/arguments.js';
export type { PoolEventMap, PoolStats, WorkerExitEvent, WorkerExitReason, WorkerStartEvent } from './pool/events.js';
export type { PoolOptions } from './pool/options.js';
export { AsyncResult, type ResultCallbacks } from './pool/async-result.js';
export { IMapIterator } from './pool/imap-iterator.js';
export {
  defineTasks,
  taskRef,
  type AnyFunction,
  type TaskFunction,
  type TaskLike,
  type TaskRef,
  type TaskResult,
} from './tasks.js';
export { getContext, type Context } from './context.js';
export {
  getAllStartMethods,
  getStartMethod,
  setExecutable,
  setStartMethod,
  type StartMethod,
} from './start-methods.js';
export { cpuCount, currentProcess, isMainProcess, parentProcess, type ProcessInfo } from './process-info.js';
export { activeChildren } from './active-children.js';
export { registerErrorClass } from './codec/errors.js';
export { registerType, type TypeCodec } from './codec/values.js';
export {
  BrokenPoolError,
  MaybeEncodingError,
  PoolNotRunningError,
  PoolTerminatedError,
  ProcessError,
  RemoteTraceback,
  TaskTimeoutError,
  TimeoutError,
  WorkerLostError,
  type WorkerLostDetails,
} from './errors.js';
