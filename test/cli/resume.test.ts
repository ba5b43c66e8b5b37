import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@jest/globals';
import { runCli, startCli, type RunningCli } from '../helpers/cli.js';
import { descendants, isAlive, waitFor } from '../helpers/processes.js';
import { tempDir } from '../helpers/temp.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/cli/', import.meta.url));
const task = (name: string): string => `${FIXTURES}tasks.cjs#${name}`;
const COUNT = 400;
const ALL = Array.from({ length: COUNT }, (_, i) => i);

interface Run {
  readonly dir: string;
  readonly input: string;
  readonly output: string;
}

function prepare(count = COUNT): Run {
  const dir = tempDir();
  const input = path.join(dir, 'in.jsonl');
  writeFileSync(input, Array.from({ length: count }, (_, i) => `${i}\n`).join(''));
  return { dir, input, output: path.join(dir, 'out.jsonl') };
}

const outputText = (run: Run): string => (existsSync(run.output) ? readFileSync(run.output, 'utf8') : '');
const lineCount = (run: Run): number => outputText(run).split('\n').length - 1;

/** The output's lines, parsed; fails on a line cut short or not JSON. */
function outputLines(run: Run): Array<{ index: number; value?: unknown; error?: unknown }> {
  const text = outputText(run);
  if (text === '') return [];
  expect(text.endsWith('\n')).toBe(true);
  return text
    .slice(0, -1)
    .split('\n')
    .map((line) => JSON.parse(line) as { index: number; value?: unknown });
}

const indices = (run: Run): number[] => outputLines(run).map((line) => line.index);
const sorted = (numbers: number[]): number[] => [...numbers].sort((a, b) => a - b);

function start(run: Run, name: string, flags: string[] = []): RunningCli {
  return startCli(['map', task(name), '-j', '2', '--input', run.input, '--output', run.output, ...flags], {
    env: { PROCPOOL_CLI_TEST_DIR: run.dir },
  });
}

/** Runs --resume to the end: exit 0, and then every index is in the output exactly once, with its value. */
async function expectResumeCompletes(run: Run, name: string, flags: string[] = []): Promise<void> {
  const { code, stderr } = await start(run, name, ['--resume', ...flags]).done;
  expect({ code, stderr }).toMatchObject({ code: 0 });
  const lines = outputLines(run);
  expect(sorted(lines.map((line) => line.index))).toEqual(ALL);
  for (const line of lines) expect(line).toEqual({ index: line.index, value: line.index });
}

// The inputs the task started (it leaves a file "started-x" for each).
const started = (run: Run): number[] =>
  readdirSync(run.dir)
    .filter((name) => name.startsWith('started-'))
    .map((name) => Number(name.slice('started-'.length)));

test.each([
  ['in input order', []],
  ['with --unordered', ['--unordered']],
])(
  'SIGINT mid-run %s: running tasks finish, exit 130, whole lines; --resume does each index once',
  async (_, flags) => {
    const run = prepare();
    const cli = start(run, 'slow', flags);
    await waitFor(() => lineCount(run) >= 3, 'the first output lines');
    cli.child.kill('SIGINT');
    const { code, stderr } = await cli.done;
    expect(code).toBe(130);
    expect(stderr).toContain('interrupted');
    const done = indices(run);
    expect(new Set(done).size).toBe(done.length);
    expect(done.length).toBeLessThan(COUNT);
    // Every task that started finished and is in the output: none was killed or dropped.
    expect(sorted(started(run))).toEqual(sorted(done));
    if (flags.length === 0) expect(done).toEqual(ALL.slice(0, done.length));
    await expectResumeCompletes(run, 'slow', flags);
  },
);

test.each([
  ['a second SIGINT', 130, ['SIGINT', 'SIGINT']],
  ['SIGTERM', 143, ['SIGTERM']],
] as const)(
  '%s kills the running tasks: exit %i, no worker left, whole lines; --resume does each index once',
  async (_, exitCode, signals) => {
    const run = prepare();
    // Inputs from 100 on block their worker while the file "hold" exists.
    writeFileSync(path.join(run.dir, 'hold'), '');
    const cli = start(run, 'holdFrom100');
    await waitFor(() => readdirSync(run.dir).some((name) => name.startsWith('held-')), 'a task that blocks');
    const workers = descendants(cli.child.pid);
    expect(workers.length).toBeGreaterThan(0);
    for (const [i, signal] of signals.entries()) {
      cli.child.kill(signal);
      if (i < signals.length - 1) await waitFor(() => cli.stderr().includes('interrupted'), 'the interrupt taken');
    }
    await expect(cli.done).resolves.toMatchObject({ code: exitCode });
    await waitFor(() => workers.every(({ pid }) => !isAlive(pid)), 'the workers to be gone');
    const done = indices(run);
    expect(new Set(done).size).toBe(done.length);
    expect(done.every((index) => index < 100)).toBe(true);
    rmSync(path.join(run.dir, 'hold'));
    await expectResumeCompletes(run, 'holdFrom100');
  },
);

test('SIGKILL of procpool mid-run leaves no worker behind; --resume then does each index once', async () => {
  const run = prepare();
  const cli = start(run, 'slow');
  await waitFor(() => lineCount(run) >= 3 && descendants(cli.child.pid).length >= 2, 'output lines and workers');
  const workers = descendants(cli.child.pid);
  cli.child.kill('SIGKILL');
  await expect(cli.done).resolves.toMatchObject({ signal: 'SIGKILL' });
  await waitFor(() => workers.every(({ pid }) => !isAlive(pid)), 'the workers to be gone');
  await expectResumeCompletes(run, 'slow');
});

test.each([
  ['in input order', []],
  ['with --unordered', ['--unordered']],
])('after a --fail-fast stop %s, --resume runs what is missing: each index exactly once', async (_, flags) => {
  const run = prepare();
  writeFileSync(run.input, ALL.map((i) => `${i === 5 ? -5 : i}\n`).join(''));
  const stopped = await start(run, 'throwOnNegative', ['--fail-fast', ...flags]).done;
  expect(stopped.code).toBe(1);
  expect(indices(run)).not.toContain(5);
  const { code } = await start(run, 'throwOnNegative', ['--resume', ...flags]).done;
  expect(code).toBe(1);
  const lines = outputLines(run);
  expect(sorted(lines.map((line) => line.index))).toEqual(ALL);
  expect(lines.filter((line) => line.error !== undefined).map((line) => line.index)).toEqual([5]);
});

test('--resume drops a last line cut short (as a killed run may leave) and runs that index again', async () => {
  const run = prepare(20);
  // Indices 0..9 done by "an earlier run" (marked by their value), then index 10 cut mid-line.
  const earlier = Array.from({ length: 10 }, (_, i) => `{"index":${i},"value":"earlier"}\n`).join('');
  writeFileSync(run.output, `${earlier}{"index":10,"val`);
  const { code } = await runCli(['map', task('double'), '--input', run.input, '--output', run.output, '--resume']);
  expect(code).toBe(0);
  const lines = outputLines(run);
  expect(sorted(lines.map((line) => line.index))).toEqual(Array.from({ length: 20 }, (_, i) => i));
  expect(lines.slice(0, 10).map((line) => line.value)).toEqual(Array(10).fill('earlier'));
  expect(lines.find((line) => line.index === 10)).toEqual({ index: 10, value: 20 });
});

test('--resume with an --output that does not exist yet runs every input into it, exit 0', async () => {
  const run = prepare(5);
  const { code } = await runCli(['map', task('double'), '--input', run.input, '--output', run.output, '--resume']);
  expect(code).toBe(0);
  expect(outputLines(run)).toEqual([0, 1, 2, 3, 4].map((i) => ({ index: i, value: 2 * i })));
});

test('--resume over a complete output runs nothing and leaves it as it was, exit 0', async () => {
  const run = prepare(5);
  const complete = [0, 1, 2, 3, 4].map((i) => `{"index":${i},"value":"earlier"}\n`).join('');
  writeFileSync(run.output, complete);
  const { code } = await runCli(['map', task('double'), '--input', run.input, '--output', run.output, '--resume']);
  expect(code).toBe(0);
  expect(outputText(run)).toBe(complete);
});

test('--resume with an --output that is not procpool output: exit 2, the file untouched', async () => {
  const run = prepare(5);
  writeFileSync(run.output, 'not procpool output\n');
  const { code, stderr } = await runCli(['map', task('double'), '-i', run.input, '-o', run.output, '--resume']);
  expect(code).toBe(2);
  expect(stderr).toMatch(/^procpool: [^\n]*--resume[^\n]*\n$/);
  expect(outputText(run)).toBe('not procpool output\n');
});
