// Review: the errors §12 names for a Future come from @procpool/futures itself,
// as concurrent.futures.TimeoutError does from concurrent.futures.
import { expect, test } from '@jest/globals';
import * as core from '@procpool/core';
import * as futures from '@procpool/futures';

test('TimeoutError, CancelledError and InvalidStateError are exported; TimeoutError is core’s class', async () => {
  expect(futures.TimeoutError).toBe(core.TimeoutError);
  await expect(new futures.Future().result(0)).rejects.toBeInstanceOf(futures.TimeoutError);
  expect(new futures.CancelledError()).toBeInstanceOf(core.ProcessError);
  expect(new futures.InvalidStateError('x')).toBeInstanceOf(core.ProcessError);
});
