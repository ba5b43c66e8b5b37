// Type tests for the executors: checked by `tsc` (the root tsconfig), never run.
import { defineTasks } from '@procpool/core';
import { ProcessPoolExecutor, ThreadPoolExecutor, type Future } from '@procpool/futures';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const expectType = <T extends true>(value?: T): T | undefined => value;

const { pow, greet, later } = defineTasks('file:///tasks.js', {
  pow: (base: number, exponent: number) => base ** exponent,
  greet: (name: string) => `hello ${name}`,
  later: async (ms: number) => ms,
});

export async function checks(): Promise<void> {
  await using executor = new ProcessPoolExecutor({ maxWorkers: 2 });
  // submit: the task's arguments, a Future of its (awaited) result.
  const future = executor.submit(pow, 2, 8);
  expectType<Equal<typeof future, Future<number>>>();
  const awaited = executor.submit(later, 5);
  expectType<Equal<typeof awaited, Future<number>>>();
  // @ts-expect-error a string where the task takes a number
  executor.submit(pow, 'x', 2);
  // @ts-expect-error a missing argument
  executor.submit(pow, 2);
  // A 'module#export' string's result is unknown.
  const byName = executor.submit('/abs/tasks.js#pow', 2, 8);
  expectType<Equal<typeof byName, Future<unknown>>>();

  // map: one iterable per parameter, options last, results of the task's type.
  for await (const v of executor.map(pow, [1, 2], [2, 2], { timeout: 100, chunksize: 1, buffersize: 2 })) {
    expectType<Equal<typeof v, number>>();
  }
  for await (const s of executor.map(greet, ['a', 'b'])) expectType<Equal<typeof s, string>>();
  // @ts-expect-error an iterable of the wrong type
  executor.map(greet, [1, 2]);

  await using threads = new ThreadPoolExecutor(2);
  const greeting = threads.submit(greet, 'you');
  expectType<Equal<typeof greeting, Future<string>>>();
  // @ts-expect-error threads have no start method
  new ThreadPoolExecutor({ mpContext: 'spawn' });
}
