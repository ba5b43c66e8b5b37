// TypeScript (it compiles `await using` for Node 20)
import { Pool } from '@procpool/core';
import { square } from './tasks.mjs';

await using pool = new Pool(2); // terminated when the enclosing block (here, the module) ends
console.log(await pool.map(square, [1, 2, 3])); // [ 1, 4, 9 ]
