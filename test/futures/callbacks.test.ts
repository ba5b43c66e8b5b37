// Review: a done callback that throws must be seen (CPython's logging prints
// it on stderr when nothing is configured) and must not stop the program.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, test } from '@jest/globals';

const run = promisify(execFile);
const fixture = fileURLToPath(new URL('../../fixtures/futures-callback.mjs', import.meta.url));

test('a callback that throws, with no log handler: printed on stderr, the others run, the executor goes on', async () => {
  const { stdout, stderr } = await run(process.execPath, [fixture]);
  expect(JSON.parse(stdout)).toEqual({ value: 9, calls: ['raising', 'next'], after: 16 });
  expect(stderr).toMatch(
    /^exception calling callback for <Future state=finished returned number>: Error: callback bug\n {4}at /m,
  );
});
