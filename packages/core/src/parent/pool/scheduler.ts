import { needsSharedRevival } from '../../common/codec/shared-loader.js';
import { decodeValue, type Payload } from '../../common/codec/values.js';
import { installSharedRevival } from '../../common/objects/revive.js';
import {
  BrokenPoolError,
  PoolTerminatedError,
  ProcessError,
  TaskTimeoutError,
  workerPlace,
  WorkerLostError,
} from '../../common/errors.js';
import type { WireTaskRef } from '../../common/protocol.js';
import type { ExitInfo, WorkerLauncher } from '../launch/launcher.js';
import type { WorkerExitReason } from '../worker/exit-reason.js';
import type { ResultMessage, WorkerEvents, WorkerHandle } from '../worker/handle.js';
import { makeChunk, type ArgsForm, type Chunk } from './chunk.js';
import { ChunkQueue } from './chunk-queue.js';
import type { Emit, Executor, ExecutorState } from './executor.js';
import { Counts } from './counts.js';
import type { PoolStats, WorkerStartEvent } from './events.js';
import type { Job } from './job.js';
import { KeepAlive } from './keep-alive.js';
import type { ResolvedOptions } from './options.js';
import { decodeRemoteFailure } from './remote-failure.js';
import { StartGuard } from './start-guard.js';
import { WorkerSet, workerSettings } from './worker-set.js';

type Worker = WorkerHandle<Chunk>;

/** The engine under Pool: its jobs' chunks, queued and sent to worker processes, and what happens when they answer or die. */
export class Scheduler implements Executor, WorkerEvents<Chunk> {
  state: ExecutorState = 'running';
  broken: BrokenPoolError | null = null;
  readonly #workers: WorkerSet;
  readonly #jobs = new Set<Job>();
  readonly #cleanups = new Map<Job, () => void>();
  readonly #queue = new ChunkQueue();
  // Chunks submitted and not yet settled: queued, in flight, or back in the
  // queue after their worker died. Down by one exactly when a chunk's outcome
  // reaches its job (result, timeout, loss) or it is dropped from the queue
  // because its job finished; zero again when everything is aborted.
  #outstanding = 0;
  #readingInputs = 0; // submissions still reading async input (track)
  #nextChunkId = 1;
  readonly #startGuard = new StartGuard();
  readonly #keepAlive = new KeepAlive();
  #exitWaiters: Array<() => void> = [];
  readonly #counts = new Counts();

  constructor(
    private readonly options: ResolvedOptions,
    private readonly emit: Emit,
    launch: WorkerLauncher,
  ) {
    this.#workers = new WorkerSet(options.processes, workerSettings(options), this, launch);
    this.#maintain();
  }

  stats(): PoolStats {
    return this.#counts.stats(this.options.processes, this.#workers, this.#queue.length);
  }

  track<T>(work: Promise<T>): Promise<T> {
    this.#readingInputs += 1;
    this.#holdAlive();
    return work.finally(() => {
      this.#readingInputs -= 1;
      this.#progressed();
    });
  }

  addJob(job: Job): void {
    if (this.broken !== null) job.abort(this.#brokenError());
    else if (this.state === 'terminated') job.abort(new PoolTerminatedError());
    else this.#jobs.add(job);
  }

  readonly jobFinished = (job: Job): void => {
    this.#jobs.delete(job);
    const cleanup = this.#cleanups.get(job);
    if (cleanup !== undefined) {
      this.#cleanups.delete(job);
      cleanup();
    }
    this.#progressed();
  };

  onFinish(job: Job, cleanup: () => void): void {
    if (job.finished) cleanup();
    else this.#cleanups.set(job, cleanup);
  }

  abortJob(job: Job, reason: unknown): void {
    if (job.finished) return;
    job.abort(reason);
    for (const worker of this.#workers) if (worker.inFlight[0]?.job === job) worker.kill('abort');
    this.#dispatch();
  }

  /** Encodes a chunk and queues it; a value that cannot be sent fails this chunk only. */
  submit(job: Job, ref: WireTaskRef, form: ArgsForm, start: number, list: unknown[]): void {
    if (job.finished) return;
    const chunk = makeChunk(this.#nextChunkId, job, ref, form, start, list);
    this.#nextChunkId += 1;
    if (chunk instanceof TypeError) {
      this.#counts.failed();
      job.chunkFailed(start, list.length, chunk);
      return;
    }
    this.#outstanding += 1;
    this.#queue.push(chunk);
    this.#holdAlive();
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
      this.#workers.killAll();
    }
    return this.allExited();
  }

  allExited(): Promise<void> {
    if (this.#isShutDown()) return Promise.resolve();
    return new Promise((resolve) => {
      this.#exitWaiters.push(resolve);
      this.#holdAlive();
    });
  }

  /** Terminated or broken: nothing runs any more, and no worker starts. */
  #stopped(): boolean {
    return this.state === 'terminated' || this.broken !== null;
  }

  #isShutDown(): boolean {
    return this.#workers.size === 0 && (this.#stopped() || !this.#hasWork());
  }

  #hasWork(): boolean {
    if (this.#outstanding > 0 || this.#readingInputs > 0) return true;
    for (const job of this.#jobs) if (job.reading) return true;
    return false;
  }

  #abortAll(makeError: () => unknown): void {
    for (const job of [...this.#jobs]) job.abort(makeError());
    this.#queue.clear();
    this.#outstanding = 0;
    this.#holdAlive();
  }

  #brokenError(): BrokenPoolError {
    const broken = this.broken as BrokenPoolError;
    return new BrokenPoolError(broken.message, { cause: broken.cause });
  }

  #break(error: BrokenPoolError): void {
    if (this.#stopped()) return;
    this.broken = error;
    this.#abortAll(() => this.#brokenError());
    this.#workers.killAll();
  }

  #dispatch(): void {
    const onDemand = this.options.startWorkers === 'onDemand';
    for (let chunk = this.#queue.peek(); chunk !== undefined; chunk = this.#queue.peek()) {
      if (onDemand && !chunk.job.finished) this.#workers.startIfNoneFree();
      const worker = this.#workers.pick();
      if (worker === undefined) break;
      this.#queue.shift();
      if (chunk.job.finished) this.#outstanding -= 1;
      else worker.send(chunk);
    }
    this.#queue.compact();
    this.#maintain();
  }

  // A closed pool lets its idle workers go once it has no work left. On
  // demand, workers start only in #dispatch, for chunks waiting there.
  #maintain(): void {
    if (this.#stopped()) return;
    const wanted = this.state === 'running' || this.#hasWork() ? this.options.processes : 0;
    if (this.options.startWorkers === 'eager') this.#workers.maintain(wanted);
    if (wanted === 0) this.#workers.stopIdle();
  }

  /** Something settled: a closed pool may let workers go, and waiters on the exit may be done. */
  #progressed(): void {
    if (this.state === 'closed') this.#maintain();
    this.#holdAlive();
    if (this.#exitWaiters.length > 0 && this.#isShutDown()) {
      for (const resolve of this.#exitWaiters.splice(0)) resolve();
      this.#holdAlive();
    }
  }

  #holdAlive(): void {
    this.#keepAlive.hold(
      this.#outstanding > 0 || this.#readingInputs > 0 || (this.#exitWaiters.length > 0 && this.#workers.size > 0),
    );
  }

  #fail(chunk: Chunk, error: unknown): void {
    this.#counts.failed();
    chunk.job.chunkFailed(chunk.start, chunk.count, error);
  }

  // WorkerEvents

  started(worker: Worker): void {
    this.#counts.workerStarted();
    this.emit('workerStart', idsOf(worker));
  }

  ready(): void {
    this.#dispatch();
  }

  initFailed(worker: Worker, payload: Payload): void {
    const cause = decodeRemoteFailure(worker, 'thrown', payload);
    const what = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
    const place = workerPlace(worker.pid, worker.threadId);
    this.#break(new BrokenPoolError(`Pool initializer failed in ${worker.name} (${place}): ${what}`, { cause }));
  }

  result(worker: Worker, chunk: Chunk, message: ResultMessage, payload: Payload): void {
    if (this.#stopped()) return; // every job was already settled
    this.#outstanding -= 1;
    this.#startGuard.workerAnswered();
    try {
      if (message.t === 'done') {
        this.#counts.completed();
        // A handle to a shared object needs their code, loaded on first need.
        if (needsSharedRevival(payload.text)) installSharedRevival();
        chunk.job.chunkDone(chunk.start, decodeValue(payload) as unknown[]);
      } else {
        this.#fail(chunk, decodeRemoteFailure(worker, message.how, payload));
      }
    } catch (error) {
      this.#fail(chunk, new ProcessError(`Could not decode the answer from ${worker.name}`, { cause: error }));
    }
    if (worker.tasksLeft <= 0 && worker.inFlight.length === 0) worker.stop('maxTasks');
    this.#dispatch();
    this.#progressed();
  }

  stranded(_worker: Worker, chunks: Chunk[]): void {
    if (this.#stopped()) return;
    this.#queue.pushFront(chunks);
    this.#dispatch();
  }

  timedOut(worker: Worker, chunk: Chunk, timeout: number): void {
    if (this.#stopped()) return;
    this.#outstanding -= 1;
    this.#fail(chunk, new TaskTimeoutError(timeout, worker.threadId !== null));
    this.#dispatch();
    this.#progressed();
  }

  exited(worker: Worker, info: ExitInfo, reason: WorkerExitReason, lost: Chunk | null, unstarted: Chunk[]): void {
    this.#workers.delete(worker);
    // One that never started (told to go first, or its spawn failed) had no workerStart either.
    if (worker.everStarted) {
      this.#counts.workerExited(reason);
      this.emit('workerExit', { ...idsOf(worker), exitCode: info.exitCode, signal: info.signal, reason });
    }
    if (this.#stopped()) {
      this.#progressed();
      return;
    }
    this.#queue.pushFront(unstarted);
    if (lost !== null) this.#lost(worker, info, lost);
    if (reason === 'crash' && (!worker.everReady || worker.importing !== null)) {
      const broken = this.#startGuard.failed(worker, info);
      if (broken !== null) this.#break(broken);
    }
    this.#dispatch();
    this.#progressed();
  }

  #lost(worker: Worker, info: ExitInfo, chunk: Chunk): void {
    if (chunk.attempts < this.options.retries && !chunk.job.finished) {
      chunk.attempts += 1;
      this.#queue.pushFront([chunk]);
      return;
    }
    this.#outstanding -= 1;
    const { pid, name: workerName, threadId } = worker;
    const { exitCode, signal } = info;
    const cause = worker.protocolError ?? undefined;
    const stderr = worker.stderrTail();
    this.#fail(chunk, new WorkerLostError({ pid, workerName, exitCode, signal, stderr, cause, threadId }));
  }
}

// A worker as its events name it: pid and name, and a thread's id.
function idsOf(worker: Worker): WorkerStartEvent {
  const { pid, name, threadId } = worker;
  return threadId === null ? { pid, name } : { pid, name, threadId };
}
