import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, test } from '@jest/globals';
import { Pool, ThreadPool } from '@procpool/core';
import { ctrlCGroup, isAlive, waitFor } from '../helpers/processes.js';
import { tempDir } from '../helpers/temp.js';

const run = promisify(execFile);
const FIXTURE = fileURLToPath(new URL('../../fixtures/worker-stdio.mjs', import.meta.url));

test("stdout: 'stderr' sends what a worker writes to its stdout (console.log, fd 1, its children's) to our stderr", async () => {
  const { stdout, stderr } = await run(process.execPath, [FIXTURE, 'stdout', 'stderr'], { timeout: 30_000 });
  expect(stdout).toBe('');
  expect(stderr).toContain('from console.log\nfrom fd 1\nfrom a child\n');
  expect(stderr).toContain('result spoken');
});

test("stdout: 'inherit' (the default) leaves it on our stdout", async () => {
  const { stdout, stderr } = await run(process.execPath, [FIXTURE, 'stdout', 'inherit'], { timeout: 30_000 });
  expect(stdout).toBe('from console.log\nfrom fd 1\nfrom a child\n');
  expect(stderr).toContain('result spoken');
});

// The fixture leads a process group of its own, as a shell's foreground job
// does, and the group gets SIGINT, as a terminal's Ctrl-C sends it.
async function ctrlC(detached: boolean): Promise<string> {
  const dir = tempDir();
  const { stdout } = await ctrlCGroup({
    args: [FIXTURE, 'ctrl-c', dir, String(detached)],
    dir,
    started: () => existsSync(path.join(dir, 'started')),
    taken: 'SIGINT',
  });
  return stdout.trim();
}

test('detached: true keeps a terminal Ctrl-C from the workers: the parent decides, and the task finishes', async () => {
  expect(await ctrlC(true)).toBe('finished');
});

test('without detached, the same Ctrl-C kills the worker running the task (as in Python)', async () => {
  expect(await ctrlC(false)).toBe('WorkerLostError SIGINT');
});

test("terminate() of a detached pool signals each worker's process group: a task's own child goes too", async () => {
  const dir = tempDir();
  await run(process.execPath, [FIXTURE, 'terminate', dir], { timeout: 30_000 });
  const pid = Number(readFileSync(path.join(dir, 'child'), 'utf8'));
  await waitFor(() => !isAlive(pid), "the task's child to die");
});

test('detached and stdout are checked, and a ThreadPool has neither', () => {
  expect(() => new Pool({ detached: 'yes' as unknown as boolean })).toThrow(
    'Expected `detached` to be a boolean, got `yes`',
  );
  expect(() => new Pool({ stdout: 'pipe' as unknown as 'stderr' })).toThrow(
    "Expected `stdout` to be 'inherit' or 'stderr', got `pipe`",
  );
  expect(() => new ThreadPool({ detached: true } as never)).toThrow(/detached.*left out of a ThreadPool/);
  expect(() => new ThreadPool({ stdout: 'stderr' } as never)).toThrow(/stdout.*left out of a ThreadPool/);
});
