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
