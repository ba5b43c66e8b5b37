// @ts-check
// A's sequential no-op round trip through piscina and procpool's ThreadPool,
// both alive in one process, in alternating blocks (as A takes its ratio):
//   node probes/thread-round-trip.mjs [rounds] [--free]
//     2 workers each (the bench's adapters), 2 000 unmeasured round trips each,
//     then `rounds` (default 10) rounds of a block of 500 of each, which goes
//     first alternating; prints µs per round trip and the per-round ratio
//     ThreadPool ÷ piscina (below 1: ThreadPool ahead). Pinned as A is
//     (processes.mjs, pinApart: this thread on CPU 0, every worker thread on
//     CPU 1); --free leaves the worker threads where the kernel puts them.
import { execFileSync } from 'node:child_process';
import { median } from '../results.mjs';
import { pinApart } from '../processes.mjs';
import { subjects } from '../subjects.mjs';

const args = process.argv.slice(2);
const rounds = Number(args.find((a) => !a.startsWith('--')) ?? 10);
const free = args.includes('--free');
const names = ['piscina', 'procpool ThreadPool'];

/** @param {string} name */
async function open(name) {
  const subject = subjects[name];
  if (subject === undefined) throw new Error(`no subject ${name}`);
  const pool = await subject.create({ workers: 2, recycle: false });
  return { once: (/** @type {number} */ i) => subject.call(pool, 'noop', i), close: () => subject.close(pool) };
}

const pools = await Promise.all(names.map(open));
for (const { once } of pools) for (let i = 0; i < 2000; i += 1) await once(i);
if (free) execFileSync('taskset', ['-cp', '0', String(process.pid)], { stdio: 'ignore' });
else pinApart();

const size = 500;
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
const fmt = (/** @type {number[]} */ xs) => xs.map((x) => x.toFixed(1)).join(' ');
console.log(`${free ? 'worker threads free' : 'pinned as A'}; µs per round trip, per round:`);
console.log(`  piscina:             ${fmt(theirs)}  (median ${median(theirs).toFixed(1)})`);
console.log(`  procpool ThreadPool: ${fmt(ours)}  (median ${median(ours).toFixed(1)})`);
console.log(
  `  ThreadPool ÷ piscina: ${ratios.map((r) => r.toFixed(2)).join(' ')}  (median ${median(ratios).toFixed(2)})`,
);
await Promise.all(pools.map(({ close }) => close()));
process.exit(0);
