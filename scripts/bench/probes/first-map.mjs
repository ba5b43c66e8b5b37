// @ts-check
// B2 from a fresh process: after 8 warm-up tasks (as B2's warm-up), a `map`
// of 100 000 no-op items with the default chunksize, then again; prints each
// map's time and the parent's CPU over it. The first is what B2 measures (V8
// has not optimized the codec for map chunks yet); the later ones show the warm speed.
//   node probes/first-map.mjs [maps, default 4]
import { Pool } from '@procpool/core';
import { tasks } from '../workers/procpool.cjs';

const pool = new Pool({ processes: 2 });
await Promise.all(Array.from({ length: 8 }, (_, i) => pool.apply(tasks.noop, [i])));
const items = Array.from({ length: 100_000 }, (_, i) => i);
for (let round = 0; round < Number(process.argv[2] ?? 4); round += 1) {
  const cpu = process.cpuUsage();
  const start = performance.now();
  await pool.map(tasks.noop, items);
  const ms = performance.now() - start;
  const { user, system } = process.cpuUsage(cpu);
  const parent = `the parent's CPU ${((user + system) / 1000).toFixed(1)} ms`;
  console.log(`map ${round + 1}: ${ms.toFixed(1)} ms, ${(items.length / ms / 1000).toFixed(2)} M items/s, ${parent}`);
}
await pool.terminate();
