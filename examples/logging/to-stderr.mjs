import { logToStderr, Pool } from '@procpool/core';
import { square } from './tasks.mjs';

logToStderr('debug'); // here, and in the workers this process starts: [DEBUG/PoolWorker-1] …
const pool = new Pool({ processes: 1, maxTasksPerChild: 2 });
console.log(await pool.map(square, [1, 2, 3], 1)); // [ 1, 4, 9 ]
pool.close();
await pool.join();
