import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';

const fixture = fileURLToPath(new URL('../../fixtures/bullmq/worker-process.mjs', import.meta.url));

/** How a process ended. */
export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A worker process (fixtures/bullmq/worker-process.mjs) that said `ready`. */
export interface WorkerProcess {
  readonly pid: number;
  /** Its worker's name (`host:pid` unless given). */
  readonly name: string;
  /** Resolves with the first stdout line (past or future) that starts with `prefix`; rejects if it exits first. */
  line(prefix: string): Promise<string>;
  readonly exited: Promise<Exit>;
  readonly stderr: () => string;
  /** SIGTERM: a graceful close. */
  sigterm(): void;
  /** SIGKILL to its process group (the machine dies), then its exit. */
  kill(): Promise<Exit>;
}

// Every copy of this module in the jest worker (one per test file) shares one set and one exit handler.
const key = Symbol.for('procpool.test.bullmqWorkerProcesses');
const registry = globalThis as { [key]?: Map<ChildProcess, string> };
const running = registry[key] ?? new Map<ChildProcess, string>();
if (registry[key] === undefined) {
  registry[key] = running;
  // A jest worker that exits before the afterEach leaves no worker process (nor its directory) behind.
  process.on('exit', () => {
    for (const [child, tmp] of running) {
      killGroup(child);
      rmSync(tmp, { recursive: true, force: true });
    }
  });
}

/**
 * Starts a worker process with these createWorker options (JSON) and resolves
 * once it is connected; rejects with its stderr if it exits first.
 */
export async function startWorkerProcess(options: Record<string, unknown>): Promise<WorkerProcess> {
  // A SIGKILLed Pool leaves its pipe directory behind: in a temporary directory of the process's own,
  // removed once it has exited.
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'procpool-worker-'));
  // Its own process group: kill() takes it with anything it started in that group.
  const child = spawn(process.execPath, [fixture, JSON.stringify(options)], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, TMPDIR: tmp },
  });
  running.set(child, tmp);
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const exited = new Promise<Exit>((resolve) =>
    child.once('close', (code, signal) => {
      running.delete(child);
      rmSync(tmp, { recursive: true, force: true });
      resolve({ code, signal });
    }),
  );
  closed.set(child, exited);
  const lines: string[] = [];
  const waiting: Array<{ prefix: string; resolve(line: string): void }> = [];
  readline.createInterface({ input: child.stdout }).on('line', (text) => {
    lines.push(text);
    for (const waiter of waiting.filter((w) => text.startsWith(w.prefix))) {
      waiting.splice(waiting.indexOf(waiter), 1);
      waiter.resolve(text);
    }
  });
  const line = (prefix: string): Promise<string> => {
    const seen = lines.find((text) => text.startsWith(prefix));
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      waiting.push({ prefix, resolve });
      void exited.then(({ code, signal }) =>
        reject(new Error(`worker process exited (${signal ?? code}) before '${prefix}'; stderr:\n${stderr}`)),
      );
    });
  };
  const ready = await line('ready ');
  const [, name = ''] = ready.split(' ');
  return {
    pid: child.pid!,
    name,
    line,
    exited,
    stderr: () => stderr,
    sigterm: () => child.kill('SIGTERM'),
    kill: async () => {
      killGroup(child);
      return exited;
    },
  };
}

const closed = new WeakMap<ChildProcess, Promise<Exit>>();

function killGroup(child: ChildProcess): void {
  if (child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid!, 'SIGKILL');
  } catch {
    // gone already
  }
}

/** SIGKILLs every worker process still running and waits for them (an afterEach of each file's describe). */
export async function killWorkerProcesses(): Promise<void> {
  const all = [...running.keys()];
  for (const child of all) killGroup(child);
  await Promise.all(all.map((child) => closed.get(child) ?? Promise.resolve()));
}
