import { Pool } from '@procpool/core';
import { BrokenProcessPool } from './errors.js';
import { Executor } from './executor.js';
import { poolOptionsOf, type ExecutorOptions } from './executor-options.js';

/**
 * Python's `concurrent.futures.ProcessPoolExecutor`: calls run in worker
 * processes of a procpool `Pool`, started as work needs them (at most
 * `maxWorkers`, idle ones reused first).
 * @example
 * await using executor = new ProcessPoolExecutor({ maxWorkers: 4 });
 * console.log(await executor.submit(pow, 2, 8)); // 256
 */
export class ProcessPoolExecutor extends Executor {
  constructor(options?: number | ExecutorOptions) {
    const { maxWorkers, pool } = poolOptionsOf(options, 'process');
    super({
      pool: new Pool(pool),
      maxWorkers,
      broken: (message, cause) => new BrokenProcessPool(message, { cause }),
    });
  }
}
