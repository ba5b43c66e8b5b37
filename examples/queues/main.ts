import { Empty, JoinableQueue, Pool, Process, Queue } from '@procpool/core';
import { produce, square } from './tasks.js';

// A child puts, this process gets.
const q = new Queue<{ i: number }>();
const p = new Process({ target: produce, args: [q, 3] });
p.start();
for (let i = 0; i < 3; i += 1) console.log(await q.get()); // { i: 0 } { i: 1 } { i: 2 }
await p.join();
console.log(await q.getNowait().catch((error) => error instanceof Empty)); // true

// Pool workers take work from one queue and answer on another.
const tasks = new JoinableQueue<number | null>();
const results = new Queue<number>();
await using pool = new Pool(2);
const squaring = [pool.apply(square, [tasks, results]), pool.apply(square, [tasks, results])];
for (const n of [1, 2, 3, 4]) await tasks.put(n);
await tasks.join(); // every item put has been marked done
const squares: number[] = [];
while (!(await results.empty())) squares.push(await results.get());
console.log(squares.sort((a, b) => a - b)); // [ 1, 4, 9, 16 ]
await tasks.put(null);
await tasks.put(null);
await Promise.all(squaring);
