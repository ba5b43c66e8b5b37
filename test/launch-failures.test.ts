import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, test } from '@jest/globals';
import { tempDir } from './helpers/temp.js';

const run = promisify(execFile);
const fixture = fileURLToPath(new URL('../fixtures/start-failures.mjs', import.meta.url));

interface Report {
  squares?: number[];
  error?: string;
  message?: string;
  causeCode?: string | null;
  starts: number;
  unhandled: string | null;
  left: string[] | null;
}

async function report(mode: string, command: string[]): Promise<Report> {
  const { stdout } = await run(command[0] as string, [...command.slice(1)], {
    env: { ...process.env, TMPDIR: tempDir(), PROCPOOL_NO_SOCKET: '' },
    timeout: 60_000,
  });
  return JSON.parse(stdout) as Report;
}

// Issue 12: a spawn that failed for want of file descriptors threw from the
// Pool constructor, then an unhandled 'error' event killed the program, and
// every pending socket directory stayed in the temporary directory.
test('out of file descriptors, a failed spawn is a start failure: the pool breaks with the OS error, nothing escapes', async () => {
  const result = await report('few-fds', [
    'bash',
    '-c',
    `ulimit -n 256 && exec "$0" "$@"`,
    process.execPath,
    fixture,
    'few-fds',
  ]);
  expect(result).toMatchObject({
    error: 'BrokenPoolError',
    message: expect.stringContaining('EMFILE') as unknown,
    causeCode: 'EMFILE',
    unhandled: null,
    left: [],
  });
});

test("a worker whose socket cannot be connected gets child_process's pipe; the pool works", async () => {
  const result = await report('connect', [process.execPath, fixture, 'connect']);
  expect(result).toEqual({ squares: [1, 4, 9], starts: 2, unhandled: null, left: [] });
});
