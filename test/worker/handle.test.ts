// The worker handle with a launcher of the test's own: no process is spawned.
// Our end of the pipe is a real socket (created with the channel's `reads`, as
// the process launcher does); the "worker" is a channel on the other end that
// the test drives frame by frame. The handle is the same for both kinds of
// pool: the thread launcher (a port, no unread-bytes count) has its tests in test/threads/.
import net from 'node:net';
import path from 'node:path';
import { afterEach, expect, test } from '@jest/globals';
import { Channel, type OnRead } from '../../packages/core/src/common/channel/channel.js';
import { decodeValue, encodeValue, NO_PAYLOAD } from '../../packages/core/src/common/codec/values.js';
import {
  DONE_FRAME,
  readParentCompact,
  type ParentMessage,
  type WorkerMessage,
} from '../../packages/core/src/common/protocol.js';
import type { ExitInfo, LaunchedWorker } from '../../packages/core/src/parent/launch/launcher.js';
import type { WorkerChunk } from '../../packages/core/src/parent/worker/chunk.js';
import { WorkerHandle, type WorkerEvents } from '../../packages/core/src/parent/worker/handle.js';
import { tempDir } from '../helpers/temp.js';

const sockets: net.Socket[] = [];
const servers: net.Server[] = [];
afterEach(() => {
  for (const socket of sockets.splice(0)) socket.destroy();
  for (const server of servers.splice(0)) server.close();
});

interface FakeWorker {
  handle: WorkerHandle;
  events: Array<[string, ...unknown[]]>;
  /** What the worker received, in order. */
  received: ParentMessage[];
  /** The worker's end of the pipe, as a channel: answer through it. */
  worker: () => Channel<ParentMessage, WorkerMessage>;
  signals: string[];
  /** The process "exits": with `unread`, as the launcher would count it. */
  exit: (unread: number | null, info?: Partial<ExitInfo>) => void;
  arrived: (count: number) => Promise<void>;
  /** Our end of the pipe has closed. */
  oursClosed: () => boolean;
}

function launchFake(options: { startFails?: boolean; taskTimeout?: number | null } = {}): FakeWorker {
  const events: Array<[string, ...unknown[]]> = [];
  const received: ParentMessage[] = [];
  const signals: string[] = [];
  const waiters: Array<() => void> = [];
  let worker: Channel<ParentMessage, WorkerMessage> | undefined;
  let settleExit!: (info: ExitInfo) => void;
  let unreadBytes: number | null = null;
  let oursClosed = false;
  const record =
    (name: string) =>
    (...args: unknown[]): void => {
      events.push([name, ...args.slice(1)]);
    };
  const handlers: WorkerEvents<WorkerChunk> = {
    started: record('started'),
    ready: record('ready'),
    initFailed: record('initFailed'),
    result: (_w, chunk, message, payload) => events.push(['result', chunk.id, message.t, decodeValue(payload)]),
    timedOut: (_w, chunk, timeout) => events.push(['timedOut', chunk.id, timeout]),
    stranded: (_w, chunks) => events.push(['stranded', chunks.map((chunk) => chunk.id)]),
    exited: (_w, _info, reason, lost, unstarted) =>
      events.push(['exited', reason, lost?.id ?? null, unstarted.map((chunk) => chunk.id)]),
  };
  const launch = (_options: unknown, reads: OnRead): LaunchedWorker => {
    const exited = new Promise<ExitInfo>((resolve) => (settleExit = resolve));
    let started: Promise<{ socket: net.Socket; reads: 'onread' } | null>;
    if (options.startFails === true) {
      started = Promise.resolve(null);
      settleExit({ exitCode: null, signal: null, startError: new Error('no such executable') });
    } else {
      const socketPath = path.join(tempDir(), 's');
      const server = net.createServer();
      servers.push(server);
      started = new Promise((resolve) => {
        server.once('connection', (theirs) => {
          sockets.push(theirs);
          worker = new Channel<ParentMessage, WorkerMessage>(
            theirs,
            (message) => {
              received.push(message);
              for (const wake of waiters.splice(0)) wake();
            },
            () => {},
            readParentCompact,
          );
          resolve({ socket: ours, reads: 'onread' });
        });
      });
      server.listen(socketPath);
      const ours = net.connect({ path: socketPath, onread: reads } as net.NetConnectOpts);
      ours.once('close', () => (oursClosed = true));
      sockets.push(ours);
    }
    return {
      get pid() {
        return 4242;
      },
      started,
      exited,
      kill: (signal) => void signals.push(signal),
      stderrTail: () => '',
      unreadBytes: () => Promise.resolve(unreadBytes),
    };
  };
  const handle = new WorkerHandle(
    {
      launch: { method: 'spawn', execArgv: [], env: {}, cwd: undefined, snapshot: false },
      initializer: null,
      initargs: () => encodeValue([]),
      authkey: '',
      parentName: 'MainProcess',
      log: null,
      maxMemory: null,
      maxTasks: Infinity,
      taskTimeout: options.taskTimeout ?? null,
    },
    handlers,
    launch,
  );
  return {
    handle,
    events,
    received,
    signals,
    worker: () => worker as Channel<ParentMessage, WorkerMessage>,
    exit: (unread, info = {}) => {
      unreadBytes = unread;
      worker?.destroy(); // the worker's end closes, as at a process's death
      settleExit({ exitCode: null, signal: 'SIGKILL', startError: null, ...info });
    },
    oursClosed: () => oursClosed,
    arrived: (count) =>
      new Promise((resolve) => {
        const check = (): void => (received.length >= count ? resolve() : void waiters.push(check));
        check();
      }),
  };
}

let nextId = 1;
const chunk = (args: unknown[], taskTimeout: number | null = null): WorkerChunk => ({
  id: nextId++,
  ref: { m: 'file:///tasks.mjs', n: 'square' },
  payload: encodeValue([args]),
  each: false,
  taskTimeout,
  sentUpTo: 0,
});
const waitFor = async (check: () => boolean): Promise<void> => {
  while (!check()) await new Promise((resolve) => setImmediate(resolve));
};

/** A fake worker that has started and said it is ready. */
async function readyFake(): Promise<FakeWorker> {
  const fake = launchFake();
  await waitFor(() => fake.handle.everStarted);
  fake.worker().send({ t: 'ready' });
  await waitFor(() => fake.handle.everReady);
  return fake;
}

test('init first; each task function is announced once; answers settle the chunks in order', async () => {
  const fake = launchFake();
  const [a, b] = [chunk([2]), chunk([3])];
  fake.handle.send(a);
  fake.handle.send(b);
  await fake.arrived(4);
  expect(fake.received.map((message) => message.t)).toEqual(['init', 'ref', 'task', 'task']);
  expect(fake.received[1]).toEqual({ t: 'ref', r: 0, ref: a.ref });
  expect(fake.received.slice(2)).toEqual([
    { t: 'task', id: a.id, r: 0, each: false },
    { t: 'task', id: b.id, r: 0, each: false },
  ]);
  fake.worker().send({ t: 'ready' });
  fake.worker().sendCompact(DONE_FRAME, a.id, 0, encodeValue([4]));
  fake.worker().sendCompact(DONE_FRAME, b.id, 0, encodeValue([9]));
  await waitFor(() => fake.events.filter(([name]) => name === 'result').length === 2);
  expect(fake.events).toEqual([['started'], ['ready'], ['result', a.id, 'done', [4]], ['result', b.id, 'done', [9]]]);
  expect(fake.handle.inFlight).toEqual([]);
  expect(fake.handle.state).toBe('ready');
});

test('a worker that dies with the frame of its only chunk unread never started it', async () => {
  const fake = await readyFake();
  const lonely = chunk([5]);
  fake.handle.send(lonely);
  await fake.arrived(3);
  fake.exit(frameBytes(lonely)); // its frame is all the worker left unread
  await waitFor(() => fake.events.some(([name]) => name === 'exited'));
  expect(fake.events.at(-1)).toEqual(['exited', 'crash', null, [lonely.id]]);
});

// A chunk's frame: two lengths (8 bytes), the compact head (13), the payload's text.
const frameBytes = (target: WorkerChunk): number => 8 + 13 + Buffer.byteLength(target.payload.text);

test('a worker that read its chunk and died lost it; the chunks behind it never began', async () => {
  const fake = await readyFake();
  const [running, queued] = [chunk([6]), chunk([7])];
  fake.handle.send(running);
  fake.handle.send(queued);
  await fake.arrived(4);
  fake.exit(frameBytes(queued)); // the second frame was never read
  await waitFor(() => fake.events.some(([name]) => name === 'exited'));
  expect(fake.events.at(-1)).toEqual(['exited', 'crash', running.id, [queued.id]]);
});

test('a chunk sent after the pipe closed, before the exit is known, never left: it never began', async () => {
  const fake = await readyFake();
  const sent = chunk([4]);
  fake.handle.send(sent);
  await fake.arrived(3);
  fake.worker().sendCompact(DONE_FRAME, sent.id, 0, encodeValue([16]));
  await waitFor(() => fake.events.some(([name]) => name === 'result'));
  fake.worker().destroy(); // the worker's end closes; its process's exit comes later
  await waitFor(fake.oursClosed);
  const late = chunk([5]);
  fake.handle.send(late);
  fake.exit(null); // unknown unread bytes: only a frame that never left is known unread
  await waitFor(() => fake.events.some(([name]) => name === 'exited'));
  expect(fake.events.at(-1)).toEqual(['exited', 'crash', null, [late.id]]);
});

test('a chunk over its taskTimeout times out: its worker gets SIGTERM, the chunk is settled', async () => {
  const fake = await readyFake();
  const stuck = chunk([8], 1);
  fake.handle.send(stuck);
  await waitFor(() => fake.events.some(([name]) => name === 'timedOut'));
  expect(fake.events.at(-1)).toEqual(['timedOut', stuck.id, 1]);
  expect(fake.signals).toEqual(['SIGTERM']);
  expect(fake.handle.state).toBe('retiring');
  expect(fake.handle.inFlight).toEqual([]);
  fake.exit(0);
  await waitFor(() => fake.events.some(([name]) => name === 'exited'));
  expect(fake.events.at(-1)).toEqual(['exited', 'timeout', null, []]);
});

test('a worker that never starts is never announced; what it was sent never began', async () => {
  const fake = launchFake({ startFails: true });
  const sent = chunk([9]);
  fake.handle.send(sent);
  await waitFor(() => fake.events.some(([name]) => name === 'exited'));
  expect(fake.events).toEqual([['exited', 'crash', null, [sent.id]]]);
  expect(fake.handle.everStarted).toBe(false);
  expect(sent.payload).not.toBe(NO_PAYLOAD);
});

// A thread's launcher knows no unread bytes (a port's messages are whole): its
// last words ('exiting', sent from process.on('exit')) say what it was running.
async function lastWords(fake: FakeWorker, running: number | null): Promise<void> {
  const readies = fake.events.filter(([name]) => name === 'ready').length;
  fake.worker().send({ t: 'exiting', running });
  // A frame behind them that the test can see: once it is handled, so are the last words.
  fake.worker().send({ t: 'ready' });
  await waitFor(() => fake.events.filter(([name]) => name === 'ready').length > readies);
}

test('last words naming the running chunk, unread bytes unknown: that chunk is lost, the one behind it never began', async () => {
  const fake = await readyFake();
  const [running, queued] = [chunk([6]), chunk([7])];
  fake.handle.send(running);
  fake.handle.send(queued);
  await fake.arrived(4);
  await lastWords(fake, running.id);
  fake.exit(null);
  await waitFor(() => fake.events.some(([name]) => name === 'exited'));
  expect(fake.events.at(-1)).toEqual(['exited', 'crash', running.id, [queued.id]]);
});

test('last words naming no chunk (it died between tasks), unread bytes unknown: what was sent to it never began', async () => {
  const fake = await readyFake();
  const sent = chunk([5]);
  fake.handle.send(sent);
  await fake.arrived(3);
  await lastWords(fake, null);
  fake.exit(null);
  await waitFor(() => fake.events.some(([name]) => name === 'exited'));
  expect(fake.events.at(-1)).toEqual(['exited', 'crash', null, [sent.id]]);
});
