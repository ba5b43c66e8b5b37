import type { Payload } from '../../common/codec/values.js';
import { Channel } from '../../common/channel/channel.js';
import { launchWorker, type ExitInfo, type LaunchOptions, type LaunchedWorker } from '../launch/launch.js';
import {
  readWorkerCompact,
  EACH_TASK_FRAME,
  TASK_FRAME,
  type ParentMessage,
  type WireTaskRef,
  type WorkerMessage,
} from '../../common/protocol.js';
import type { Unit } from '../pool/unit.js';

export type WorkerState = 'starting' | 'ready' | 'busy' | 'retiring' | 'exited';
/** Why a worker exited: retired by a limit, killed on purpose, or died by itself. */
export type WorkerExitReason = 'maxTasks' | 'memory' | 'timeout' | 'crash' | 'abort' | 'shutdown';
export type ResultMessage = Extract<WorkerMessage, { t: 'done' | 'failed' }>;

export interface WorkerEvents {
  /** Its process exists now (it has a pid). A worker told to go before that never gets one. */
  started(worker: WorkerHandle): void;
  ready(worker: WorkerHandle): void;
  initFailed(worker: WorkerHandle, payload: Payload): void;
  result(worker: WorkerHandle, unit: Unit, message: ResultMessage, payload: Payload): void;
  timedOut(worker: WorkerHandle, unit: Unit, timeout: number): void;
  /** `lost`: the unit it was running when it died; `unstarted`: units it never began. */
  exited(worker: WorkerHandle, info: ExitInfo, reason: WorkerExitReason, lost: Unit | null, unstarted: Unit[]): void;
}

export interface WorkerSettings {
  launch: LaunchOptions;
  initializer: WireTaskRef | null;
  initargsBody: Payload;
  maxMemory: number | null;
  maxTasks: number;
  taskTimeout: number | null;
}

// How many tasks a worker may hold: the running one and ~8 ms of work queued
// behind it. Short tasks travel in batches (one write, one read for many);
// a worker never waits on the parent between tasks, even when the parent is
// slow to run because the workers keep every core busy; and long tasks are not
// hoarded (one queued at most) while another worker could start them.
const QUEUED_WORK_MS = 8;

const MIN_WINDOW = 2;
const MAX_WINDOW = 256;

/** How long a worker asked to stop with SIGTERM has before SIGKILL. */
const KILL_GRACE_MS = 1000;
/** How long to wait for the pipe to drain after the process exited. */
const PIPE_DRAIN_MS = 500;

let workersStarted = 0;
/** Every live worker of every pool, for activeChildren(). */
export const liveWorkers = new Set<WorkerHandle>();

/** The parent side of one worker process. */
export class WorkerHandle {
  state: WorkerState = 'starting';
  readonly name = `PoolWorker-${(workersStarted += 1)}`;
  /** Units sent and not answered, in order: the first is the one running. */
  readonly inFlight: Unit[] = [];
  /** Tasks it may still be sent under maxTasksPerChild. */
  tasksLeft: number;
  #everReady = false;
  // Set when it is told to go, retires itself or is killed: from then on it
  // starts none of the units it holds (the running one is settled elsewhere).
  #exitReason: WorkerExitReason | null = null;
  /** The task module it is importing for the first time, if any. */
  importing: string | null = null;
  // What it said, exiting by itself, it was running (undefined: it died without a word).
  #runningAtExit: number | null | undefined;
  #timer: NodeJS.Timeout | undefined;
  #everStarted = false;
  /** Tasks it may hold now (see QUEUED_WORK_MS). */
  window = MIN_WINDOW * 2;
  #serviceMs = 0; // moving average of the time one task takes there
  #lastAnswer = 0;
  readonly #process: LaunchedWorker;
  readonly #channel: Channel<WorkerMessage, ParentMessage>;
  // The task functions this worker was told of, by number (a task frame names
  // its function by that number). Registered functions keep one ref object, so
  // the object is looked up first; refs built per call are matched by value.
  readonly #refsByObject = new WeakMap<WireTaskRef, number>();
  readonly #refsByValue = new Map<string, number>();

  constructor(
    private readonly settings: WorkerSettings,
    private readonly events: WorkerEvents,
  ) {
    this.tasksLeft = settings.maxTasks;
    let pipeClosed!: () => void;
    const closed = new Promise<void>((resolve) => (pipeClosed = resolve));
    // Frames sent before the process has started wait in the channel.
    this.#channel = new Channel(
      null,
      (message, payload) => this.#onMessage(message, payload),
      () => {
        // Something in the worker wrote to its pipe: it cannot be trusted to
        // finish the task (its task fails, see protocolError); the others run elsewhere.
        if (this.#channel.protocolError !== null && this.state !== 'exited') this.#process.kill('SIGKILL');
        pipeClosed();
      },
      readWorkerCompact,
    );
    this.#process = launchWorker(settings.launch, this.#channel.reads);
    this.#channel.send(
      { t: 'init', name: this.name, init: settings.initializer, maxMemory: settings.maxMemory },
      settings.initargsBody,
    );
    void this.#process.started.then((pipe) => {
      if (pipe === null) return; // told to go first, or the spawn failed
      this.#everStarted = true;
      this.#channel.attach(pipe.socket, pipe.reads);
      liveWorkers.add(this);
      this.events.started(this);
    });
    void this.#process.exited.then(async (info) => {
      // It sends nothing more, and a write now could fail and take its unread
      // answers with it (Channel.endWrites).
      this.state = 'exited';
      clearTimeout(this.#timer);
      liveWorkers.delete(this);
      this.#channel.endWrites();
      let unread: number | null = null;
      if (this.#everStarted) {
        unread = await this.#process.unreadBytes();
        // Results written just before death are still in the pipe: read them first.
        const drainTimer = setTimeout(() => this.#channel.destroy(), PIPE_DRAIN_MS);
        await closed;
        clearTimeout(drainTimer);
      }
      this.#onExit(info, unread);
    });
  }

  /** Its process id; -1 until its process has started, and if it never did. */
  get pid(): number {
    return this.#process.pid ?? -1;
  }

  /** Whether its process ever started (and so was announced through `started`). */
  get everStarted(): boolean {
    return this.#everStarted;
  }

  get everReady(): boolean {
    return this.#everReady;
  }

  /** Set when the worker wrote something that is not a frame on its pipe. */
  get protocolError(): Error | null {
    return this.#channel.protocolError;
  }

  stderrTail(): string {
    return this.#process.stderrTail();
  }

  send(unit: Unit): void {
    const idle = this.inFlight.length === 0;
    if (idle) this.#lastAnswer = performance.now(); // idle until now
    this.inFlight.push(unit);
    this.tasksLeft -= 1;
    if (this.state === 'ready') this.state = 'busy';
    // A task for an idle worker leaves at once: the worker is waiting for it.
    // Tasks for a busy one gather until the end of the turn, into one write.
    this.#channel.sendCompact(
      unit.each ? EACH_TASK_FRAME : TASK_FRAME,
      unit.id,
      this.#refNumber(unit.ref),
      unit.payload,
      idle,
    );
    unit.sentUpTo = this.#channel.bytesQueued;
    if (this.inFlight.length === 1 && this.#everReady) this.#armTimer();
  }

  #refNumber(ref: WireTaskRef): number {
    let number = this.#refsByObject.get(ref);
    if (number !== undefined) return number;
    const value = JSON.stringify([ref.m, ref.n, ref.d === true]);
    number = this.#refsByValue.get(value);
    if (number === undefined) {
      number = this.#refsByValue.size;
      this.#refsByValue.set(value, number);
      this.#channel.send({ t: 'ref', r: number, ref });
    }
    this.#refsByObject.set(ref, number);
    return number;
  }

  /** Asks an idle worker to exit. */
  stop(reason: 'maxTasks' | 'shutdown'): void {
    if (this.state === 'retiring' || this.state === 'exited') return;
    this.state = 'retiring';
    this.#exitReason = reason;
    this.#channel.send({ t: 'stop' });
  }

  /**
   * SIGTERM now, SIGKILL after the grace period. Whatever it was running is the
   * caller's to settle, so its units count as not started.
   */
  kill(reason: 'timeout' | 'abort' | 'shutdown'): void {
    if (this.state === 'exited') return;
    this.state = 'retiring';
    this.#exitReason ??= reason;
    this.#process.kill('SIGTERM');
    setTimeout(() => {
      if (this.state !== 'exited') this.#process.kill('SIGKILL');
    }, KILL_GRACE_MS).unref();
  }

  #onMessage(message: WorkerMessage, payload: Payload): void {
    switch (message.t) {
      case 'ready':
        this.#everReady = true;
        if (this.state === 'starting') this.state = this.inFlight.length > 0 ? 'busy' : 'ready';
        if (this.inFlight.length > 0) this.#armTimer();
        this.events.ready(this);
        break;
      case 'initError':
        this.events.initFailed(this, payload);
        break;
      case 'importing':
        this.importing = message.m;
        break;
      case 'imported':
        this.importing = null;
        break;
      case 'exiting':
        this.#runningAtExit = message.running;
        break;
      case 'done':
      case 'failed': {
        const unit = this.inFlight[0];
        if (unit === undefined || unit.id !== message.id) return; // answer to a task that already timed out
        this.inFlight.shift();
        clearTimeout(this.#timer);
        this.#measure();
        if (message.retire === true) {
          if (this.state !== 'exited') this.state = 'retiring';
          this.#exitReason = 'memory';
        } else if (this.inFlight.length > 0) {
          this.#armTimer();
        } else if (this.state === 'busy') {
          this.state = 'ready';
        }
        this.events.result(this, unit, message, payload);
        break;
      }
    }
  }

  // The time since it could start this task (the previous answer, or the send
  // if it was idle) is what the task cost; the window follows its average.
  #measure(): void {
    const now = performance.now();
    const took = now - this.#lastAnswer;
    this.#lastAnswer = now;
    this.#serviceMs = this.#serviceMs === 0 ? took : this.#serviceMs * 0.8 + took * 0.2;
    const queued = Math.ceil(QUEUED_WORK_MS / Math.max(this.#serviceMs, 0.001));
    this.window = Math.min(MAX_WINDOW, Math.max(MIN_WINDOW, 1 + queued));
  }

  #armTimer(): void {
    clearTimeout(this.#timer);
    const unit = this.inFlight[0];
    const timeout = unit?.job.taskTimeout ?? this.settings.taskTimeout;
    if (unit === undefined || timeout === null) return;
    this.#timer = setTimeout(() => {
      if (this.inFlight[0] !== unit || this.state === 'exited') return;
      this.inFlight.shift(); // it is stuck in `unit`: the others never began
      this.kill('timeout');
      this.events.timedOut(this, unit, timeout);
    }, timeout);
    this.#timer.unref();
  }

  #onExit(info: ExitInfo, unread: number | null): void {
    this.state = 'exited';
    clearTimeout(this.#timer);
    this.events.exited(this, info, this.#exitReason ?? 'crash', this.#takeLost(unread), this.inFlight.splice(0));
  }

  // The unit that was running when it died, removed from inFlight; the rest never began.
  #takeLost(unread: number | null): Unit | null {
    if (this.#exitReason !== null || !this.#everReady) return null;
    if (this.#runningAtExit !== undefined) {
      const index = this.inFlight.findIndex((unit) => unit.id === this.#runningAtExit);
      return index === -1 ? null : (this.inFlight.splice(index, 1)[0] as Unit);
    }
    // Died while importing the task's module: the task itself never ran.
    if (this.importing !== null) return null;
    const head = this.inFlight[0];
    if (head === undefined || !this.#readWhole(head, unread)) return null;
    return this.inFlight.shift() as Unit;
  }

  // Whether the worker read all of `unit`'s frame before it died, and so may
  // have started it: a worker killed while idle, just as a task was sent,
  // never did, and that task runs elsewhere. `unread`: the bytes it left in
  // its socket (LaunchedWorker.unreadBytes); where that is unknown (the plain
  // pipe), any frame that was written counts as read.
  #readWhole(unit: Unit, unread: number | null): boolean {
    const written = this.#channel.bytesWritten;
    if (unit.sentUpTo > written) return false; // never left this process
    return unread === null || unit.sentUpTo <= written - unread;
  }
}
