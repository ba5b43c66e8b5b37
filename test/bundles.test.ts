// Which of procpool's bundle files a process loads (build-bundle.mjs): a
// worker running plain tasks loads procpool.cjs alone; a lazy bundle
// (connection.cjs, objects.cjs) loads when one of its names is used or one of
// its objects arrives, pool.cjs when a parent-only name is used.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, test } from '@jest/globals';
import { Pipe, taskRef } from '@procpool/core';
import { makeProcess } from './helpers/pools.js';

const run = promisify(execFile);
const url = (name: string): URL => new URL(`../fixtures/${name}`, import.meta.url);
const cjsTasks = url('cjs-tasks.cjs');

/** The bundle files a fresh Node process loads when it requires procpool and reads `names`. */
async function loadedBy(names: readonly string[]): Promise<string[]> {
  const { stdout } = await run(process.execPath, [fileURLToPath(url('bundle-loads.cjs')), ...names], {
    timeout: 30_000,
  });
  return JSON.parse(stdout) as string[];
}

test.each([
  { names: [], loads: [] },
  // procpool.cjs's names, the errors of the lazy bundles among them.
  { names: ['defineTasks', 'currentProcess', 'registerType', 'ProcessError', 'EOFError'], loads: [] },
  { names: ['Empty', 'Full', 'BrokenBarrierError'], loads: [] },
  { names: ['Pool', 'Process'], loads: ['pool.cjs'] },
  { names: ['Connection', 'Pipe', 'wait'], loads: ['connection.cjs'] },
  { names: ['Queue'], loads: ['objects.cjs'] },
])('reading $names loads procpool.cjs and $loads', async ({ names, loads }) => {
  await expect(loadedBy(names)).resolves.toEqual(['index.cjs', 'procpool.cjs', ...loads].sort());
});

// A worker running plain tasks loads procpool.cjs alone: tasks/commonjs.test.ts.
test('a child handed a Connection loads connection.cjs, and no other bundle', async () => {
  const [ours, theirs] = Pipe();
  const child = makeProcess({ target: taskRef(cjsTasks, 'sendProcpoolFiles'), args: [theirs] });
  child.start();
  theirs.close();
  await expect(ours.recv()).resolves.toEqual(['bootstrap/main.cjs', 'connection.cjs', 'index.cjs', 'procpool.cjs']);
  await child.join();
  expect(child.exitCode).toBe(0);
  ours.close();
});
