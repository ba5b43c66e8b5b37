// main.ts
import { Pool } from '@procpool/core';
import { mustBePositive, slowFib } from './tasks.js';

await using pool = new Pool({ processes: 2, maxTasksPerChild: 100 });

const fibs = await pool.map(slowFib, [25, 26, 27]); // number[], computed in 2 processes
console.log(fibs); // [ 75025, 121393, 196418 ]

try {
  await pool.apply(mustBePositive, [-1]);
} catch (error) {
  console.log(error instanceof RangeError, (error as Error).message); // true -1 is not positive
}
