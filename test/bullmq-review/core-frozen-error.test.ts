import { afterEach, describe, expect, test } from '@jest/globals';
import { Pool } from '@procpool/core';
import * as tasks from '../../fixtures/bullmq-review/tasks.mjs';

// Found while comparing DistributedPool with a local Pool (core, not @procpool/bullmq): a DistributedPool
// gets the frozen error back (its job runner catches it), a local Pool does not. Before the fix, the procpool
// worker dies in trimStack ("TypeError: Cannot redefine property: stack", defineHidden on the frozen
// error), the Pool starts another, the task runs again and kills it again, thousands of times a
// minute: the call never settles and stderr fills with the same trace.
describe('a local Pool, a task that throws a frozen error', () => {
  let pool: Pool | undefined;
  // Here, not in a finally: a call that never settles never reaches one.
  afterEach(() => pool?.terminate());

  test('the call rejects with that error', async () => {
    pool = new Pool({ processes: 1 });
    await expect(pool.apply(tasks.throwFrozen, [])).rejects.toMatchObject({ name: 'RangeError', message: 'frozen' });
  }, 20_000);
});
