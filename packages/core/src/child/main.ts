// The worker process: reads tasks from fd 3, runs them one at a time, answers
// on fd 3. Everything it needs from `process` is captured before user code runs.
import { writeSync } from 'node:fs';
import net from 'node:net';
import { Channel, encodeFrame, type OnRead } from '../common/channel/channel.js';
import { decodeValue, encodeValue, type Payload } from '../common/codec/values.js';
import { setWorkerIdentity } from '../common/process-info.js';
import {
  CHANNEL_FD,
  DONE_FRAME,
  readParentCompact,
  type ParentMessage,
  type WireTaskRef,
  type WorkerMessage,
} from '../common/protocol.js';
import { findTask, onImport } from './loader.js';
import { describeResultFailure, encodeThrown, type EncodedFailure } from './replies.js';
import { watchParent } from './watchdog.js';

const exit = process.exit.bind(process);
if (process.env.PROCPOOL_WATCH_PARENT === '1') {
  delete process.env.PROCPOOL_WATCH_PARENT; // not for the task's own children
  watchParent();
}
const memoryUsage = process.memoryUsage;
blockOnStderr();

type Task = Extract<ParentMessage, { t: 'task' }>;
const queue: Array<{ task: Task; payload: Payload }> = [];
// Task functions by the number the parent gave them; `fn` once found, so a
// task looks up nothing by name after its function's first call.
const refs: Array<{ ref: WireTaskRef; fn?: TaskFn }> = [];
let draining = false;
let initialized = false; // tasks may arrive while the initializer runs; they wait
let stopping = false;
let maxMemory: number | null = null;
let running: number | null = null;

// Node 20 reads `onread` in the Socket constructor (documented there since
// Node 22); @types/node 20 lists it only for connect().
const openChannel = (onread: OnRead): net.Socket =>
  new net.Socket({ fd: CHANNEL_FD, readable: true, writable: true, onread } as net.SocketConstructorOpts);
// The parent is gone (or let us go): nothing left to answer to.
const channel = new Channel<ParentMessage, WorkerMessage>(
  openChannel,
  onFrame,
  () => exit(0),
  readParentCompact,
  afterFrames,
);

// process.exit() from user code, or our own exit: say which task (if any) was
// running, so the parent fails that one and re-sends the others. Written
// synchronously, and only when nothing else is queued, so frames never interleave.
process.on('exit', () => {
  if (!channel.closed && channel.idle) {
    try {
      writeSync(CHANNEL_FD, encodeFrame({ t: 'exiting', running } satisfies WorkerMessage)[0] as Uint8Array);
    } catch {
      // the parent is gone
    }
  }
});

// Both frames leave at once: the module's top level, or the task right after
// it, may kill this process before the next tick.
onImport((phase, specifier) => {
  channel.send(phase === 'imported' ? { t: 'imported' } : { t: 'importing', m: specifier });
  channel.flush();
});

function onFrame(message: ParentMessage, payload: Payload): void {
  switch (message.t) {
    case 'ref':
      refs[message.r] = { ref: message.ref };
      break;
    case 'task':
      queue.push({ task: message, payload });
      break;
    case 'init':
      void initialize(message, payload);
      break;
    case 'stop':
      stopping = true;
      // Tasks queued by this same read run first (afterFrames), then it leaves.
      if (!draining && initialized && queue.length === 0) leave();
      break;
  }
}

function leave(): void {
  channel.flush(() => exit(0));
}

async function initialize(message: Extract<ParentMessage, { t: 'init' }>, payload: Payload): Promise<void> {
  setWorkerIdentity({ name: message.name, parentPid: process.ppid });
  maxMemory = message.maxMemory;
  if (message.init !== null) {
    try {
      const fn = await findTask(message.init);
      await fn(...(decodeValue(payload) as unknown[]));
    } catch (error) {
      channel.send({ t: 'initError' }, encodeThrown(error).payload);
      channel.flush(() => exit(1));
      return;
    }
  }
  channel.send({ t: 'ready' });
  initialized = true;
  if (queue.length > 0) startDrain();
  else if (stopping) leave();
}

// Answers queued while tasks run back to back leave together at the end of the
// run, unless this much time has gone by: an answer held behind a 5 ms task
// would keep the parent from refilling this worker, which then idles.
const ANSWER_DELAY_MS = 1;

// Tasks start once every frame of the read that brought them is queued (not
// from each frame): a run of short tasks answers in one write, and the answer
// delay below sees the whole queue. They start there and then, not from a
// microtask: the answer to a lone task leaves before anything else runs.
function afterFrames(): void {
  if (!draining && initialized && queue.length > 0) startDrain();
}

function startDrain(): void {
  draining = true;
  void drain();
}

async function drain(): Promise<void> {
  let since = Date.now();
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    running = next.task.id;
    let retire: boolean | Promise<boolean>;
    try {
      retire = runChunk(next.task, next.payload);
      // Only a task that returns a promise (or a first import) costs a wait.
      if (typeof retire !== 'boolean') retire = await retire;
    } finally {
      running = null;
    }
    if (retire) return leave(); // tasks still queued here are re-sent elsewhere by the parent
    if (queue.length > 0 && Date.now() - since >= ANSWER_DELAY_MS) {
      channel.flush();
      since = Date.now();
    }
  }
  draining = false;
  if (stopping) leave();
}

/**
 * Runs one task (a chunk of argument lists) and answers; true when the worker
 * must now retire. Synchronous until something returns a promise.
 */
function runChunk(task: Task, payload: Payload): boolean | Promise<boolean> {
  const ref = refs[task.r];
  if (ref === undefined) return reply(task.id, encodeThrown(new Error(`No task function ${task.r} was sent`)));
  if (ref.fn !== undefined) return startCalls(task, ref.fn, payload);
  const found = findTask(ref.ref);
  if (!(found instanceof Promise)) return startCalls(task, (ref.fn = found), payload);
  return found.then(
    (fn) => startCalls(task, (ref.fn = fn), payload),
    (error: unknown) => reply(task.id, encodeThrown(error)),
  );
}

type TaskFn = (...args: unknown[]) => unknown;

// The arguments are decoded once the task module is loaded: it may register types.
function startCalls(task: Task, fn: TaskFn, payload: Payload): boolean | Promise<boolean> {
  let list: unknown[];
  try {
    list = decodeValue(payload) as unknown[];
  } catch (error) {
    return reply(task.id, encodeThrown(error));
  }
  return runCalls(task.id, fn, list, task.each, 0, []);
}

/**
 * Calls `fn` for the list's items from index `from` on, collecting results;
 * answers when done. Each item is an argument list, or with `each` the one argument.
 */
function runCalls(
  id: number,
  fn: TaskFn,
  list: unknown[],
  each: boolean,
  from: number,
  results: unknown[],
): boolean | Promise<boolean> {
  try {
    for (let i = from; i < list.length; i += 1) {
      const value = each ? fn(list[i]) : fn(...(list[i] as unknown[]));
      if (value instanceof Promise || isThenable(value)) return awaitCall(id, fn, list, each, i, value, results);
      results.push(value);
    }
  } catch (error) {
    return reply(id, encodeThrown(error));
  }
  return answer(id, results);
}

async function awaitCall(
  id: number,
  fn: TaskFn,
  list: unknown[],
  each: boolean,
  at: number,
  pending: PromiseLike<unknown>,
  results: unknown[],
): Promise<boolean> {
  try {
    results.push(await pending);
  } catch (error) {
    return reply(id, encodeThrown(error));
  }
  return runCalls(id, fn, list, each, at + 1, results);
}

function answer(id: number, results: unknown[]): boolean {
  let encoded: Payload;
  try {
    encoded = encodeValue(results);
  } catch (error) {
    return reply(id, describeResultFailure(results, error));
  }
  const retire = overMemory();
  // The last task queued: its answer leaves now, not after this turn's other work.
  channel.sendCompact(DONE_FRAME, id, retire ? 1 : 0, encoded, queue.length === 0);
  return retire;
}

function reply(id: number, failure: EncodedFailure): boolean {
  const retire = overMemory();
  channel.send(
    retire ? { t: 'failed', id, how: failure.how, retire: true } : { t: 'failed', id, how: failure.how },
    failure.payload,
  );
  return retire;
}

const overMemory = (): boolean => maxMemory !== null && memoryUsage.rss() > maxMemory;

const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  typeof value === 'object' && value !== null && typeof (value as PromiseLike<unknown>).then === 'function';

// The worker's stderr is a socket pair (child_process's 'pipe'). Node writes
// to it without blocking, so once the socket's buffer is full (a few hundred
// short lines) the rest waits in a queue, and process.exit() drops that
// queue: the last lines of a dying worker, the ones that say why. Blocking
// writes leave nothing queued. Set when the stream is first used, so that a
// worker that never writes to stderr pays nothing for it.
function blockOnStderr(): void {
  const descriptor = Object.getOwnPropertyDescriptor(process, 'stderr');
  // eslint-disable-next-line @typescript-eslint/unbound-method -- called with process as `this`
  const get = descriptor?.get;
  if (descriptor === undefined || get === undefined || descriptor.configurable !== true) return;
  Object.defineProperty(process, 'stderr', {
    ...descriptor,
    get() {
      Object.defineProperty(process, 'stderr', descriptor);
      const stream = get.call(process) as NodeJS.WriteStream & { _handle?: { setBlocking?: (on: boolean) => number } };
      stream._handle?.setBlocking?.(true);
      return stream;
    },
  });
}
