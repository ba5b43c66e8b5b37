import { ThreadPool } from '@procpool/core';
import { BrokenThreadPool } from './errors.js';
import { Executor } from './executor.js';
import { poolOptionsOf, type ThreadExecutorOptions } from './executor-options.js';

/**
 * Python's `concurrent.futures.ThreadPoolExecutor`: ProcessPoolExecutor's
 * calls, on the worker threads of a procpool `ThreadPool` in this process
 * (at most `maxWorkers`, started as work needs them, idle ones reused first).
 * @example
 * await using executor = new ThreadPoolExecutor({ maxWorkers: 4 });
 * console.log(await executor.submit(pow, 2, 8)); // 256
 */
export class ThreadPoolExecutor extends Executor {
  constructor(options?: number | ThreadExecutorOptions) {
    const { maxWorkers, pool } = poolOptionsOf(options, 'thread');
    super({
      pool: new ThreadPool(pool),
      maxWorkers,
      broken: (message, cause) => new BrokenThreadPool(message, { cause }),
    });
  }
}
