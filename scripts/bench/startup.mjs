// @ts-check
// S: where a worker's start-up goes. One child at a time (no contention), each
// stage adding one thing to the one before; per stage: time from spawn to the
// first answer, the child's own CPU time (all threads, from /proc) and its
// resident memory once idle. Run by run.mjs in a fresh process; prints JSON.
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const TICK_MS = 10; // USER_HZ on Linux: /proc/<pid>/stat counts CPU time in 10 ms ticks
/** @param {string} name */
const file = (name) => fileURLToPath(new URL(`./workers/startup/${name}`, import.meta.url));
/** @param {number} ms */
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One stage's sample: ms from spawn to the first answer, the child's CPU ms up
 * to then (all threads), its RSS in MiB once idle.
 * @typedef {{ ms: number, cpu: number, rss: number }} Sample
 */

/**
 * CPU ms and RSS MiB of a live process.
 * @param {number} pid
 */
function usage(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const rss = readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/);
  return { cpu: (Number(fields[11]) + Number(fields[12])) * TICK_MS, rss: Number(rss?.[1] ?? 0) / 1024 };
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
  const { cpu, rss } = usage(/** @type {number} */ (child.pid));
  child.kill('SIGKILL');
  return { ms, cpu, rss };
}

/**
 * @param {typeof import('@procpool/core').Pool} Pool
 * @param {{ pid: import('@procpool/core').TaskRef }} tasks
 * @returns {Promise<Sample>}
 */
async function poolStage(Pool, tasks) {
  const start = performance.now();
  const pool = new Pool({ processes: 1 });
  const pid = /** @type {number} */ (await pool.apply(tasks.pid, []));
  const ms = performance.now() - start;
  await sleep(300);
  const { cpu, rss } = usage(pid);
  await pool.terminate();
  return { ms, cpu, rss };
}

/**
 * Each stage: its label, and how to measure it (a procpool stage names its
 * task module's kind).
 * @type {Array<[string, (() => Promise<Sample>) | 'cjs' | 'esm']>}
 */
export const stages = [
  ['raw fork: CommonJS child, one IPC message (the D and F baseline)', () => forkStage(file('cjs-ipc.cjs'), false)],
  ['+ answering on a net.Socket on fd 3 (streams, net)', () => forkStage(file('cjs-pipe.cjs'), true)],
  ["+ require('@procpool/core'), as a task module does", () => forkStage(file('cjs-pipe-core.cjs'), true)],
  ['procpool worker: setpriv, bootstrap, CommonJS task module, one task', 'cjs'],
  ['procpool worker, ES module task module (Node starts its ES module loader)', 'esm'],
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
      const sample = await (typeof run === 'string' ? poolStage(Pool, taskModules[run]) : run());
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
