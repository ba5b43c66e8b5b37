// C, seen from inside the workers: 3 rounds of 200 × 5 ms tasks on 2 workers;
// per worker, the time between the end of one task and the start of the next.
// `node probes/cpu-gaps.mjs`
import { Pool } from '@procpool/core';
import tasks from './tasks.cjs';

const pool = new Pool({ processes: 2 });
await Promise.all(Array.from({ length: 8 }, () => pool.apply(tasks.timedCpu, [1])));
for (let round = 0; round < 3; round += 1) {
  const start = performance.timeOrigin + performance.now();
  const runs = await Promise.all(Array.from({ length: 200 }, () => pool.apply(tasks.timedCpu, [5])));
  const total = performance.timeOrigin + performance.now() - start;
  const byWorker = new Map();
  for (const run of runs) byWorker.set(run[0], [...(byWorker.get(run[0]) ?? []), run]);
  const lines = [...byWorker].map(([pid, list]) => {
    list.sort((a, b) => a[1] - b[1]);
    let gaps = 0;
    for (let i = 1; i < list.length; i += 1) gaps += list[i][1] - list[i - 1][2];
    return `  worker ${pid}: ${list.length} tasks, ${gaps.toFixed(1)} ms between them (${(gaps / (list.length - 1)).toFixed(3)} ms each)`;
  });
  console.log(`round ${round + 1}: ${total.toFixed(1)} ms, ${(total / 500).toFixed(3)}× the ideal`);
  for (const line of lines) console.log(line);
}
await pool.terminate();
