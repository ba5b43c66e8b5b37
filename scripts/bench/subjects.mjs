// @ts-check
// One adapter per pool: load its library, create it with N workers (optionally
// recycling after every task), call a named task with one argument, map
// (procpool only), close. `lacks` names the features a pool does not have, so
// the table says n/a without starting a trial for it. procpool's ThreadPool is
// a subject of its own, in the scenarios the issue compares it with piscina in.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { CPYTHON_POOL } from './scenarios/cpython-pool.mjs';

/**
 * A feature a scenario may need (`Scenario.needs`) and a pool may lack;
 * `multiprocessing`: Python's Process, Pipe and Connection (H, I, J) and shared objects (K, L, M);
 * `futures`: Python's concurrent.futures, a ProcessPoolExecutor (N, N2);
 * `command`: a command-line tool that runs a task module over an input file (O, O2, O3);
 * `distributed`: a pool whose jobs go through Redis to workers on other machines (P, P2).
 * @typedef {'recycle' | 'map' | 'process' | 'multiprocessing' | 'futures' | 'command' | 'distributed'} Feature
 */
/**
 * The tasks of workers/functions.cjs, which every pool's worker file exposes
 * (one argument each, so that every peer can call them).
 * @typedef {'noop' | 'cpu' | 'echo' | 'pid' | 'hang'} TaskName
 */
/**
 * An adapter: one pool, as every scenario drives it. `pool` is whatever
 * `create` returned, each adapter's own handle (hence `any`).
 * @typedef {object} Adapter
 * @property {'process' | 'thread'} kind Where its workers run: a thread pool
 *   has no worker process to kill (G) or to measure (F's RSS column).
 * @property {Partial<Record<Feature, string>>} lacks The features it does not
 *   have, each with the reason: a scenario that `needs` one shows n/a at once.
 * @property {() => Promise<any>} load Imports the library (and the task module);
 *   F times it apart from creation, and `create` uses what it returns.
 * @property {(options: { workers: number, recycle: boolean }) => Promise<any>} create
 *   A pool of `workers` workers; with `recycle`, a new worker for every task
 *   (D), or NotAvailable thrown.
 * @property {(pool: any, name: TaskName, arg: unknown) => Promise<unknown>} call
 *   One task; resolves to its result.
 * @property {(pool: any, name: TaskName, arg: unknown) => Promise<unknown>} [submit]
 *   How B submits many tasks at once, where that is not `call`.
 * @property {(pool: any, name: TaskName, items: unknown[]) => Promise<unknown>} [map]
 *   A map over `items` with the pool's default chunking (B2).
 * @property {(pool: any) => unknown} close Ends the pool (awaited, 5 s at most).
 * @property {string[]} [scenarios] The only scenarios it runs in (default: all).
 * @property {string} [against] The peer it is compared with, trial by trial
 *   (procpool's ThreadPool: piscina); the report adds that ratio to its rows.
 * @property {string[]} [commandFlags] Flags added to `procpool map` in O and O2
 *   (its command-line tool, `scenarios/command.mjs`), for a row of other flags.
 * @property {string[]} [againstReferences] The reference rows (by id, in the
 *   scenarios that have them) it is compared with, trial by trial (procpool's
 *   Pool: CPython's Pool, fork and spawn); the report adds those ratios too.
 * @property {number} [distributedChunksize] The chunksize its `DistributedPool.map`
 *   passes in P (`scenarios/distributed.mjs`), for a row of another chunking (default: the pool's own).
 */

const require = createRequire(import.meta.url);
/** @param {string} name */
const worker = (name) => fileURLToPath(new URL(`./workers/${name}`, import.meta.url));

/** Thrown when a pool has no such feature: the table shows `n/a`. */
export class NotAvailable extends Error {}

const NO_RECYCLE = 'cannot start a new worker for every task';
/** @param {string} name @param {boolean} recycle */
const noRecycle = (name, recycle) => {
  if (recycle) throw new NotAvailable(`${name} ${NO_RECYCLE}`);
};
const NO_MAP = 'no map';
// jest-worker's idleMemoryLimit that recycles after every task (PROBE_JEST_LIMIT: another, for the probe).
const JEST_WORKER_RECYCLE = Number(process.env.PROBE_JEST_LIMIT ?? 0);
const NO_PROCESS = 'threads: no worker process to kill';
const NO_MULTIPROCESSING = 'no Process or Pipe';
const NO_FUTURES = 'no concurrent.futures executor';
const NO_COMMAND = 'no command-line tool';
const NO_DISTRIBUTED = 'no pool across machines';

/**
 * procpool, its task module loaded as `loadTasks` says (the worker loads it the
 * same way), its pool class the export of @procpool/core named `className`,
 * with `options` on top of the scenario's.
 * @param {() => Promise<any>} loadTasks
 * @param {'Pool' | 'ThreadPool'} [className]
 * @param {Record<string, unknown>} [options]
 * @returns {Adapter}
 */
const procpool = (loadTasks, className = 'Pool', options = {}) => ({
  kind: 'process',
  lacks: {},
  load: () => Promise.all([import('@procpool/core'), loadTasks()]),
  async create({ workers, recycle }) {
    const [core, { tasks }] = await this.load();
    const pool = new core[className]({ processes: workers, ...(recycle ? { maxTasksPerChild: 1 } : {}), ...options });
    return { pool, tasks };
  },
  call: ({ pool, tasks }, name, arg) => pool.apply(tasks[name], [arg]),
  // Many tasks at once (B): applyAsync, as the issue asks.
  submit: ({ pool, tasks }, name, arg) => pool.applyAsync(tasks[name], [arg]).get(),
  map: ({ pool, tasks }, name, items) => pool.map(tasks[name], items),
  close: ({ pool }) => pool.terminate(),
});

/** @type {Record<string, Adapter>} */
export const subjects = {
  // A CommonJS task module, like every other pool's worker file here but tinypool's;
  // against CPython's multiprocessing.Pool in A–F (scenarios/cpython-pool.mjs).
  procpool: {
    ...procpool(async () => require('./workers/procpool.cjs')),
    againstReferences: Object.keys(CPYTHON_POOL),
  },
  // The same as an ES module, in F only: it differs only in start-up, and
  // section S shows where (a D row would cost a full run about a minute).
  'procpool, ES module task module': {
    ...procpool(() => import('./workers/procpool.mjs')),
    scenarios: ['F'],
  },
  // Workers started from the V8 start-up snapshot (an option) rather than
  // compiled with the code cache (the default), where workers start.
  'procpool, snapshot: true': {
    ...procpool(async () => require('./workers/procpool.cjs'), 'Pool', { snapshot: true }),
    scenarios: ['D', 'F'],
  },
  // The procpool command with a chunk of lines per task, where the command runs (O, O2).
  'procpool, --chunksize 256': {
    ...procpool(async () => require('./workers/procpool.cjs')),
    commandFlags: ['--chunksize', '256'],
    scenarios: ['O', 'O2'],
  },
  // DistributedPool.map with one BullMQ job per item, as BullMQ used directly has (P).
  'procpool, chunksize 1': {
    ...procpool(async () => require('./workers/procpool.cjs')),
    distributedChunksize: 1,
    scenarios: ['P'],
  },
  workerpool: {
    kind: 'process',
    lacks: {
      recycle: NO_RECYCLE,
      map: NO_MAP,
      multiprocessing: NO_MULTIPROCESSING,
      futures: NO_FUTURES,
      command: NO_COMMAND,
      distributed: NO_DISTRIBUTED,
    },
    load: async () => require('workerpool'),
    async create({ workers, recycle }) {
      noRecycle('workerpool', recycle);
      const workerpool = await this.load();
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
    lacks: {
      map: NO_MAP,
      multiprocessing: NO_MULTIPROCESSING,
      futures: NO_FUTURES,
      command: NO_COMMAND,
      distributed: NO_DISTRIBUTED,
    },
    load: () => import('tinypool'),
    async create({ workers, recycle }) {
      const { Tinypool } = await this.load();
      return new Tinypool({
        runtime: 'child_process',
        filename: new URL('./workers/tinypool.mjs', import.meta.url).href,
        minThreads: workers,
        maxThreads: workers,
        isolateWorkers: recycle,
        // Its child_process workers get an environment of their own (TINYPOOL_WORKER_ID
        // and nothing else: no PATH, no NODE_OPTIONS, no NODE_EXTRA_CA_CERTS) unless
        // given one; every other pool's workers inherit the parent's, and so do these.
        env: process.env,
      });
    },
    call: (pool, name, arg) => pool.run(arg, { name }),
    close: (pool) => pool.destroy(),
  },
  'jest-worker': {
    kind: 'process',
    lacks: {
      map: NO_MAP,
      multiprocessing: NO_MULTIPROCESSING,
      futures: NO_FUTURES,
      command: NO_COMMAND,
      distributed: NO_DISTRIBUTED,
    },
    load: async () => require('jest-worker'),
    async create({ workers, recycle }) {
      const { Worker } = await this.load();
      return new Worker(worker('jest-worker.cjs'), {
        numWorkers: workers,
        enableWorkerThreads: false,
        exposedMethods: ['noop', 'cpu', 'echo', 'pid', 'hang'],
        // Recycling is idleMemoryLimit's: 0 restarts a worker after every task, at
        // once (a special case in its source). A tiny byte limit, as its README
        // documents, restarts after an asynchronous memory check, which the next task
        // can overtake: `PROBE_JEST_LIMIT=2 node probes/recycling.mjs 60 jest-worker`
        // answered from 39 distinct pids (and logged EPIPEs).
        ...(recycle ? { idleMemoryLimit: JEST_WORKER_RECYCLE } : {}),
      });
    },
    call: (pool, name, arg) => pool[name](arg),
    close: (pool) => pool.end(),
  },
  'worker-farm': {
    kind: 'process',
    lacks: {
      map: NO_MAP,
      multiprocessing: NO_MULTIPROCESSING,
      futures: NO_FUTURES,
      command: NO_COMMAND,
      distributed: NO_DISTRIBUTED,
    },
    load: async () => require('worker-farm'),
    async create({ workers, recycle }) {
      const workerFarm = await this.load();
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
      new Promise((resolve, reject) =>
        farm[name](
          arg,
          /** @param {unknown} error @param {unknown} value */ (error, value) =>
            error ? reject(error) : resolve(value),
        ),
      ),
    close: ({ end }) => end(),
  },
  poolifier: {
    kind: 'process',
    lacks: {
      recycle: NO_RECYCLE,
      map: NO_MAP,
      multiprocessing: NO_MULTIPROCESSING,
      futures: NO_FUTURES,
      command: NO_COMMAND,
      distributed: NO_DISTRIBUTED,
    },
    load: async () => require('poolifier'),
    async create({ workers, recycle }) {
      noRecycle('poolifier', recycle);
      const { FixedClusterPool } = await this.load();
      const pool = new FixedClusterPool(workers, worker('poolifier.cjs'), { errorHandler: () => {} });
      return pool;
    },
    call: (pool, name, arg) => pool.execute(arg, name),
    close: (pool) => pool.destroy(),
  },
  piscina: {
    kind: 'thread',
    lacks: {
      recycle: NO_RECYCLE,
      map: NO_MAP,
      process: NO_PROCESS,
      multiprocessing: NO_MULTIPROCESSING,
      futures: NO_FUTURES,
      command: NO_COMMAND,
      distributed: NO_DISTRIBUTED,
    },
    load: () => import('piscina'),
    async create({ workers, recycle }) {
      noRecycle('piscina', recycle);
      const { Piscina } = await this.load();
      return new Piscina({ filename: worker('piscina.cjs'), minThreads: workers, maxThreads: workers });
    },
    call: (pool, name, arg) => pool.run(arg, { name }),
    close: (pool) => pool.destroy(),
  },
  // Pool's API on worker_threads, against piscina in the scenarios both run
  // (listed after piscina, so that their trials are back to back).
  'procpool ThreadPool': {
    ...procpool(async () => require('./workers/procpool.cjs'), 'ThreadPool'),
    kind: 'thread',
    lacks: {
      process: NO_PROCESS,
      multiprocessing: 'a ThreadPool, not the Process API',
      futures: NO_FUTURES,
      command: NO_COMMAND,
      distributed: NO_DISTRIBUTED,
    },
    scenarios: ['A', 'B', 'B2', 'C', 'E'],
    against: 'piscina',
  },
};
