import { expect, test } from '@jest/globals';
import { activeChildren, cpuCount, currentProcess, isMainProcess, parentProcess } from '@procpool/core';
import os from 'node:os';
import * as tasks from '../fixtures/tasks.mjs';
import { makePool } from './helpers/pools.js';

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

test('in a worker: PoolWorker-N, its parent is us; activeChildren lists the workers', async () => {
  const pool = makePool(2);
  const who = (await pool.apply(tasks.whoAmI)) as {
    current: { name: string; pid: number; daemon: boolean; authkey: Buffer };
    parent: { name: string; pid: number };
  };
  expect(who.current.name).toMatch(/^PoolWorker-\d+$/);
  expect(who.current.daemon).toBe(true);
  expect(who.parent).toEqual({ name: 'MainProcess', pid: process.pid, daemon: false, isAlive: true });
  // Inherited through the pipe, never argv or the environment.
  expect(who.current.authkey.equals(currentProcess().authkey)).toBe(true);
  const children = activeChildren();
  expect(children).toHaveLength(2);
  expect(children.map((c) => c.pid)).toContain(who.current.pid);
  expect(children.find((c) => c.pid === who.current.pid)?.name).toBe(who.current.name);
});
