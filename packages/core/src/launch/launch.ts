import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { SocketWithReads } from '../channel/channel.js';
import { getExecutable, type StartMethod } from '../start-methods.js';
import { CHANNEL_FD } from '../protocol.js';
import { lazyChildProcess, lazyOs } from '../builtins.js';

// Beside the bundle (dist/bundle/procpool.cjs: a CommonJS entry, so a worker
// loads Node's ES module loader only for an ES task module), or one folder up
// in tsc's output.
const BOOTSTRAP = [new URL('./bootstrap/main.cjs', import.meta.url), new URL('../bootstrap/main.js', import.meta.url)]
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

/** The parent's view of one worker process. */
export interface LaunchedWorker {
  /** Undefined until the process has started, and if it never does. */
  readonly pid: number | undefined;
  /** Our end of its pipe: a stream, or the Channel's way to create it reading with `onread`. */
  readonly pipe: Duplex | SocketWithReads;
  /** Settles once the process has started, or once it is known it never will. */
  readonly started: Promise<void>;
  readonly exited: Promise<ExitInfo>;
  kill(signal: NodeJS.Signals): void;
  stderrTail(): string;
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
function spawnWorker(
  options: LaunchOptions,
  channel: 'pipe' | net.Socket,
): { child: ChildProcess; exited: Promise<ExitInfo>; stderrTail: () => string } {
  const { file, args } = buildCommand(options);
  const stdio = ['ignore', 'inherit', 'pipe', channel] as const;
  const child = lazyChildProcess().spawn(file, args, {
    stdio: options.method === 'fork' ? [...stdio, 'ipc'] : [...stdio],
    cwd: options.cwd ?? process.cwd(),
    env: buildEnv(options.env),
    windowsHide: true,
  });
  const stderr = child.stderr as NonNullable<typeof child.stderr>;
  let tail = '';
  // The worker's stderr still reaches ours; its tail is kept for crash reports.
  stderr.on('data', (chunk: Buffer) => {
    process.stderr.write(chunk);
    tail = (tail + chunk.toString('utf8')).slice(-STDERR_TAIL_BYTES);
  });
  stderr.on('error', () => {});

  const exited = new Promise<ExitInfo>((resolve) => {
    child.once('exit', (exitCode, signal) => resolve({ exitCode, signal, startError: null }));
    // Spawning itself failed (no such executable): there will be no 'exit'.
    child.once('error', (error) => {
      if (child.pid === undefined || child.exitCode === null) {
        resolve({ exitCode: null, signal: null, startError: couldNotStart(file, error) });
      }
    });
  });

  // Workers never keep the parent alive by themselves: the pool holds the event
  // loop open only while it has work, so a forgotten pool lets Node exit.
  child.unref();
  for (const handle of [stderr, child.channel] as Array<{ unref?: () => void } | null | undefined>) {
    handle?.unref?.();
  }
  return { child, exited, stderrTail: () => tail };
}

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
 * Starts a worker process running the bootstrap, fd 3 its end of the pipe.
 * With a socket pair (above), the process starts once the parent's connection
 * is accepted, a turn of the event loop later: `pid` is undefined until then,
 * and `started` says when.
 */
export function launchWorker(options: LaunchOptions): LaunchedWorker {
  const rendezvous = listenForWorker();
  if (rendezvous === null) {
    const { child, exited, stderrTail } = spawnWorker(options, 'pipe');
    const pipe = child.stdio[CHANNEL_FD] as net.Socket;
    pipe.on('error', () => {});
    pipe.unref();
    return {
      pid: child.pid,
      pipe,
      started: Promise.resolve(),
      exited,
      kill: (signal) => {
        child.kill(signal);
      },
      stderrTail,
    };
  }

  let child: ChildProcess | undefined;
  let stderrTail = (): string => '';
  let ours: net.Socket | undefined;
  let cancelled = false;
  let settleStart!: () => void;
  const started = new Promise<void>((resolve) => (settleStart = resolve));
  let settleExit!: (info: ExitInfo | Promise<ExitInfo>) => void;
  const exited = new Promise<ExitInfo>((resolve) => (settleExit = resolve));
  // Never started: no process, and our end of the pipe goes too.
  const giveUp = (startError: Error | null): void => {
    rendezvous.close();
    ours?.destroy();
    settleExit({ exitCode: null, signal: null, startError });
    settleStart();
  };

  rendezvous.server.once('connection', (theirs: net.Socket) => {
    rendezvous.close();
    if (cancelled) {
      theirs.destroy();
      return;
    }
    try {
      const spawned = spawnWorker(options, theirs);
      child = spawned.child;
      stderrTail = spawned.stderrTail;
      settleExit(spawned.exited);
      settleStart();
    } catch (error) {
      giveUp(couldNotStart(buildCommand(options).file, error));
    } finally {
      // The worker has its own copy now.
      theirs.destroy();
    }
  });

  const connect: SocketWithReads = (onread) => {
    ours = net.connect({ path: rendezvous.socketPath, onread } as net.NetConnectOpts);
    ours.on('error', (error) => {
      if (child === undefined && !cancelled) {
        cancelled = true;
        giveUp(new Error(`Could not connect to a new worker's pipe: ${error.message}`, { cause: error }));
      }
    });
    ours.unref();
    return ours;
  };

  return {
    get pid() {
      return child?.pid;
    },
    pipe: connect,
    started,
    exited,
    kill: (signal) => {
      if (child !== undefined) {
        child.kill(signal);
      } else if (!cancelled) {
        // Asked to go before it began: it never starts.
        cancelled = true;
        giveUp(null);
      }
    },
    stderrTail: () => stderrTail(),
  };
}
