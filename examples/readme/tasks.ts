// tasks.ts — the functions the workers run
import { defineTasks } from '@procpool/core';

const fib = (n: number): number => (n < 2 ? n : fib(n - 1) + fib(n - 2));

export const { slowFib, mustBePositive } = defineTasks(import.meta.url, {
  slowFib: (n: number) => fib(n),
  mustBePositive: (n: number) => {
    if (n <= 0) throw new RangeError(`${n} is not positive`);
    return n;
  },
});
