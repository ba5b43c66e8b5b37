// The task module of docs/threads.md's example.
import { currentProcess, defineTasks, isMainProcess } from '@procpool/core';

const fibonacci = (n: number): number => (n < 2 ? n : fibonacci(n - 1) + fibonacci(n - 2));

export const { fib, whereAmI, quit, spin } = defineTasks(import.meta.url, {
  fib: fibonacci,
  whereAmI: () => ({ pid: process.pid, name: currentProcess().name, main: isMainProcess() }),
  quit: (code: number) => process.exit(code), // ends this thread only
  spin: () => {
    for (;;); // never yields: only terminating the thread stops it
  },
});
