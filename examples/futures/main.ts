import { FIRST_COMPLETED, ProcessPoolExecutor, asCompleted, wait } from '@procpool/futures';
import { checkPositive, pow, primeOrNull } from './tasks.js';

await using executor = new ProcessPoolExecutor({ maxWorkers: 2 });

// submit: a Future; awaiting it is awaiting result().
const future = executor.submit(pow, 2, 8);
console.log(await future.result(10_000)); // 256

// map: the inputs taken in step, the results in input order.
const cubes: number[] = [];
for await (const cube of executor.map(pow, [1, 2, 3], [3, 3, 3])) cubes.push(cube);
console.log(cubes); // [ 1, 8, 27 ]

// An endless input: with buffersize, only 4 calls run ahead of the loop.
function* from2(): Generator<number> {
  for (let n = 2; ; n += 1) yield n;
}
const primes: number[] = [];
for await (const prime of executor.map(primeOrNull, from2(), { buffersize: 4 })) {
  if (prime !== null) primes.push(prime);
  if (primes.length === 5) break; // cancels what has not started
}
console.log(primes); // [ 2, 3, 5, 7, 11 ]

// A call's error comes back as its own class.
const error = await executor.submit(checkPositive, -1).exception();
console.log(error instanceof RangeError, (error as Error).message); // true -1 is not positive

// wait and asCompleted take any futures.
const futures = [3, 1, 2].map((n) => executor.submit(pow, n, 2));
const { done } = await wait(futures, { returnWhen: FIRST_COMPLETED });
console.log(done.size >= 1); // true
const squares: number[] = [];
for await (const f of asCompleted(futures)) squares.push(await f.result());
console.log(squares.sort()); // [ 1, 4, 9 ]
