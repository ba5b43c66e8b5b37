import { execFile, spawn, type ChildProcess } from 'node:child_process';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach } from '@jest/globals';

/** One JSON line a fixture printed. */
export type Event = Record<string, unknown>;

/** A child process that reports on stdout, one JSON object per line. */
export interface LineProcess {
  readonly child: ChildProcess;
  /** The next line, parsed; rejects (with its stderr) if the process exits first. */
  next(): Promise<Event>;
  /** How it exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILL, then its exit. */
  kill(): Promise<void>;
}

const running = new Set<LineProcess>();
const root = (file: string): string => fileURLToPath(new URL(`../../${file}`, import.meta.url));

export function startLines(command: string, args: readonly string[]): LineProcess {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const lines: Event[] = [];
  const waiting: Array<{ resolve(event: Event): void; reject(error: Error): void }> = [];
  let ended = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal })),
  );
  readline.createInterface({ input: child.stdout }).on('line', (line) => {
    const event = JSON.parse(line) as Event;
    const waiter = waiting.shift();
    if (waiter === undefined) lines.push(event);
    else waiter.resolve(event);
  });
  void exited.then(({ code, signal }) => {
    ended = true;
    running.delete(handle);
    const error = new Error(`${args.join(' ')} exited (${signal ?? code}) before the next line; stderr:\n${stderr}`);
    for (const waiter of waiting.splice(0)) waiter.reject(error);
  });
  const handle: LineProcess = {
    child,
    exited,
    next: () => {
      const line = lines.shift();
      if (line !== undefined) return Promise.resolve(line);
      if (ended) return Promise.reject(new Error(`${args.join(' ')} has exited; stderr:\n${stderr}`));
      return new Promise((resolve, reject) => waiting.push({ resolve, reject }));
    },
    kill: async () => {
      if (!ended) child.kill('SIGKILL');
      await exited;
    },
  };
  running.add(handle);
  return handle;
}

let python: Promise<string> | undefined;

/** The python3 that scripts/ensure-python.sh found (or installed); rejects saying why there is none. */
export function ensurePython(): Promise<string> {
  python ??= promisify(execFile)('bash', [root('scripts/ensure-python.sh')], { timeout: 600_000 }).then(
    ({ stdout }) => stdout.trim().split('\n').at(-1) ?? '',
    (error: Error & { stderr?: string }) => {
      throw new Error(`These tests need python3 >= 3.8: ${error.stderr ?? error.message}`);
    },
  );
  return python;
}

/** Runs fixtures/python/`script` with the python3 of ensurePython(). */
export async function startPython(script: string, args: readonly string[]): Promise<LineProcess> {
  return startLines(await ensurePython(), [root(`fixtures/python/${script}`), ...args]);
}

/** Runs a Node fixture. */
export function startNode(fixture: string, args: readonly string[]): LineProcess {
  return startLines(process.execPath, [root(fixture), ...args]);
}

afterEach(async () => {
  await Promise.all([...running].map((process) => process.kill()));
});
