// @ts-check
// D, in CPU: 100 tasks with a new worker for each (maxTasksPerChild: 1) on 2
// workers, from the start-up snapshot (the default there) and without it
// (compiled with the code cache), against a raw fork per task two at a time;
// the rate and the CPU the children used per task (cutime + cstime of this
// process, 10 ms ticks, summed over 100 children). Run it without the CA
// bundle to see procpool's own share:
// `env -u NODE_EXTRA_CA_CERTS node probes/worker-cpu.mjs [rounds]`
import { readFileSync } from 'node:fs';
import { Pool } from '@procpool/core';
import { forkPerTask } from '../baselines.mjs';
import tasks from './tasks.cjs';

const N = 100;
const childrenCpuMs = () => {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[13]) + Number(fields[14])) * 10;
};
const subjects = {
  'raw fork': () => forkPerTask(N, 2),
  ...Object.fromEntries(
    [true, false].map((snapshot) => [
      `procpool, snapshot: ${snapshot}`,
      async () => {
        const pool = new Pool({ processes: 2, maxTasksPerChild: 1, snapshot });
        await Promise.all(Array.from({ length: N }, (_, i) => pool.apply(tasks.noop, [i])));
        await pool.terminate();
      },
    ]),
  ),
};
for (let round = 0; round < Number(process.argv[2] ?? 2); round += 1) {
  for (const [name, run] of Object.entries(subjects)) {
    const cpu = childrenCpuMs();
    const start = performance.now();
    await run();
    const seconds = (performance.now() - start) / 1000;
    await new Promise((resolve) => setTimeout(resolve, 800)); // the last children exit and are reaped
    console.log(
      `${name.padEnd(25)} ${(N / seconds).toFixed(1)} tasks/s, children's CPU ${((childrenCpuMs() - cpu) / N).toFixed(1)} ms per task`,
    );
  }
}
