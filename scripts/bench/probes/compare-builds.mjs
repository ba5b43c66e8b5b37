// @ts-check
// A, this build against another build of procpool, in one process and the way
// A measures: the process on CPU 0 and every child on CPU 1 (pinApart), 3 000
// unmeasured round trips each, then 20 rounds of 500 sequential no-op round
// trips of each in turn. A process.send JSON child takes its turns too, so
// each build's ratio to A's baseline comes out of the same minutes.
// Build the other one in a second worktree, e.g. at the previous commit:
//   git worktree add /tmp/base HEAD~1 && (cd /tmp/base && npm run setup)
//   node probes/compare-builds.mjs /tmp/base/packages/core/dist/bundle/index.cjs
import { createRequire } from 'node:module';
import { Pool } from '@procpool/core';
import { ipcChild } from '../baselines.mjs';
import { pinApart } from '../processes.mjs';
import tasks from './tasks.cjs';

const other = process.argv[2];
if (other === undefined) throw new Error('usage: node probes/compare-builds.mjs <other build>/dist/bundle/index.cjs');
const { Pool: OtherPool } = createRequire(import.meta.url)(other);
const pools = { this: new Pool({ processes: 2 }), other: new OtherPool({ processes: 2 }) };
const child = await ipcChild('json');
/** @type {Record<string, (i: number) => Promise<unknown>>} */
const calls = {
  ...Object.fromEntries(Object.entries(pools).map(([name, pool]) => [name, (i) => pool.apply(tasks.noop, [i])])),
  'process.send': (i) => child.roundTrip(i),
};
for (const call of Object.values(calls)) for (let i = 0; i < 3000; i += 1) await call(i);
pinApart();
/** @type {Record<string, number>} */
const total = Object.fromEntries(Object.keys(calls).map((name) => [name, 0]));
for (let round = 0; round < 20; round += 1) {
  const order = Object.entries(calls);
  if (round % 2 === 1) order.reverse();
  for (const [name, call] of order) {
    const start = performance.now();
    for (let i = 0; i < 500; i += 1) await call(i);
    total[name] = (total[name] ?? 0) + performance.now() - start;
  }
}
/** @param {string} name */
const spent = (name) => total[name] ?? 0;
/** @param {string} name */
const micros = (name) => ((spent(name) * 1000) / 10_000).toFixed(1);
/** @param {string} name */
const ratio = (name) => (spent(name) / spent('process.send')).toFixed(3);
console.log(`this build:   ${micros('this')} µs, ${ratio('this')}× process.send`);
console.log(`other build:  ${micros('other')} µs, ${ratio('other')}× process.send`);
console.log(`process.send: ${micros('process.send')} µs; this ÷ other: ${(spent('this') / spent('other')).toFixed(3)}`);
child.close();
await Promise.all(Object.values(pools).map((pool) => pool.terminate()));
