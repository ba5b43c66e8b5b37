import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, test } from '@jest/globals';

const run = promisify(execFile);
const root = (path: string): string => fileURLToPath(new URL(`../../${path}`, import.meta.url));

const expectShown = (file: string): void =>
  expect(readFileSync(root('docs/threads.md'), 'utf8')).toContain('```ts\n' + readFileSync(root(file), 'utf8') + '```');

test('docs/threads.md shows its example word for word, and it prints what its comments say', async () => {
  expectShown('examples/threads/tasks.ts');
  expectShown('examples/threads/main.ts');
  const { stdout } = await run(
    process.execPath,
    ['--import', root('fixtures/register-ts.mjs'), root('examples/threads/main.ts')],
    { timeout: 60_000 },
  );
  expect(stdout).toBe('[ 55, 6765, 832040 ]\ntrue false true\n3\ntrue\n6765\n');
});
