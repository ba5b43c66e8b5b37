import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, test } from '@jest/globals';

const run = promisify(execFile);
const root = (path: string): string => fileURLToPath(new URL(`../../${path}`, import.meta.url));

test("docs/processes.md's example is examples/processes, word for word, and prints what its comments say", async () => {
  const doc = readFileSync(root('docs/processes.md'), 'utf8');
  for (const file of ['examples/processes/tasks.ts', 'examples/processes/main.ts']) {
    expect(doc).toContain('```ts\n' + readFileSync(root(file), 'utf8') + '```');
  }
  const { stdout } = await run(
    process.execPath,
    ['--import', root('fixtures/register-ts.mjs'), root('examples/processes/main.ts')],
    { timeout: 60_000 },
  );
  expect(stdout).toBe('hello bob from Process-1\n0\n');
});
