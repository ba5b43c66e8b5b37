import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { getExecutable, type StartMethod } from '../start-methods.js';
import { CHANNEL_FD } from '../protocol.js';
import { lazyChildProcess } from '../builtins.js';

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
  readonly pid: number;
  readonly pipe: Duplex;
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
export function launchWorker(options: LaunchOptions): LaunchedWorker {
  const { file, args } = buildCommand(options);
  const stdio = ['ignore', 'inherit', 'pipe', 'pipe'] as const;
  const child = lazyChildProcess().spawn(file, args, {
    stdio: options.method === 'fork' ? [...stdio, 'ipc'] : [...stdio],
    cwd: options.cwd ?? process.cwd(),
    env: buildEnv(options.env),
    windowsHide: true,
  });
  const pipe = child.stdio[CHANNEL_FD] as Duplex;
  const stderr = child.stderr as NonNullable<typeof child.stderr>;
  let tail = '';
  // The worker's stderr still reaches ours; its tail is kept for crash reports.
  stderr.on('data', (chunk: Buffer) => {
    process.stderr.write(chunk);
    tail = (tail + chunk.toString('utf8')).slice(-STDERR_TAIL_BYTES);
  });
  stderr.on('error', () => {});
  pipe.on('error', () => {});

  const exited = new Promise<ExitInfo>((resolve) => {
    child.once('exit', (exitCode, signal) => resolve({ exitCode, signal, startError: null }));
    // Spawning itself failed (no such executable): there will be no 'exit'.
    child.once('error', (error) => {
      if (child.pid === undefined || child.exitCode === null) {
        resolve({
          exitCode: null,
          signal: null,
          startError: new Error(`Could not start worker process ${file}: ${error.message}`, { cause: error }),
        });
      }
    });
  });

  // Workers never keep the parent alive by themselves: the pool holds the event
  // loop open only while it has work, so a forgotten pool lets Node exit.
  child.unref();
  for (const handle of [pipe, stderr, child.channel] as Array<{ unref?: () => void } | null | undefined>) {
    handle?.unref?.();
  }
  return {
    pid: child.pid ?? -1,
    pipe,
    exited,
    kill: (signal) => {
      child.kill(signal);
    },
    stderrTail: () => tail,
  };
}
