// Type tests for DistributedPool and createWorker: checked by `tsc` (the root tsconfig), never run.
import { createWorker, DistributedPool, type DistributedIMapIterator, type DistributedWorker } from '@procpool/bullmq';
import { defineTasks, taskRef } from '@procpool/core';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const expectType = <T extends true>(value?: T): T | undefined => value;

const { square, add, later, none } = defineTasks('file:///tasks.js', {
  square: (x: number) => x * x,
  add: (a: number, b: string) => `${a}${b}`,
  later: async (ms: number) => new Date(ms),
  none: () => 1,
});

export async function checks(): Promise<void> {
  await using pool = new DistributedPool({
    connection: 'redis://127.0.0.1:6379',
    queue: 'q',
    defaultJobOptions: { attempts: 2 },
  });
  // apply: the task's parameters, the awaited result.
  expectType<Equal<Awaited<ReturnType<typeof pool.apply<typeof square>>>, number>>();
  const sum = await pool.apply(add, [1, 'x'], { taskTimeout: 1000, jobOptions: { priority: 1 } });
  expectType<Equal<typeof sum, string>>();
  const date = await pool.apply(later, [5]);
  expectType<Equal<typeof date, Date>>();
  expectType<Equal<Awaited<ReturnType<typeof pool.apply<typeof none>>>, number>>();
  await pool.apply(none);
  // @ts-expect-error a string where the task takes a number
  await pool.apply(square, ['x']);
  // @ts-expect-error arguments are required when the task takes some
  await pool.apply(square);
  const byName = await pool.apply('/abs/tasks.js#square', [3]);
  expectType<Equal<typeof byName, unknown>>();
  const ref = taskRef<(x: number) => string>('/abs/tasks.js', 'show');
  expectType<Equal<Awaited<ReturnType<typeof pool.apply<(x: number) => string>>>, string>>();
  await pool.apply(ref, [1]);

  // map, starmap: results of the task's type; a chunksize or options.
  const squares = await pool.map(square, [1, 2, 3], 2);
  expectType<Equal<typeof squares, number[]>>();
  await pool.map(square, [1], { chunksize: 1, signal: AbortSignal.timeout(10) });
  // @ts-expect-error items of the wrong type
  await pool.map(square, ['a']);
  const joined = await pool.starmap(add, [[1, 'a']]);
  expectType<Equal<typeof joined, string[]>>();

  // imap, imapUnordered: an async iterator of results, next(timeout).
  const it = pool.imap(square, [1, 2], { chunksize: 1, bufferSize: 8 });
  expectType<Equal<typeof it, DistributedIMapIterator<number>>>();
  const step = await it.next(100);
  if (step.done !== true) expectType<Equal<typeof step.value, number>>();
  for await (const v of pool.imapUnordered(square, [1, 2])) expectType<Equal<typeof v, number>>();

  await pool.close();
  await pool.terminate();

  // createWorker: PoolOptions or a number of processes; a worker to close.
  const worker = await createWorker({
    connection: { host: '127.0.0.1', port: 6379 },
    queue: 'q',
    pool: { processes: 2, maxTasksPerChild: 10 },
  });
  expectType<Equal<typeof worker, DistributedWorker>>();
  await using disposable = await createWorker({ connection: 'redis://h', queue: 'q', pool: 4, lockDuration: 4000 });
  expectType<Equal<typeof disposable.name, string>>();
  // @ts-expect-error pool options are checked
  await createWorker({ connection: 'redis://h', queue: 'q', pool: { processes: 'x' } });
  await worker.close();
  await worker.terminate();
}
