// A pool worker: hardens its process before user code runs, then wires the
// channel on fd 3 to a TaskRunner (serve-pool.ts), which runs the chunks the parent sends.
import { writeSync } from 'node:fs';
import net from 'node:net';
import { encodeFrame, type OnRead } from '../common/channel/channel.js';
import { CHANNEL_FD, type WorkerMessage } from '../common/protocol.js';
import { INHERITED } from './inherited.js';
import { runProcess } from './process-run.js';
import { servePool } from './serve-pool.js';
import { watchParent } from './watchdog.js';

// Captured before user code can replace them.
const exit = process.exit.bind(process);
const memoryUsage = process.memoryUsage;
if (process.env.PROCPOOL_WATCH_PARENT === '1') {
  delete process.env.PROCPOOL_WATCH_PARENT; // not for the task's own children
  watchParent();
}
const keepStderrAsItIs = blockOnStderr();

let survivesParent = false; // set by 'process'

// Node 20 reads `onread` in the Socket constructor; @types/node 20 lists it only for connect().
const openChannel = (onread: OnRead): net.Socket =>
  new net.Socket({ fd: CHANNEL_FD, readable: true, writable: true, onread } as net.SocketConstructorOpts);
const { channel, running } = servePool({
  socket: openChannel,
  exit,
  parentPid: process.ppid,
  memoryUsed: () => memoryUsage.rss(),
  inherited: INHERITED,
  // The parent is gone, or let us go: nothing left to answer to. A non-daemonic
  // Process's child outlives its parent, as in Python.
  onClose: () => {
    if (!survivesParent) exit(0);
  },
  onProcess: (message, payload) => {
    // Its stderr is the parent's own (inherited): blocking it would block the parent's too.
    keepStderrAsItIs();
    survivesParent = !message.daemon;
    void runProcess(message, payload, {
      send: (head, body) => channel.send(head, body),
      flush: (done) => channel.flush(done),
      exit,
    });
  },
});

// The parent fails the chunk named here and re-sends the others. Written
// synchronously, and only when nothing else is queued, so frames never interleave.
process.on('exit', () => {
  if (!channel.closed && channel.idle) {
    try {
      writeSync(CHANNEL_FD, encodeFrame({ t: 'exiting', running: running() } satisfies WorkerMessage)[0] as Uint8Array);
    } catch {
      // the parent is gone
    }
  }
});

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
