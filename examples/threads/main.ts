import { TaskTimeoutError, ThreadPool, WorkerLostError } from '@procpool/core';
import { fib, quit, spin, whereAmI } from './tasks.js';

await using pool = new ThreadPool(2);
console.log(await pool.map(fib, [10, 20, 30])); // [ 55, 6765, 832040 ]

// A thread of this process, though not its main thread.
const where = await pool.apply(whereAmI);
console.log(where.pid === process.pid, where.main, where.name.startsWith('PoolWorker-')); // true false true

// process.exit() in a task ends its thread only; a new one takes its place.
const lost = await pool.apply(quit, [3]).catch((error: unknown) => error);
console.log(lost instanceof WorkerLostError && lost.exitCode); // 3

// A task that never yields is stopped all the same: its thread is terminated.
const late = await pool.apply(spin, [], { taskTimeout: 100 }).catch((error: unknown) => error);
console.log(late instanceof TaskTimeoutError); // true
console.log(await pool.apply(fib, [20])); // 6765
