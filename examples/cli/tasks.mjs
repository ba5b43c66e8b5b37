// Task functions for the procpool command (docs/cli.md). A task module for
// `procpool map` needs nothing from procpool: plain exported functions, sync
// or async, each called in a worker process with one input line's JSON value
// (with --lines, the line's text; with --spread, the array's items as its
// arguments), its return value written as the output line's "value".

const fib = (n) => (n < 2 ? n : fib(n - 1) + fib(n - 2));

export function slowFib(n) {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`${JSON.stringify(n)} is not a non-negative integer`);
  return fib(n);
}

// For --spread: each input line is an array of arguments, [base, exponent].
export const power = (base, exponent) => base ** exponent;

// For --lines: each input line is a string, JSON or not.
export const shout = (line) => `${line.toUpperCase()}!`;
