import { Manager, Pool, type ListProxy } from '@procpool/core';
import { addOne } from './tasks.js';

await using manager = await Manager(); // a server process of its own, shut down at the end of the block
const d = await manager.dict<string, number>([['a', 1]]);
const lock = await manager.Lock();

await using pool = new Pool(2);
await pool.starmap(addOne, [
  [d, lock],
  [d, lock],
  [d, lock],
]); // proxies travel to the workers
console.log(await d.get('a')); // 4

const l = await manager.list([3, 1, 2]);
await l.sort();
const shelf = await manager.dict<string, ListProxy<number>>();
await shelf.set('sorted', l); // a proxy stored in a manager's object comes back a proxy
await (await shelf.get('sorted'))?.append(4);
console.log(await l.copy()); // [ 1, 2, 3, 4 ]

const ns = await manager.Namespace<{ x: number; y: string }>({ x: 1 });
await ns.set('y', 'two');
console.log(await ns.copy()); // { x: 1, y: 'two' }

console.log(await manager.objectCount()); // 5: two dicts, the lock, the list and the namespace
