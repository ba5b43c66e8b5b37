// Node modules that a worker rarely needs, loaded on first use: `worker_threads`
// costs ~3 ms of a worker's start-up, `child_process` ~2 ms (in a worker only a
// nested pool starts processes) and `os` ~0.7 ms (docs/performance.md);
// `crypto` only for an authkey or a handshake.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export const lazyChildProcess = (): typeof import('node:child_process') =>
  require('node:child_process') as typeof import('node:child_process');
export const lazyCrypto = (): typeof import('node:crypto') => require('node:crypto') as typeof import('node:crypto');
export const lazyOs = (): typeof import('node:os') => require('node:os') as typeof import('node:os');
export const lazyWorkerThreads = (): typeof import('node:worker_threads') =>
  require('node:worker_threads') as typeof import('node:worker_threads');
