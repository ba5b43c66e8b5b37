// @ts-check
// D's claim, checked per pool: a new worker process for every task. Each pool
// that recycles (its adapter in subjects.mjs, as D creates it) runs `count`
// `pid` tasks at once on 2 workers, while a worker thread samples this
// process's descendants every millisecond (a worker lives ≥ 20 ms). Prints,
// per pool: the distinct pids that answered, the worker processes seen, the
// most alive at once, and how many had NODE_EXTRA_CA_CERTS in their
// environment (/proc/<pid>/environ). No rates: the sampler takes a core.
// `node probes/recycling.mjs [count] [pool…]`
import { Worker } from 'node:worker_threads';
import { subjects } from '../subjects.mjs';

const args = process.argv.slice(2);
const count = Number(args.find((a) => /^\d+$/.test(a)) ?? 40);
const names = args.filter((a) => !/^\d+$/.test(a));
// By default D's process pools: a thread pool's workers are threads of this process.
const inD = (/** @type {string} */ n) => {
  const s = subjects[n];
  return s !== undefined && s.kind === 'process' && !s.lacks.recycle && (s.scenarios?.includes('D') ?? true);
};
const pools = names.length ? names : Object.keys(subjects).filter(inD);

// The sampler: every ms, each descendant's pid and its environment, which a
// child shows once it has exec'd (before that it is the parent's copy).
const SAMPLER = `
const { parentPort, workerData } = require('node:worker_threads');
const { readdirSync, readFileSync } = require('node:fs');
const seen = new Map();
let most = 0;
const tick = () => {
  const children = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync('/proc/' + entry + '/stat', 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] === 'Z') continue;
      const ppid = Number(fields[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {}
  }
  const stack = [...(children.get(workerData.root) ?? [])];
  let alive = 0;
  for (let pid = stack.pop(); pid !== undefined; pid = stack.pop()) {
    alive += 1;
    try {
      const environ = readFileSync('/proc/' + pid + '/environ', 'utf8');
      const cmdline = readFileSync('/proc/' + pid + '/cmdline', 'utf8');
      seen.set(pid, { ca: environ.split('\\0').some((v) => v.startsWith('NODE_EXTRA_CA_CERTS=')), cmdline });
    } catch {}
    stack.push(...(children.get(pid) ?? []));
  }
  most = Math.max(most, alive);
};
const timer = setInterval(tick, 1);
parentPort.on('message', () => {
  clearInterval(timer);
  parentPort.postMessage({ seen: [...seen], most });
});
`;

const ca = process.env.NODE_EXTRA_CA_CERTS !== undefined;
console.log(`${count} tasks per pool, 2 workers; NODE_EXTRA_CA_CERTS ${ca ? 'set' : 'unset'} here`);
for (const name of pools) {
  const subject = subjects[name];
  if (subject === undefined) throw new Error(`no subject ${name}`);
  const sampler = new Worker(SAMPLER, { eval: true, workerData: { root: process.pid } });
  await new Promise((resolve) => sampler.once('online', resolve));
  const pool = await subject.create({ workers: 2, recycle: true });
  const pids = await Promise.all(Array.from({ length: count }, () => subject.call(pool, 'pid', null)));
  await subject.close(pool);
  sampler.postMessage('stop');
  /** @type {{ seen: Array<[number, { ca: boolean, cmdline: string }]>, most: number }} */
  const { seen, most } = await new Promise((resolve) => sampler.once('message', resolve));
  await sampler.terminate();
  // Only the pool's workers: a helper such as setpriv execs into the worker, under the same pid.
  const workers = seen.filter(([, { cmdline }]) => cmdline.length > 0);
  const withCa = workers.filter(([, p]) => p.ca).length;
  console.log(
    `${name.padEnd(12)} ${new Set(pids).size} distinct pids answered; ` +
      `${workers.length} processes seen, at most ${most} at once; ${withCa} of them with NODE_EXTRA_CA_CERTS`,
  );
}
