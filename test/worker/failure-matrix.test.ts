import { describe, expect, test } from '@jest/globals';
import { MaybeEncodingError, ProcessError, WorkerLostError } from '@procpool/core';
import * as tasks from '../../fixtures/tasks.mjs';
import { Trap, echoTrap, makeTrap, springNow, takeTrap } from '../../fixtures/traps.mjs';
import { kinds, makePool, notForThreads, skipForThreads, type PoolKind } from '../helpers/pools.js';

// CPython's test_deadlock matrix: an error, an exit or a crash at each stage a
// task passes through. Every cell gives the documented error and never hangs,
// and the pool keeps working after it.
type Check = (error: unknown) => void;
const remoteError: Check = (error) => {
  expect(error).toBeInstanceOf(Error);
  expect((error as Error).message).toBe('trap sprung: error');
  expect(error).toHaveProperty('remoteTraceback');
};
const lost =
  (exitCode: number | null, signal: string | null): Check =>
  (error) => {
    expect(error).toBeInstanceOf(WorkerLostError);
    expect(error).toMatchObject({ exitCode, signal });
  };

const cells: Array<[string, string, () => [unknown, unknown[]], Check]> = [
  [
    'argument encoding (parent)',
    'error',
    () => [takeTrap, [new Trap('parent-encode', 'error')]],
    (error) => {
      expect(error).toBeInstanceOf(TypeError);
      expect((error as Error).message).toBe(
        "Cannot send args to a worker: a registered type's reduce() threw: trap sprung: error",
      );
      expect((error as Error).cause).toBeInstanceOf(Error);
    },
  ],
  ['argument decoding (worker)', 'error', () => [takeTrap, [new Trap('worker-decode', 'error')]], remoteError],
  ['argument decoding (worker)', 'exit', () => [takeTrap, [new Trap('worker-decode', 'exit')]], lost(3, null)],
  [
    'argument decoding (worker)',
    'crash',
    () => [takeTrap, [new Trap('worker-decode', 'crash')]],
    lost(null, 'SIGSEGV'),
  ],
  ['the task', 'error', () => [springNow, ['error']], remoteError],
  ['the task', 'exit', () => [springNow, ['exit']], lost(3, null)],
  ['the task', 'crash', () => [springNow, ['crash']], lost(null, 'SIGSEGV')],
  [
    'result encoding (worker)',
    'error',
    () => [makeTrap, ['worker-encode', 'error']],
    (error) => {
      expect(error).toBeInstanceOf(MaybeEncodingError);
      expect((error as MaybeEncodingError).exc).toContain('trap sprung: error');
    },
  ],
  ['result encoding (worker)', 'exit', () => [makeTrap, ['worker-encode', 'exit']], lost(3, null)],
  ['result encoding (worker)', 'crash', () => [makeTrap, ['worker-encode', 'crash']], lost(null, 'SIGSEGV')],
  [
    'result decoding (parent)',
    'error',
    () => [makeTrap, ['parent-decode', 'error']],
    (error) => {
      expect(error).toBeInstanceOf(ProcessError);
      expect((error as Error).message).toMatch(/^Could not decode the answer from PoolWorker-\d+$/);
      expect(((error as Error).cause as Error).message).toBe('trap sprung: error');
    },
  ],
];

// The 'crash' cells (the worker sends itself SIGSEGV) are for processes only.
const cellsFor = (kind: PoolKind): typeof cells =>
  kind === 'thread' ? cells.filter(([, action]) => action !== 'crash') : cells;
skipForThreads("a failure at every stage of a task: the 'crash' cells", notForThreads.nativeCrash);

describe.each(kinds)('a failure at every stage of a task (%s)', (kind) => {
  test.each(cellsFor(kind))('%s: %s', async (_stage, _action, make, check) => {
    const pool = makePool(2, kind);
    const [fn, args] = make();
    const outcome = await pool.apply(fn as () => unknown, args as []).then(
      () => {
        throw new Error('expected a rejection');
      },
      (error: unknown) => error,
    );
    check(outcome);
    await expect(pool.map(tasks.square, [1, 2, 3], 1)).resolves.toEqual([1, 4, 9]);
  });

  test('a round trip of a registered type, untouched by traps', async () => {
    const pool = makePool(1, kind);
    // The worker registers Trap when it imports the task's module (traps.mjs), before decoding arguments.
    const back = (await pool.apply(echoTrap, [new Trap('nowhere', 'error')])) as Trap;
    expect(back).toBeInstanceOf(Trap);
    expect(back).toEqual(new Trap('nowhere', 'error'));
  });
});
