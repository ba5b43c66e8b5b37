import { Channel } from '../../common/channel/channel.js';
import { tempDirForChildren } from '../../common/temp-dir.js';
import { timerDelay } from '../../common/timers.js';
import type { LogLevel } from '../../common/logging.js';
import type { Payload } from '../../common/codec/values.js';
import {
  EACH_TASK_FRAME,
  readWorkerCompact,
  TASK_FRAME,
  type ParentMessage,
  type WireTaskRef,
  type WorkerMessage,
} from '../../common/protocol.js';
import { childExited, childStarted } from '../active-children.js';
import type { ExitInfo, LaunchedWorker, LaunchOptions, WorkerLauncher } from '../launch/launcher.js';
import type { WorkerChunk } from './chunk.js';
import type { WorkerExitReason } from './exit-reason.js';
import { FlowWindow } from './flow-window.js';
import { takeLost } from './lost-chunk.js';
import { TaskRefs } from './task-refs.js';

/** Where a worker is in its life. It may be sent chunks unless retiring or exited (a starting one's wait in its channel). */
type WorkerState = 'starting' | 'ready' | 'busy' | 'retiring' | 'exited';
export type ResultMessage = Extract<WorkerMessage, { t: 'done' | 'failed' }>;

/** What a handle tells its owner (the scheduler). */
export interface WorkerEvents<C extends WorkerChunk> {
  /** Its process exists now (it has a pid). A worker told to go before that never gets one. */
  started(worker: WorkerHandle<C>): void;
  ready(worker: WorkerHandle<C>): void;
  initFailed(worker: WorkerHandle<C>, payload: Payload): void;
  result(worker: WorkerHandle<C>, chunk: C, message: ResultMessage, payload: Payload): void;
  timedOut(worker: WorkerHandle<C>, chunk: C, timeout: number): void;
  /** Chunks a killed thread held that it will never start, though it has not exited yet. */
  stranded(worker: WorkerHandle<C>, chunks: C[]): void;
  /** `lost`: the chunk it was running when it died; `unstarted`: chunks it never began. */
  exited(worker: WorkerHandle<C>, info: ExitInfo, reason: WorkerExitReason, lost: C | null, unstarted: C[]): void;
}

export interface WorkerSettings {
  launch: LaunchOptions;
  initializer: WireTaskRef | null;
  /** The initializer's arguments for the next worker (Connections' unread bytes go to the first only). */
  initargs: () => Payload;
  /** currentProcess()'s authkey (base64) and name, which the worker inherits. */
  authkey: string;
  parentName: string;
  /** logToStderr()'s level here, for the worker to take on. */
  log: LogLevel | null;
  maxMemory: number | null;
  maxTasks: number;
  taskTimeout: number | null;
}

/** How long a worker asked to stop with SIGTERM has before SIGKILL. */
const KILL_GRACE_MS = 1000;
/** How long to wait for the pipe to drain after the process exited. */
const PIPE_DRAIN_MS = 500;

let workersStarted = 0;

/** The parent side of one worker: what it was sent, what it answered, how it ended. */
export class WorkerHandle<C extends WorkerChunk = WorkerChunk> {
  state: WorkerState = 'starting';
  readonly name = `PoolWorker-${(workersStarted += 1)}`;
  readonly daemon = true;
  /** Chunks sent and not answered, in order: the first is the one running. */
  readonly inFlight: C[] = [];
  /** Chunks it may still be sent under maxTasksPerChild. */
  tasksLeft: number;
  /** The task module it is importing for the first time, if any. */
  importing: string | null = null;
  /** How many chunks it may hold now. */
  readonly window = new FlowWindow();
  #everStarted = false;
  #everReady = false;
  // Set when it is told to go, retires itself or is killed: from then on it
  // starts none of the chunks it holds (the running one is settled elsewhere).
  #exitReason: WorkerExitReason | null = null;
  #runningAtExit: number | null | undefined;
  #timer: NodeJS.Timeout | undefined;
  readonly #refs = new TaskRefs();
  readonly #process: LaunchedWorker;
  readonly #channel: Channel<WorkerMessage, ParentMessage>;

  constructor(
    private readonly settings: WorkerSettings,
    private readonly events: WorkerEvents<C>,
    launch: WorkerLauncher,
  ) {
    this.tasksLeft = settings.maxTasks;
    let pipeClosed!: () => void;
    const closed = new Promise<void>((resolve) => (pipeClosed = resolve));
    // Frames sent before the worker has started wait in the channel.
    this.#channel = new Channel(
      null,
      (message, payload) => this.#onMessage(message, payload),
      () => {
        // Something in the worker wrote to its pipe: it cannot be trusted to
        // finish its chunk (which fails, see protocolError); the others run elsewhere.
        if (this.#channel.protocolError !== null && this.state !== 'exited') this.#process.kill('SIGKILL');
        pipeClosed();
      },
      readWorkerCompact,
    );
    this.#process = launch(settings.launch, this.#channel.reads);
    this.#channel.send(
      {
        t: 'init',
        name: this.name,
        authkey: settings.authkey,
        tempDir: tempDirForChildren(),
        parentName: settings.parentName,
        log: settings.log,
        init: settings.initializer,
        maxMemory: settings.maxMemory,
      },
      settings.initargs(),
    );
    void this.#process.started.then((pipe) => {
      if (pipe === null) return; // told to go first, or it could not start
      this.#everStarted = true;
      this.#channel.attach(pipe.socket, pipe.reads);
      // Threads are not child processes: activeChildren() does not list them.
      if (this.threadId === null) childStarted(this);
      this.events.started(this);
    });
    void this.#process.exited.then(async (info) => {
      // It is sent nothing more: a write to a dead peer fails, and Node then
      // closes our end with its last answers still unread (Channel.endWrites).
      this.state = 'exited';
      clearTimeout(this.#timer);
      childExited(this);
      this.#channel.endWrites();
      let unread: number | null = null;
      if (this.#everStarted) {
        unread = await this.#process.unreadBytes();
        // Answers written just before death are still in the pipe: read them first.
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

  /** Its thread's id when the worker is a thread of this process (ThreadPool); null for a process. */
  get threadId(): number | null {
    return this.#process.threadId ?? null;
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

  send(chunk: C): void {
    const idle = this.inFlight.length === 0;
    if (idle) this.window.startedIdle(performance.now());
    this.inFlight.push(chunk);
    this.tasksLeft -= 1;
    if (this.state === 'ready') this.state = 'busy';
    // A chunk for an idle worker leaves at once: the worker is waiting for it.
    // Chunks for a busy one gather until the end of the turn, into one write.
    const ref = this.#refs.numberOf(chunk.ref, this.#announceRef);
    const before = this.#channel.bytesQueued;
    this.#channel.sendCompact(chunk.each ? EACH_TASK_FRAME : TASK_FRAME, chunk.id, ref, chunk.payload, idle);
    // A channel that closed already (the worker's end went first) drops the frame: it never left.
    chunk.sentUpTo = this.#channel.bytesQueued === before ? Infinity : this.#channel.bytesQueued;
    if (this.inFlight.length === 1 && this.#everReady) this.#armTimer();
  }

  readonly #announceRef = (r: number, ref: WireTaskRef): void => this.#channel.send({ t: 'ref', r, ref });

  /** Asks an idle worker to exit. */
  stop(reason: 'maxTasks' | 'shutdown'): void {
    if (this.state === 'retiring' || this.state === 'exited') return;
    this.state = 'retiring';
    this.#exitReason = reason;
    this.#channel.send({ t: 'stop' });
  }

  /**
   * SIGTERM now, SIGKILL after the grace period. Whatever it was running is the
   * caller's to settle, so its chunks count as not started. A thread still
   * there after the grace period is blocked in a native call (terminated, it
   * runs no more JavaScript, but exits only when the call returns): the
   * chunks it holds behind the one it runs (`inFlight[0]` if `running`) are
   * then stranded, to go elsewhere. A process's wait for its exit.
   */
  kill(reason: 'timeout' | 'abort' | 'shutdown', running = true): void {
    if (this.state === 'exited') return;
    this.state = 'retiring';
    this.#exitReason ??= reason;
    this.#process.kill('SIGTERM');
    setTimeout(() => {
      if (this.state === 'exited') return;
      this.#process.kill('SIGKILL');
      if (this.threadId === null || reason === 'shutdown') return;
      const stranded = this.inFlight.splice(running ? 1 : 0);
      if (stranded.length > 0) this.events.stranded(this, stranded);
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
      case 'failed':
        this.#answered(message, payload);
        break;
    }
  }

  #answered(message: ResultMessage, payload: Payload): void {
    const chunk = this.inFlight[0];
    if (chunk === undefined || chunk.id !== message.id) return; // the answer to a chunk that already timed out
    this.inFlight.shift();
    clearTimeout(this.#timer);
    this.window.answered(performance.now());
    if (message.retire === true) {
      if (this.state !== 'exited') this.state = 'retiring';
      this.#exitReason = 'memory';
    } else if (this.inFlight.length > 0) {
      this.#armTimer();
    } else if (this.state === 'busy') {
      this.state = 'ready';
    }
    this.events.result(this, chunk, message, payload);
  }

  // One timer per worker, for the chunk at the head of its queue, from when it can start there.
  #armTimer(): void {
    clearTimeout(this.#timer);
    const chunk = this.inFlight[0];
    const timeout = chunk?.taskTimeout ?? this.settings.taskTimeout;
    // Past what a timer holds (~24.8 days) there is no limit to enforce.
    const delay = timerDelay(timeout);
    if (chunk === undefined || delay === null) return;
    this.#timer = setTimeout(() => {
      if (this.inFlight[0] !== chunk || this.state === 'exited') return;
      this.inFlight.shift(); // it is stuck in `chunk`: the others never began
      this.kill('timeout', false);
      this.events.timedOut(this, chunk, delay);
    }, delay);
    this.#timer.unref();
  }

  #onExit(info: ExitInfo, unread: number | null): void {
    this.state = 'exited';
    clearTimeout(this.#timer);
    const lost = takeLost(this.inFlight, {
      exitedOnPurpose: this.#exitReason !== null,
      everReady: this.#everReady,
      runningAtExit: this.#runningAtExit,
      importing: this.importing !== null,
      bytesWritten: this.#channel.bytesWritten,
      unread,
    });
    this.events.exited(this, info, this.#exitReason ?? 'crash', lost, this.inFlight.splice(0));
  }
}
