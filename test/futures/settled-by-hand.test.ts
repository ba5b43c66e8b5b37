// Review: Future's setters are public ("tests may too"). A running future of an
// executor settled by hand must not make the executor's own settling throw (an
// unhandled rejection) and skip handing the next call to the pool (a stall).
import { describe, expect, test } from '@jest/globals';
import { InvalidStateError } from '@procpool/futures';
import * as ftasks from '../../fixtures/futures-tasks.mjs';
import { kinds, makeEvent, makeExecutor, stopExecutorsAfterEach } from './executors.js';

describe.each(kinds)('%s', (kind) => {
  stopExecutorsAfterEach();

  test('running futures settled by hand keep their outcome, and the calls queued behind still run', async () => {
    const executor = makeExecutor(kind, 1);
    const event = makeEvent();
    // One worker: a and b are handed to the pool (running), c waits in the executor.
    const [a, b, c] = [1, 2, 3].map((x) => executor.submit(ftasks.waitThen, event, x));
    a?.setResult(10);
    b?.setException(new RangeError('by hand'));
    expect(() => a?.setResult(11)).toThrow(InvalidStateError);
    await event.set();
    await expect(c).resolves.toBe(3);
    await expect(a).resolves.toBe(10);
    await expect(b).rejects.toThrow(new RangeError('by hand'));
    await executor.shutdown();
  });

  test('a waiting future settled by hand is not run, and the calls behind it are', async () => {
    const executor = makeExecutor(kind, 1);
    const event = makeEvent();
    // a and b are handed to the pool; c and d wait in the executor.
    const [a, b, c, d] = [1, 2, 3, 4].map((x) => executor.submit(ftasks.waitThen, event, x));
    c?.setResult(30);
    await event.set();
    await expect(Promise.all([a, b, c, d])).resolves.toEqual([1, 2, 30, 4]);
    await executor.shutdown();
  });
});
