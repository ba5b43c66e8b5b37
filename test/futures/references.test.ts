// Review, after CPython's test_no_stale_references: a settled, dropped future
// and its result are not kept alive by the executor (in a child Node with --expose-gc).
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, test } from '@jest/globals';
import { kinds } from './executors.js';

const run = promisify(execFile);
const fixture = fileURLToPath(new URL('../../fixtures/futures-stale.mjs', import.meta.url));

test.each(kinds)('%s keeps no settled future nor its result', async (kind) => {
  const { stdout } = await run(process.execPath, [
    '--expose-gc',
    fixture,
    kind === 'ThreadPoolExecutor' ? 'thread' : 'process',
  ]);
  expect(JSON.parse(stdout)).toEqual({ alive: [] });
});
