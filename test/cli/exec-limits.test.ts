import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@jest/globals';
import { jsonLines, runCli } from '../helpers/cli.js';
import { isAlive, waitFor } from '../helpers/processes.js';
import { tempDir } from '../helpers/temp.js';

const ALLOCATE = fileURLToPath(new URL('../../fixtures/cli-exec/allocate.mjs', import.meta.url));
const node = process.execPath;

// Alive and still the program it was (a pid may be reused once it is gone).
function runs(pid: number, program: string): boolean {
  try {
    return isAlive(pid) && readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith(program);
  } catch {
    return false;
  }
}

// The fields of the line of a command procpool killed for `name`.
const killedFor = (name: string): Record<string, unknown> => ({
  exitCode: null,
  signal: expect.stringMatching(/^SIG(TERM|KILL)$/),
  error: { name, message: expect.any(String) as unknown },
});

test('--timeout 300ms: the command and every process it started are killed, TaskTimeoutError, exit 1', async () => {
  // Prints the pids of the two sleeps it starts, then waits for them.
  const script = 'sleep 1000 & echo $!; sleep 1000 & echo $!; wait';
  const result = await runCli(['exec', '-q', '--timeout', '300ms', '--', 'sh', '-c', script], { input: 'a\n' });
  expect(result.code).toBe(1);
  const lines = jsonLines(result.stdout);
  expect(lines).toEqual([expect.objectContaining({ index: 0, ...killedFor('TaskTimeoutError') })]);
  const pids = (lines[0]!.stdout as string).split('\n').filter(Boolean).map(Number);
  expect(pids).toHaveLength(2);
  await waitFor(() => !pids.some((pid) => runs(pid, 'sleep')), 'the sleeps the timed-out command started to go');
});

test('--timeout: a command that ignores SIGTERM is killed with SIGKILL, with what it started', async () => {
  // Ignored signals stay ignored across exec: the sleeps ignore SIGTERM too.
  const script = 'trap "" TERM; sleep 1000 & echo $!; sleep 1000 & echo $!; wait; echo survived';
  const result = await runCli(['exec', '-q', '--timeout', '300ms', '--', 'sh', '-c', script], { input: 'a\n' });
  expect(result.code).toBe(1);
  const lines = jsonLines(result.stdout);
  expect(lines).toEqual([expect.objectContaining({ ...killedFor('TaskTimeoutError'), signal: 'SIGKILL' })]);
  const pids = (lines[0]!.stdout as string).split('\n').filter(Boolean).map(Number);
  expect(pids).toHaveLength(2);
  await waitFor(() => !pids.some((pid) => runs(pid, 'sleep')), 'the sleeps to go');
});

test('--timeout: a command that finishes in time runs as usual', async () => {
  const result = await runCli(['exec', '-q', '--timeout', '30s', '--', 'echo'], { input: 'a\nb\n' });
  expect(result.code).toBe(0);
  expect(jsonLines(result.stdout)).toEqual([
    { index: 0, exitCode: 0, signal: null, stdout: 'a\n', stderr: '' },
    { index: 1, exitCode: 0, signal: null, stdout: 'b\n', stderr: '' },
  ]);
});

// --timeout 30s only so that a limit not enforced fails the test rather than hanging it.
test('--max-memory 50MB: a command holding 200 MB is killed, MemoryLimitError, exit 1', async () => {
  const result = await runCli(['exec', '-q', '--max-memory', '50MB', '--timeout', '30s', '--', node, ALLOCATE], {
    input: '200\n',
  });
  expect(result.code).toBe(1);
  expect(jsonLines(result.stdout)).toEqual([expect.objectContaining({ index: 0, ...killedFor('MemoryLimitError') })]);
});

test("--max-memory counts the command's children: a shell whose child holds 200 MB is killed", async () => {
  const result = await runCli(
    [
      'exec',
      '-q',
      '--max-memory',
      '50MB',
      '--timeout',
      '30s',
      '--',
      'sh',
      '-c',
      '"$1" "$2" "$0"; echo after',
      '{}',
      node,
      ALLOCATE,
    ],
    { input: '200\n' },
  );
  expect(result.code).toBe(1);
  const lines = jsonLines(result.stdout);
  expect(lines).toEqual([expect.objectContaining({ index: 0, ...killedFor('MemoryLimitError') })]);
  expect(lines[0]!.stdout).not.toContain('after');
});

test('--max-memory 50MB: a command under the limit, measured while running, is not killed', async () => {
  const out = path.join(tempDir(), 'out.jsonl');
  // "small" runs until the line of "big" (killed for its memory) is in the output: it was measured too.
  const script = `case $0 in big) exec "$1" "$2" 200 ;; *) until grep -q '"index":0,' "$3"; do sleep 0.01; done; echo small ok ;; esac`;
  const result = await runCli(
    ['exec', '-q', '-j', '2', '--unordered', '--max-memory', '50MB', '--timeout', '30s', '-o', out, '--'].concat([
      'sh',
      '-c',
      script,
      '{}',
      node,
      ALLOCATE,
      out,
    ]),
    { input: 'big\nsmall\n' },
  );
  expect(result.code).toBe(1);
  const lines = jsonLines(readFileSync(out, 'utf8'));
  expect(lines).toEqual([
    expect.objectContaining({ index: 0, ...killedFor('MemoryLimitError') }),
    { index: 1, exitCode: 0, signal: null, stdout: 'small ok\n', stderr: '' },
  ]);
});
