import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, test } from '@jest/globals';

const run = promisify(execFile);
const root = (file: string): string => fileURLToPath(new URL(`../../${file}`, import.meta.url));
const DOC = 'docs/connections.md';

test.each([
  ['listener.mjs', 'hello\n[]\ntrue\nAuthenticationError AuthenticationError\n'],
  [
    'serve-forever.mjs',
    'turned a client away: AuthenticationError\nthe client got AuthenticationError\n' +
      'turned a client away: AuthenticationError\nstill serving\n',
  ],
])(`${DOC} shows examples/connections/%s word for word, and it prints what its comments say`, async (file, output) => {
  const source = readFileSync(root(`examples/connections/${file}`), 'utf8');
  expect(readFileSync(root(DOC), 'utf8')).toContain('```js\n' + source + '```');
  const { stdout } = await run(process.execPath, [root(`examples/connections/${file}`)], { timeout: 60_000 });
  expect(stdout).toBe(output);
});
