// The worker process: reads tasks from fd 3, runs them one at a time, answers
// on fd 3. Everything it needs from `process` is captured before user code runs.
import { writeSync } from 'node:fs';
import net from 'node:net';
import { Channel, encodeFrame } from '../channel/channel.js';
import { decodeValue, encodeValue, type Payload } from '../codec/values.js';
import { setWorkerIdentity } from '../process-info.js';
import { CHANNEL_FD, type ParentMessage, type WorkerMessage } from '../protocol.js';
import { findTask, onImport } from './loader.js';
import { describeResultFailure, encodeThrown, type EncodedFailure } from './replies.js';
import { watchParent } from './watchdog.js';

const exit = process.exit.bind(process);
if (process.env.PROCPOOL_WATCH_PARENT === '1') {
  delete process.env.PROCPOOL_WATCH_PARENT; // not for the task's own children
  watchParent();
}
const memoryUsage = process.memoryUsage;

type Task = Extract<ParentMessage, { t: 'task' }>;
const queue: Array<{ task: Task; payload: Payload }> = [];
let draining = false;
let initialized = false; // tasks may arrive while the initializer runs; they wait
let stopping = false;
let maxMemory: number | null = null;
let running: number | null = null;

const socket = new net.Socket({ fd: CHANNEL_FD, readable: true, writable: true });
// The parent is gone (or let us go): nothing left to answer to.
const channel = new Channel<ParentMessage, WorkerMessage>(socket, onFrame, () => exit(0));

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
    case 'task':
      queue.push({ task: message, payload });
      if (!draining && initialized) void drain();
      break;
    case 'init':
      void initialize(message, payload);
      break;
    case 'stop':
      stopping = true;
      if (!draining && initialized) leave();
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
      const fn = await findTask(message.init.m, message.init.n);
      await fn(...(decodeValue(payload) as unknown[]));
    } catch (error) {
      channel.send({ t: 'initError' }, encodeThrown(error).payload);
      channel.flush(() => exit(1));
      return;
    }
  }
  channel.send({ t: 'ready' });
  initialized = true;
  if (queue.length > 0) void drain();
  else if (stopping) leave();
}

// Answers queued while tasks run back to back leave together at the end of the
// run, unless this much time has gone by: an answer held behind a 5 ms task
// would keep the parent from refilling this worker, which then idles.
const ANSWER_DELAY_MS = 1;

async function drain(): Promise<void> {
  draining = true;
  let since = Date.now();
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    const retire = await runTask(next.task, next.payload);
    if (retire) return leave(); // tasks still queued here are re-sent elsewhere by the parent
    if (queue.length > 0 && Date.now() - since >= ANSWER_DELAY_MS) {
      channel.flush();
      since = Date.now();
    }
  }
  draining = false;
  if (stopping) leave();
}

/** Runs one task (a chunk of argument lists) and answers; true when the worker must now retire. */
async function runTask(task: Task, payload: Payload): Promise<boolean> {
  running = task.id;
  try {
    return await runChunk(task, payload);
  } finally {
    running = null;
  }
}

async function runChunk(task: Task, payload: Payload): Promise<boolean> {
  const results: unknown[] = [];
  try {
    let fn = findTask(task.m, task.n);
    if (fn instanceof Promise) fn = await fn;
    const argLists = decodeValue(payload) as unknown[][];
    for (const args of argLists) {
      let value = fn(...args);
      if (value instanceof Promise || isThenable(value)) value = await value;
      results.push(value);
    }
  } catch (error) {
    return reply(task.id, encodeThrown(error));
  }
  let encoded: Payload;
  try {
    encoded = encodeValue(results);
  } catch (error) {
    return reply(task.id, describeResultFailure(results, error));
  }
  const retire = overMemory();
  // The head as text: `{ t: 'done', id, retire? }` (protocol.ts), built without an object per task.
  channel.send(`{"t":"done","id":${task.id}${retire ? ',"retire":true' : ''}}`, encoded);
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
