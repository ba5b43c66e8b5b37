import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@jest/globals';
import { jsonLines, runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/cli/', import.meta.url));
const task = (name: string): string => `${FIXTURES}tasks.cjs#${name}`;
const numbers = (count: number): string => Array.from({ length: count }, (_, i) => `${i}\n`).join('');
const errorName = (line: Record<string, unknown> | undefined): unknown => (line?.error as { name?: unknown }).name;
const summaryOf = (stderr: string): string => stderr.trimEnd().split('\n').at(-1) ?? '';

test('--timeout 200ms: a task that never ends fails with TaskTimeoutError, the others are fine, exit 1', async () => {
  const { code, stdout } = await runCli(['map', task('hangOn'), '-j', '2', '--timeout', '200ms'], {
    input: '1\n"hang"\n3\n4\n',
  });
  expect(code).toBe(1);
  const lines = jsonLines(stdout);
  expect(lines.map((line) => line.index)).toEqual([0, 1, 2, 3]);
  expect(errorName(lines[1])).toBe('TaskTimeoutError');
  expect([lines[0]?.value, lines[2]?.value, lines[3]?.value]).toEqual([1, 3, 4]);
});

test('--timeout far above what tasks take changes nothing', async () => {
  const { code, stdout } = await runCli(['map', task('double'), '-j', '2', '--timeout', '60s'], { input: numbers(5) });
  expect(code).toBe(0);
  expect(jsonLines(stdout).map((line) => line.value)).toEqual([0, 2, 4, 6, 8]);
});

test('--max-tasks-per-child 1: each input runs in a new worker, and the summary counts the restarts', async () => {
  const { code, stdout, stderr } = await runCli(['map', task('pid'), '-j', '2', '--max-tasks-per-child', '1'], {
    input: numbers(8),
  });
  expect(code).toBe(0);
  const pids = jsonLines(stdout).map((line) => line.value);
  expect(pids).toHaveLength(8);
  expect(new Set(pids).size).toBe(8);
  expect(pids).not.toContain(process.pid);
  // 8 workers at least, 2 of them the first ones.
  const restarts = /(\d+) worker restarts/.exec(summaryOf(stderr));
  expect(Number(restarts?.[1])).toBeGreaterThanOrEqual(6);
});

test('--max-memory 60MB: a worker whose RSS grew past it after a task is replaced; every input succeeds', async () => {
  const { code, stdout, stderr } = await runCli(['map', task('holdMegabytes'), '-j', '1', '--max-memory', '60MB'], {
    input: '100\n100\n100\n',
  });
  expect(code).toBe(0);
  const pids = jsonLines(stdout).map((line) => line.value);
  expect(pids).toHaveLength(3);
  expect(new Set(pids).size).toBe(3);
  expect(Number(/(\d+) worker restarts/.exec(summaryOf(stderr))?.[1])).toBeGreaterThanOrEqual(2);
});

// The others include inputs that finished on that worker just before; each task takes 2 ms, so their answers had left (fixtures/cli/tasks.cjs).
test('a task that SIGKILLs its worker fails that input with WorkerLostError; the others are fine, exit 1', async () => {
  const { code, stdout, stderr } = await runCli(['map', task('killWorkerOnAfter2ms'), '-j', '2'], {
    input: '1\n2\n"kill"\n4\n5\n6\n',
  });
  expect(code).toBe(1);
  const lines = jsonLines(stdout);
  expect(lines.map((line) => line.index)).toEqual([0, 1, 2, 3, 4, 5]);
  expect(errorName(lines[2])).toBe('WorkerLostError');
  expect(lines.filter((line) => line.error === undefined).map((line) => line.value)).toEqual([1, 2, 4, 5, 6]);
  expect(summaryOf(stderr)).toMatch(/1 failed, [1-9]\d* worker restarts/);
});

test('--retries 2: an input whose first run crashes its worker succeeds on a later run, exit 0', async () => {
  const dir = tempDir();
  const { code, stdout } = await runCli(['map', task('crashOnce'), '-j', '2', '--retries', '2'], {
    input: '1\n2\n3\n',
    env: { PROCPOOL_CLI_TEST_DIR: dir },
  });
  // Each input crashed once (its file says so) and was run again.
  expect([1, 2, 3].map((x) => existsSync(path.join(dir, `crashed-${x}`)))).toEqual([true, true, true]);
  expect(code).toBe(0);
  expect(jsonLines(stdout)).toEqual([
    { index: 0, value: 1 },
    { index: 1, value: 2 },
    { index: 2, value: 3 },
  ]);
});

test('--retries 2: an input that fails every time runs 3 times and has one error line, exit 1', async () => {
  const dir = tempDir();
  const { code, stdout } = await runCli(['map', task('failCounted'), '--retries', '2'], {
    input: '7\n',
    env: { PROCPOOL_CLI_TEST_DIR: dir },
  });
  expect(code).toBe(1);
  expect(readFileSync(path.join(dir, 'runs-7'), 'utf8')).toBe('...');
  expect(jsonLines(stdout)).toEqual([
    { index: 0, error: expect.objectContaining({ name: 'Error', message: 'fails every time: 7' }) as unknown },
  ]);
});

test('--fail-fast: the run stops at a failure, exit 1; the failed input is not in the output, the summary names it', async () => {
  // Input 5 fails; those after it never end, so only --fail-fast (killing them) ends the run.
  const input = numbers(50).replace(/^5$/m, '-5');
  const { code, stdout, stderr } = await runCli(['map', task('throwOnNegativeHangAbove5'), '-j', '2', '--fail-fast'], {
    input,
  });
  expect(code).toBe(1);
  // In input order, a prefix of 0..4: those whose answers came before the failure (the rest were killed).
  const lines = jsonLines(stdout);
  expect(lines).toEqual([0, 1, 2, 3, 4].slice(0, lines.length).map((index) => ({ index, value: index })));
  expect(summaryOf(stderr)).toMatch(/fail-fast.*input 5\b.*negative input: -5/);
});

test('--fail-fast --unordered: the same', async () => {
  const input = numbers(50).replace(/^5$/m, '-5');
  const { code, stdout, stderr } = await runCli(
    ['map', task('throwOnNegativeHangAbove5'), '-j', '2', '--fail-fast', '--unordered'],
    { input },
  );
  expect(code).toBe(1);
  const indices = jsonLines(stdout).map((line) => line.index as number);
  expect(indices.every((index) => index < 5)).toBe(true);
  expect(summaryOf(stderr)).toMatch(/fail-fast.*input 5\b/);
});
