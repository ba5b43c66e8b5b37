import { expect, test } from '@jest/globals';
import { activeChildren, cpuCount, currentProcess, isMainProcess, parentProcess } from '@procpool/core';
import os from 'node:os';
import { inMainProcess } from '../fixtures/kind-tasks.mjs';
import * as tasks from '../fixtures/tasks.mjs';
import { kinds, makePool } from './helpers/pools.js';

interface WhoAmI {
  current: { name: string; pid: number; daemon: boolean; authkey: Buffer };
  parent: { name: string; pid: number };
}

test('in the main process', () => {
  expect(isMainProcess()).toBe(true);
  const me = currentProcess();
  expect(me).toEqual({ name: 'MainProcess', pid: process.pid, daemon: false, authkey: expect.any(Buffer) as unknown });
  // 32 random bytes, the same for the life of the process.
  expect(me.authkey).toHaveLength(32);
  expect(currentProcess().authkey.equals(me.authkey)).toBe(true);
  expect(parentProcess()).toBeNull();
  expect(cpuCount()).toBe(os.availableParallelism());
});

test.each(kinds)('in a worker (%s): PoolWorker-N, not the main process, its parent is us', async (kind) => {
  const pool = makePool(2, kind);
  const who = (await pool.apply(tasks.whoAmI)) as WhoAmI;
  expect(who.current.name).toMatch(/^PoolWorker-\d+$/);
  expect(who.current.daemon).toBe(true);
  expect(who.parent).toEqual({ name: 'MainProcess', pid: process.pid, daemon: false, isAlive: true });
  // Inherited through the pipe, never argv or the environment.
  expect(who.current.authkey.equals(currentProcess().authkey)).toBe(true);
  // So a main module guarded by isMainProcess() does not run its entry point again in a worker.
  await expect(pool.apply(inMainProcess)).resolves.toBe(false);
});

test('a worker process has a pid of its own; activeChildren lists the workers', async () => {
  const pool = makePool(2);
  const who = (await pool.apply(tasks.whoAmI)) as WhoAmI;
  expect(who.current.pid).not.toBe(process.pid);
  const children = activeChildren();
  expect(children).toHaveLength(2);
  expect(children.map((c) => c.pid)).toContain(who.current.pid);
  expect(children.find((c) => c.pid === who.current.pid)?.name).toBe(who.current.name);
});

// Python's active_children() lists no ThreadPool thread either.
test('a worker thread has our pid and is not one of activeChildren()', async () => {
  const pool = makePool(2, 'thread');
  const who = (await pool.apply(tasks.whoAmI)) as WhoAmI;
  expect(who.current.pid).toBe(process.pid);
  expect(activeChildren()).toEqual([]);
});
