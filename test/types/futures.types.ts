// Type tests for @procpool/futures: checked by `tsc` like pool.types.ts.
import { asCompleted, FIRST_COMPLETED, Future, wait, type CompletedFuture } from '@procpool/futures';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const expectType = <T extends true>(value?: T): T | undefined => value;

export async function checks(futures: Array<Future<number>>): Promise<void> {
  // A thenable future awaits to its value.
  const [first] = futures;
  if (first !== undefined) expectType<Equal<Awaited<typeof first>, number>>();
  // asCompleted's futures keep their type under for await (not their value's).
  for await (const future of asCompleted(futures)) {
    expectType<Equal<typeof future, CompletedFuture<number>>>();
    const value = await future.result();
    expectType<Equal<typeof value, number>>();
    // The very futures that went in: comparable with them, and usable as keys.
    const index = futures.findIndex((f) => f === future);
    expectType<Equal<typeof index, number>>();
    // And accepted where futures are: wait() gives them back as Futures.
    const { done } = await wait([future], { returnWhen: FIRST_COMPLETED });
    expectType<Equal<typeof done, Set<Future<number>>>>();
    // It has no then, so for await does not read it as its value.
    expectType<Equal<'then' extends keyof typeof future ? true : false, false>>();
  }
}
