import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, test } from '@jest/globals';
import { jsonLines, runCli, startCli } from '../helpers/cli.js';
import { descendants, isAlive, waitFor } from '../helpers/processes.js';
import { tempDir } from '../helpers/temp.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/cli/', import.meta.url));
const task = (name: string): string => `${FIXTURES}tasks.cjs#${name}`;
const numbers = (count: number): string => Array.from({ length: count }, (_, i) => `${i}\n`).join('');

test.each([1, 3])('-j %i: the inputs run in at most that many worker processes', async (jobs) => {
  const { code, stdout } = await runCli(['map', task('pid'), '-j', String(jobs)], { input: numbers(30) });
  expect(code).toBe(0);
  const pids = new Set(jsonLines(stdout).map((line) => line.value));
  expect(pids.size).toBeGreaterThanOrEqual(1);
  expect(pids.size).toBeLessThanOrEqual(jobs);
});

test('every flag with a well-formed value is accepted: 1m30s, 2GiB, 500MB, 500M', async () => {
  const flags = [
    ['--timeout', '1m30s', '--max-memory', '2GiB', '--retries', '0', '--max-tasks-per-child', '5'],
    ['--timeout', '60s', '--max-memory', '500MB', '--chunksize', '2', '--progress-interval', '30s', '-j', '1'],
    ['--max-memory', '500M', '--unordered', '--quiet'],
  ];
  for (const args of flags) {
    const { code, stdout, stderr } = await runCli(['map', task('double'), ...args], { input: numbers(6) });
    expect({ args, code }).toEqual({ args, code: 0 });
    expect(jsonLines(stdout).sort((a, b) => Number(a.index) - Number(b.index))).toEqual(
      Array.from({ length: 6 }, (_, i) => ({ index: i, value: 2 * i })),
    );
    if (args.includes('--quiet')) expect(stderr).toBe('');
  }
});

test('values with newlines and line separators are still one output line each', async () => {
  const input = `${JSON.stringify('a\nb\r\nc')}\n${JSON.stringify({ s: '\u2028\u2029', t: '\t"' })}\n`;
  const { code, stdout } = await runCli(['map', task('echo')], { input });
  expect(code).toBe(0);
  expect(stdout.split('\n')).toHaveLength(3);
  expect(jsonLines(stdout).map((line) => line.value)).toEqual(['a\nb\r\nc', { s: '\u2028\u2029', t: '\t"' }]);
});

test('a reader that goes away (… | head -1) ends the run, and no worker is left', async () => {
  const cli = startCli(['map', task('later'), '-j', '2', '--quiet'], { input: numbers(5000) });
  await waitFor(() => cli.stdout().includes('\n') || cli.child.exitCode !== null, 'the first output line');
  const workers = descendants(cli.child.pid);
  cli.child.stdout?.destroy();
  const { code } = await cli.done;
  // 141 is what a shell reports for a writer killed by SIGPIPE.
  expect(code).toBe(141);
  await waitFor(() => workers.every(({ pid }) => !isAlive(pid)), 'the workers to be gone');
});

test('an --output that cannot be written (a full disk: /dev/full): exit 1, and stderr names the output', async () => {
  const { code, stderr } = await runCli(['map', task('double'), '--output', '/dev/full'], { input: numbers(5) });
  expect(code).toBe(1);
  expect(stderr).toMatch(/^procpool: .*\/dev\/full.*ENOSPC/m);
});

// Writers into a FIFO, killed if a test left one blocked on it.
const writers = new Set<ChildProcess>();
afterEach(() => {
  for (const writer of writers) writer.kill('SIGKILL');
  writers.clear();
});

test.each([
  ['with a progress display', []],
  ['with --quiet', ['--quiet']],
])('--input a FIFO (as `--input <(zcat data.gz)` gives), %s: every line is read once, in order', async (_, flags) => {
  const fifo = path.join(tempDir(), 'input.fifo');
  execFileSync('mkfifo', [fifo]);
  const count = 100_000;
  const writer = spawn('sh', ['-c', `seq 0 ${count - 1} > "$1"`, 'sh', fifo], { stdio: 'ignore' });
  writers.add(writer);
  const { code, stdout } = await runCli(['map', task('echo'), '-j', '2', '--input', fifo, ...flags]);
  expect(code).toBe(0);
  const lines = jsonLines(stdout);
  expect(lines.length).toBe(count);
  expect(lines.every((line, i) => line.index === i && line.value === i)).toBe(true);
});

test('--lines: multibyte characters that straddle the reader’s chunks arrive whole', async () => {
  // 20 000 lines of 2-, 3- and 4-byte characters: several 64 KiB chunks, split inside characters.
  const expected = Array.from({ length: 20_000 }, (_, i) => `${'é'.repeat(i % 7)}€😀${i}`);
  const { code, stdout } = await runCli(['map', task('echo'), '--lines', '-j', '2', '--quiet'], {
    input: expected.join('\n'),
  });
  expect(code).toBe(0);
  const values = jsonLines(stdout).map((line) => line.value);
  expect(values.length).toBe(expected.length);
  expect(values.every((value, i) => value === expected[i])).toBe(true);
});
