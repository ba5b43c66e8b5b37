import { encodeTransferring } from '../../common/codec/transfers.js';
import type { Connection } from '../../common/connection/connection.js';
import { childEndOf } from '../../common/connection/transfer.js';
import { stderrLogLevel } from '../../common/logging.js';
import { currentProcess } from '../../common/process-info.js';
import { describeEncodeFailure, type Payload } from '../../common/codec/values.js';
import type { WorkerLauncher } from '../launch/launcher.js';
import { WorkerHandle, type WorkerEvents, type WorkerSettings } from '../worker/handle.js';
import type { Chunk } from './chunk.js';
import type { ResolvedOptions } from './options.js';

/** A pool's workers: enough of them started, and the one a chunk goes to. */
export class WorkerSet {
  readonly #workers = new Set<WorkerHandle<Chunk>>();

  constructor(
    private readonly processes: number,
    private readonly settings: WorkerSettings,
    private readonly events: WorkerEvents<Chunk>,
    private readonly launch: WorkerLauncher,
  ) {}

  get size(): number {
    return this.#workers.size;
  }

  [Symbol.iterator](): IterableIterator<WorkerHandle<Chunk>> {
    return this.#workers.values();
  }

  delete(worker: WorkerHandle<Chunk>): void {
    this.#workers.delete(worker);
  }

  /** The worker that can take a chunk now and holds the fewest, if any. */
  pick(): WorkerHandle<Chunk> | undefined {
    let best: WorkerHandle<Chunk> | undefined;
    for (const worker of this.#workers) {
      if (worker.state === 'retiring' || worker.state === 'exited' || worker.tasksLeft <= 0) continue;
      if (worker.inFlight.length >= worker.window.size) continue;
      if (best === undefined || worker.inFlight.length < best.inFlight.length) best = worker;
    }
    return best;
  }

  // Keeps `wanted` workers able to take chunks: replaces exited and retiring
  // ones (a retiring one's replacement starts before it exits). At most one
  // replacement per slot runs ahead: a replacement that is sent its last chunk
  // at once (as under maxTasksPerChild: 1) waits for an older worker to exit
  // before it is replaced in turn, or a queue of N chunks would start N workers.
  maintain(wanted: number): void {
    let able = 0;
    for (const worker of this.#workers) if (isAble(worker)) able += 1;
    const room = 2 * this.processes - this.#workers.size;
    for (let started = 0; able < wanted && started < room; able += 1, started += 1) this.#start();
  }

  // Under startWorkers: 'onDemand', before a queued chunk is placed: a worker
  // that holds nothing (idle, or still starting) takes it; failing that, a new
  // one starts for it, while fewer than `processes` are able to take chunks or
  // still running their last. No replacement runs ahead of a retiring worker's
  // last chunk, so never more than `processes` run chunks at once; and, as in
  // maintain(), never more than 2 × `processes` are alive while retired ones exit.
  startIfNoneFree(): void {
    let taken = 0;
    for (const worker of this.#workers) {
      const able = isAble(worker);
      if (able && worker.inFlight.length === 0) return;
      if (able || (worker.state !== 'exited' && worker.inFlight.length > 0)) taken += 1;
    }
    if (taken < this.processes && this.#workers.size < 2 * this.processes) this.#start();
  }

  #start(): void {
    this.#workers.add(new WorkerHandle(this.settings, this.events, this.launch));
  }

  /** Lets the idle workers go (a closed pool with no work left). */
  stopIdle(): void {
    for (const worker of this.#workers) if (worker.inFlight.length === 0) worker.stop('shutdown');
  }

  killAll(): void {
    for (const worker of this.#workers) worker.kill('shutdown');
  }

  countIdleAndBusy(): { idle: number; busy: number } {
    let idle = 0;
    let busy = 0;
    for (const worker of this.#workers) {
      if (worker.state === 'ready') idle += 1;
      else if (worker.state === 'busy') busy += 1;
    }
    return { idle, busy };
  }
}

// Can be sent chunks: one whose process has exited is still here while its pipe drains, and is not.
const isAble = (worker: WorkerHandle<Chunk>): boolean =>
  worker.state !== 'retiring' && worker.state !== 'exited' && worker.tasksLeft > 0;

/** What every worker of a pool is started with; throws a TypeError when `initargs` cannot be sent. */
export function workerSettings(options: ResolvedOptions): WorkerSettings {
  let initargsBody: Payload;
  let connections: Connection[];
  try {
    ({ payload: initargsBody, transferred: connections } = encodeTransferring(options.initargs) as {
      payload: Payload;
      transferred: Connection[];
    });
  } catch (error) {
    const { path, reason } = describeEncodeFailure(error);
    throw new TypeError(`Cannot send initargs${path} to a worker: ${reason}`);
  }
  // What the Connections had read here unreceived travels once, to the first
  // worker; later ones (replacements) get the arguments encoded again, without it.
  let first: Payload | null = initargsBody;
  const initargs =
    connections.length === 0
      ? () => initargsBody
      : (): Payload => {
          const payload = first ?? encodeTransferring(options.initargs).payload;
          first = null;
          return payload;
        };
  const me = currentProcess();
  const { execArgv, env, cwd, snapshot, detached, stdout } = options;
  const launch = { method: options.startMethod, execArgv, env, cwd, snapshot, detached, stdout };
  return {
    // Every worker, replacements too, inherits the Connections in initargs.
    launch: connections.length === 0 ? launch : { ...launch, inherit: () => connections.map(childEndOf) },
    initializer: options.initializer,
    initargs,
    authkey: me.authkey.toString('base64'),
    parentName: me.name,
    log: stderrLogLevel(),
    maxMemory: options.maxMemoryPerChild,
    maxTasks: options.maxTasksPerChild,
    taskTimeout: options.taskTimeout,
  };
}
