import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from '@jest/globals';
import { jsonLines, runCli } from '../helpers/cli.js';
import { isAlive, waitFor } from '../helpers/processes.js';
import { tempDir } from '../helpers/temp.js';

// The names the commands wrote to DIR/runs as they started, sorted.
const runsIn = (dir: string): string[] =>
  existsSync(path.join(dir, 'runs'))
    ? readFileSync(path.join(dir, 'runs'), 'utf8').split('\n').filter(Boolean).sort()
    : [];

test('--retries 2: a command failing the first time and succeeding after is a success', async () => {
  const dir = tempDir();
  const script = 'echo "$0" >>"$1/runs"; if [ -e "$1/$0" ]; then echo again; else touch "$1/$0"; exit 3; fi';
  const result = await runCli(['exec', '-q', '--retries', '2', '--', 'sh', '-c', script, '{}', dir], {
    input: 'a\nb\n',
  });
  expect(result.code).toBe(0);
  expect(jsonLines(result.stdout)).toEqual([
    { index: 0, exitCode: 0, signal: null, stdout: 'again\n', stderr: '' },
    { index: 1, exitCode: 0, signal: null, stdout: 'again\n', stderr: '' },
  ]);
  expect(runsIn(dir)).toEqual(['a', 'a', 'b', 'b']);
});

test('--retries 2: a command that always fails runs 3 times, then its failure is written; exit 1', async () => {
  const dir = tempDir();
  const result = await runCli(
    ['exec', '-q', '--retries', '2', '--', 'sh', '-c', 'echo "$0" >>"$1/runs"; exit 4', '{}', dir],
    {
      input: 'a\n',
    },
  );
  expect(result.code).toBe(1);
  expect(jsonLines(result.stdout)).toEqual([{ index: 0, exitCode: 4, signal: null, stdout: '', stderr: '' }]);
  expect(runsIn(dir)).toEqual(['a', 'a', 'a']);
});

test('without --retries a failed command runs once', async () => {
  const dir = tempDir();
  const result = await runCli(['exec', '-q', '--', 'sh', '-c', 'echo "$0" >>"$1/runs"; exit 4', '{}', dir], {
    input: 'a\n',
  });
  expect(result.code).toBe(1);
  expect(runsIn(dir)).toEqual(['a']);
});

test('--fail-fast stops at the first failure: exit 1, the failing line not written, no later line run', async () => {
  const dir = tempDir();
  const result = await runCli(
    ['exec', '-j', '1', '--fail-fast', '--', 'sh', '-c', 'echo "$0" >>"$1/runs"; [ "$0" != bad ]', '{}', dir],
    { input: 'ok0\nok1\nbad\nok3\nok4\n' },
  );
  expect(result.code).toBe(1);
  expect(jsonLines(result.stdout).map((line) => line.index)).toEqual([0, 1]);
  expect(runsIn(dir)).toEqual(['bad', 'ok0', 'ok1']);
  expect(result.stderr).toContain('--fail-fast');
});

test('--fail-fast kills the commands still running, with what they started', async () => {
  const dir = tempDir();
  // "slow" starts a sleep and waits; "bad" fails once the sleep's pid is written.
  const script =
    'case $0 in slow) sleep 1000 & echo $! >"$1/pid.tmp"; mv "$1/pid.tmp" "$1/pid"; wait ;;' +
    ' *) until [ -e "$1/pid" ]; do sleep 0.01; done; exit 1 ;; esac';
  const result = await runCli(
    ['exec', '-q', '-j', '2', '--fail-fast', '--timeout', '30s', '--', 'sh', '-c', script, '{}', dir],
    { input: 'slow\nbad\n' },
  );
  expect(result.code).toBe(1);
  expect(result.stdout).toBe('');
  const pid = Number(readFileSync(path.join(dir, 'pid'), 'utf8'));
  const sleeping = (): boolean => {
    try {
      return isAlive(pid) && readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('sleep');
    } catch {
      return false; // gone
    }
  };
  await waitFor(() => !sleeping(), "the running command's sleep to go");
});
