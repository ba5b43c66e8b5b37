import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, test } from '@jest/globals';
import { BIN, runCli } from '../helpers/cli.js';
import { waitFor } from '../helpers/processes.js';
import { tempDir } from '../helpers/temp.js';

// A terminal's Ctrl-C sends SIGINT to the whole foreground process group: procpool and its workers.
// These runs are started here, each in a process group of its own, so the test can do the same.

const FIXTURES = fileURLToPath(new URL('../../fixtures/cli/', import.meta.url));
const task = (name: string): string => `${FIXTURES}tasks.cjs#${name}`;

const groups = new Set<ChildProcess>();
afterEach(() => {
  for (const child of groups) {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // the whole group is gone already
    }
  }
  groups.clear();
});

interface Run {
  readonly dir: string;
  readonly count: number;
  readonly input: string;
  readonly output: string;
}

function prepare(count: number): Run {
  const dir = tempDir();
  const input = path.join(dir, 'in.jsonl');
  writeFileSync(input, Array.from({ length: count }, (_, i) => `${i}\n`).join(''));
  return { dir, count, input, output: path.join(dir, 'out.jsonl') };
}

const outputText = (run: Run): string => (existsSync(run.output) ? readFileSync(run.output, 'utf8') : '');
const lineCount = (run: Run): number => outputText(run).split('\n').length - 1;
function outputLines(run: Run): Array<{ index: number; value?: unknown; error?: unknown }> {
  const text = outputText(run);
  expect(text === '' || text.endsWith('\n')).toBe(true);
  return text === ''
    ? []
    : text
        .slice(0, -1)
        .split('\n')
        .map((line) => JSON.parse(line) as { index: number });
}
const sorted = (numbers: number[]): number[] => [...numbers].sort((a, b) => a - b);
const started = (run: Run): number[] =>
  readdirSync(run.dir)
    .filter((name) => name.startsWith('started-'))
    .map((name) => Number(name.slice('started-'.length)));

/** `procpool map` over the run's input into its output, in a process group of its own. */
function startInGroup(
  run: Run,
  name: string,
  flags: string[] = [],
): { child: ChildProcess; closed: Promise<number | null> } {
  const args = [BIN, 'map', task(name), '-j', '2', '-i', run.input, '-o', run.output, ...flags];
  const env = { ...process.env, PROCPOOL_CLI_TEST_DIR: run.dir };
  const child = spawn(process.execPath, args, { detached: true, stdio: 'ignore', env });
  groups.add(child);
  const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
  void closed.then(() => groups.delete(child));
  return { child, closed };
}

/** Runs --resume to the end: exit 0, and then every index is in the output exactly once, with its value. */
async function expectResumeCompletes(run: Run, name: string, flags: string[] = []): Promise<void> {
  const args = ['map', task(name), '-j', '2', '-i', run.input, '-o', run.output, '--resume', ...flags];
  const { code } = await runCli(args, { env: { PROCPOOL_CLI_TEST_DIR: run.dir } });
  expect(code).toBe(0);
  const lines = outputLines(run);
  expect(sorted(lines.map((line) => line.index))).toEqual(Array.from({ length: run.count }, (_, i) => i));
  for (const line of lines) expect(line).toEqual({ index: line.index, value: line.index });
}

// The direct children of a process (its workers): cheaper to poll than a scan of /proc.
const childrenOf = (pid: number): number[] =>
  readdirSync(`/proc/${pid}/task`).flatMap((thread) => {
    try {
      return readFileSync(`/proc/${pid}/task/${thread}/children`, 'utf8').split(' ').filter(Boolean).map(Number);
    } catch {
      return []; // the thread is gone
    }
  });

test('Ctrl-C: the running tasks still finish (the workers ignore it), exit 130; --resume does each index once', async () => {
  const run = prepare(400);
  const { child, closed } = startInGroup(run, 'slow');
  await waitFor(() => lineCount(run) >= 3, 'the first output lines');
  process.kill(-child.pid!, 'SIGINT');
  expect(await closed).toBe(130);
  const lines = outputLines(run);
  expect(lines.filter((line) => line.error !== undefined)).toEqual([]);
  expect(sorted(started(run))).toEqual(sorted(lines.map((line) => line.index)));
  await expectResumeCompletes(run, 'slow');
});

test('Ctrl-C while workers are starting (-j 4 --max-tasks-per-child 1): no input fails; --resume does each index once', async () => {
  const run = prepare(60);
  const { child, closed } = startInGroup(run, 'slow', ['-j', '4', '--max-tasks-per-child', '1']);
  await waitFor(() => lineCount(run) >= 4, 'workers replaced a few times');
  // A worker process that was not there a moment ago is still starting: the Ctrl-C reaches it then.
  const known = new Set(childrenOf(child.pid!));
  await waitFor(() => childrenOf(child.pid!).some((pid) => !known.has(pid)), 'a new worker');
  process.kill(-child.pid!, 'SIGINT');
  expect(await closed).toBe(130);
  const failed = outputLines(run).filter((line) => line.error !== undefined);
  expect({ failed: failed.length, first: failed[0] }).toEqual({ failed: 0, first: undefined });
  await expectResumeCompletes(run, 'slow', ['--max-tasks-per-child', '1']);
});

test('SIGINT while stdin is still open (its producer not done): procpool stops reading, exit 130, the lines done written', async () => {
  const child = spawn(process.execPath, [BIN, 'map', task('double'), '-j', '2'], {
    detached: true,
    stdio: ['pipe', 'pipe', 'ignore'],
  });
  groups.add(child);
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
  child.stdin.on('error', () => {});
  child.stdin.write('1\n2\n3\n'); // and no end: as `tail -f log | procpool map …`
  await waitFor(() => stdout.split('\n').length > 3, 'the three output lines');
  child.kill('SIGINT');
  expect(await closed).toBe(130);
  groups.delete(child);
  child.stdin.destroy();
  expect(stdout).toBe('{"index":0,"value":2}\n{"index":1,"value":4}\n{"index":2,"value":6}\n');
});
