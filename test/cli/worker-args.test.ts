import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect, test } from '@jest/globals';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';

// `procpool worker`'s command line, without Redis: help, usage errors, and
// what it loads. (test/cli/worker.test.ts runs it against a redis-server.)

const REDIS = ['--redis', 'redis://127.0.0.1:6379', '--queue', 'q'];

// Each case: the arguments after `worker`, and what its one line on stderr must name.
const usageErrors: Array<[string, string[], RegExp]> = [
  ['no --redis', ['--queue', 'q'], /--redis/],
  ['no --queue', ['--redis', 'redis://127.0.0.1:6379'], /--queue/],
  ['an empty --queue', ['--redis', 'redis://127.0.0.1:6379', '--queue', ''], /--queue/],
  ['a --queue with a colon', ['--redis', 'redis://127.0.0.1:6379', '--queue', 'a:b'], /--queue.*'a:b'/],
  ['a --redis that is not a URL', ['--redis', '127.0.0.1:6379', '--queue', 'q'], /--redis.*127\.0\.0\.1:6379/],
  ['a --redis that is not redis://', ['--redis', 'http://127.0.0.1:6379', '--queue', 'q'], /--redis.*http:/],
  ['a --redis without a host', ['--redis', 'redis://', '--queue', 'q'], /--redis/],
  ['-j 0', [...REDIS, '-j', '0'], /--jobs/],
  ['--jobs abc', [...REDIS, '--jobs', 'abc'], /--jobs.*abc/],
  ['--max-tasks-per-child 0', [...REDIS, '--max-tasks-per-child', '0'], /--max-tasks-per-child/],
  ['--max-memory 500X', [...REDIS, '--max-memory', '500X'], /--max-memory.*500X/],
  ['--timeout 0', [...REDIS, '--timeout', '0'], /--timeout/],
  ['--lock-duration without a unit', [...REDIS, '--lock-duration', '4000'], /--lock-duration.*4000/],
  ['--stalled-interval abc', [...REDIS, '--stalled-interval', 'abc'], /--stalled-interval.*abc/],
  ['--connect-timeout -1', [...REDIS, '--connect-timeout=-1'], /--connect-timeout/],
  ['--reconnect-timeout without a unit', [...REDIS, '--reconnect-timeout', '5'], /--reconnect-timeout.*'5'/],
  ['an empty --name', [...REDIS, '--name', ''], /--name/],
  ['an empty --allow-module', [...REDIS, '--allow-module', ''], /--allow-module/],
  ['a --name with a space', [...REDIS, '--name', 'a b'], /--name.*'a b'/],
  ['an argument', [...REDIS, 'tasks.mjs#f'], /unexpected argument 'tasks\.mjs#f'/],
  ["map's --input", [...REDIS, '--input', 'in.jsonl'], /--input/],
  ['an unknown flag', [...REDIS, '--frobnicate'], /--frobnicate/],
];

test.each(usageErrors)('worker with %s: exit 2, one line on stderr that names the problem', async (_, args, names) => {
  // No REDIS_URL from the environment of whoever runs the tests.
  const { code, stdout, stderr } = await runCli(['worker', ...args], { env: { REDIS_URL: undefined } });
  expect({ code, stdout }).toEqual({ code: 2, stdout: '' });
  expect(stderr).toMatch(/^procpool: [^\n]+ \(see procpool worker --help\)\n$/);
  expect(stderr).toMatch(names);
});

test('a --redis URL that is refused does not show its password', async () => {
  for (const url of ['http://user:hunter2@127.0.0.1:6379', 'redis://:hunter2@[::1:6379', 'redis://user:hunter2@']) {
    const { code, stderr } = await runCli(['worker', '--redis', url, '--queue', 'q']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^procpool: --redis [^\n]+\n$/);
    expect(stderr).not.toContain('hunter2');
  }
});

// Every flag API.md §15 and the issue give the worker, and ours.
const WORKER_FLAGS = [
  '--redis',
  '--queue',
  '--jobs',
  '-j',
  '--max-tasks-per-child',
  '--max-memory',
  '--timeout',
  '--lock-duration',
  '--stalled-interval',
  '--connect-timeout',
  '--reconnect-timeout',
  '--name',
  '--help',
];

test('worker --help: exit 0, the usage, every flag, the short lock defaults and the signals, on stdout', async () => {
  const { code, stdout, stderr } = await runCli(['worker', '--help']);
  expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  expect(stdout).toContain('usage: procpool worker --redis URL --queue NAME');
  for (const flag of WORKER_FLAGS) expect(stdout).toMatch(new RegExp(`(^|[ ,])${flag}\\b`, 'm'));
  expect(stdout).toMatch(/--lock-duration DURATION .*default 4s/);
  expect(stdout).toMatch(/--stalled-interval DURATION .*default 2s/);
  expect(stdout).toMatch(/SIGTERM or SIGINT/);
  expect(stdout).toMatch(/130 \(SIGINT\) or 143 \(SIGTERM\)/);
  // map's and exec's flags are not the worker's.
  for (const flag of ['--input', '--output', '--retries', '--resume', '--passthrough'])
    expect(stdout).not.toContain(flag);
});

test('worker -h is --help, also after other flags; procpool --help names the worker command', async () => {
  const help = await runCli(['worker', '--help']);
  await expect(runCli(['worker', ...REDIS, '-h'])).resolves.toEqual(help);
  const general = await runCli(['--help']);
  expect(general.code).toBe(0);
  expect(general.stdout).toMatch(/^\s*worker --redis URL /m);
});

// An ES module hook (in Node's loader thread) that appends every specifier
// resolved to FILE: what a run of the command imported, @procpool/bullmq or not.
function importLog(): { env: Record<string, string>; imported: () => string[] } {
  const dir = tempDir();
  const log = path.join(dir, 'imports.log');
  writeFileSync(log, '');
  const hooks = path.join(dir, 'hooks.mjs');
  writeFileSync(
    hooks,
    `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  appendFileSync(${JSON.stringify(log)}, specifier + '\\n');
  return next(specifier, context);
}\n`,
  );
  const register = path.join(dir, 'register.mjs');
  writeFileSync(
    register,
    `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`,
  );
  return {
    env: { NODE_OPTIONS: `--import ${pathToFileURL(register).href}` },
    imported: () => readFileSync(log, 'utf8').split('\n'),
  };
}

test('@procpool/bullmq (BullMQ: ~100 ms to load) loads only when a worker starts: not for --help, map or a usage error', async () => {
  const cases: Array<[string[], number, boolean]> = [
    [['--help'], 0, false],
    [['map', '--help'], 0, false],
    [['worker', '--help'], 0, false],
    [['worker', ...REDIS, '-j', '0'], 2, false],
    // Nothing listens on port 1: it loads the package, then cannot connect.
    [['worker', '--redis', 'redis://127.0.0.1:1', '--queue', 'q', '--connect-timeout', '1s'], 1, true],
  ];
  for (const [args, exitCode, loads] of cases) {
    const log = importLog();
    const { code } = await runCli(args, { env: log.env });
    expect({ args, code }).toEqual({ args, code: exitCode });
    const bullmq = log.imported().some((specifier) => specifier === '@procpool/bullmq' || specifier === 'bullmq');
    expect({ args, loads: bullmq }).toEqual({ args, loads });
  }
});
