import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, test } from '@jest/globals';
import { tempDir } from './helpers/temp.js';

const run = promisify(execFile);
const fixture = fileURLToPath(new URL('../fixtures/pipe-report.mjs', import.meta.url));
interface Report {
  addresses: string[];
  starts: number;
  stats: { workersStarted: number; workers: number };
  left: string[] | null;
}

/** Runs the fixture with a temporary directory of its own (or `tmp`); returns its report and that directory. */
async function report(mode: string, env: Record<string, string> = {}, tmp?: string): Promise<[Report | null, string]> {
  const dir = tmp ?? tempDir();
  const { stdout } = await run(process.execPath, [fixture, mode], {
    env: { ...process.env, TMPDIR: dir, PROCPOOL_NO_SOCKET: '', ...env },
    timeout: 30_000,
  });
  return [stdout.trim() === '' ? null : (JSON.parse(stdout) as Report), dir];
}

// The parent's end of each worker's pipe is a Unix socket it connected itself,
// so that it can read with net's `onread` option (docs/performance.md).
describe("a worker's pipe", () => {
  test('is a Unix socket pair, and leaves nothing in the temporary directory', async () => {
    const [result, dir] = await report('use');
    const address = expect.stringMatching(new RegExp(`^${dir}/procpool-pipe-\\w+/w$`));
    expect(result).toEqual({
      addresses: [address, address],
      starts: 2,
      stats: expect.objectContaining({ workersStarted: 2, workers: 0 }),
      left: [],
    });
  });

  test("PROCPOOL_NO_SOCKET=1 makes it child_process's own pipe (a socketpair)", async () => {
    const [result] = await report('use', { PROCPOOL_NO_SOCKET: '1' });
    expect(result?.addresses).toEqual([null, null]);
  });

  test("a temporary directory too long for a socket path falls back to child_process's pipe", async () => {
    const [result] = await report('use', {}, mkdtempSync(path.join(tempDir(), 'x'.repeat(120))));
    expect(result?.addresses).toEqual([null, null]);
  });

  test("a temporary directory that cannot be used falls back to child_process's pipe", async () => {
    const missing = path.join(tempDir(), 'missing');
    const [result] = await report('use', {}, missing);
    expect(result?.addresses).toEqual([null, null]);
  });

  test('a pool terminated at once never starts a process, and leaves nothing behind', async () => {
    const [result] = await report('terminate');
    expect(result).toEqual({
      addresses: [],
      starts: 0,
      stats: expect.objectContaining({ workersStarted: 0, workers: 0 }),
      left: [],
    });
  });

  test('process.exit() before the workers start leaves no directory behind', async () => {
    const [result, dir] = await report('exit');
    expect(result).toBeNull();
    expect(readdirSync(dir)).toEqual([]);
  });
});
