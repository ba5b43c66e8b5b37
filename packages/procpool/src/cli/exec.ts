import fs from 'node:fs';
import type { Readable } from 'node:stream';
import path from 'node:path';
import type { Options as ExecaOptions, Result } from 'execa';
import type { ExecOptions } from './args.js';
import { UsageError } from './usage-error.js';
import { groupMemory } from './group-memory.js';
import { GroupWatchdog } from './group-watchdog.js';
import { expandArgs, expandShell, hasReplacement, quotedReplacement } from './replacements.js';
import type { Backend, Item, Outcome } from './backend.js';

const KILL_AFTER = 1000;
const PIPE_GRACE_MS = 1000;
// What is kept of a command's stdout and of its stderr; past it the command is stopped (execa's maxBuffer).
const MAX_BUFFER = 16 * 2 ** 20;
const MEMORY_POLL = 200;
interface Subprocess extends Promise<Result> {
  readonly pid?: number;
  readonly stdout: Readable | null;
  readonly stderr: Readable | null;
  once(event: 'exit', listener: () => void): unknown;
}
type Execa = (file: string, args: readonly string[], options: ExecaOptions) => Subprocess;

// The command must exist before any input runs (exit 2 rather than a failure per line).
function findCommand(command: string): string | undefined {
  const runnable = (file: string): boolean => {
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return fs.statSync(file).isFile();
    } catch {
      return false;
    }
  };
  if (command.includes('/')) return runnable(command) ? command : undefined;
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir !== '' && runnable(path.join(dir, command))) return path.join(dir, command);
  }
  return undefined;
}

interface Running {
  readonly pid: number;
  /** Why it was killed, if we killed it. */
  killedFor?: { readonly name: string; readonly message: string };
}

/**
 * `procpool exec`: each input line runs the command (through execa) in a
 * process group of its own, so a timeout, `--max-memory` or a second SIGINT
 * kills the command and everything it started, and a terminal's Ctrl-C does
 * not reach it (procpool decides). Should procpool die, even by SIGKILL, a
 * watchdog kills the groups of the commands still running (group-watchdog.ts).
 */
export class ExecBackend implements Backend {
  readonly batchSize = 1;
  readonly maxBatches: number;
  readonly minBatches: number;
  readonly #options: ExecOptions;
  readonly #running = new Set<Running>();
  readonly #freeSlots: number[];
  #execa: Execa | undefined;
  #watchdog: GroupWatchdog | undefined;
  #memoryTimer: NodeJS.Timeout | undefined;
  #killed = false;

  constructor(options: ExecOptions) {
    this.#options = options;
    this.maxBatches = options.jobs;
    this.minBatches = options.jobs;
    this.#freeSlots = Array.from({ length: options.jobs }, (_, i) => options.jobs - i);
  }

  async start(): Promise<void> {
    const [command] = this.#options.argv;
    const quoted = this.#options.shell ? quotedReplacement(this.#options.argv.join(' ')) : undefined;
    if (quoted !== undefined) {
      throw new UsageError(
        `--shell: write ${quoted} outside quotes; procpool quotes each value itself (a quoted one could run as shell code)`,
      );
    }
    if (!this.#options.shell && !hasReplacement(command!) && findCommand(command!) === undefined) {
      throw new UsageError(`command not found: ${command}`);
    }
    this.#watchdog = new GroupWatchdog();
    // execa costs ~80 ms to import: only exec loads it (docs/cli.md).
    this.#execa = (await import('execa')).execa;
    if (this.#options.maxMemory !== undefined) {
      this.#memoryTimer = setInterval(() => void this.#checkMemory(), MEMORY_POLL).unref();
    }
  }

  async run(items: readonly Item[]): Promise<Outcome[] | undefined> {
    const item = items[0]!;
    const slot = this.#freeSlots.pop() ?? 0;
    try {
      const outcome = await this.#runOne(item, slot);
      return this.#killed ? undefined : [outcome];
    } finally {
      this.#freeSlots.push(slot);
    }
  }

  async #runOne(item: Item, slot: number): Promise<Outcome> {
    const { argv, shell, timeout, passthrough } = this.#options;
    const values = { line: item.text, number: item.index + 1, slot };
    const [file, ...args] = shell ? ['/bin/sh', '-c', expandShell(argv, values)] : expandArgs(argv, values);
    let subprocess: Subprocess;
    try {
      subprocess = this.#execa!(file!, args, {
        reject: false,
        stdin: 'ignore',
        stripFinalNewline: false,
        detached: true,
        cleanup: false,
        maxBuffer: MAX_BUFFER,
      });
    } catch (error) {
      // Arguments execa refuses outright (a NUL byte in one): the line says so, in its usual shape.
      const { message } = error instanceof Error ? error : new Error(String(error));
      return outcomeOf(
        { exitCode: undefined, signal: undefined, stdout: '', stderr: '', shortMessage: message } as unknown as Result,
        undefined,
        passthrough,
      );
    }
    // Its output ends when it exits, or PIPE_GRACE_MS later: a process it started may hold the pipes open.
    subprocess.once('exit', () => {
      setTimeout(() => {
        subprocess.stdout?.destroy();
        subprocess.stderr?.destroy();
      }, PIPE_GRACE_MS).unref();
    });
    const running: Running = { pid: subprocess.pid ?? 0 };
    if (running.pid !== 0) {
      this.#running.add(running);
      this.#watchdog?.add(running.pid);
    }
    const timer =
      timeout === undefined
        ? undefined
        : setTimeout(
            () => this.#kill(running, { name: 'TaskTimeoutError', message: `timed out after ${timeout} ms` }),
            timeout,
          );
    try {
      const result = await subprocess;
      return outcomeOf(result, running.killedFor, passthrough);
    } finally {
      clearTimeout(timer);
      this.#running.delete(running);
      // A killed group stays watched until its SIGKILL (#kill).
      if (running.pid !== 0 && running.killedFor === undefined) this.#watchdog?.remove(running.pid);
    }
  }

  // The whole group: the command and what it started. SIGTERM first, SIGKILL a second later.
  #kill(running: Running, reason: NonNullable<Running['killedFor']>): void {
    if (running.killedFor !== undefined) return;
    running.killedFor = reason;
    const signal = (name: NodeJS.Signals): void => {
      try {
        process.kill(-running.pid, name);
      } catch {
        // Already gone.
      }
    };
    signal('SIGTERM');
    // The group, also once its leader is gone: what ignored the SIGTERM goes now.
    setTimeout(() => {
      signal('SIGKILL');
      this.#watchdog?.remove(running.pid);
    }, KILL_AFTER).unref();
  }

  async #checkMemory(): Promise<void> {
    const limit = this.#options.maxMemory!;
    const usage = await groupMemory([...this.#running].map((running) => running.pid));
    for (const running of this.#running) {
      const rss = usage.get(running.pid) ?? 0;
      if (rss > limit) {
        this.#kill(running, {
          name: 'MemoryLimitError',
          message: `used ${rss} bytes of RSS, over --max-memory ${limit}`,
        });
      }
    }
  }

  restarts(): undefined {
    return undefined;
  }

  async kill(): Promise<void> {
    this.#killed = true;
    clearInterval(this.#memoryTimer);
    for (const running of this.#running) this.#kill(running, { name: 'Interrupted', message: 'killed by procpool' });
    while (this.#running.size > 0) await new Promise((resolve) => setTimeout(resolve, 10));
    this.#watchdog?.close();
  }

  close(): Promise<void> {
    clearInterval(this.#memoryTimer);
    this.#watchdog?.close();
    return Promise.resolve();
  }
}

function outcomeOf(result: Result, killedFor: Running['killedFor'], passthrough: boolean): Outcome {
  const { exitCode, signal } = result;
  const stdout = typeof result.stdout === 'string' ? result.stdout : '';
  const stderr = typeof result.stderr === 'string' ? result.stderr : '';
  const spawnError = exitCode === undefined && signal === undefined ? result.shortMessage : undefined;
  const cut = result.isMaxBuffer
    ? {
        name: 'MaxBufferError',
        message: `output cut at ${MAX_BUFFER / 2 ** 20} MiB a stream (the command was stopped)`,
      }
    : undefined;
  const error =
    killedFor ?? cut ?? (spawnError === undefined ? undefined : { name: 'SpawnError', message: spawnError });
  const failed = error !== undefined || exitCode !== 0;
  const reason = error?.message ?? (signal !== undefined ? `killed by ${signal}` : `exit code ${exitCode}`);
  if (passthrough) return { failed, stdout, stderr, reason };
  const fields = {
    exitCode: exitCode ?? null,
    signal: signal ?? null,
    stdout,
    stderr,
    ...(error === undefined ? {} : { error }),
  };
  // At most 2 × 16 MiB escaped 6 characters a byte: under V8's longest string.
  return { failed, json: JSON.stringify(fields).slice(1, -1), reason };
}
