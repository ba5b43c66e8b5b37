// A, this build against another build of procpool, in one process: 20 blocks
// of 300 sequential no-op round trips, taking turns (each pool has 2 workers).
// Build the other one in a second worktree, e.g. at the previous commit:
//   git worktree add /tmp/base HEAD~1 && (cd /tmp/base && npm run setup)
//   node probes/compare-builds.mjs /tmp/base/packages/core/dist/bundle/index.cjs
import { createRequire } from 'node:module';
import { Pool } from '@procpool/core';
import tasks from './tasks.cjs';

const other = process.argv[2];
if (other === undefined) throw new Error('usage: node probes/compare-builds.mjs <other build>/dist/bundle/index.cjs');
const { Pool: OtherPool } = createRequire(import.meta.url)(other);
const pools = { this: new Pool({ processes: 2 }), other: new OtherPool({ processes: 2 }) };
const calls = Object.fromEntries(
  Object.entries(pools).map(([name, pool]) => [name, (i) => pool.apply(tasks.noop, [i])]),
);
for (const call of Object.values(calls)) for (let i = 0; i < 300; i += 1) await call(i);
const total = { this: 0, other: 0 };
const blocks = { this: [], other: [] };
for (let round = 0; round < 20; round += 1) {
  const order = Object.entries(calls);
  if (round % 2 === 1) order.reverse();
  for (const [name, call] of order) {
    const start = performance.now();
    for (let i = 0; i < 300; i += 1) await call(i);
    const ms = performance.now() - start;
    total[name] += ms;
    blocks[name].push(Math.round((ms * 1000) / 300));
  }
}
console.log(`this build, µs per round trip by block:  ${blocks.this.join(' ')}`);
console.log(`other build, µs per round trip by block: ${blocks.other.join(' ')}`);
console.log(`this ÷ other, all blocks: ${(total.this / total.other).toFixed(3)}`);
await Promise.all(Object.values(pools).map((pool) => pool.terminate()));
