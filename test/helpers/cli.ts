import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach } from '@jest/globals';

/** The built `procpool` bin (packages/procpool/dist/cli/main.js). */
export const BIN = fileURLToPath(new URL('../../packages/procpool/dist/cli/main.js', import.meta.url));

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliOptions {
  /** Written to its stdin, which is then closed; without it stdin is closed at once. */
  readonly input?: string;
  readonly cwd?: string;
  /** Added to this process's environment (`undefined` removes a variable). */
  readonly env?: Record<string, string | undefined>;
}

export interface RunningCli {
  readonly child: ChildProcess;
  /** Everything it wrote so far. */
  readonly stdout: () => string;
  readonly stderr: () => string;
  readonly done: Promise<CliResult>;
}

const started = new Set<ChildProcess>();

/** Starts `procpool ARGS` as a real process (node BIN ARGS); killed after the test if still running. */
export function startCli(args: readonly string[], options: CliOptions = {}): RunningCli {
  const env = { ...process.env, ...options.env };
  for (const [name, value] of Object.entries(options.env ?? {})) if (value === undefined) delete env[name];
  const child = spawn(process.execPath, [BIN, ...args], { cwd: options.cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
  started.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  child.stdin.on('error', () => {}); // it may exit before reading all of its input
  if (options.input !== undefined) child.stdin.end(options.input);
  else child.stdin.end();
  const done = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      started.delete(child);
      resolve({ code, signal, stdout, stderr });
    });
  });
  return { child, stdout: () => stdout, stderr: () => stderr, done };
}

/** Runs `procpool ARGS` to its end. */
export function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  return startCli(args, options).done;
}

/** The JSON output lines of a run, parsed. */
export const jsonLines = (stdout: string): Array<Record<string, unknown>> =>
  stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);

afterEach(async () => {
  const left = [...started];
  for (const child of left) child.kill('SIGKILL');
  await Promise.all(
    left.map(
      (child) =>
        new Promise((resolve) =>
          child.exitCode !== null || child.signalCode !== null ? resolve(null) : child.on('close', resolve),
        ),
    ),
  );
});
