import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, test } from '@jest/globals';

const run = promisify(execFile);
const root = (path: string): string => fileURLToPath(new URL(`../../${path}`, import.meta.url));

test("docs/connections.md's example is examples/connections/pipe.mjs, word for word, and prints what its comments say", async () => {
  const doc = readFileSync(root('docs/connections.md'), 'utf8');
  const file = 'examples/connections/pipe.mjs';
  expect(doc).toContain('```js\n' + readFileSync(root(file), 'utf8') + '```');
  const { stdout } = await run(process.execPath, [root(file)], { timeout: 60_000 });
  expect(stdout).toBe(
    '{ when: 1970-01-01T00:00:00.000Z, ids: Set(2) { 1, 2 }, n: 10n }\n' +
      '<Buffer 72 61 77>\n' +
      'message 1\nmessage 2\nmessage 3\n',
  );
});
