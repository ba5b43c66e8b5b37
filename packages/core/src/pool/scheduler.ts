import { decodeValue, describeEncodeFailure, encodeValue } from '../codec/values.js';
import { rebuildError } from '../codec/errors.js';
import {
  BrokenPoolError,
  MaybeEncodingError,
  PoolTerminatedError,
  ProcessError,
  RemoteTraceback,
  TaskTimeoutError,
  WorkerLostError,
} from '../errors.js';
import type { ExitInfo } from '../launch/launch.js';
import type { EncodingBody, FailureKind, ThrownBody, WireTaskRef } from '../protocol.js';
import { WorkerHandle, type ResultMessage, type WorkerEvents } from '../worker/handle.js';
import type { ResolvedOptions } from './options.js';
import type { Job, Unit } from './unit.js';

/** Tasks sent ahead to a worker so it never waits for the next one. */
const PREFETCH = 2;
/** Workers that die before they are ready, in a row, before the pool gives up. */
const MAX_START_FAILURES = 3;

export type PoolState = 'running' | 'closed' | 'terminated';
/** How a chunk's items become argument lists (and how a bad argument is named). */
export type ArgsKind = 'apply' | 'map' | 'starmap';

function nameBadArgument(kind: ArgsKind, start: number, path: string): string {
  const match = /^\[(\d+)\]/.exec(path);
  const index = match === null ? 0 : Number(match[1]);
  const rest = match === null ? path : path.slice(match[0].length);
  if (kind === 'apply') return `args${rest}`;
  const item = `items[${start + index}]`;
  return kind === 'map' ? item + rest.replace(/^\[0\]/, '') : item + rest;
}

/** The engine under Pool: the queue, the workers, and what happens when they answer or die. */
export class Scheduler implements WorkerEvents {
  state: PoolState = 'running';
  broken: BrokenPoolError | null = null;
  readonly workers = new Set<WorkerHandle>();
  readonly #jobs = new Set<Job>();
  #queue: Unit[] = [];
  #queueHead = 0;
  #outstanding = 0; // units queued or in flight
  #preparing = 0; // submissions still looking up a task or reading async input
  #nextUnitId = 1;
  #startFailures = 0;
  readonly #initargsBody: string;
  #keepAlive: NodeJS.Timeout | null = null;
  #exitWaiters: Array<() => void> = [];

  constructor(private readonly options: ResolvedOptions) {
    try {
      this.#initargsBody = encodeValue(options.initargs);
    } catch (error) {
      const { path, reason } = describeEncodeFailure(error);
      throw new TypeError(`Cannot send initargs${path} to a worker: ${reason}`);
    }
    this.#maintain();
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
    this.#progressed();
  };

  /** Encodes a chunk and queues it; a value that cannot be sent fails this chunk only. */
  submit(job: Job, ref: WireTaskRef, kind: ArgsKind, start: number, argLists: unknown[][]): void {
    if (job.finished) return;
    const unit: Unit = { id: this.#nextUnitId, job, ref, start, count: argLists.length, body: '' };
    this.#nextUnitId += 1;
    try {
      unit.body = encodeValue(argLists);
    } catch (error) {
      const { path, reason } = describeEncodeFailure(error);
      job.unitFailed(unit, new TypeError(`Cannot send ${nameBadArgument(kind, start, path)} to a worker: ${reason}`));
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
      for (const worker of this.workers) worker.kill();
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

  #isShutDown(): boolean {
    return this.workers.size === 0 && (this.state === 'terminated' || this.broken !== null || !this.#hasWork());
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
    for (const worker of this.workers) worker.kill();
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
      if (worker.inFlight.length >= PREFETCH) continue;
      if (best === undefined || worker.inFlight.length < best.inFlight.length) best = worker;
    }
    return best;
  }

  // Keeps `processes` workers able to take tasks: replaces exited and retiring
  // ones (a retiring one's replacement starts before it exits), and lets idle
  // workers go once a closed pool has no work left.
  #maintain(): void {
    if (this.#stopped()) return;
    const wanted = this.state === 'running' || this.#hasWork() ? this.options.processes : 0;
    let able = 0;
    for (const worker of this.workers) if (worker.state !== 'retiring' && worker.tasksLeft > 0) able += 1;
    for (; able < wanted; able += 1) this.#startWorker();
    if (wanted === 0) for (const worker of this.workers) if (worker.inFlight.length === 0) worker.stop();
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

  // Workers are unref'd; this one timer holds Node open while there is work
  // or someone waits for the workers to exit.
  #updateKeepAlive(): void {
    const wanted =
      this.#outstanding > 0 || this.#preparing > 0 || (this.#exitWaiters.length > 0 && this.workers.size > 0);
    if (wanted && this.#keepAlive === null) this.#keepAlive = setInterval(() => {}, 1 << 30);
    else if (!wanted && this.#keepAlive !== null) {
      clearInterval(this.#keepAlive);
      this.#keepAlive = null;
    }
  }

  // WorkerEvents

  ready(): void {
    this.#startFailures = 0;
    this.#dispatch();
  }

  initFailed(worker: WorkerHandle, body: string): void {
    const cause = this.#decodeFailure(worker, 'thrown', body);
    const what = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
    this.#break(
      new BrokenPoolError(`Pool initializer failed in ${worker.name} (pid ${worker.pid}): ${what}`, { cause }),
    );
  }

  #stopped(): boolean {
    return this.state === 'terminated' || this.broken !== null;
  }

  result(worker: WorkerHandle, unit: Unit, message: ResultMessage, body: string): void {
    if (this.#stopped()) return; // every job was already settled
    this.#outstanding -= 1;
    try {
      if (message.t === 'done') unit.job.unitDone(unit, decodeValue(body) as unknown[]);
      else unit.job.unitFailed(unit, this.#decodeFailure(worker, message.how, body));
    } catch (error) {
      unit.job.unitFailed(unit, new ProcessError(`Could not decode the answer from ${worker.name}`, { cause: error }));
    }
    if (worker.tasksLeft <= 0 && worker.inFlight.length === 0) worker.stop();
    this.#dispatch();
    this.#progressed();
  }

  timedOut(_worker: WorkerHandle, unit: Unit): void {
    if (this.#stopped()) return;
    this.#outstanding -= 1;
    unit.job.unitFailed(unit, new TaskTimeoutError(this.options.taskTimeout ?? 0));
    this.#dispatch();
    this.#progressed();
  }

  exited(worker: WorkerHandle, info: ExitInfo, lost: Unit | null, unstarted: Unit[]): void {
    this.workers.delete(worker);
    if (this.#stopped()) {
      this.#progressed();
      return;
    }
    // Units it never began go back to the front of the queue, in order.
    this.#queue.splice(this.#queueHead, 0, ...unstarted);
    if (lost !== null) {
      this.#outstanding -= 1;
      lost.job.unitFailed(
        lost,
        new WorkerLostError({
          pid: worker.pid,
          workerName: worker.name,
          exitCode: info.exitCode,
          signal: info.signal,
          stderr: worker.stderrTail(),
        }),
      );
    }
    if (!worker.everReady) this.#startFailed(worker, info);
    this.#dispatch();
    this.#progressed();
  }

  #startFailed(worker: WorkerHandle, info: ExitInfo): void {
    this.#startFailures += 1;
    const how = info.signal === null ? `exit code ${String(info.exitCode)}` : `signal ${info.signal}`;
    const stderr = worker.stderrTail().trim();
    const detail = `${info.startError?.message ?? how}${stderr === '' ? '' : `; stderr: ${stderr}`}`;
    // 127: the executable could not be run at all; retrying cannot help.
    if (info.startError !== null || info.exitCode === 127 || this.#startFailures >= MAX_START_FAILURES) {
      this.#break(
        new BrokenPoolError(`Workers die while starting (${this.#startFailures} in a row); last: ${detail}`, {
          cause: info.startError ?? undefined,
        }),
      );
    }
  }

  #decodeFailure(worker: WorkerHandle, how: FailureKind, body: string): unknown {
    if (how === 'encoding') {
      const { value, exc } = decodeValue(body) as EncodingBody;
      return new MaybeEncodingError(value, exc);
    }
    const thrown = decodeValue(body) as ThrownBody;
    if ('v' in thrown) return thrown.v;
    const error = rebuildError(thrown.e);
    const tb = String(error.stack);
    Object.defineProperty(error, 'remoteTraceback', {
      value: new RemoteTraceback(tb, worker.pid, worker.name),
      configurable: true,
      writable: true,
      enumerable: false,
    });
    Object.defineProperty(error, 'stack', {
      value: `${tb}\n    --- above: ${worker.name} (pid ${worker.pid}); below: the call that sent the task ---`,
      configurable: true,
      writable: true,
      enumerable: false,
    });
    return error;
  }
}
