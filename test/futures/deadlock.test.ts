// After CPython's test_concurrent_futures/test_deadlock.py: calls that fail on
// the way to their worker or kill it, and the executor never hangs on them.
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from '@jest/globals';
import { BrokenProcessPool } from '@procpool/futures';
import * as tasks from '../../fixtures/tasks.mjs';
import { kinds, makeExecutor, stopExecutorsAfterEach } from './executors.js';

const fixture = (name: string): string => fileURLToPath(new URL(`../../fixtures/${name}`, import.meta.url));

describe.each(kinds)('%s', (kind) => {
  stopExecutorsAfterEach();

  test('test_error_at_task_unpickle analog: a task module that cannot be imported fails its call only', async () => {
    const executor = makeExecutor(kind, 1);
    const error = await executor.submit(`${fixture('no-such-module.mjs')}#f`).exception();
    expect(error).toMatchObject({ code: 'ERR_MODULE_NOT_FOUND' });
    await expect(executor.submit(tasks.square, 9)).resolves.toBe(81);
  });

  test('test_error_during_func_exec_on_worker and friends: many failures in a row never break it', async () => {
    const executor = makeExecutor(kind, 2);
    const failures = Array.from({ length: 20 }, (_, i) =>
      i % 2 === 0 ? executor.submit(tasks.throwTypeError, `bad ${i}`) : executor.submit(tasks.exitNow, 1),
    );
    for (const future of failures) expect(await future.exception()).toBeInstanceOf(Error);
    await expect(executor.submit(tasks.square, 4)).resolves.toBe(16);
  });
});

// A module that kills its process on import would take a thread's whole process (the test's) with it.
describe('ProcessPoolExecutor', () => {
  stopExecutorsAfterEach();

  test('test_exit_at_task_unpickle analog: a task module that kills its worker on import breaks the executor, naming the module', async () => {
    const executor = makeExecutor('ProcessPoolExecutor', 1);
    const error = await executor
      .submit(`${new URL('../../fixtures/crash-on-import.mjs', import.meta.url).href}#never`)
      .exception();
    expect(error).toBeInstanceOf(BrokenProcessPool);
    expect((error as Error).message).toContain('crash-on-import.mjs');
    expect(() => executor.submit(tasks.square, 1)).toThrow(BrokenProcessPool);
  });
});
