import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, test } from '@jest/globals';
import { defineTasks, taskRef } from '@procpool/core';
import * as tasks from '../../fixtures/tasks.mjs';
import { kinds, makePool, starts } from '../helpers/pools.js';

const run = promisify(execFile);
const tasksUrl = new URL('../../fixtures/tasks.mjs', import.meta.url);
const fixture = (name: string): string => fileURLToPath(new URL(`../../fixtures/${name}`, import.meta.url));

test('defineTasks returns the tasks unchanged', () => {
  const own = { double: (x: number) => 2 * x };
  expect(defineTasks(import.meta.url, own)).toBe(own);
  expect(() => defineTasks(import.meta.url, { nope: 3 as never })).toThrow('Expected task `nope` to be a function');
});

describe.each(kinds)('referring to a task (%s)', (kind) => {
  test('taskRef with a URL, a file path; and a module#export string', async () => {
    const pool = makePool(1, kind);
    await expect(pool.apply(taskRef<(x: number) => number>(tasksUrl, 'square'), [6])).resolves.toBe(36);
    await expect(pool.apply(taskRef(fileURLToPath(tasksUrl), 'add'), [1, 2])).resolves.toBe(3);
    await expect(pool.apply(`${fileURLToPath(tasksUrl)}#square`, [5])).resolves.toBe(25);
    await expect(pool.map(`${tasksUrl.href}#square`, [1, 2])).resolves.toEqual([1, 4]);
  });

  test('a missing export or module fails that task with a clear error', async () => {
    const pool = makePool(1, kind);
    await expect(pool.apply(taskRef(tasksUrl, 'nothingHere'))).rejects.toThrow(`has no export named 'nothingHere'`);
    await expect(pool.apply('/nonexistent/tasks.mjs#x')).rejects.toThrow(/Cannot find module|ERR_MODULE_NOT_FOUND/);
    await expect(pool.apply(tasks.square, [2])).resolves.toBe(4);
  });

  test('bad references throw TypeErrors that say how to fix them', async () => {
    const pool = makePool(1, kind);
    expect(() => pool.applyAsync((x: number) => x, [1])).toThrow(
      /Cannot send an anonymous or bound function to a worker: register it with defineTasks\(import\.meta\.url/,
    );
    expect(() => pool.applyAsync(tasks.square.bind(null), [1])).toThrow('anonymous or bound function');
    expect(() => pool.applyAsync('tasks.mjs')).toThrow(
      "Expected a task string of the form 'module#export', got `tasks.mjs`",
    );
    expect(() => pool.applyAsync('./tasks.mjs#square')).toThrow("use new URL('./tasks.mjs', import.meta.url)");
    expect(() => pool.applyAsync(42 as never)).toThrow('Expected a task function, a taskRef');
    // A named function that is neither registered nor exported by the (CommonJS) main module:
    function helper(): number {
      return 1;
    }
    await expect(pool.apply(helper)).rejects.toThrow(
      'Cannot send function `helper` to a worker: register it with defineTasks',
    );
  });
});

describe('a main module', () => {
  test.each(starts)('a function exported by an isMainProcess()-guarded main module works (%s)', async (start) => {
    const { stdout } = await run(process.execPath, [fixture('main-module-task.mjs'), start], { timeout: 30_000 });
    const out = JSON.parse(stdout) as { cubes: number[]; unexported: string };
    expect(out.cubes).toEqual([1, 8, 27]);
    expect(out.unexported).toContain('TypeError: Task module file://');
    expect(out.unexported).toContain("has no export named 'helper'; a function sent by value must be exported");
  });
});

describe.each(kinds)('a registered task runs the function registered, whatever the module exports (%s)', (kind) => {
  const namesUrl = new URL('../../fixtures/registered-names.mjs', import.meta.url);

  test('a registered task beside an export of the same name runs the registered one', async () => {
    const { tasks: registered } = await import('../../fixtures/registered-names.mjs');
    const pool = makePool(1, kind);
    await expect(pool.apply(registered.add, [1])).resolves.toBe('registered add(1)');
    // An export name still means the export.
    await expect(pool.apply(`${namesUrl.href}#add`, [1])).resolves.toBe('module-level add(1)');
    await expect(pool.apply(taskRef(namesUrl, 'add'), [2])).resolves.toBe('module-level add(2)');
  });

  test('tasks registered in an object export, a default export and module.exports are found', async () => {
    const names = await import('../../fixtures/registered-names.mjs');
    const cjs = (await import('../../fixtures/registered-names.cjs')) as { default: { half: (x: number) => number } };
    const pool = makePool(2, kind);
    await expect(pool.map(names.tasks.tenfold, [1, 2, 3])).resolves.toEqual([10, 20, 30]);
    await expect(pool.apply(names.default.viaDefault, [1])).resolves.toBe(2);
    await expect(pool.map(cjs.default.half, [2, 4])).resolves.toEqual([1, 2]);
    // A taskRef or string naming a task that no export carries finds the registered one.
    await expect(pool.apply(taskRef(namesUrl, 'tenfold'), [4])).resolves.toBe(40);
  });

  test('a registered initializer runs in each worker', async () => {
    const { tasks: registered } = await import('../../fixtures/registered-names.mjs');
    const pool = makePool({ processes: 1, initializer: registered.remember, initargs: ['set by init'] }, kind);
    await expect(pool.apply(registered.recall)).resolves.toBe('set by init');
  });

  test('a task the worker does not register fails with a message that says so', async () => {
    // Typed from the parent's side, where the registration happened.
    const { parentOnly } = (await import('../../fixtures/registered-names.mjs')) as unknown as {
      parentOnly: { parentOnly: () => string };
    };
    const pool = makePool(1, kind);
    await expect(pool.apply(parentOnly.parentOnly)).rejects.toThrow(
      "Task 'parentOnly' was registered with defineTasks for file://",
    );
    await expect(pool.apply(parentOnly.parentOnly)).rejects.toThrow(
      'but importing that module in the worker registered no task of that name',
    );
  });
});

test.each(kinds)('two copies of procpool in one process share tasks, error classes and types (%s)', async (kind) => {
  const { stdout } = await run(process.execPath, [fixture('two-copies.mjs'), kind], { timeout: 30_000 });
  expect(JSON.parse(stdout)).toEqual({ value: 81, trapIsTrap: true, quotaIsQuota: true });
});

test.each(starts)('a function exported by a CommonJS main module is found by identity (%s)', async (start) => {
  const { stdout } = await run(process.execPath, [fixture('main-module-task.cjs'), start], { timeout: 30_000 });
  expect(JSON.parse(stdout)).toEqual([3, 6, 9]);
});
