import type { ChildProcess } from 'node:child_process';
import { removeDirsOf } from '../../common/temp-dir.js';
import { atMost } from '../../common/timers.js';
import type net from 'node:net';
import { lazyChildProcess } from '../../common/builtins.js';
import { INHERITED_FD } from '../../common/protocol.js';
import { buildCommand, buildEnv } from './command.js';
import type { ExitInfo, InheritedEnd, LaunchOptions } from './launcher.js';
import { snapshotRefused } from './snapshot.js';

const STDERR_TAIL_BYTES = 4096;

// node:child_process rather than execa: execa costs ~100 ms to import, in the
// parent and again in every worker whose task module imports procpool, and
// ~8 ms per spawn; the launcher needs one fixed stdio layout (docs/performance.md).
//
// Never throws, and lets no 'error' event escape: a spawn that fails (no such
// executable, out of file descriptors or processes) settles `exited` with a
// startError, and the caller decides what that means for the pool.
export function spawnWorker(options: LaunchOptions, channel: 'pipe' | net.Socket): SpawnedWorker {
  const { file, args } = buildCommand(options);
  const stderrTo = options.shareStderr === true ? 'inherit' : 'pipe';
  const stdoutTo = options.stdout !== 'stderr' ? 'inherit' : stderrTo === 'pipe' ? 'pipe' : 2;
  const stdio: Array<'ignore' | 'inherit' | 'pipe' | 'ipc' | net.Socket | number> = [
    'ignore',
    stdoutTo,
    stderrTo,
    channel,
  ];
  // fd 4 is Node's IPC channel under fork, unused under spawn; inherited objects follow.
  if (options.method === 'fork') stdio.push('ipc');
  let inherited: readonly InheritedEnd[];
  try {
    inherited = options.inherit?.() ?? [];
  } catch (error) {
    // Say, a Connection in a pool's initargs that the parent has closed since.
    return { child: null, exited: Promise.resolve(notStarted(couldNotStart(file, error))), stderrTail: () => '' };
  }
  if (inherited.length > 0) {
    if (options.method !== 'fork') stdio.push('ignore');
    stdio.push(...inherited.map((end) => end.stdio));
  }
  const handOver = (child: ChildProcess | null): void =>
    inherited.forEach((end, i) =>
      end.spawned(
        end.stdio === 'pipe' ? ((child?.stdio[INHERITED_FD + i] ?? null) as net.Socket | null) : null,
        child !== null,
      ),
    );
  let child: ChildProcess;
  try {
    child = lazyChildProcess().spawn(file, args, {
      stdio,
      cwd: options.cwd ?? process.cwd(),
      env: buildEnv(options),
      windowsHide: true,
      detached: options.detached === true,
    });
  } catch (error) {
    handOver(null);
    return { child: null, exited: Promise.resolve(notStarted(couldNotStart(file, error))), stderrTail: () => '' };
  }
  handOver(child.pid === undefined ? null : child);
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
  // The worker's stderr (and with stdout: 'stderr', its stdout) still reaches ours; its tail is kept for crash reports.
  const copy = (chunk: Buffer): void => {
    process.stderr.write(chunk);
    tail = (tail + chunk.toString('utf8')).slice(-STDERR_TAIL_BYTES);
  };
  // Only with stdout: 'stderr' (a pipe); out of file descriptors Node sets up no stream at all.
  const stdout = child.stdout ?? null;
  if (stdout !== null) {
    stdout.on('data', copy).on('error', () => {});
    (stdout as net.Socket).unref();
  }
  if (stderr !== null) {
    stderr.on('data', copy);
    stderr.on('error', () => {});
    stderrDone = new Promise((resolve) => stderr.once('close', resolve));
    (stderr as net.Socket).unref();
  }
  // A dying worker's last lines are still in its stderr pipe when 'exit' comes:
  // the exit settles once they are read, or after STDERR_DRAIN_MS, should a
  // grandchild that inherited the pipe keep it open.
  child.once('exit', (exitCode, signal) => {
    // Its private directories (sockets it listened on) go with it, killed or not.
    if (child.pid !== undefined) removeDirsOf(child.pid);
    void atMost(stderrDone, STDERR_DRAIN_MS).then(() => {
      // Node would not start from the snapshot after all: the next workers start without it.
      if (exitCode === SNAPSHOT_FAILURE && tail.includes('startup snapshot')) snapshotRefused();
      settle({ exitCode, signal, startError: null });
    });
  });

  // Workers never keep the parent alive by themselves: the pool holds the event
  // loop open only while it has work, so a forgotten pool lets Node exit.
  child.unref();
  (child.channel as { unref?: () => void } | null | undefined)?.unref?.();
  return { child, exited, stderrTail: () => tail };
}

/**
 * Signals a worker; with `detached`, its whole process group, so that what
 * its task started goes too (a terminal's Ctrl-C no longer reaches them).
 */
export function signalWorker(child: ChildProcess, signal: NodeJS.Signals, detached: boolean): void {
  if (detached && child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
    try {
      process.kill(-child.pid, signal);
      return;
    } catch {
      // No such group (yet): the worker itself, below.
    }
  }
  child.kill(signal);
}

interface SpawnedWorker {
  /** Null when spawn() threw. A child whose spawn failed later has no pid. */
  child: ChildProcess | null;
  exited: Promise<ExitInfo>;
  stderrTail: () => string;
}

/** Node's exit code when it cannot start from a snapshot. */
const SNAPSHOT_FAILURE = 14;

/** How long a worker's stderr may stay open after its exit (a grandchild holding it). */
const STDERR_DRAIN_MS = 500;

export const notStarted = (startError: Error | null): ExitInfo => ({ exitCode: null, signal: null, startError });

const couldNotStart = (file: string, error: unknown): Error =>
  new Error(`Could not start worker process ${file}: ${error instanceof Error ? error.message : String(error)}`, {
    cause: error,
  });
