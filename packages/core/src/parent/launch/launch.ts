import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { OnRead } from '../../common/channel/channel.js';
import { getExecutable, type StartMethod } from '../start-methods.js';
import { CHANNEL_FD } from '../../common/protocol.js';
import { lazyChildProcess, lazyOs } from '../../common/builtins.js';

// Beside the bundle (dist/bundle/procpool.cjs: a CommonJS entry, so a worker
// loads Node's ES module loader only for an ES task module), or one folder up
// in tsc's output.
const BOOTSTRAP = [new URL('./bootstrap/main.cjs', import.meta.url), new URL('../../child/main.js', import.meta.url)]
  .map((url) => fileURLToPath(url))
  .find((file) => existsSync(file)) as string;
const STDERR_TAIL_BYTES = 4096;

export interface LaunchOptions {
  method: StartMethod;
  execArgv: readonly string[];
  env: Readonly<Record<string, string | undefined>>;
  cwd: string | undefined;
}

export interface ExitInfo {
  exitCode: number | null;
  signal: string | null;
  /** Set when the process could not be started at all. */
  startError: Error | null;
}

/** Our end of a started worker's pipe, and how the channel reads it. */
export interface WorkerPipe {
  socket: Duplex;
  /** `onread`: created with the channel's `reads`; `stream`: read through 'data' events. */
  reads: 'onread' | 'stream';
}

/** The parent's view of one worker process. */
export interface LaunchedWorker {
  /** Undefined until the process has started, and if it never does. */
  readonly pid: number | undefined;
  /** Settles with our end of its pipe once the process has started, or with null once it is known it never will. */
  readonly started: Promise<WorkerPipe | null>;
  /** Settles once the process has exited and its stderr has been read to the end (or a grandchild keeps it open too long). */
  readonly exited: Promise<ExitInfo>;
  kill(signal: NodeJS.Signals): void;
  stderrTail(): string;
  /**
   * After the exit, once our writes have ended: how many of the bytes written
   * to the worker it never read, or null where that cannot be known.
   */
  unreadBytes(): Promise<number | null>;
}

// On Linux the kernel kills the worker when the parent dies, even by SIGKILL and
// even while the worker spins in a synchronous loop (prctl PR_SET_PDEATHSIG).
// PROCPOOL_NO_SETPRIV=1 forces the fallback: a watchdog thread in each worker.
const SETPRIV =
  process.platform === 'linux' && process.env.PROCPOOL_NO_SETPRIV !== '1'
    ? (process.env.PATH ?? '')
        .split(path.delimiter)
        .map((dir) => path.join(dir, 'setpriv'))
        .find((file) => existsSync(file))
    : undefined;

// Flags of the parent that must not reach a worker: its own script (`node -e`
// would run the parent again in every worker, forking without end: Node's fork()
// drops it for the same reason), and modes that do not run a script file.
const WITH_VALUE = new Set(['-e', '--eval', '-p', '--print', '--input-type']);
const ALONE = /^(?:--input-type=|--watch|--test|--check$|-c$|--interactive$|-i$)/;

export function inheritableExecArgv(execArgv: readonly string[]): string[] {
  const kept: string[] = [];
  for (let i = 0; i < execArgv.length; i += 1) {
    const flag = execArgv[i] as string;
    if (WITH_VALUE.has(flag)) i += 1;
    else if (!ALONE.test(flag) && !/^--(?:eval|print)=/.test(flag)) kept.push(flag);
  }
  return kept;
}

function buildCommand(options: LaunchOptions): { file: string; args: string[] } {
  // fork: a copy of the parent (its loader flags, --conditions, memory flags);
  // spawn: a fresh interpreter with only the flags asked for.
  const node = options.method === 'fork' ? process.execPath : getExecutable();
  const flags =
    options.method === 'fork' ? [...inheritableExecArgv(process.execArgv), ...options.execArgv] : [...options.execArgv];
  const args = [...flags, BOOTSTRAP];
  return SETPRIV === undefined
    ? { file: node, args }
    : { file: SETPRIV, args: ['--pdeathsig', 'KILL', '--', node, ...args] };
}

function buildEnv(extra: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries({ ...process.env, ...extra })) if (value !== undefined) env[key] = value;
  // Tells the bootstrap to guard against parent death itself (read and removed there).
  if (SETPRIV === undefined) env.PROCPOOL_WATCH_PARENT = '1';
  return env;
}

// node:child_process rather than execa: execa costs ~100 ms to import, in the
// parent and again in every worker whose task module imports procpool, and
// ~8 ms per spawn; the launcher needs one fixed stdio layout (docs/performance.md).
//
// Never throws, and lets no 'error' event escape: a spawn that fails (no such
// executable, out of file descriptors or processes) settles `exited` with a
// startError, and the caller decides what that means for the pool.
function spawnWorker(options: LaunchOptions, channel: 'pipe' | net.Socket): SpawnedWorker {
  const { file, args } = buildCommand(options);
  const stdio = ['ignore', 'inherit', 'pipe', channel] as const;
  let child: ChildProcess;
  try {
    child = lazyChildProcess().spawn(file, args, {
      stdio: options.method === 'fork' ? [...stdio, 'ipc'] : [...stdio],
      cwd: options.cwd ?? process.cwd(),
      env: buildEnv(options.env),
      windowsHide: true,
    });
  } catch (error) {
    return { child: null, exited: Promise.resolve(notStarted(couldNotStart(file, error))), stderrTail: () => '' };
  }
  let settle!: (info: ExitInfo) => void;
  const exited = new Promise<ExitInfo>((resolve) => (settle = resolve));
  // Spawning itself failed: 'error' comes on the next tick, and no 'exit'. Out
  // of file descriptors, Node does not even set up the stdio streams.
  child.on('error', (error) => {
    if (child.pid === undefined) settle(notStarted(couldNotStart(file, error)));
  });

  const stderr = child.stderr ?? null;
  let tail = '';
  let stderrDone: Promise<void> = Promise.resolve();
  if (stderr !== null) {
    // The worker's stderr still reaches ours; its tail is kept for crash reports.
    stderr.on('data', (chunk: Buffer) => {
      process.stderr.write(chunk);
      tail = (tail + chunk.toString('utf8')).slice(-STDERR_TAIL_BYTES);
    });
    stderr.on('error', () => {});
    stderrDone = new Promise((resolve) => stderr.once('close', resolve));
    (stderr as net.Socket).unref();
  }
  // A dying worker's last lines are still in its stderr pipe when 'exit' comes:
  // the exit settles once they are read, or after STDERR_DRAIN_MS, should a
  // grandchild that inherited the pipe keep it open.
  child.once('exit', (exitCode, signal) => {
    let timer: NodeJS.Timeout | undefined;
    const bounded = new Promise<void>((resolve) => (timer = setTimeout(resolve, STDERR_DRAIN_MS)));
    void Promise.race([stderrDone, bounded]).then(() => {
      clearTimeout(timer);
      settle({ exitCode, signal, startError: null });
    });
  });

  // Workers never keep the parent alive by themselves: the pool holds the event
  // loop open only while it has work, so a forgotten pool lets Node exit.
  child.unref();
  (child.channel as { unref?: () => void } | null | undefined)?.unref?.();
  return { child, exited, stderrTail: () => tail };
}

interface SpawnedWorker {
  /** Null when spawn() threw. A child whose spawn failed later has no pid. */
  child: ChildProcess | null;
  exited: Promise<ExitInfo>;
  stderrTail: () => string;
}

/** How long a worker's stderr may stay open after its exit (a grandchild holding it). */
const STDERR_DRAIN_MS = 500;

const notStarted = (startError: Error | null): ExitInfo => ({ exitCode: null, signal: null, startError });

const couldNotStart = (file: string, error: unknown): Error =>
  new Error(`Could not start worker process ${file}: ${error instanceof Error ? error.message : String(error)}`, {
    cause: error,
  });

// The parent's end of a worker's pipe, when it can be a socket of its own.
//
// child_process creates the parent's end of a 'pipe' itself, read through
// Node's stream machinery: ~3 µs of every round trip on this machine, and a
// process.nextTick per read (docs/performance.md, "least-pool"). A socket the
// parent connects itself takes net's documented `onread` option, which reads
// straight into the channel's buffer. So each worker's pipe is a Unix socket
// pair: a server listens in a new private directory (mode 0700: no other user
// can connect), the parent connects to it with `onread`, and the accepted end
// becomes the worker's fd 3. The server and its directory are gone as soon as
// that one connection arrives, before the worker starts.
//
// Where that cannot work (Windows, a temporary directory whose path is too
// long for a socket, one that cannot be written), or with PROCPOOL_NO_SOCKET=1,
// the worker's fd 3 is a plain 'pipe' as before.
interface Rendezvous {
  server: net.Server;
  socketPath: string;
  close(): void;
}

// sun_path holds 108 bytes on Linux, 104 on macOS: stay clear of both.
const MAX_SOCKET_PATH = 100;
// False once it is known that no socket can work here; a failure that may pass
// (say, out of file descriptors) only makes this one worker use a 'pipe'.
let socketsWork = process.platform !== 'win32' && process.env.PROCPOOL_NO_SOCKET !== '1';
// Directories of servers still waiting for their connection, removed if the
// process exits first (a pool made and dropped in one synchronous run).
const pendingDirs = new Set<string>();
let exitHookInstalled = false;

function removeDir(dir: string): void {
  pendingDirs.delete(dir);
  try {
    rmSync(dir, { recursive: true, force: true });
  } catch {
    // already gone
  }
}

function listenForWorker(): Rendezvous | null {
  if (!socketsWork) return null;
  let dir: string;
  try {
    dir = mkdtempSync(path.join(lazyOs().tmpdir(), 'procpool-pipe-'));
  } catch {
    return null;
  }
  const socketPath = path.join(dir, 'w');
  if (Buffer.byteLength(socketPath) > MAX_SOCKET_PATH) {
    removeDir(dir);
    socketsWork = false;
    return null;
  }
  // pauseOnConnect: the parent never reads the accepted end (its bytes are the worker's).
  const server = net.createServer({ pauseOnConnect: true });
  server.on('error', () => {});
  // exclusive: in a cluster worker, listen here rather than through the primary.
  server.listen({ path: socketPath, exclusive: true });
  // A pipe server binds and listens synchronously; a failure leaves it not
  // listening (its 'error' follows on the next tick).
  if (!server.listening) {
    server.close();
    removeDir(dir);
    return null;
  }
  server.unref();
  pendingDirs.add(dir);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const pending of pendingDirs) removeDir(pending);
    });
  }
  let closed = false;
  return {
    server,
    socketPath,
    close: () => {
      if (closed) return;
      closed = true;
      server.close();
      removeDir(dir);
    },
  };
}

/**
 * Starts a worker process running the bootstrap, fd 3 its end of the pipe,
 * our end created with the channel's `reads` where it is a socket of our own.
 * With a socket pair (above), the process starts once the parent's connection
 * is accepted, a turn of the event loop later: `pid` is undefined until then,
 * and `started` says when.
 */
export function launchWorker(options: LaunchOptions, reads: OnRead): LaunchedWorker {
  const rendezvous = listenForWorker();
  return rendezvous === null ? launchWithPipe(options) : launchWithSocket(options, reads, rendezvous);
}

// child_process's own pipe: what a worker has when no socket pair can be made.
function launchWithPipe(options: LaunchOptions): LaunchedWorker {
  const { child, exited, stderrTail } = spawnWorker(options, 'pipe');
  const pipe = ((child?.stdio as Array<unknown> | undefined)?.[CHANNEL_FD] ?? null) as net.Socket | null;
  if (child?.pid === undefined || pipe === null) {
    pipe?.destroy();
    return {
      pid: undefined,
      started: Promise.resolve(null),
      exited,
      kill: () => {},
      stderrTail,
      unreadBytes: () => Promise.resolve(null),
    };
  }
  pipe.on('error', () => {});
  pipe.unref();
  return {
    pid: child.pid,
    started: Promise.resolve({ socket: pipe, reads: 'stream' }),
    exited,
    kill: (signal) => {
      child.kill(signal);
    },
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
        child?.kill(signal);
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

const stopped: LaunchedWorker = {
  pid: undefined,
  started: Promise.resolve(null),
  exited: Promise.resolve(notStarted(null)),
  kill: () => {},
  stderrTail: () => '',
  unreadBytes: () => Promise.resolve(null),
};

// The worker has exited; whatever it had not read of what we wrote is still
// in its end of the socket, which we hold. Ending our writes lets that end
// read to its end (EOF) after the leftovers; closing it then lets our end
// read the worker's last answers to their end in turn.
function countUnread(ours: net.Socket, theirs: net.Socket): Promise<number | null> {
  return new Promise((resolve) => {
    let unread = 0;
    const finish = (count: number | null): void => {
      clearTimeout(timer);
      theirs.destroy();
      resolve(count);
    };
    // Bounded: a grandchild that inherited the worker's fd 3 may read it too.
    const timer = setTimeout(() => finish(null), STDERR_DRAIN_MS);
    theirs.on('data', (chunk: Buffer) => (unread += chunk.length));
    theirs.once('end', () => finish(unread));
    theirs.once('close', () => finish(null));
    ours.end();
    theirs.resume();
  });
}
