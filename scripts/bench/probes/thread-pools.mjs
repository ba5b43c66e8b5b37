// @ts-check
// piscina and procpool's ThreadPool side by side, both alive in one process,
// in alternating blocks (as A takes its ratio), through the bench's adapters
// (2 workers each):
//   node probes/thread-pools.mjs [rounds] [--free]
//     A's sequential no-op round trip: 2 000 unmeasured each, then `rounds`
//     (default 10) blocks of 500 each, which goes first alternating. Pinned
//     as A (processes.mjs, pinApart: this thread on CPU 0, every worker thread
//     on CPU 1); --free leaves the worker threads where the kernel puts them.
//   node probes/thread-pools.mjs [rounds] --echo Buffer|string
//     E's 1 MiB echo, unpinned as E: blocks of 16 round trips each, after 1
//     unmeasured; the first rounds show the cold start E measures, the later
//     ones the steady state.
// Prints each pool's number per block and the per-block ratio ThreadPool ÷
// piscina (of times: below 1, ThreadPool is ahead). Under `node --cpu-prof`
// every thread writes a profile of its own.
import { execFileSync } from 'node:child_process';
import { median } from '../results.mjs';
import { pinApart } from '../processes.mjs';
import { subjects } from '../subjects.mjs';

const args = process.argv.slice(2);
const rounds = Number(args.find((a) => /^\d+$/.test(a)) ?? 10);
const free = args.includes('--free');
const echo = args.includes('--echo') ? args[args.indexOf('--echo') + 1] : undefined;
if (echo !== undefined && echo !== 'Buffer' && echo !== 'string') throw new Error('--echo Buffer|string');
const MiB = 1024 * 1024;
const payload = echo === 'Buffer' ? Buffer.alloc(MiB, 7) : 'x'.repeat(MiB);
const names = ['piscina', 'procpool ThreadPool'];

/** @param {string} name */
async function open(name) {
  const subject = subjects[name];
  if (subject === undefined) throw new Error(`no subject ${name}`);
  const pool = await subject.create({ workers: 2, recycle: false });
  /** @param {number} i */
  const once = (i) => (echo === undefined ? subject.call(pool, 'noop', i) : subject.call(pool, 'echo', payload));
  return { once, close: () => subject.close(pool) };
}

const pools = await Promise.all(names.map(open));
const [warm, size] = echo === undefined ? [2000, 500] : [1, 16];
for (const { once } of pools) for (let i = 0; i < warm; i += 1) await once(i);
if (echo === undefined && free) execFileSync('taskset', ['-cp', '0', String(process.pid)], { stdio: 'ignore' });
else if (echo === undefined) pinApart();

/** @type {number[][]} */
const micros = names.map(() => []);
for (let round = 0; round < rounds; round += 1) {
  const order = round % 2 === 0 ? [0, 1] : [1, 0];
  for (const which of order) {
    const { once } = /** @type {(typeof pools)[number]} */ (pools[which]);
    const start = performance.now();
    for (let i = 0; i < size; i += 1) await once(i);
    micros[which]?.push(((performance.now() - start) * 1000) / size);
  }
}
const [theirs = [], ours = []] = micros;
const ratios = ours.map((us, i) => us / (theirs[i] ?? NaN));
// A: µs per round trip; E: MiB/s each way.
const shown = (/** @type {number} */ us) => (echo === undefined ? us : 1e6 / us);
const fmt = (/** @type {number[]} */ xs) => xs.map((x) => shown(x).toFixed(1)).join(' ');
const what =
  echo === undefined
    ? `µs per round trip, ${free ? 'worker threads free' : 'pinned as A'}`
    : `MiB/s, 1 MiB ${echo} echo`;
console.log(`${what}, per block:`);
console.log(`  piscina:              ${fmt(theirs)}  (median ${shown(median(theirs)).toFixed(1)})`);
console.log(`  procpool ThreadPool:  ${fmt(ours)}  (median ${shown(median(ours)).toFixed(1)})`);
console.log(
  `  ThreadPool ÷ piscina, of times: ${ratios.map((r) => r.toFixed(2)).join(' ')}  (median ${median(ratios).toFixed(2)})`,
);
await Promise.all(pools.map(({ close }) => close()));
process.exit(0);
