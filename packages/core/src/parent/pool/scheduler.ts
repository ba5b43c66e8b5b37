import {
  NO_PAYLOAD,
  decodeValue,
  describeEncodeFailure,
  encodeValue,
  type Payload,
} from '../../common/codec/values.js';
import {
  BrokenPoolError,
  PoolTerminatedError,
  ProcessError,
  TaskTimeoutError,
  WorkerLostError,
} from '../../common/errors.js';
import type { ExitInfo } from '../launch/launch.js';
import type { WireTaskRef } from '../../common/protocol.js';
import { WorkerHandle, type ResultMessage, type WorkerEvents, type WorkerExitReason } from '../worker/handle.js';
import type { PoolEventMap, PoolStats } from './events.js';
import type { ResolvedOptions } from './options.js';
import { decodeRemoteFailure } from './remote-failure.js';
import type { Job, Unit } from './unit.js';

/** Workers that die while starting or importing a task module, in a row, before the pool gives up. */
const MAX_START_FAILURES = 3;
/** Errors of a spawn that no retry can mend. */
const HOPELESS_SPAWN_ERRORS = new Set<unknown>(['ENOENT', 'EACCES', 'ENOTDIR']);
const errorCode = (error: unknown): unknown => (error as { code?: unknown } | null | undefined)?.code;

export type PoolState = 'running' | 'closed' | 'terminated';
/**
 * What a unit's list holds (and how a bad argument is named): apply, one
 * argument list; starmap, an argument list per item; map, the items
 * themselves, each the one argument of its call.
 */
export type ArgsKind = 'apply' | 'map' | 'starmap';
export type Emit = <E extends keyof PoolEventMap>(event: E, ...args: PoolEventMap[E]) => void;

function nameBadArgument(kind: ArgsKind, start: number, path: string): string {
  const match = /^\[(\d+)\]/.exec(path);
  const index = match === null ? 0 : Number(match[1]);
  const rest = match === null ? path : path.slice(match[0].length);
  if (kind === 'apply') return `args${rest}`;
  return `items[${start + index}]${rest}`;
}

const emptyExits = (): Record<WorkerExitReason, number> => ({
  maxTasks: 0,
  memory: 0,
  timeout: 0,
  crash: 0,
  abort: 0,
  shutdown: 0,
});

/** The engine under Pool: the queue, the workers, and what happens when they answer or die. */
export class Scheduler implements WorkerEvents {
  state: PoolState = 'running';
  broken: BrokenPoolError | null = null;
  readonly workers = new Set<WorkerHandle>();
  readonly #jobs = new Set<Job>();
  readonly #cleanups = new Map<Job, () => void>();
  #queue: Unit[] = [];
  #queueHead = 0;
  #outstanding = 0; // units queued or in flight
  #preparing = 0; // submissions still reading async input
  #nextUnitId = 1;
  #startFailures = 0;
  readonly #initargsBody: Payload;
  // Workers are unref'd; this one timer is ref'd (holding Node open) only while
  // there is work or someone waits for the workers to exit.
  readonly #keepAlive = setInterval(() => {}, 1 << 30).unref();
  #keptAlive = false;
  #exitWaiters: Array<() => void> = [];
  readonly #counts = { completed: 0, failed: 0, workersStarted: 0, workersExited: emptyExits() };

  constructor(
    private readonly options: ResolvedOptions,
    private readonly emit: Emit,
  ) {
    try {
      this.#initargsBody = encodeValue(options.initargs);
    } catch (error) {
      const { path, reason } = describeEncodeFailure(error);
      throw new TypeError(`Cannot send initargs${path} to a worker: ${reason}`);
    }
    this.#maintain();
  }

  stats(): PoolStats {
    let idle = 0;
    let busy = 0;
    for (const worker of this.workers) {
      if (worker.state === 'ready') idle += 1;
      else if (worker.state === 'busy') busy += 1;
    }
    const { completed, failed, workersStarted, workersExited } = this.#counts;
    return {
      processes: this.options.processes,
      workers: this.workers.size,
      idle,
      busy,
      queued: this.#queue.length - this.#queueHead,
      completed,
      failed,
      workersStarted,
      workersExited: { ...workersExited },
    };
  }

  /** Keeps the pool (and Node) alive while `work` is pending. */
  track<T>(work: Promise<T>): Promise<T> {
    this.#preparing += 1;
    this.#updateKeepAlive();
    return work.finally(() => {
      this.#preparing -= 1;
      this.#progressed();
    });
  }

  addJob(job: Job): void {
    if (this.broken !== null) job.abort(this.#brokenError());
    else if (this.state === 'terminated') job.abort(new PoolTerminatedError());
    else this.#jobs.add(job);
  }

  jobFinished = (job: Job): void => {
    this.#jobs.delete(job);
    const cleanup = this.#cleanups.get(job);
    if (cleanup !== undefined) {
      this.#cleanups.delete(job);
      cleanup();
    }
    this.#progressed();
  };

  /** Runs `cleanup` when `job` finishes (at once if it has). */
  onFinish(job: Job, cleanup: () => void): void {
    if (job.finished) cleanup();
    else this.#cleanups.set(job, cleanup);
  }

  /** The caller gave up on `job` (AbortSignal): settle it, and kill the workers running its tasks. */
  abortJob(job: Job, reason: unknown): void {
    if (job.finished) return;
    job.abort(reason);
    for (const worker of this.workers) if (worker.inFlight[0]?.job === job) worker.kill('abort');
    this.#dispatch();
  }

  /** Encodes a chunk and queues it; a value that cannot be sent fails this chunk only. */
  submit(job: Job, ref: WireTaskRef, kind: ArgsKind, start: number, list: unknown[]): void {
    if (job.finished) return;
    const unit: Unit = {
      id: this.#nextUnitId,
      job,
      ref,
      start,
      count: list.length,
      payload: NO_PAYLOAD,
      each: kind === 'map',
      attempts: 0,
      sentUpTo: 0,
    };
    this.#nextUnitId += 1;
    try {
      unit.payload = encodeValue(list);
    } catch (error) {
      const { path, reason, cause } = describeEncodeFailure(error);
      const message = `Cannot send ${nameBadArgument(kind, start, path)} to a worker: ${reason}`;
      this.#counts.failed += 1;
      job.unitFailed(unit, new TypeError(message, cause === undefined ? undefined : { cause }));
      return;
    }
    this.#outstanding += 1;
    this.#queue.push(unit);
    this.#updateKeepAlive();
    this.#dispatch();
  }

  close(): void {
    if (this.state !== 'running') return;
    this.state = 'closed';
    this.#progressed();
  }

  terminate(): Promise<void> {
    if (this.state !== 'terminated') {
      this.state = 'terminated';
      this.#abortAll(() => new PoolTerminatedError());
      for (const worker of this.workers) worker.kill('shutdown');
    }
    return this.allExited();
  }

  /** Resolves once every worker has exited and none will be started again. */
  allExited(): Promise<void> {
    if (this.#isShutDown()) return Promise.resolve();
    return new Promise((resolve) => {
      this.#exitWaiters.push(resolve);
      this.#updateKeepAlive();
    });
  }

  #stopped(): boolean {
    return this.state === 'terminated' || this.broken !== null;
  }

  #isShutDown(): boolean {
    return this.workers.size === 0 && (this.#stopped() || !this.#hasWork());
  }

  #hasWork(): boolean {
    if (this.#outstanding > 0 || this.#preparing > 0) return true;
    for (const job of this.#jobs) if (job.reading) return true;
    return false;
  }

  #abortAll(makeError: () => unknown): void {
    for (const job of [...this.#jobs]) job.abort(makeError());
    this.#queue = [];
    this.#queueHead = 0;
    this.#outstanding = 0;
    this.#updateKeepAlive();
  }

  #brokenError(): BrokenPoolError {
    const broken = this.broken as BrokenPoolError;
    return new BrokenPoolError(broken.message, { cause: broken.cause });
  }

  #break(error: BrokenPoolError): void {
    if (this.#stopped()) return;
    this.broken = error;
    this.#abortAll(() => this.#brokenError());
    for (const worker of this.workers) worker.kill('shutdown');
  }

  #dispatch(): void {
    while (this.#queueHead < this.#queue.length) {
      const worker = this.#pickWorker();
      if (worker === undefined) break;
      const unit = this.#queue[this.#queueHead] as Unit;
      this.#queueHead += 1;
      if (unit.job.finished) this.#outstanding -= 1;
      else worker.send(unit);
    }
    if (this.#queueHead === this.#queue.length) {
      this.#queue = [];
      this.#queueHead = 0;
    } else if (this.#queueHead > 1024 && this.#queueHead * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#queueHead);
      this.#queueHead = 0;
    }
    this.#maintain();
  }

  #pickWorker(): WorkerHandle | undefined {
    let best: WorkerHandle | undefined;
    for (const worker of this.workers) {
      if (worker.state === 'retiring' || worker.state === 'exited' || worker.tasksLeft <= 0) continue;
      if (worker.inFlight.length >= worker.window) continue;
      if (best === undefined || worker.inFlight.length < best.inFlight.length) best = worker;
    }
    return best;
  }

  // Keeps `processes` workers able to take tasks: replaces exited and retiring
  // ones (a retiring one's replacement starts before it exits), and lets idle
  // workers go once a closed pool has no work left. At most one replacement per
  // slot runs ahead: a replacement that is sent its last task at once (as under
  // maxTasksPerChild: 1) waits for an older worker to exit before it is
  // replaced in turn, or a queue of N tasks would start N workers.
  #maintain(): void {
    if (this.#stopped()) return;
    const wanted = this.state === 'running' || this.#hasWork() ? this.options.processes : 0;
    let able = 0;
    for (const worker of this.workers) if (worker.state !== 'retiring' && worker.tasksLeft > 0) able += 1;
    const room = 2 * this.options.processes - this.workers.size;
    for (let started = 0; able < wanted && started < room; able += 1, started += 1) this.#startWorker();
    if (wanted === 0) for (const worker of this.workers) if (worker.inFlight.length === 0) worker.stop('shutdown');
  }

  #startWorker(): void {
    const { options } = this;
    const worker = new WorkerHandle(
      {
        launch: { method: options.startMethod, execArgv: options.execArgv, env: options.env, cwd: options.cwd },
        initializer: options.initializer,
        initargsBody: this.#initargsBody,
        maxMemory: options.maxMemoryPerChild,
        maxTasks: options.maxTasksPerChild,
        taskTimeout: options.taskTimeout,
      },
      this,
    );
    this.workers.add(worker);
  }

  #progressed(): void {
    if (this.state === 'closed') this.#maintain();
    this.#updateKeepAlive();
    if (this.#exitWaiters.length > 0 && this.#isShutDown()) {
      for (const resolve of this.#exitWaiters.splice(0)) resolve();
      this.#updateKeepAlive();
    }
  }

  #updateKeepAlive(): void {
    const wanted =
      this.#outstanding > 0 || this.#preparing > 0 || (this.#exitWaiters.length > 0 && this.workers.size > 0);
    if (wanted === this.#keptAlive) return;
    this.#keptAlive = wanted;
    if (wanted) this.#keepAlive.ref();
    else this.#keepAlive.unref();
  }

  #fail(unit: Unit, error: unknown): void {
    this.#counts.failed += 1;
    unit.job.unitFailed(unit, error);
  }

  // WorkerEvents

  started(worker: WorkerHandle): void {
    this.#counts.workersStarted += 1;
    this.emit('workerStart', { pid: worker.pid, name: worker.name });
  }

  ready(): void {
    this.#dispatch();
  }

  initFailed(worker: WorkerHandle, payload: Payload): void {
    const cause = decodeRemoteFailure(worker, 'thrown', payload);
    const what = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
    this.#break(
      new BrokenPoolError(`Pool initializer failed in ${worker.name} (pid ${worker.pid}): ${what}`, { cause }),
    );
  }

  result(worker: WorkerHandle, unit: Unit, message: ResultMessage, payload: Payload): void {
    if (this.#stopped()) return; // every job was already settled
    this.#outstanding -= 1;
    this.#startFailures = 0; // only an answered task proves workers can work (not a ready, not an import)
    try {
      if (message.t === 'done') {
        this.#counts.completed += 1;
        unit.job.unitDone(unit, decodeValue(payload) as unknown[]);
      } else {
        this.#fail(unit, decodeRemoteFailure(worker, message.how, payload));
      }
    } catch (error) {
      this.#fail(unit, new ProcessError(`Could not decode the answer from ${worker.name}`, { cause: error }));
    }
    if (worker.tasksLeft <= 0 && worker.inFlight.length === 0) worker.stop('maxTasks');
    this.#dispatch();
    this.#progressed();
  }

  timedOut(_worker: WorkerHandle, unit: Unit, timeout: number): void {
    if (this.#stopped()) return;
    this.#outstanding -= 1;
    this.#fail(unit, new TaskTimeoutError(timeout));
    this.#dispatch();
    this.#progressed();
  }

  exited(worker: WorkerHandle, info: ExitInfo, reason: WorkerExitReason, lost: Unit | null, unstarted: Unit[]): void {
    this.workers.delete(worker);
    // One that never started (told to go first, or its spawn failed) had no workerStart either.
    if (worker.everStarted) {
      this.#counts.workersExited[reason] += 1;
      this.emit('workerExit', {
        pid: worker.pid,
        name: worker.name,
        exitCode: info.exitCode,
        signal: info.signal,
        reason,
      });
    }
    if (this.#stopped()) {
      this.#progressed();
      return;
    }
    // Units it never began go back to the front of the queue, in order.
    this.#queue.splice(this.#queueHead, 0, ...unstarted);
    if (lost !== null) this.#lost(worker, info, lost);
    if (reason === 'crash' && (!worker.everReady || worker.importing !== null)) this.#startFailed(worker, info);
    this.#dispatch();
    this.#progressed();
  }

  #lost(worker: WorkerHandle, info: ExitInfo, unit: Unit): void {
    if (unit.attempts < this.options.retries && !unit.job.finished) {
      unit.attempts += 1;
      this.#queue.splice(this.#queueHead, 0, unit);
      return;
    }
    this.#outstanding -= 1;
    const { pid, name: workerName } = worker;
    const { exitCode, signal } = info;
    const cause = worker.protocolError ?? undefined;
    this.#fail(unit, new WorkerLostError({ pid, workerName, exitCode, signal, stderr: worker.stderrTail(), cause }));
  }

  // Dying while starting or while importing a task module, again and again,
  // means no worker will ever work: break the pool rather than respawn forever.
  #startFailed(worker: WorkerHandle, info: ExitInfo): void {
    this.#startFailures += 1;
    const how = info.signal === null ? `exit code ${String(info.exitCode)}` : `signal ${info.signal}`;
    const stderr = worker.stderrTail().trim();
    const where =
      !worker.everReady || worker.importing === null ? 'while starting' : `while importing ${worker.importing}`;
    const detail = `${info.startError?.message ?? how}${stderr === '' ? '' : `; stderr: ${stderr}`}`;
    // The executable could not be run at all (127 from setpriv, or no such
    // file): retrying cannot help. Other start errors (out of file descriptors
    // or processes) may pass, and count like any other start failure.
    const hopeless = info.exitCode === 127 || HOPELESS_SPAWN_ERRORS.has(errorCode(info.startError?.cause));
    if (hopeless || this.#startFailures >= MAX_START_FAILURES) {
      this.#break(
        new BrokenPoolError(`Workers die ${where} (${this.#startFailures} in a row); last: ${detail}`, {
          cause: info.startError?.cause ?? info.startError ?? undefined, // the OS error, when there is one
        }),
      );
    }
  }
}
