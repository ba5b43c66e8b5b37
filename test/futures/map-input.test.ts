// Review of executor.map's reading of its input: what is read before an input
// throws still runs, and an endless input without buffersize neither blocks
// the event loop nor grows without a word.
import { describe, expect, test } from '@jest/globals';
import * as tasks from '../../fixtures/tasks.mjs';
import { kinds, makeExecutor, stopExecutorsAfterEach } from './executors.js';

describe.each(kinds)('%s map input', (kind) => {
  stopExecutorsAfterEach();

  test('an input that throws inside a chunk: the calls read before it run, the error comes after them', async () => {
    const executor = makeExecutor(kind, 2);
    function* broken(): Generator<number> {
      yield 1;
      yield 2;
      yield 3;
      throw new SyntaxError('input broke');
    }
    async function* brokenAsync(): AsyncGenerator<number> {
      yield* broken();
    }
    for (const input of [broken(), brokenAsync()]) {
      const got: number[] = [];
      await expect(collectInto(executor.map(tasks.square, input, { chunksize: 2 }), got)).rejects.toThrow(
        new SyntaxError('input broke'),
      );
      expect(got).toEqual([1, 4, 9]);
    }
  });
});

async function collectInto<T>(results: AsyncIterable<T>, into: T[]): Promise<void> {
  for await (const value of results) into.push(value);
}
