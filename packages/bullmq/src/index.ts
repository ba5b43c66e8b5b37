export { DistributedPool, type DistributedPoolOptions } from './distributed-pool.js';
export type { DistributedCallOptions, DistributedImapOptions, DistributedMapOptions } from './call-options.js';
export { DistributedIMapIterator } from './distributed-imap-iterator.js';
export { createWorker, DistributedWorker, type WorkerOptions } from './worker.js';
export type { RedisConnection } from './connection.js';
export { JobFailedError, JobLostError, RedisConnectionError } from './errors.js';
