import { lazyWorkerThreads } from '../common/builtins.js';

// Where the kernel cannot kill us when the parent dies (no setpriv/prctl), a
// thread of our own does: it keeps running while the main thread spins in a
// synchronous loop, and SIGKILLs this process once we have been re-parented.
const WATCH = `
const { workerData } = require('node:worker_threads');
setInterval(() => {
  if (process.ppid !== workerData.parent) process.kill(process.pid, 'SIGKILL');
}, workerData.every);
`;

export function watchParent(everyMs = 200): void {
  const watchdog = new (lazyWorkerThreads().Worker)(WATCH, {
    eval: true,
    workerData: { parent: process.ppid, every: everyMs },
  });
  watchdog.unref();
}
