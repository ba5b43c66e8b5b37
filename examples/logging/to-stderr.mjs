import { logToStderr, Pool } from '@procpool/core';
import { square, startLogging } from './tasks.mjs';

logToStderr('debug'); // this process's lines: [DEBUG/MainProcess] …
const pool = new Pool({ processes: 1, maxTasksPerChild: 2, initializer: startLogging, initargs: ['info'] });
console.log(await pool.map(square, [1, 2, 3], 1)); // [ 1, 4, 9 ]
pool.close();
await pool.join();
