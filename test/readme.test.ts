import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, test } from '@jest/globals';
import { isAlive, startGroup, waitFor } from './helpers/processes.js';

const run = promisify(execFile);
const root = (path: string): string => fileURLToPath(new URL(`../${path}`, import.meta.url));

test("the README's two-file example is examples/readme, word for word", () => {
  const readme = readFileSync(root('README.md'), 'utf8');
  for (const file of ['examples/readme/tasks.ts', 'examples/readme/main.ts']) {
    expect(readme).toContain('```ts\n' + readFileSync(root(file), 'utf8') + '```');
  }
});

test('the README example prints what its comments say', async () => {
  const { stdout } = await run(
    process.execPath,
    ['--import', root('fixtures/register-ts.mjs'), root('examples/readme/main.ts')],
    {
      timeout: 60_000,
    },
  );
  expect(stdout).toBe('[ 75025, 121393, 196418 ]\ntrue -1 is not positive\n');
});

test('the demo runs: map, a remote error, a crash the pool survives, recycling', async () => {
  const { stdout } = await run(process.execPath, [root('examples/demo.mjs')], { timeout: 60_000 });
  expect(stdout).toContain('[ 4, 2, 3, 5 ]');
  expect(stdout).toContain('caught ParseError (instanceof ParseError: true)');
  expect(stdout).toMatch(/WorkerLostError: pid \d+, signal SIGSEGV true/);
  expect(stdout).toContain('and the pool still works: 2');
  const pids = new Set([...stdout.matchAll(/ran in pid (\d+)/g)].map((m) => m[1]));
  expect(pids.size).toBeGreaterThanOrEqual(4);
});

test("docs/pool.md's two ways to close a pool are examples/pool, word for word, and print what their comments say", async () => {
  const doc = readFileSync(root('docs/pool.md'), 'utf8');
  const forms = [
    { file: 'examples/pool/await-using.ts', fence: 'ts', flags: ['--import', root('fixtures/register-ts.mjs')] },
    { file: 'examples/pool/try-finally.mjs', fence: 'js', flags: [] },
  ];
  for (const { file, fence, flags } of forms) {
    expect(doc).toContain('```' + fence + '\n' + readFileSync(root(file), 'utf8') + '```');
    const { stdout } = await run(process.execPath, [...flags, root(file)], { timeout: 60_000 });
    expect(stdout).toBe('[ 1, 4, 9 ]\n');
  }
});

const BIN = 'packages/procpool/dist/cli/main.js';

// Runs a shell command line from the repository root, `node` being this Node and
// `procpool` the built bin (as docs/cli.md's examples write it); never rejects.
function shell(command: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const script = `procpool() { "$PROCPOOL_NODE" "$PROCPOOL_BIN" "$@"; }\nnode() { "$PROCPOOL_NODE" "$@"; }\n${command}`;
  const env = { ...process.env, PROCPOOL_NODE: process.execPath, PROCPOOL_BIN: root(BIN) };
  return new Promise((resolve) => {
    execFile('sh', ['-c', script], { cwd: root(''), env, timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : null, stdout, stderr }),
    );
  });
}

test("the README's procpool command prints the lines the README names", async () => {
  const readme = readFileSync(root('README.md'), 'utf8');
  const command = readme.match(new RegExp(`^node ${BIN} .*$`, 'm'))?.[0];
  expect(command).toBeDefined();
  const said = [...readme.matchAll(/`(\{"index":\d+,[^`]*\})`/g)].map((match) => match[1]);
  expect(said.length).toBeGreaterThan(0);
  const { code, stdout } = await shell(command!);
  expect(code).toBe(0);
  expect(stdout).toBe(said.map((line) => `${line}\n`).join(''));
});

test("docs/cli.md's worked example prints what the doc shows (… standing for anything on its line)", async () => {
  const doc = readFileSync(root('docs/cli.md'), 'utf8');
  const example = doc.slice(
    doc.indexOf('## A worked example'),
    doc.indexOf('\n## ', doc.indexOf('## A worked example') + 1),
  );
  // Each ```sh block followed by a plain ``` block: the commands, and what they print together.
  const pairs = [...example.matchAll(/```sh\n([\s\S]*?)```\n\n```\n([\s\S]*?)```/g)];
  expect(pairs.length).toBeGreaterThanOrEqual(4);
  for (const [, commands, printed] of pairs) {
    const { stdout } = await shell(commands!);
    const pattern = printed!
      .split('…')
      .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('[^\\n]*?');
    expect({ commands, stdout }).toEqual({ commands, stdout: expect.stringMatching(new RegExp(`^${pattern}$`)) });
  }
});

// The distributed demo's section of the README: from its heading to the next.
function acrossMachines(): string {
  const readme = readFileSync(root('README.md'), 'utf8');
  const start = readme.indexOf('## Across machines');
  return readme.slice(start, readme.indexOf('\n## ', start + 1));
}

test("docs/distributed.md's client is examples/distributed/client.mjs, word for word", () => {
  const doc = readFileSync(root('docs/distributed.md'), 'utf8');
  expect(doc).toContain('```js\n' + readFileSync(root('examples/distributed/client.mjs'), 'utf8') + '```');
});

test("the README's distributed demo runs in one command and prints what the README and docs/distributed.md show", async () => {
  const section = acrossMachines();
  const command = section.match(/^node examples\/distributed\/demo\.mjs(?= |$)/m)?.[0];
  expect(command).toBeDefined();
  const said = [
    "[ 'ALPHA', 'BRAVO', 'CHARLIE', 'DELTA', 'ECHO', 'FOXTROT' ]",
    'caught ParseError (instanceof ParseError: true)',
  ];
  for (const line of said) expect(section).toContain(`\`${line}\``);

  const { code, stdout, stderr } = await shell(command!);
  expect({ code, stderr }).toEqual({ code: 0, stderr: expect.any(String) });
  for (const line of said) expect(stdout).toContain(`${line}\n`);
  // Each word ran on one of the two workers (mostly both take some: not checked, a loaded machine may
  // leave one idle); the error names, on this host, one of the pool processes that ran them.
  const workers = /^2 workers, pids (\d+) and (\d+):/m.exec(stdout)!.slice(1).map(Number);
  const runs = [...stdout.matchAll(/^\w+ +procpool worker pid (\d+), in its pool process (\d+)$/gm)];
  expect(runs).toHaveLength(6);
  for (const run of runs) expect(workers).toContain(Number(run[1]));
  const host = os.hostname();
  const thrown = new RegExp(
    `^thrown in PoolWorker-\\d+ \\(pid (\\d+)\\) on ${host}; its stack:\nParseError: no age`,
    'm',
  );
  expect(stdout).toMatch(thrown);
  expect(runs.map((run) => run[2])).toContain(thrown.exec(stdout)![1]);
  expect(stdout).toMatch(
    new RegExp(`--- above: PoolWorker-\\d+ \\(pid \\d+\\) on ${host} via ${host}:(${workers.join('|')}), job `),
  );
  // Everything it started is gone: the workers (stopped by SIGTERM, exit 0), redis-server and its directory.
  expect(stdout).toContain('stopped: the workers (SIGTERM, exit 0 and 0), then redis-server; temp dir removed\n');
  const dir = /^redis-server at redis:\/\/127\.0\.0\.1:\d+: a throwaway one, no persistence, in (\S+)$/m.exec(
    stdout,
  )![1]!;
  expect(existsSync(dir)).toBe(false);
  expect(workers.filter(isAlive)).toEqual([]);

  // docs/distributed.md shows a run's output: the same lines, but for pids, ports, paths, the host, the
  // job id and the order in which the words finished.
  const doc = readFileSync(root('docs/distributed.md'), 'utf8');
  const shown = /What it prints[^`]*```\n(redis-server at [\s\S]*?)```/.exec(doc)![1]!;
  const lines = (text: string, hostname: string): string[] =>
    text
      .replaceAll(hostname, 'HOST')
      .replace(/\S*procpool-demo-redis-\w+/g, 'DIR')
      .replace(/file:\/\/\S*?\/examples\//g, 'file:///…/examples/')
      .replace(/job [\da-f-]+;/g, 'job ID;')
      .replace(/\d+/g, 'N')
      .split('\n')
      .sort();
  expect(lines(shown, 'buildhost')).toEqual(lines(stdout, host));
});

test('the distributed demo stops the workers and redis-server, and removes its directory, on a Ctrl-C', async () => {
  // A terminal's Ctrl-C: SIGINT to the foreground group, the demo and its client, once the client runs.
  const demo = startGroup([root('examples/distributed/demo.mjs')], root(''));
  try {
    await waitFor(() => demo.stdout().includes('== map') || !demo.running(), 'the client to start', 30_000);
    expect({ stdout: demo.stdout(), stderr: demo.stderr(), running: demo.running() }).toEqual({
      stdout: demo.stdout(),
      stderr: demo.stderr(),
      running: true,
    });
    process.kill(-demo.pid, 'SIGINT');
    expect(await demo.exited).toBe(130);
  } finally {
    demo.killIfRunning();
  }
  const stdout = demo.stdout();
  expect(stdout).toContain('\ninterrupted: stopping the workers and redis-server\n');
  expect(stdout).toMatch(/\nstopped: the workers \(SIGTERM, exit 0 and 0\), then redis-server; temp dir removed\n$/);
  const workers = /^2 workers, pids (\d+) and (\d+):/m.exec(stdout)!.slice(1).map(Number);
  expect(workers.filter(isAlive)).toEqual([]);
  expect(existsSync(/ in (\S+)\n/.exec(stdout)![1]!)).toBe(false);
});
