// Node modules that a worker rarely needs, loaded on first use: `worker_threads`
// costs ~3 ms of a worker's start-up, `child_process` ~2 ms (in a worker only a
// nested pool starts processes) and `os` ~0.7 ms (docs/performance.md);
// `crypto` only for an authkey or a handshake (~5 ms with its internals, in
// every process that loads Connection's code: an ES module importing
// procpool loads it), `dns` only for a Listener given a host name.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export const lazyChildProcess = (): typeof import('node:child_process') =>
  require('node:child_process') as typeof import('node:child_process');
export const lazyCrypto = (): typeof import('node:crypto') => require('node:crypto') as typeof import('node:crypto');
export const lazyDns = (): typeof import('node:dns/promises') =>
  require('node:dns/promises') as typeof import('node:dns/promises');
export const lazyOs = (): typeof import('node:os') => require('node:os') as typeof import('node:os');
export const lazyWorkerThreads = (): typeof import('node:worker_threads') =>
  require('node:worker_threads') as typeof import('node:worker_threads');
