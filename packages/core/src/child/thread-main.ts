// A ThreadPool's worker: a pool worker (serve-pool.ts) whose channel is the
// MessagePort in workerData. None of a process's defences: the thread dies
// with its process (no watchdog), and its stderr is Node's forwarding port.
import { workerData, type MessagePort } from 'node:worker_threads';
import { portStream } from '../common/channel/port-stream.js';
import { servePool } from './serve-pool.js';

// Captured before user code can replace them: exit ends this thread only.
const exit = process.exit.bind(process);
const memoryUsage = process.memoryUsage;
const { port } = workerData as { port: MessagePort };

const { channel, running } = servePool({
  socket: portStream(port),
  exit,
  // Its parent is this very process.
  parentPid: process.pid,
  // The RSS is the whole process's: a thread answers for its own heap.
  memoryUsed: () => memoryUsage().heapUsed,
  onClose: () => exit(0),
});

// Last words, as a process's are. A port's message is whole and posted at
// once, and arrives even from process.exit() or an uncaught error (not from
// terminate(), which the parent asked for).
process.on('exit', () => {
  if (channel.closed) return;
  channel.send({ t: 'exiting', running: running() });
  channel.flush();
});
