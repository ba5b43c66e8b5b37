// @ts-check
// Across machines, on one: @procpool/bullmq's DistributedPool against BullMQ
// used directly. Each trial starts a throwaway redis-server (redis.mjs) and
// two worker processes (workers/queue-worker.mjs), each a "machine" running
// one task at a time: procpool's createWorker with a Pool of 1 process, or
// BullMQ's Worker with a sandboxed processor file, concurrency 1 (one child
// process each: the same process tree). P: map of 10 000 small tasks (jobs/s);
// P2: one call at a time, the latency against a local Pool's. Only procpool
// has it (`needs: 'distributed'`).
import { fork } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { startRedis, stopped, track } from '../redis.mjs';
import { NotAvailable } from '../subjects.mjs';
import { WORKERS, now, within } from './helpers.mjs';

/** @typedef {import('./helpers.mjs').Scenario} Scenario */
/** @typedef {import('./helpers.mjs').Adapter} Adapter */
/** @typedef {{ apply: (x: number) => Promise<unknown>, map: (items: number[]) => Promise<unknown[]>, close: () => Promise<unknown> }} Client */

const require = createRequire(import.meta.url);
const QUEUE = 'bench';
const WORKER = fileURLToPath(new URL('../workers/queue-worker.mjs', import.meta.url));

/** @typedef {'bullmq' | 'bullmq-inline' | 'procpool'} Kind What the worker processes run (workers/queue-worker.mjs). */

/**
 * A worker process of `kind`; `ready` resolves once it is connected.
 * @param {Kind} kind
 * @param {string} url
 */
function startWorker(kind, url) {
  const child = fork(WORKER, [kind, url, QUEUE], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  track(child);
  let stderr = '';
  child.stderr?.on('data', (data) => {
    stderr = (stderr + data).slice(-2000);
  });
  /** @type {Promise<void>} */
  const ready = new Promise((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code, signal) =>
      reject(
        new Error(
          `${kind} worker exited (${signal ?? code}) before it was ready: ${stderr.split('\n').find((line) => /^\w*Error\b/.test(line)) ?? stderr.trim().slice(-200)}`,
        ),
      ),
    );
  });
  const stop = async () => {
    if (child.connected) child.send('close');
    await stopped(child, 10_000);
  };
  return { ready, stop };
}

/**
 * `use` with a redis-server and WORKERS worker processes of `kind`, all
 * stopped afterwards (the workers first, gracefully), whatever happened.
 * @template T
 * @param {Kind} kind
 * @param {(url: string) => Promise<T>} use
 */
async function withCluster(kind, use) {
  const redis = await startRedis();
  /** @type {Array<ReturnType<typeof startWorker>>} */
  const workers = [];
  try {
    for (let i = 0; i < WORKERS; i += 1) workers.push(startWorker(kind, redis.url));
    await within(Promise.all(workers.map((w) => w.ready)), 30_000);
    return await use(redis.url);
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
    await redis.stop();
  }
}

/**
 * BullMQ as its user would drive it: a Queue and a QueueEvents whose
 * 'completed' and 'failed' events settle the pending jobs by id (not
 * `waitUntilFinished`, which BullMQ's maintainers advise against);
 * `map` adds in batches of 1 000 with `addBulk`; jobs removed once done.
 * @param {string} url
 * @returns {Promise<Client>}
 */
async function bullmqClient(url) {
  const { Queue, QueueEvents } = await import('bullmq');
  const { hostname, port } = new URL(url);
  const connection = { host: hostname, port: Number(port) };
  const queue = new Queue(QUEUE, { connection });
  const events = new QueueEvents(QUEUE, { connection });
  /** @type {Error | undefined} */
  let broken;
  queue.on('error', (error) => (broken = error));
  events.on('error', (error) => (broken = error));
  await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);
  /** @type {Map<string, { resolve: (value: unknown) => void, reject: (error: Error) => void }>} */
  const pending = new Map();
  events.on('completed', ({ jobId, returnvalue }) => {
    pending.get(jobId)?.resolve(returnvalue);
    pending.delete(jobId);
  });
  events.on('failed', ({ jobId, failedReason }) => {
    pending.get(jobId)?.reject(new Error(failedReason));
    pending.delete(jobId);
  });
  let seq = 0;
  const opts = { removeOnComplete: true, removeOnFail: true };
  /** Registered before the job is added, so that no event can come first. */
  const job = () => {
    const jobId = `job-${(seq += 1)}`;
    /** @type {Promise<unknown>} */
    const done = new Promise((resolve, reject) => pending.set(jobId, { resolve, reject }));
    return { jobId, done };
  };
  return {
    async apply(x) {
      const { jobId, done } = job();
      await queue.add('noop', { x }, { ...opts, jobId });
      return done;
    },
    async map(items) {
      /** @type {unknown[]} */
      const results = new Array(items.length);
      /** @type {Promise<unknown>[]} */
      const all = [];
      for (let start = 0; start < items.length; start += 1000) {
        const batch = items.slice(start, start + 1000).map((x, k) => {
          const { jobId, done } = job();
          all.push(done.then((value) => (results[start + k] = value)));
          return { name: 'noop', data: { x }, opts: { ...opts, jobId } };
        });
        await queue.addBulk(batch);
      }
      await Promise.all(all);
      if (broken) throw broken;
      return results;
    },
    close: async () => {
      await events.close();
      await queue.close();
    },
  };
}

/**
 * @procpool/bullmq's client, for a subject that has it; `map` with the
 * subject's chunksize (default: the pool's own).
 * @param {Adapter} subject
 * @param {string} url
 * @returns {Promise<Client>}
 */
async function procpoolClient(subject, url) {
  const { DistributedPool } = await import('@procpool/bullmq');
  const { tasks } = require('../workers/procpool.cjs');
  const pool = new DistributedPool({ connection: url, queue: QUEUE });
  const chunksize = subject.distributedChunksize;
  return {
    apply: (x) => pool.apply(tasks.noop, [x]),
    map: (items) => (chunksize === undefined ? pool.map(tasks.noop, items) : pool.map(tasks.noop, items, chunksize)),
    close: () => pool.terminate(),
  };
}

/** @param {Adapter} subject */
const distributed = (subject) => {
  const lacking = subject.lacks.distributed;
  if (lacking !== undefined) throw new NotAvailable(lacking);
};

/**
 * `use` with a client of a cluster of `kind`, closed afterwards.
 * @template T
 * @param {Kind} kind
 * @param {(url: string) => Promise<Client>} connect
 * @param {(client: Client) => Promise<T>} use
 */
const withClient = (kind, connect, use) =>
  withCluster(kind, async (url) => {
    const client = await connect(url);
    try {
      return await use(client);
    } finally {
      await within(client.close(), 10_000).catch(() => {});
    }
  });

/** P's items: unmeasured first (the sandboxes forked, the JIT warm), then measured. @param {boolean} quick */
const mapCounts = (quick) => (quick ? { warm: 200, count: 1000 } : { warm: 2000, count: 10_000 });

/**
 * jobs/s of one measured map, after an unmeasured one; every result checked.
 * @param {Client} client
 * @param {boolean} quick
 */
async function mapRate(client, quick) {
  const { warm, count } = mapCounts(quick);
  const items = (/** @type {number} */ n) => Array.from({ length: n }, (_, i) => i);
  await within(client.map(items(warm)), 60_000);
  const input = items(count);
  const start = now();
  const results = await within(client.map(input), 90_000);
  const ms = now() - start;
  const wrong = input.findIndex((x) => results[x] !== x);
  if (results.length !== count || wrong !== -1) throw new Error(`map: result ${wrong} is ${results[wrong]}`);
  return count / (ms / 1000);
}

// (P) map of 10 000 small tasks through Redis: jobs/s.
/** @type {Scenario} */
export const P = {
  title:
    'P. `DistributedPool.map` of 10 000 no-op tasks across 2 worker processes (each running 1 task at a time in 1 child process) through a throwaway redis-server on loopback, after 2 000 unmeasured (jobs/s, higher is better)',
  baseline: {
    name: 'BullMQ used directly: `addBulk` in batches of 1 000, results from QueueEvents; each worker process a `Worker` with a sandboxed processor file, concurrency 1',
    run: ({ quick }) => withClient('bullmq', bullmqClient, (client) => mapRate(client, quick)),
  },
  references: {
    inline: {
      name: 'BullMQ used directly, the processor in each worker process (not sandboxed: a task that crashes takes the worker down)',
      run: ({ quick }) => withClient('bullmq-inline', bullmqClient, (client) => mapRate(client, quick)),
    },
  },
  unit: 'jobs/s',
  needs: 'distributed',
  run: (subject, { quick }) => {
    distributed(subject);
    return withClient(
      'procpool',
      (url) => procpoolClient(subject, url),
      (client) => mapRate(client, quick),
    );
  },
};

/** @param {number[]} sorted ascending @param {number} q */
const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;

/** P2's calls: unmeasured, then measured in `blocks` of `size`. @param {boolean} quick */
const callCounts = (quick) => (quick ? { warm: 50, blocks: 4, size: 25 } : { warm: 200, blocks: 10, size: 100 });

/**
 * The µs of each of `size` calls, one at a time.
 * @param {(i: number) => Promise<unknown>} call
 * @param {number} size
 */
async function timeCalls(call, size) {
  const times = [];
  for (let i = 0; i < size; i += 1) {
    const start = now();
    await call(i);
    times.push((now() - start) * 1000);
  }
  return times;
}

/** { median, p95 } of the µs per call. @param {number[]} times */
const spread = (times) => {
  const sorted = [...times].sort((a, b) => a - b);
  return { median: quantile(sorted, 0.5), p95: quantile(sorted, 0.95) };
};

/**
 * Sequential calls of `call`, measured in blocks after the unmeasured ones:
 * the median µs per call, with the p95 as its extra column.
 * @param {(i: number) => Promise<unknown>} call
 * @param {boolean} quick
 */
async function sequential(call, quick) {
  const { warm, blocks, size } = callCounts(quick);
  await timeCalls(call, warm);
  const times = [];
  for (let b = 0; b < blocks; b += 1) times.push(...(await timeCalls(call, size)));
  const { median, p95 } = spread(times);
  return { value: median, extra: [p95, null] };
}

/**
 * A local procpool Pool of WORKERS processes over the same task module.
 * @returns {Promise<{ call: (i: number) => Promise<unknown>, close: () => Promise<unknown> }>}
 */
async function localPool() {
  const { Pool } = await import('@procpool/core');
  const { tasks } = require('../workers/procpool.cjs');
  const pool = new Pool({ processes: WORKERS });
  return { call: (i) => pool.apply(tasks.noop, [i]), close: () => pool.terminate() };
}

// (P2) one call at a time through Redis, against a local Pool: µs per call.
/** @type {Scenario} */
export const P2 = {
  title:
    'P2. `DistributedPool.apply` of a no-op, one call at a time, the same 2 worker processes and redis-server as P (µs per call, lower is better; ratio: ÷ a local `Pool.apply` of 2 processes in the same trial, in alternating blocks; 1 000 calls after 200 unmeasured)',
  baseline: {
    name: 'a local `Pool.apply` (`@procpool/core`, 2 processes, no Redis)',
    run: async ({ quick }) => {
      const pool = await localPool();
      try {
        return await sequential(pool.call, quick);
      } finally {
        await within(pool.close(), 5000).catch(() => {});
      }
    },
  },
  references: {
    bullmq: {
      name: "BullMQ's own round trip: `queue.add` → QueueEvents 'completed', the sandboxed workers of P's baseline",
      run: ({ quick }) => withClient('bullmq', bullmqClient, (client) => sequential((i) => client.apply(i), quick)),
    },
  },
  unit: 'µs',
  columns: ['p95 (µs)', 'p95 ÷ the local Pool’s'],
  needs: 'distributed',
  run: (subject, { quick }) => {
    distributed(subject);
    return withClient(
      'procpool',
      (url) => procpoolClient(subject, url),
      async (client) => {
        const local = await localPool();
        try {
          const { warm, blocks, size } = callCounts(quick);
          await timeCalls((i) => client.apply(i), warm);
          await timeCalls(local.call, warm * 10);
          /** @type {number[]} */
          const mine = [];
          /** @type {number[]} */
          const theirs = [];
          // Which goes first alternates, so neither always follows the other.
          for (let b = 0; b < blocks; b += 1) {
            const distributed = async () => mine.push(...(await timeCalls((i) => client.apply(i), size)));
            const nearby = async () => theirs.push(...(await timeCalls(local.call, size)));
            if (b % 2 === 0) await distributed().then(nearby);
            else await nearby().then(distributed);
          }
          const far = spread(mine);
          const near = spread(theirs);
          return { value: far.median, ratio: far.median / near.median, extra: [far.p95, far.p95 / near.p95] };
        } finally {
          await within(local.close(), 5000).catch(() => {});
        }
      },
    );
  },
};
