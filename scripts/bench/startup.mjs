// @ts-check
// S: where a worker's start-up goes. One child at a time (no contention), each
// stage adding one thing to the one before; per stage: time from spawn to the
// first answer, the child's own CPU time (all threads, from /proc) and its
// resident memory once idle. Run by run.mjs in a fresh process; prints JSON.
import { fork } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** @param {string} name */
const file = (name) => fileURLToPath(new URL(`./workers/startup/${name}`, import.meta.url));
/** @param {number} ms */
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One stage's sample: ms from spawn to the first answer, the child's CPU ms up
 * to then (all threads), its RSS and its private memory in MiB once idle.
 * @typedef {{ ms: number, cpu: number, rss: number, private: number }} Sample
 */

/**
 * CPU ms and RSS MiB of a live process: the time its threads have spent on a
 * CPU (/proc/<pid>/task/<tid>/schedstat, in ns; /proc/<pid>/stat counts 10 ms ticks).
 * @param {number} pid
 */
function usage(pid) {
  let ns = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
  }
  const rss = readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/);
  // What this process alone holds (RSS also counts pages of the node binary that every process shares).
  const smaps = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const own = ['Private_Clean', 'Private_Dirty'].reduce(
    (sum, field) => sum + Number(smaps.match(new RegExp(`${field}:\\s+(\\d+)`))?.[1] ?? 0),
    0,
  );
  return { cpu: ns / 1e6, rss: Number(rss?.[1] ?? 0) / 1024, private: own / 1024 };
}

/**
 * @param {string} script
 * @param {boolean} fd3 whether the child answers on fd 3 rather than through IPC
 * @returns {Promise<Sample>}
 */
async function forkStage(script, fd3) {
  const start = performance.now();
  const child = fork(script, [], {
    execArgv: [],
    stdio: ['ignore', 'inherit', 'inherit', fd3 ? 'pipe' : 'ignore', 'ipc'],
  });
  const answered = fd3
    ? new Promise((resolve) => child.stdio[3]?.once('data', resolve))
    : new Promise((resolve) => child.once('message', resolve));
  child.send(1);
  await answered;
  const ms = performance.now() - start;
  await sleep(300);
  const measured = usage(/** @type {number} */ (child.pid));
  child.kill('SIGKILL');
  return { ms, ...measured };
}

/**
 * @param {typeof import('@procpool/core').Pool} Pool
 * @param {{ pid: import('@procpool/core').TaskRef }} tasks
 * @param {boolean} snapshot whether the worker may start from procpool's V8 start-up snapshot
 * @returns {Promise<Sample>}
 */
async function poolStage(Pool, tasks, snapshot) {
  const start = performance.now();
  const pool = new Pool({ processes: 1, snapshot });
  const pid = /** @type {number} */ (await pool.apply(tasks.pid, []));
  const ms = performance.now() - start;
  await sleep(300);
  const measured = usage(pid);
  await pool.terminate();
  return { ms, ...measured };
}

/**
 * Each stage: its label, and how to measure it (a procpool stage names its
 * task module's kind and whether the worker may start from the snapshot).
 * @type {Array<[string, (() => Promise<Sample>) | { kind: 'cjs' | 'esm', snapshot: boolean }]>}
 */
export const stages = [
  ['raw fork: CommonJS child, one IPC message (the D and F baseline)', () => forkStage(file('cjs-ipc.cjs'), false)],
  ['+ answering on a net.Socket on fd 3 (streams, net)', () => forkStage(file('cjs-pipe.cjs'), true)],
  ["+ require('@procpool/core'), as a task module does", () => forkStage(file('cjs-pipe-core.cjs'), true)],
  ['procpool worker: setpriv, bootstrap, CommonJS task module, one task', { kind: 'cjs', snapshot: false }],
  ['procpool worker from the V8 start-up snapshot (`snapshot: true`)', { kind: 'cjs', snapshot: true }],
  [
    'procpool worker from the snapshot, ES module task module (Node starts its ES module loader)',
    { kind: 'esm', snapshot: true },
  ],
];

/**
 * Per stage, one sample per round.
 * @param {number} rounds
 */
export async function measureStartup(rounds) {
  const { Pool, taskRef } = await import('@procpool/core');
  // By reference: both modules register the same functions (from functions.cjs),
  // so the functions themselves would name whichever module registered last.
  const taskModules = {
    cjs: { pid: taskRef(file('../procpool.cjs'), 'pid') },
    esm: { pid: taskRef(file('../procpool.mjs'), 'pid') },
  };
  const samples = stages.map(() => /** @type {Sample[]} */ ([]));
  // Interleaved, so a change in machine load touches every stage alike.
  for (let r = 0; r < rounds; r += 1) {
    for (const [i, [, run]] of stages.entries()) {
      const sample = await (typeof run === 'function' ? run() : poolStage(Pool, taskModules[run.kind], run.snapshot));
      samples[i]?.push(sample);
    }
  }
  return samples;
}

// `node startup.mjs <rounds>`: one JSON line, per stage the samples of every round.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const samples = await measureStartup(Number(process.argv[2] ?? 5));
  process.stdout.write(`${JSON.stringify(samples)}\n`);
  process.exit(0);
}
