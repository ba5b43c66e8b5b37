import type { ChildProcess } from 'node:child_process';
import net from 'node:net';
import type { OnRead } from '../../common/channel/channel.js';
import { CHANNEL_FD } from '../../common/protocol.js';
import type { ExitInfo, LaunchedWorker, LaunchOptions, WorkerPipe } from './launcher.js';
import { countUnread, listenForWorker, type Rendezvous } from './socket-pair.js';
import { notStarted, signalWorker, spawnWorker } from './spawn.js';

/**
 * Starts a worker process running the bootstrap, fd 3 its end of the pipe,
 * our end created with the channel's `reads` where it is a socket of our own.
 * With a socket pair (socket-pair.ts), the process starts once the parent's connection
 * is accepted, a turn of the event loop later: `pid` is undefined until then,
 * and `started` says when.
 */
export function launchWorker(options: LaunchOptions, reads: OnRead): LaunchedWorker {
  const rendezvous = listenForWorker();
  return rendezvous === null ? launchWithPipe(options) : launchWithSocket(options, reads, rendezvous);
}

// A worker that never starts: nothing to kill, nothing to read.
const stopped: LaunchedWorker = {
  pid: undefined,
  started: Promise.resolve(null),
  exited: Promise.resolve(notStarted(null)),
  kill: () => {},
  stderrTail: () => '',
  unreadBytes: () => Promise.resolve(null),
};

// child_process's own pipe: what a worker has when no socket pair can be made.
function launchWithPipe(options: LaunchOptions): LaunchedWorker {
  const { child, exited, stderrTail } = spawnWorker(options, 'pipe');
  const pipe = ((child?.stdio as Array<unknown> | undefined)?.[CHANNEL_FD] ?? null) as net.Socket | null;
  if (child?.pid === undefined || pipe === null) {
    pipe?.destroy();
    // Started without its pipe (never seen): nothing could talk to it. Only
    // with a pid: a child whose spawn failed would signal our process group.
    if (child?.pid !== undefined) child.kill('SIGKILL');
    return { ...stopped, exited, stderrTail };
  }
  pipe.on('error', () => {});
  pipe.unref();
  return {
    pid: child.pid,
    started: Promise.resolve({ socket: pipe, reads: 'stream' }),
    exited,
    kill: (signal) => signalWorker(child, signal, options.detached === true),
    stderrTail,
    unreadBytes: () => Promise.resolve(null),
  };
}

function launchWithSocket(options: LaunchOptions, reads: OnRead, rendezvous: Rendezvous): LaunchedWorker {
  // Set once it is decided how the worker starts (or that it never will).
  let launched: LaunchedWorker | null = null;
  let child: ChildProcess | null = null;
  let settleStart!: (pipe: WorkerPipe | null | Promise<WorkerPipe | null>) => void;
  const started = new Promise<WorkerPipe | null>((resolve) => (settleStart = resolve));
  let settleExit!: (info: ExitInfo | Promise<ExitInfo>) => void;
  const exited = new Promise<ExitInfo>((resolve) => (settleExit = resolve));
  let stderrTail = (): string => '';
  // The worker's end of the socket, kept here after the spawn: what the worker
  // never read stays in it after the worker dies, and unreadBytes() counts it.
  let theirs: net.Socket | null = null;

  const ours = net.connect({ path: rendezvous.socketPath, onread: reads } as net.NetConnectOpts);
  ours.unref();
  // Never started: no process, and our end of the pipe goes too.
  const giveUp = (startError: Error | null): void => {
    rendezvous.close();
    ours.destroy();
    settleExit(notStarted(startError));
    settleStart(null);
  };
  // The connect failed (say, out of file descriptors for a moment), or the
  // server could not accept it (libuv then drops the connection: our end
  // closes without an error): this one worker gets child_process's pipe instead.
  const fallBack = (): void => {
    if (launched !== null) return; // the channel owns our end now, errors and all
    rendezvous.close();
    ours.destroy();
    launched = launchWithPipe(options);
    settleExit(launched.exited);
    settleStart(launched.started);
  };
  ours.on('error', fallBack);
  ours.once('close', fallBack);
  rendezvous.server.once('error', fallBack);

  rendezvous.server.once('connection', (accepted: net.Socket) => {
    rendezvous.close();
    if (launched !== null) {
      accepted.destroy();
      return;
    }
    const spawned = spawnWorker(options, accepted);
    stderrTail = spawned.stderrTail;
    settleExit(spawned.exited);
    if (spawned.child?.pid === undefined) {
      accepted.destroy();
      ours.destroy();
      launched = { ...stopped, exited: spawned.exited, stderrTail: spawned.stderrTail };
      settleStart(null);
      return;
    }
    child = spawned.child;
    theirs = accepted;
    theirs.on('error', () => {});
    theirs.unref();
    launched = self;
    settleStart({ socket: ours, reads: 'onread' });
  });

  const self: LaunchedWorker = {
    get pid() {
      return launched === null || launched === self ? (child?.pid ?? undefined) : launched.pid;
    },
    started,
    exited,
    kill: (signal) => {
      if (launched === null) {
        // Asked to go before it began: it never starts.
        launched = stopped;
        giveUp(null);
      } else if (launched === self) {
        if (child !== null) signalWorker(child, signal, options.detached === true);
      } else {
        launched.kill(signal);
      }
    },
    stderrTail: () => (launched === null || launched === self ? stderrTail() : launched.stderrTail()),
    unreadBytes: () => {
      if (launched !== self) return launched === null ? Promise.resolve(null) : launched.unreadBytes();
      return countUnread(ours, theirs as net.Socket);
    },
  };
  return self;
}
