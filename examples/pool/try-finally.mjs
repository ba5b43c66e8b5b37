// Plain JavaScript on Node 20, where `await using` is a syntax error
import { Pool } from '@procpool/core';
import { square } from './tasks.mjs';

const pool = new Pool(2);
try {
  console.log(await pool.map(square, [1, 2, 3])); // [ 1, 4, 9 ]
} finally {
  await pool.terminate(); // what `await using` does at the end of its block
}
