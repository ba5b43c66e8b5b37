// A pool worker: hardens its process before user code runs, then wires the
// channel on fd 3 to a TaskRunner, which runs the chunks the parent sends.
import { inheritTempDir } from '../common/temp-dir.js';
import { writeSync } from 'node:fs';
import net from 'node:net';
import { Channel, encodeFrame, type OnRead } from '../common/channel/channel.js';
import type { Payload } from '../common/codec/values.js';
import { logToStderr } from '../common/logging.js';
import { whenAllWritten, whenDelivered, whenLeaving } from '../common/pending-writes.js';
import { setChildIdentity } from '../common/process-info.js';
import {
  CHANNEL_FD,
  DONE_FRAME,
  readParentCompact,
  type ParentMessage,
  type WorkerMessage,
} from '../common/protocol.js';
import { INHERITED } from './inherited.js';
import { findTask, onImport } from './loader.js';
import { runProcess } from './process-run.js';
import { TaskRunner } from './runner.js';
import { watchParent } from './watchdog.js';

// Captured before user code can replace them.
const exit = process.exit.bind(process);
const memoryUsage = process.memoryUsage;
if (process.env.PROCPOOL_WATCH_PARENT === '1') {
  delete process.env.PROCPOOL_WATCH_PARENT; // not for the task's own children
  watchParent();
}
const keepStderrAsItIs = blockOnStderr();

let maxMemory: number | null = null; // set by 'init'
let survivesParent = false; // set by 'process'

// Node 20 reads `onread` in the Socket constructor; @types/node 20 lists it only for connect().
const openChannel = (onread: OnRead): net.Socket =>
  new net.Socket({ fd: CHANNEL_FD, readable: true, writable: true, onread } as net.SocketConstructorOpts);
const channel = new Channel<ParentMessage, WorkerMessage>(
  openChannel,
  onFrame,
  // The parent is gone, or let us go: nothing left to answer to. A non-daemonic
  // Process's child outlives its parent, as in Python.
  () => {
    if (!survivesParent) exit(0);
  },
  readParentCompact,
  () => runner.start(), // once per read: a run of short chunks answers in one write
);
// What the tasks left on sockets (a shared object's 'hold' above all) goes before the worker does.
const leave = (): void =>
  void Promise.resolve(whenDelivered())
    .then(whenLeaving)
    .then(whenAllWritten)
    .then(() => channel.flush(() => exit(0)));

const runner = new TaskRunner({
  findTask,
  inherited: INHERITED,
  overMemory: () => maxMemory !== null && memoryUsage.rss() > maxMemory,
  sink: {
    // `last`: the answer leaves now, not after this turn's other work.
    done: (id, results, retire, last) => channel.sendCompact(DONE_FRAME, id, retire ? 1 : 0, results, last),
    failed: (id, { how, payload }, retire) =>
      channel.send(retire ? { t: 'failed', id, how, retire: true } : { t: 'failed', id, how }, payload),
    flush: () => channel.flush(),
    ready: () => channel.send({ t: 'ready' }),
    initFailed: ({ payload }) => {
      channel.send({ t: 'initError' }, payload);
      channel.flush(() => exit(1));
    },
    leave,
  },
});

// The parent fails the chunk named here and re-sends the others. Written
// synchronously, and only when nothing else is queued, so frames never interleave.
process.on('exit', () => {
  if (!channel.closed && channel.idle) {
    try {
      writeSync(
        CHANNEL_FD,
        encodeFrame({ t: 'exiting', running: runner.running } satisfies WorkerMessage)[0] as Uint8Array,
      );
    } catch {
      // the parent is gone
    }
  }
});

// Sent at once: the module's top level, or the chunk right after it, may kill this process before the next tick.
onImport((phase, specifier) => {
  channel.send(phase === 'imported' ? { t: 'imported' } : { t: 'importing', m: specifier });
  channel.flush();
});

function onFrame(message: ParentMessage, payload: Payload): void {
  switch (message.t) {
    case 'ref':
      runner.defineTask(message.r, message.ref);
      break;
    case 'task':
      runner.enqueue(message.id, message.r, payload, message.each);
      break;
    case 'init':
      inheritTempDir(message.tempDir);
      setChildIdentity({
        name: message.name,
        daemon: true,
        parentPid: process.ppid,
        parentName: message.parentName,
        authkey: Buffer.from(message.authkey, 'base64'),
        identity: [],
      });
      if (message.log !== null) logToStderr(message.log);
      maxMemory = message.maxMemory;
      runner.initialize(message.init, payload);
      break;
    case 'process':
      // Its stderr is the parent's own (inherited): blocking it would block the parent's too.
      keepStderrAsItIs();
      survivesParent = !message.daemon;
      void runProcess(message, payload, {
        send: (head, body) => channel.send(head, body),
        flush: (done) => channel.flush(done),
        exit,
      });
      break;
    case 'stop':
      runner.stop(); // after the chunks of this same read, which start once it is handled
      break;
  }
}

// process.exit() drops what a non-blocking stderr pipe still queues: a dying
// worker's last lines, the ones that say why. Blocking from first use on, so a
// worker that never writes to stderr pays nothing for it.
function blockOnStderr(): () => void {
  const descriptor = Object.getOwnPropertyDescriptor(process, 'stderr');
  // eslint-disable-next-line @typescript-eslint/unbound-method -- called with process as `this`
  const get = descriptor?.get;
  if (descriptor === undefined || get === undefined || descriptor.configurable !== true) return () => {};
  let untouched = true;
  Object.defineProperty(process, 'stderr', {
    ...descriptor,
    get() {
      untouched = false;
      Object.defineProperty(process, 'stderr', descriptor);
      const stream = get.call(process) as NodeJS.WriteStream & { _handle?: { setBlocking?: (on: boolean) => number } };
      stream._handle?.setBlocking?.(true);
      return stream;
    },
  });
  // Undoes it, unless stderr has been used already.
  return () => {
    if (untouched) Object.defineProperty(process, 'stderr', descriptor);
  };
}
