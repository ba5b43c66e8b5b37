/** Base class of every error procpool itself raises. */
export class ProcessError extends Error {}
ProcessError.prototype.name = 'ProcessError';

/**
 * The worker-side stack of a remote error, kept on the rebuilt error as the
 * non-enumerable `remoteTraceback` property.
 */
export class RemoteTraceback extends ProcessError {
  readonly tb: string;
  readonly pid: number;
  readonly workerName: string;
  /** The machine the worker ran on, for a task that ran on another one (@procpool/bullmq); null for this machine. */
  readonly host: string | null;
  constructor(tb: string, pid: number, workerName: string, host: string | null = null) {
    super(tb);
    this.tb = tb;
    this.pid = pid;
    this.workerName = workerName;
    this.host = host;
  }
}
RemoteTraceback.prototype.name = 'RemoteTraceback';

/** A task's result (or thrown value) could not be serialized in the worker. */
export class MaybeEncodingError extends ProcessError {
  /** A printable description of the value that could not be sent. */
  readonly value: string;
  /** A printable description of why it could not be sent. */
  readonly exc: string;
  constructor(value: string, exc: string) {
    super(`Error sending result: '${value}'. Reason: '${exc}'`);
    this.value = value;
    this.exc = exc;
  }
}
MaybeEncodingError.prototype.name = 'MaybeEncodingError';

export interface WorkerLostDetails {
  pid: number;
  workerName: string;
  exitCode: number | null;
  signal: string | null;
  stderr: string;
  /** Why the pool stopped the worker, when it did (it wrote something that is not a frame on its pipe). */
  cause?: Error | undefined;
  /** Set when the worker was a thread of this process (a ThreadPool's): its pid is ours. */
  threadId?: number | null | undefined;
}

/** How messages name a worker: `pid 1234`, or `thread 7` for a thread of this process. */
export const workerPlace = (pid: number, threadId: number | null | undefined): string =>
  threadId === null || threadId === undefined ? `pid ${pid}` : `thread ${threadId}`;

/** The worker running the task died before it answered. */
export class WorkerLostError extends ProcessError {
  readonly pid: number;
  readonly workerName: string;
  readonly exitCode: number | null;
  readonly signal: string | null;
  /** The last lines the worker wrote to stderr (a thread's: its uncaught error). */
  readonly stderr: string;
  /** The worker's thread id when it was a thread (ThreadPool); null for a process. */
  readonly threadId: number | null;
  constructor(details: WorkerLostDetails) {
    const how = details.signal === null ? `exit code ${String(details.exitCode)}` : `signal ${details.signal}`;
    const tail = details.stderr.trim() === '' ? '' : `; its stderr ended with:\n${details.stderr}`;
    const { cause } = details;
    const worker = `${details.workerName} (${workerPlace(details.pid, details.threadId)})`;
    super(
      cause === undefined
        ? `Worker ${worker} died with ${how} while running the task${tail}`
        : `Worker ${worker} was killed while running the task. ${cause.message}${tail}`,
      cause === undefined ? undefined : { cause },
    );
    this.pid = details.pid;
    this.workerName = details.workerName;
    this.exitCode = details.exitCode;
    this.signal = details.signal;
    this.stderr = details.stderr;
    this.threadId = details.threadId ?? null;
  }
}
WorkerLostError.prototype.name = 'WorkerLostError';

/** A task ran longer than `taskTimeout`; its worker is then killed and replaced. */
export class TaskTimeoutError extends ProcessError {
  readonly timeout: number;
  constructor(timeout: number, thread = false) {
    super(
      `Task did not finish within taskTimeout (${timeout} ms); ${thread ? 'its thread is being terminated' : 'its worker is being killed (SIGTERM, then SIGKILL)'}`,
    );
    this.timeout = timeout;
  }
}
TaskTimeoutError.prototype.name = 'TaskTimeoutError';

/** Waiting for a result (`get(timeout)`, `next(timeout)`) timed out; the task goes on. */
export class TimeoutError extends ProcessError {
  readonly timeout: number;
  constructor(timeout: number, message = `No result within ${timeout} ms (the task keeps running)`) {
    super(message);
    this.timeout = timeout;
  }
}
TimeoutError.prototype.name = 'TimeoutError';

/** Work was submitted to a pool that was closed or terminated. */
export class PoolNotRunningError extends ProcessError {}
PoolNotRunningError.prototype.name = 'PoolNotRunningError';

/** The pool was terminated before the result arrived. */
export class PoolTerminatedError extends ProcessError {
  constructor() {
    super('Pool was terminated before the task finished');
  }
}
PoolTerminatedError.prototype.name = 'PoolTerminatedError';

/** The pool cannot run tasks: its initializer failed, or workers keep dying at start. */
export class BrokenPoolError extends ProcessError {}
BrokenPoolError.prototype.name = 'BrokenPoolError';
