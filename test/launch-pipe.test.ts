import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, test } from '@jest/globals';

const run = promisify(execFile);
const fixture = fileURLToPath(new URL('../fixtures/pipe-report.mjs', import.meta.url));
const dirs: string[] = [];

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

interface Report {
  addresses: string[];
  starts: number;
  stats: { workersStarted: number; workers: number };
  left: string[];
}

/** Runs the fixture with a temporary directory of its own; returns its report and that directory. */
async function report(mode: string, env: Record<string, string> = {}, tmp?: string): Promise<[Report | null, string]> {
  const dir = tmp ?? mkdtempSync(path.join(os.tmpdir(), 'pipe-test-'));
  dirs.push(tmp === undefined ? dir : path.dirname(dir));
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
    const base = mkdtempSync(path.join(os.tmpdir(), 'pipe-test-'));
    const [result] = await report('use', {}, mkdtempSync(path.join(base, 'x'.repeat(120))));
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
