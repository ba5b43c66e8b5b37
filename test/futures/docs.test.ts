import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, test } from '@jest/globals';

const run = promisify(execFile);
const root = (path: string): string => fileURLToPath(new URL(`../../${path}`, import.meta.url));

/** Whether docs/futures.md shows `file` word for word, in a ts fence. */
function expectShown(file: string): void {
  const doc = readFileSync(root('docs/futures.md'), 'utf8');
  expect(doc).toContain('```ts\n' + readFileSync(root(file), 'utf8') + '```');
}

test('docs/futures.md shows examples/futures/main.ts word for word, and it prints what its comments say', async () => {
  expectShown('examples/futures/main.ts');
  const { stdout } = await run(
    process.execPath,
    ['--import', root('fixtures/register-ts.mjs'), root('examples/futures/main.ts')],
    { timeout: 60_000 },
  );
  expect(stdout).toBe('256\n[ 1, 8, 27 ]\n[ 2, 3, 5, 7, 11 ]\ntrue -1 is not positive\ntrue\n[ 1, 4, 9 ]\n');
});

test('docs/futures.md shows examples/futures/tasks.ts word for word', () => {
  expectShown('examples/futures/tasks.ts');
});
