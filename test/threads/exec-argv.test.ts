import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, test } from '@jest/globals';

const run = promisify(execFile);
const fixture = fileURLToPath(new URL('../../fixtures/thread-exec-argv.mjs', import.meta.url));
const threadExecArgv = async (nodeFlags: string[], execArgv: string[]): Promise<string> =>
  (await run(process.execPath, [...nodeFlags, fixture, JSON.stringify(execArgv)], { timeout: 30_000 })).stdout.trim();

describe('a ThreadPool with execArgv, in a process run with flags a thread refuses', () => {
  // `node --max-old-space-size=4096 app.js` is common: V8 and process-wide
  // flags already apply to every thread, and worker_threads refuses them.
  test("the process's V8 and process-wide flags are left out; the others reach the thread after them", async () => {
    const flags = ['--max-old-space-size=300', '--title', 'procpool-review', '--conditions=procpool-review'];
    await expect(threadExecArgv(flags, ['--trace-warnings'])).resolves.toBe(
      JSON.stringify(['--conditions=procpool-review', '--trace-warnings']),
    );
  });

  test('a refused flag of its own still cannot start a thread', async () => {
    await expect(threadExecArgv(['--max-old-space-size=300'], ['--expose-gc'])).resolves.toMatch(
      /^BrokenPoolError: .*invalid execArgv flags: --expose-gc$/m,
    );
  });
});
