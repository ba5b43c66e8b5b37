// @ts-check
// B, several rounds in one process: 20 000 no-op applyAsync calls at once on
// 2 workers, after a warm-up round; prints tasks/s per round. Run it under
// `perf stat -e task-clock` for the CPU of the whole process tree:
//   node probes/burst.mjs [rounds]
import { Pool } from '@procpool/core';
import tasks from './tasks.cjs';

const N = 20_000;
const rounds = Number(process.argv[2] ?? 5);
const pool = new Pool({ processes: 2 });
const round = () => Promise.all(Array.from({ length: N }, (_, i) => pool.applyAsync(tasks.noop, [i]).get()));
await round();
const rates = [];
for (let r = 0; r < rounds; r += 1) {
  const start = performance.now();
  await round();
  rates.push(Math.round(N / ((performance.now() - start) / 1000)));
}
const sorted = [...rates].sort((a, b) => a - b);
console.log(`tasks/s: ${rates.join(' ')}; median ${sorted[Math.floor(rounds / 2)]}`);
await pool.terminate();
