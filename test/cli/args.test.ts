import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@jest/globals';
import { runCli } from '../helpers/cli.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/cli/', import.meta.url));
const TASK = `${FIXTURES}tasks.cjs#double`;

// Each case: the arguments, and what its one line on stderr must name.
const usageErrors: Array<[string, string[], RegExp]> = [
  ['an unknown flag', ['map', TASK, '--frobnicate'], /--frobnicate/],
  ['an unknown short flag', ['map', TASK, '-x'], /-x/],
  ['no task', ['map'], /task/],
  ['a task without #EXPORT', ['map', `${FIXTURES}tasks.cjs`], /MODULE#EXPORT/],
  ['two tasks', ['map', TASK, TASK], /unexpected argument/],
  ['a task module that does not exist', ['map', `${FIXTURES}no-such-module.cjs#f`], /no-such-module\.cjs/],
  ['a relative task module that does not exist', ['map', './no-such-module.mjs#f'], /no-such-module\.mjs/],
  ['a package that does not exist', ['map', 'no-such-package-procpool#f'], /no-such-package-procpool/],
  ['an export that does not exist', ['map', `${FIXTURES}tasks.cjs#noSuchExport`], /noSuchExport/],
  ['an export that is not a function', ['map', `${FIXTURES}tasks.cjs#notAFunction`], /notAFunction/],
  ['a task module that throws as it loads', ['map', `${FIXTURES}throws-on-load.cjs#f`], /refuses to load/],
  ['--jobs 0', ['map', TASK, '--jobs', '0'], /--jobs/],
  ['-j abc', ['map', TASK, '-j', 'abc'], /--jobs.*abc/],
  ['--jobs 1.5', ['map', TASK, '--jobs', '1.5'], /--jobs/],
  ['--timeout abc', ['map', TASK, '--timeout', 'abc'], /--timeout.*abc/],
  ['--timeout 0', ['map', TASK, '--timeout', '0'], /--timeout/],
  ['--timeout without a value', ['map', TASK, '--timeout'], /--timeout/],
  ['--max-memory 500X', ['map', TASK, '--max-memory', '500X'], /--max-memory.*500X/],
  ['--max-memory -5', ['map', TASK, '--max-memory=-5'], /--max-memory/],
  ['--chunksize 0', ['map', TASK, '--chunksize', '0'], /--chunksize/],
  ['--max-tasks-per-child 0', ['map', TASK, '--max-tasks-per-child', '0'], /--max-tasks-per-child/],
  ['--retries x', ['map', TASK, '--retries', 'x'], /--retries/],
  ['--retries -1', ['map', TASK, '--retries', '-1'], /--retries/],
  ['--progress-interval abc', ['map', TASK, '--progress-interval', 'abc'], /--progress-interval/],
  ['--resume without --output', ['map', TASK, '--resume'], /--resume.*--output/],
  ['--lines with --spread', ['map', TASK, '--lines', '--spread'], /--lines.*--spread/],
  ["exec's --shell given to map", ['map', TASK, '--shell'], /--shell/],
  ['an --input file that does not exist', ['map', TASK, '--input', `${FIXTURES}no-such-input.jsonl`], /no-such-input/],
  ['an --input that is a directory', ['map', TASK, '--input', FIXTURES], /is a directory/],
  ['an --output that is a directory', ['map', TASK, '--output', FIXTURES], /--output/],
  ['an unknown command', ['frobnicate'], /frobnicate/],
  ['no command', [], /command/],
];

test.each(usageErrors)('%s: exit 2, and one line on stderr that names the problem', async (_, args, names) => {
  const { code, stdout, stderr } = await runCli(args, { input: '1\n' });
  expect({ code, stdout }).toEqual({ code: 2, stdout: '' });
  expect(stderr).toMatch(/^procpool: [^\n]+\n$/);
  expect(stderr).toMatch(names);
});

// Every flag the contract (API.md §14) and docs/cli.md give map.
const MAP_FLAGS = [
  '--input',
  '--output',
  '--jobs',
  '-j',
  '--lines',
  '--spread',
  '--unordered',
  '--chunksize',
  '--timeout',
  '--retries',
  '--max-tasks-per-child',
  '--max-memory',
  '--resume',
  '--fail-fast',
  '--quiet',
  '--progress-interval',
  '--help',
];

test('map --help: exit 0, the usage and every flag on stdout, nothing on stderr', async () => {
  const { code, stdout, stderr } = await runCli(['map', '--help']);
  expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  expect(stdout).toContain('procpool map MODULE#EXPORT');
  for (const flag of MAP_FLAGS) expect(stdout).toMatch(new RegExp(`(^|[ ,])${flag}\\b`, 'm'));
  expect(stdout).not.toContain('--passthrough');
});

test('map -h is --help, even after a task', async () => {
  const help = await runCli(['map', '--help']);
  await expect(runCli(['map', TASK, '-h'])).resolves.toEqual(help);
});

test('procpool --help: exit 0, names both commands', async () => {
  const { code, stdout, stderr } = await runCli(['--help']);
  expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  expect(stdout).toMatch(/^\s*map /m);
  expect(stdout).toMatch(/^\s*exec /m);
});

test("procpool --version: the procpool package's version, exit 0", async () => {
  const { version } = JSON.parse(
    readFileSync(new URL('../../packages/procpool/package.json', import.meta.url), 'utf8'),
  ) as { version: string };
  await expect(runCli(['--version'])).resolves.toEqual({ code: 0, signal: null, stdout: `${version}\n`, stderr: '' });
});
