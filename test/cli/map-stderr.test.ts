import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@jest/globals';
import { jsonLines, runCli, startCli } from '../helpers/cli.js';
import { waitFor } from '../helpers/processes.js';
import { tempDir } from '../helpers/temp.js';

// The tests' stderr is a pipe: what a log file or CI gets.
const FIXTURES = fileURLToPath(new URL('../../fixtures/cli/', import.meta.url));
const task = (name: string): string => `${FIXTURES}tasks.cjs#${name}`;
const STATUS = /^procpool: \d+(\/\d+)? done, [\d.,]+\/s(, ETA \S+)?, \d+ failed, \d+ worker restarts$/;
const lastLine = (text: string): string => text.trimEnd().split('\n').at(-1) ?? '';
const SUMMARY = /^procpool: \d+ done.*, \d+ failed, \d+ worker restarts, in \d+\.\ds \([\d.,]+\/s\)$/;

test('status lines every --progress-interval while an input runs, then one summary line at the end', async () => {
  const dir = tempDir();
  const input = path.join(dir, 'in.jsonl');
  writeFileSync(input, '1\n"wait"\n3\n');
  const cli = startCli(['map', task('waitForRelease'), '-j', '2', '--input', input, '--progress-interval', '100ms'], {
    env: { PROCPOOL_CLI_TEST_DIR: dir },
  });
  // The input is a file: its line count, read in the background, becomes the total.
  await waitFor(() => /^procpool: \d\/3 done/m.test(cli.stderr()), 'a status line with the total');
  writeFileSync(path.join(dir, 'release'), '');
  const { code, stdout, stderr } = await cli.done;
  expect(code).toBe(0);
  expect(jsonLines(stdout).map((line) => line.value)).toEqual([1, 'wait', 3]);
  const lines = stderr.trimEnd().split('\n');
  const [summary, ...statuses] = [lines.pop()!, ...lines];
  expect(statuses.length).toBeGreaterThan(0);
  for (const status of statuses) expect(status).toMatch(STATUS);
  expect(summary).toMatch(SUMMARY);
  expect(summary).toMatch(/^procpool: 3 done, 0 failed/);
  expect(stderr).not.toContain('\x1b');
});

test('no escape codes on a stderr that is not a terminal, also after a failure and a worker restart', async () => {
  const dir = tempDir();
  const cli = startCli(['map', task('killWorkerOn'), '-j', '2', '--progress-interval', '100ms'], {
    input: '1\n"kill"\n3\n',
    env: { PROCPOOL_CLI_TEST_DIR: dir },
  });
  const { code, stderr } = await cli.done;
  expect(code).toBe(1);
  expect(lastLine(stderr)).toMatch(SUMMARY);
  expect(stderr).not.toContain('\x1b');
  expect(stderr).not.toContain('\r');
});

test('without --quiet a run ends with exactly one summary line', async () => {
  const { code, stderr } = await runCli(['map', task('throwOnNegative'), '-j', '2'], { input: '1\n-2\n3\n' });
  expect(code).toBe(1);
  expect(stderr).toMatch(/^procpool: 3 done, 1 failed, \d+ worker restarts, in [^\n]*\n$/);
  expect(lastLine(stderr)).toMatch(SUMMARY);
});

test('--quiet: nothing at all on stderr, also with failures, restarts and --progress-interval', async () => {
  const { code, stdout, stderr } = await runCli(
    ['map', task('killWorkerOn'), '-j', '2', '--quiet', '--progress-interval', '100ms'],
    { input: '1\n"kill"\n3\n-4\n' },
  );
  expect(code).toBe(1);
  expect(jsonLines(stdout)).toHaveLength(4);
  expect(stderr).toBe('');
});
