import { Barrier, Lock, Process, Value } from '@procpool/core';
import { addOnes, holdAndDie, meet } from './tasks.js';

const run = async (...children: Process[]): Promise<void> => {
  for (const child of children) child.start();
  await Promise.all(children.map((child) => child.join()));
};

// Two processes add to one counter; the lock keeps every addition.
const lock = new Lock();
const counter = new Value('i', 0);
await run(...[1, 2].map(() => new Process({ target: addOnes, args: [lock, counter, 50] })));
console.log(await counter.get()); // 100

// C's arithmetic: 8-bit values wrap, 64-bit ones are bigints.
const small = new Value('b', 127);
await small.set((await small.get()) + 1);
console.log(await small.get()); // -128
const big = new Value('q', 2n ** 63n - 1n);
await big.set((await big.get()) + 1n);
console.log(await big.get()); // -9223372036854775808n

// The action runs here, in the barrier's process, once all three have arrived.
const barrier = new Barrier(3, { action: () => console.log('all three are here') });
const meeting = run(new Process({ target: meet, args: [barrier] }), new Process({ target: meet, args: [barrier] }));
await barrier.wait(); // all three are here
await meeting;

// A process that dies holding a lock does not leave it locked.
await run(new Process({ target: holdAndDie, args: [lock] }));
console.log(await lock.acquire({ timeout: 5000 }), await lock.ownerDied()); // true true
await lock.release();
console.log(await lock.ownerDied()); // false
