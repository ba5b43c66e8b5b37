// What a pool worker does with its channel, in a process (main.ts) and in a
// thread (thread-main.ts) alike: the frames it answers and the runner behind them.
import type { Duplex } from 'node:stream';
import { Channel, type OnRead } from '../common/channel/channel.js';
import type { TransferReceiver } from '../common/codec/transfers.js';
import type { Payload } from '../common/codec/values.js';
import { logToStderr } from '../common/logging.js';
import { whenAllWritten, whenDelivered, whenLeaving } from '../common/pending-writes.js';
import { setChildIdentity } from '../common/process-info.js';
import { DONE_FRAME, readParentCompact, type ParentMessage, type WorkerMessage } from '../common/protocol.js';
import { inheritTempDir } from '../common/temp-dir.js';
import { findTask, onImport } from './loader.js';
import { TaskRunner } from './runner.js';

type ProcessMessage = Extract<ParentMessage, { t: 'process' }>;

interface PoolSide {
  /** A stream read through 'data' events, or what creates a socket with the channel's `onread`. */
  socket: Duplex | ((onread: OnRead) => Duplex);
  /** process.exit, captured before user code could replace it. */
  exit: (code: number) => void;
  /** Who started this worker: the parent process, or for a thread this very process. */
  parentPid: number;
  /** The memory maxMemoryPerChild is held to: the process's RSS, or a thread's heap. */
  memoryUsed: () => number;
  /** Where the Connections of initargs arrived, if any can. */
  inherited?: TransferReceiver;
  /** The parent is gone, or let this worker go. */
  onClose: () => void;
  /** A Process's child: only a worker process is asked to be one. */
  onProcess?: (message: ProcessMessage, payload: Payload) => void;
}

interface ServedPool {
  readonly channel: Channel<ParentMessage, WorkerMessage>;
  /** The chunk being run, if any: a worker's last words name it. */
  readonly running: () => number | null;
}

/** Wires a worker's channel to a TaskRunner. */
export function servePool(side: PoolSide): ServedPool {
  const { exit } = side;
  let maxMemory: number | null = null; // set by 'init'
  const channel: Channel<ParentMessage, WorkerMessage> = new Channel<ParentMessage, WorkerMessage>(
    typeof side.socket === 'function' ? side.socket : null,
    onFrame,
    side.onClose,
    readParentCompact,
    () => runner.start(), // once per read: a run of short chunks answers in one write
  );
  if (typeof side.socket !== 'function') channel.attach(side.socket, 'stream');
  // What the tasks left on sockets (a shared object's 'hold' above all) goes before the worker does.
  const leave = (): void =>
    void Promise.resolve(whenDelivered())
      .then(whenLeaving)
      .then(whenAllWritten)
      .then(() => channel.flush(() => exit(0)));

  const runner = new TaskRunner({
    findTask,
    ...(side.inherited === undefined ? {} : { inherited: side.inherited }),
    overMemory: () => maxMemory !== null && side.memoryUsed() > maxMemory,
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

  // Sent at once: the module's top level, or the chunk right after it, may kill this worker before the next tick.
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
        // Before any task module loads: isMainProcess() is false from here on.
        setChildIdentity({
          name: message.name,
          daemon: true,
          parentPid: side.parentPid,
          parentName: message.parentName,
          authkey: Buffer.from(message.authkey, 'base64'),
          identity: [],
        });
        if (message.log !== null) logToStderr(message.log);
        maxMemory = message.maxMemory;
        runner.initialize(message.init, payload);
        break;
      case 'process':
        side.onProcess?.(message, payload);
        break;
      case 'stop':
        runner.stop(); // after the chunks of this same read, which start once it is handled
        break;
    }
  }

  return { channel, running: () => runner.running };
}
