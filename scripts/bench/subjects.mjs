// One adapter per pool: create it with N workers (optionally recycling after
// every task), call a named task with one argument, map (procpool only), close.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const worker = (name) => fileURLToPath(new URL(`./workers/${name}`, import.meta.url));

/** Thrown when a pool has no such feature: the table shows `n/a`. */
export class NotAvailable extends Error {}

const noRecycle = (name, recycle) => {
  if (recycle) throw new NotAvailable(`${name} cannot start a new worker for every task`);
};

export const subjects = {
  procpool: {
    kind: 'process',
    async create({ workers, recycle }) {
      const { Pool } = await import('@procpool/core');
      const { tasks } = await import('./workers/procpool.mjs');
      const pool = new Pool({ processes: workers, ...(recycle ? { maxTasksPerChild: 1 } : {}) });
      return { pool, tasks };
    },
    call: ({ pool, tasks }, name, arg) => pool.apply(tasks[name], [arg]),
    map: ({ pool, tasks }, name, items) => pool.map(tasks[name], items),
    close: ({ pool }) => pool.terminate(),
  },
  workerpool: {
    kind: 'process',
    async create({ workers, recycle }) {
      noRecycle('workerpool', recycle);
      const workerpool = require('workerpool');
      return workerpool.pool(worker('workerpool.cjs'), {
        minWorkers: workers,
        maxWorkers: workers,
        workerType: 'process',
      });
    },
    call: (pool, name, arg) => pool.exec(name, [arg]),
    close: (pool) => pool.terminate(true),
  },
  tinypool: {
    kind: 'process',
    async create({ workers, recycle }) {
      const { Tinypool } = await import('tinypool');
      return new Tinypool({
        runtime: 'child_process',
        filename: new URL('./workers/tinypool.mjs', import.meta.url).href,
        minThreads: workers,
        maxThreads: workers,
        isolateWorkers: recycle,
      });
    },
    call: (pool, name, arg) => pool.run(arg, { name }),
    close: (pool) => pool.destroy(),
  },
  'jest-worker': {
    kind: 'process',
    async create({ workers, recycle }) {
      noRecycle('jest-worker', recycle);
      const { Worker } = require('jest-worker');
      return new Worker(worker('jest-worker.cjs'), {
        numWorkers: workers,
        enableWorkerThreads: false,
        exposedMethods: ['noop', 'cpu', 'echo', 'pid', 'hang'],
      });
    },
    call: (pool, name, arg) => pool[name](arg),
    close: (pool) => pool.end(),
  },
  'worker-farm': {
    kind: 'process',
    async create({ workers, recycle }) {
      const workerFarm = require('worker-farm');
      const farm = workerFarm(
        {
          maxConcurrentWorkers: workers,
          maxCallsPerWorker: recycle ? 1 : Number.POSITIVE_INFINITY,
          maxConcurrentCallsPerWorker: 1,
          maxRetries: 0,
        },
        worker('worker-farm.cjs'),
        ['noop', 'cpu', 'echo', 'pid', 'hang'],
      );
      return { farm, end: () => workerFarm.end(farm) };
    },
    call: ({ farm }, name, arg) =>
      new Promise((resolve, reject) => farm[name](arg, (error, value) => (error ? reject(error) : resolve(value)))),
    close: ({ end }) => end(),
  },
  poolifier: {
    kind: 'process',
    async create({ workers, recycle }) {
      noRecycle('poolifier', recycle);
      const { FixedClusterPool } = require('poolifier');
      const pool = new FixedClusterPool(workers, worker('poolifier.cjs'), { errorHandler: () => {} });
      return pool;
    },
    call: (pool, name, arg) => pool.execute(arg, name),
    close: (pool) => pool.destroy(),
  },
  piscina: {
    kind: 'thread',
    async create({ workers, recycle }) {
      noRecycle('piscina', recycle);
      const { Piscina } = await import('piscina');
      return new Piscina({ filename: worker('piscina.cjs'), minThreads: workers, maxThreads: workers });
    },
    call: (pool, name, arg) => pool.run(arg, { name }),
    close: (pool) => pool.destroy(),
  },
};
