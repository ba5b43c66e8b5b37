// @ts-check
// The parent's heap per pending call: 20 000 calls submitted at once and kept
// pending, heap measured after a full GC before and after.
//   node --expose-gc probes/pending-heap.mjs applyAsync|get|apply
import { Pool } from '@procpool/core';
import tasks from './tasks.cjs';

const N = 20_000;
const mode = process.argv[2] ?? '';
/** @type {Record<string, (pool: Pool, i: number) => unknown>} */
const calls = {
  applyAsync: (pool, i) => pool.applyAsync(tasks.noop, [i]),
  get: (pool, i) => pool.applyAsync(tasks.noop, [i]).get(),
  apply: (pool, i) => pool.apply(tasks.noop, [i]),
};
const call = calls[mode];
if (call === undefined || typeof globalThis.gc !== 'function') {
  throw new Error('usage: node --expose-gc probes/pending-heap.mjs applyAsync|get|apply');
}
const pool = new Pool({ processes: 2 });
await pool.apply(tasks.noop, [1]);
const pending = [];
globalThis.gc();
const before = process.memoryUsage().heapUsed;
for (let i = 0; i < N; i += 1) pending.push(call(pool, i));
globalThis.gc();
const after = process.memoryUsage().heapUsed;
console.log(`${mode}: ${Math.round((after - before) / N)} bytes of heap per pending call`);
await Promise.all(pending);
await pool.terminate();
