// Type tests: checked by `tsc` (pnpm typecheck). Every @ts-expect-error line
// must be an error, or the check fails; every other line must compile.
import { Pool, ThreadPool, type PoolOptions, type ThreadPoolOptions } from '@procpool/core';
import { square } from '../types/pool.types.js';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const expectType = <T extends true>(value?: T): T | undefined => value;

export async function checks(options: PoolOptions): Promise<void> {
  await using pool = new ThreadPool({ processes: 2, maxTasksPerChild: 10, taskTimeout: 100, maxMemoryPerChild: 1e8 });
  const asPool: Pool = pool;
  asPool.close();
  expectType<Equal<ReturnType<typeof pool.map<typeof square>>, Promise<number[]>>>();
  expectType<Equal<Awaited<ReturnType<typeof pool.apply<typeof square>>>, number>>();
  // A Pool's options object fits, as long as it says nothing of context or cwd (checked when run).
  new ThreadPool(options);
  const threadOptions: ThreadPoolOptions = { processes: 1, env: { A: 'b' } };
  new ThreadPool(threadOptions);
  new ThreadPool(4);
  // @ts-expect-error a thread has no start method
  new ThreadPool({ context: 'fork' });
  // @ts-expect-error nor a working directory of its own
  new ThreadPool({ cwd: '/tmp' });
}
