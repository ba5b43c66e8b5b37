// Type tests: checked by `tsc` (pnpm typecheck). Every @ts-expect-error line
// must be an error, or the check fails; every other line must compile.
import { Pool, taskRef, type AsyncResult, type IMapIterator } from '@procpool/core';
import { defineTasks } from '@procpool/core';

export const { square, greet, pair, asyncLength, none } = defineTasks(import.meta.url, {
  square: (x: number) => x * x,
  greet: (name: string, times?: number) => name.repeat(times ?? 1),
  pair: (a: number, b: string): [number, string] => [a, b],
  asyncLength: async (s: string) => s.length,
  none: () => 'nothing',
});

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const expectType = <T extends true>(value?: T): T | undefined => value;

export async function checks(pool: Pool): Promise<void> {
  const mapped = pool.map(square, [1, 2]);
  expectType<Equal<typeof mapped, Promise<number[]>>>();
  const applied = pool.apply(pair, [1, 'a']);
  expectType<Equal<typeof applied, Promise<[number, string]>>>();
  const awaited = pool.apply(asyncLength, ['abc']);
  expectType<Equal<typeof awaited, Promise<number>>>();
  const noArgs = pool.apply(none);
  expectType<Equal<typeof noArgs, Promise<string>>>();
  const optional = pool.apply(greet, ['x']);
  expectType<Equal<typeof optional, Promise<string>>>();
  const star = pool.starmap(pair, [
    [1, 'a'],
    [2, 'b'],
  ]);
  expectType<Equal<typeof star, Promise<Array<[number, string]>>>>();
  const asyncResult = pool.applyAsync(square, [2]);
  expectType<Equal<typeof asyncResult, AsyncResult<number>>>();
  // As for apply: args may be left out only when the task needs none.
  const asyncNoArgs = pool.applyAsync(none);
  expectType<Equal<typeof asyncNoArgs, AsyncResult<string>>>();
  const asyncOptional = pool.applyAsync(greet, ['x'], { callback: (value) => value satisfies string });
  expectType<Equal<typeof asyncOptional, AsyncResult<string>>>();
  const asyncViaString = pool.applyAsync('/abs/tasks.js#square');
  expectType<Equal<typeof asyncViaString, AsyncResult<unknown>>>();
  const mapAsync = pool.mapAsync(square, [1], { chunksize: 1, callback: (values) => values satisfies number[] });
  expectType<Equal<typeof mapAsync, AsyncResult<number[]>>>();
  const lazy = pool.imap(square, [1, 2]);
  expectType<Equal<typeof lazy, IMapIterator<number>>>();
  for await (const value of pool.imapUnordered(asyncLength, ['a'])) expectType<Equal<typeof value, number>>();
  const viaRef = pool.apply(taskRef<typeof square>(new URL('./x.js', import.meta.url), 'square'), [3]);
  expectType<Equal<typeof viaRef, Promise<number>>>();
  const viaString = pool.apply('/abs/tasks.js#square', [3]);
  expectType<Equal<typeof viaString, Promise<unknown>>>();

  // @ts-expect-error square takes a number
  void pool.apply(square, ['x']);
  // @ts-expect-error square needs its argument
  void pool.apply(square);
  // @ts-expect-error square needs its argument, also when its result comes later
  void pool.applyAsync(square);
  // @ts-expect-error square takes a number
  void pool.applyAsync(square, ['x']);
  // @ts-expect-error too many arguments
  void pool.applyAsync(square, [1, 2]);
  // @ts-expect-error too many arguments
  void pool.apply(square, [1, 2]);
  // @ts-expect-error items must be numbers
  void pool.map(square, ['a', 'b']);
  // @ts-expect-error starmap items are argument lists of the right types
  void pool.starmap(pair, [['a', 1]]);
  // @ts-expect-error the callback gets a number
  void pool.applyAsync(square, [1], { callback: (value: string) => value });
  // @ts-expect-error a task reference of the wrong type
  void pool.apply(taskRef<(s: string) => string>('/x.js', 'f'), [1]);
}
