import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, test } from '@jest/globals';

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
