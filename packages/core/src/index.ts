// Registers the internal bridge @procpool/bullmq reads (common/bridge.ts).
import './common/bridge.js';
export { Pool, type ApplyRest, type MapItem, type OneArgFunction } from './parent/pool/pool.js';
export type { ApplyAsyncOptions, ImapOptions, MapAsyncOptions, MapOptions } from './parent/pool/call-options.js';
export type { CallOptions } from './parent/pool/arguments.js';
export type {
  PoolEventMap,
  PoolStats,
  WorkerExitEvent,
  WorkerExitReason,
  WorkerStartEvent,
} from './parent/pool/events.js';
export type { PoolOptions } from './parent/pool/options.js';
export { ThreadPool, type ThreadPoolOptions } from './parent/pool/thread-pool.js';
export { AsyncResult, type ResultCallbacks } from './parent/pool/async-result.js';
export { IMapIterator } from './parent/pool/imap-iterator.js';
export {
  defineTasks,
  taskRef,
  type AnyFunction,
  type TaskFunction,
  type TaskLike,
  type TaskRef,
  type TaskResult,
} from './common/tasks.js';
export { Process, type Sentinel } from './parent/process/process.js';
export type { ProcessOptions } from './parent/process/options.js';
export { getContext, type Context } from './parent/context.js';
export {
  getAllStartMethods,
  getStartMethod,
  setExecutable,
  setStartMethod,
  type StartMethod,
} from './parent/start-methods.js';
export {
  cpuCount,
  currentProcess,
  isMainProcess,
  parentProcess,
  type CurrentProcess,
  type ParentProcess,
  type ProcessInfo,
} from './common/process-info.js';
export { activeChildren } from './parent/active-children.js';
export {
  getLogger,
  logToStderr,
  type LogHandler,
  type Logger,
  type LogLevel,
  type LogRecord,
} from './common/logging.js';
export { registerErrorClass } from './common/codec/errors.js';
export { registerType, type TypeCodec } from './common/codec/user-types.js';
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
} from './common/errors.js';
export { ProtocolError } from './common/channel/channel.js';
export { Connection } from './common/connection/connection.js';
export { Pipe, type PipeOptions } from './common/connection/pipe.js';
export { AuthenticationError, BrokenPipeError, BufferTooShort, EOFError } from './common/connection/errors.js';
export { Listener } from './common/connection/listener.js';
export { Client } from './common/connection/client.js';
export type { ClientOptions, ListenerOptions } from './common/connection/options.js';
export type { Address, Family, TcpAddress } from './common/connection/address.js';
export { wait } from './common/wait.js';
export type { Waitable } from './common/waitable.js';
export { Empty, Full, BrokenBarrierError } from './common/objects/errors.js';
export { JoinableQueue, Queue, SimpleQueue, type GetOptions, type PutOptions } from './common/objects/queues.js';
export {
  Acquirable,
  BoundedSemaphore,
  Lock,
  RLock,
  Semaphore,
  type AcquireOptions,
  type HoldOptions,
} from './common/objects/locks.js';
export { Condition } from './common/objects/condition.js';
export { Barrier, Event, type BarrierOptions } from './common/objects/events.js';
export { Array, RawArray, RawValue, Value, type SharedValueOptions, type ValueOf } from './common/objects/values.js';
export { SharedObject } from './common/objects/shared-object.js';
export type { Typecode } from './common/objects/state/typecodes.js';
export { BaseManager, type ManagerOptions } from './parent/managers/manager.js';
export { Manager, SyncManager } from './parent/managers/sync-manager.js';
export {
  BaseProxy,
  DictProxy,
  GenericProxy,
  ListProxy,
  NamespaceProxy,
  type AutoProxy,
  type Methods,
} from './common/managers/proxies.js';
export type { RegisterOptions } from './common/managers/registry.js';
