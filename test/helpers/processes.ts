import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

// Shared with the bench, which runs without the test toolchain: the .mjs is the one copy.
export { descendants } from '../../scripts/bench/processes.mjs';

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return false;
  }
}

/** Polls `check` until it is true; for waiting on the OS, never as a timing assertion. */
export async function waitFor(check: () => boolean, what: string, limitMs = 10_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`Gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A `node ARGS` leading a process group of its own (as a shell's foreground job), its output collected. */
export interface GroupLeader {
  readonly pid: number;
  readonly stdout: () => string;
  readonly stderr: () => string;
  /** Its exit code once its output has closed. */
  readonly exited: Promise<number | null>;
  readonly running: () => boolean;
  /** SIGKILLs the group if its leader still runs: for a `finally`. */
  readonly killIfRunning: () => void;
}

export function startGroup(args: string[], cwd: string): GroupLeader {
  const child = spawn(process.execPath, args, { cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const running = (): boolean => child.exitCode === null && child.signalCode === null;
  return {
    pid: child.pid!,
    stdout: () => stdout,
    stderr: () => stderr,
    exited: new Promise<number | null>((resolve) => child.on('close', resolve)),
    running,
    killIfRunning: () => {
      if (running()) process.kill(-child.pid!, 'SIGKILL');
    },
  };
}

/**
 * A terminal's Ctrl-C, played out: runs `node ARGS` as a group leader
 * (startGroup), sends the group SIGINT once `started()` holds, then, once its
 * stderr shows `taken`, creates DIR/go (what its tasks wait for). Resolves
 * with its exit code and stdout; the group is SIGKILLed should anything fail
 * on the way.
 */
export async function ctrlCGroup(options: {
  args: string[];
  dir: string;
  started: () => boolean;
  taken: string;
}): Promise<{ code: number | null; stdout: string }> {
  const group = startGroup(options.args, options.dir);
  try {
    await waitFor(options.started, 'the first tasks to start', 30_000);
    process.kill(-group.pid, 'SIGINT');
    await waitFor(() => group.stderr().includes(options.taken), 'the interrupt to be taken');
    writeFileSync(path.join(options.dir, 'go'), '');
    return { code: await group.exited, stdout: group.stdout() };
  } finally {
    group.killIfRunning();
  }
}
