import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Worker } from 'node:worker_threads';
import type { OnRead } from '../../common/channel/channel.js';
import { portStream } from '../../common/channel/port-stream.js';
import { lazyWorkerThreads } from '../../common/builtins.js';
import { sharedRegistry } from '../../common/registry.js';
import { inheritableExecArgv, mergedEnv } from './command.js';
import type { ExitInfo, LaunchedWorker, LaunchOptions } from './launcher.js';
import { notStarted } from './spawn.js';

// Beside the bundle (a CommonJS entry: a thread whose task module is CommonJS
// never starts the ES module loader), or one folder up in tsc's output.
const BOOTSTRAP = [
  new URL('./bootstrap/thread.cjs', import.meta.url),
  new URL('../../child/thread-main.js', import.meta.url),
]
  .map((url) => fileURLToPath(url))
  .find((file) => existsSync(file)) as string;

const STDERR_TAIL_BYTES = 4096;

// Every live pool thread of this process, for tests that check none is left
// (read under Symbol.for('procpool.registry.liveThreads')). Threads are not
// processes: activeChildren() does not list them, as Python's does not list a ThreadPool's.
const liveThreads = sharedRegistry('liveThreads', () => new Set<Worker>());

/**
 * Starts a pool worker as a thread of this process (ThreadPool): the
 * channel is a MessagePort, the pid ours, and kill() terminates the thread
 * whatever the signal (a thread has none, and needs no grace period).
 */
export function launchThread(options: LaunchOptions, _reads: OnRead): LaunchedWorker {
  const { port1, port2 } = new (lazyWorkerThreads().MessageChannel)();
  const start = (inherited: readonly string[]): Worker =>
    new (lazyWorkerThreads().Worker)(BOOTSTRAP, {
      workerData: { port: port2 },
      transferList: [port2],
      env: mergedEnv(options.env),
      // Left out, a thread inherits this process's flags as they are (loaders included).
      ...(options.execArgv.length === 0 ? {} : { execArgv: [...inherited, ...options.execArgv] }),
    });
  let worker: Worker;
  try {
    try {
      worker = start(inheritedFlags);
    } catch (error) {
      // This process's V8 and process-wide flags (`node --max-old-space-size=…`)
      // already apply to its threads, which refuse them: left out from now on.
      const kept = acceptedFlags(inheritedFlags, error);
      if (kept === null) throw error;
      inheritedFlags = kept;
      worker = start(kept);
    }
  } catch (error) {
    // V8 flags are refused in a thread's execArgv (ERR_WORKER_INVALID_EXEC_ARGV).
    port1.close();
    port2.close();
    const startError = new Error(`Could not start a worker thread: ${(error as Error).message}`, { cause: error });
    return {
      pid: undefined,
      started: Promise.resolve(null),
      exited: Promise.resolve(notStarted(startError)),
      kill: () => {},
      stderrTail: () => '',
      unreadBytes: () => Promise.resolve(null),
    };
  }
  liveThreads.add(worker);
  // Not `stderr: true`: that stream keeps the thread's port ref'd while read,
  // and a forgotten pool would then keep Node alive. Node forwards its stderr
  // to ours; the tail of it is kept for crash reports (all of it is read
  // before 'exit'). An uncaught error arrives as 'error', not on stderr: it
  // is written there as a worker process's would be, also when no task ran.
  let tail = '';
  const keep = (text: string): void => void (tail = `${tail}${text}`.slice(-STDERR_TAIL_BYTES));
  worker.stderr.on('data', (chunk: Buffer) => keep(chunk.toString('utf8')));
  worker.on('error', (error: unknown) => {
    const text = `${error instanceof Error ? String(error.stack) : String(error)}\n`;
    keep(text);
    process.stderr.write(text);
  });
  const exited = new Promise<ExitInfo>((resolve) =>
    worker.once('exit', (exitCode) => {
      liveThreads.delete(worker);
      resolve({ exitCode, signal: null, startError: null });
    }),
  );
  const stream = portStream(port1);
  // After the listeners: adding a 'message' listener refs the port again.
  port1.unref();
  worker.unref();
  const threadId = worker.threadId;
  return {
    pid: process.pid,
    threadId,
    started: Promise.resolve({ socket: stream, reads: 'stream' }),
    exited,
    kill: () => void worker.terminate(),
    stderrTail: () => tail,
    // A port's messages arrive whole or not at all: the 'exiting' frame names the chunk lost.
    unreadBytes: () => Promise.resolve(null),
  };
}

// What a thread with an execArgv of its own is given of ours, before its own.
let inheritedFlags: readonly string[] = inheritableExecArgv(process.execArgv);

// `flags` without those `error` says a thread refuses (ERR_WORKER_INVALID_EXEC_ARGV
// names each as written, `--flag=value` or `--flag` before its value), or null if none is ours.
function acceptedFlags(flags: readonly string[], error: unknown): string[] | null {
  const { code, message } = error as NodeJS.ErrnoException;
  const listed = code === 'ERR_WORKER_INVALID_EXEC_ARGV' ? /flags: (.*)$/.exec(message) : null;
  if (listed === null) return null;
  const refused = new Set((listed[1] as string).split(', '));
  const kept: string[] = [];
  for (let i = 0; i < flags.length; i += 1) {
    const flag = flags[i] as string;
    if (!refused.has(flag)) kept.push(flag);
    // Its value, written apart: process.execArgv holds flags and their values only.
    else if (!flag.includes('=') && flags[i + 1] !== undefined && !(flags[i + 1] as string).startsWith('-')) i += 1;
  }
  return kept.length === flags.length ? null : kept;
}
