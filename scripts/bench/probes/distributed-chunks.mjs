// @ts-check
// How `DistributedPool.map` cuts its items into BullMQ jobs by default (P's
// procpool row): `node probes/distributed-chunks.mjs [items] [worker processes]`.
// Starts a throwaway redis-server and that many worker processes
// (createWorker, a Pool of 1 process each, as P), then prints the workers
// Redis lists, the jobs a default `map` added, and its time. The package
// means 4 jobs per worker process; it falls back to 16 processes when it sees
// none.
import { fork } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { DistributedPool } from '@procpool/bullmq';
import { Queue, QueueEvents } from 'bullmq';
import { startRedis, stopped, track } from '../redis.mjs';

const require = createRequire(import.meta.url);
const { tasks } = require('../workers/procpool.cjs');
const WORKER = fileURLToPath(new URL('../workers/queue-worker.mjs', import.meta.url));
const [count = 10_000, processes = 2] = process.argv.slice(2).map(Number);
const QUEUE = 'probe';

const redis = await startRedis();
const workers = Array.from({ length: processes }, () => fork(WORKER, ['procpool', redis.url, QUEUE]));
for (const worker of workers) track(worker);
try {
  await Promise.all(workers.map((worker) => new Promise((resolve) => worker.once('message', resolve))));
  const connection = { host: '127.0.0.1', port: redis.port };
  const queue = new Queue(QUEUE, { connection });
  const events = new QueueEvents(QUEUE, { connection });
  await events.waitUntilReady();
  let added = 0;
  events.on('added', () => (added += 1));
  // BullMQ's getWorkers() gives each worker the queue's name as `name`; the client's own name is in `rawname`.
  const listed = await queue.getWorkers();
  console.log(`workers listed: ${listed.map((w) => `name=${w.name} rawname=${w.rawname}`).join(', ')}`);
  const pool = new DistributedPool({ connection: redis.url, queue: QUEUE });
  const start = performance.now();
  const results = await pool.map(
    tasks.noop,
    Array.from({ length: count }, (_, i) => i),
  );
  const ms = performance.now() - start;
  await pool.close();
  // The last 'added' events may trail the results by a moment.
  await new Promise((resolve) => setTimeout(resolve, 200));
  console.log(
    `map of ${results.length} items: ${added} jobs (expected ${Math.min(count, 4 * processes)} for ${processes} worker processes), ${ms.toFixed(0)} ms`,
  );
  await Promise.all([events.close(), queue.close()]);
} finally {
  for (const worker of workers) if (worker.connected) worker.send('close');
  await Promise.all(workers.map((worker) => stopped(worker, 10_000)));
  await redis.stop();
}
