// The task module of docs/futures.md's examples.
import { defineTasks } from '@procpool/core';

export const { pow, primeOrNull, checkPositive } = defineTasks(import.meta.url, {
  pow: (base: number, exponent: number) => base ** exponent,
  primeOrNull: (n: number) => {
    for (let d = 2; d * d <= n; d += 1) if (n % d === 0) return null;
    return n;
  },
  checkPositive: (n: number) => {
    if (n <= 0) throw new RangeError(`${n} is not positive`);
    return n;
  },
});
