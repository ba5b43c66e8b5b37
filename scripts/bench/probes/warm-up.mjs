// A's warm-up: µs per sequential no-op round trip, block by block (250 each)
// from a fresh start, for process.send (JSON) or procpool (2 workers).
//   node probes/warm-up.mjs ipc|procpool
import { Pool } from '@procpool/core';
import { ipcChild } from '../baselines.mjs';
import tasks from './tasks.cjs';

const which = process.argv[2];
let once;
let close;
if (which === 'ipc') {
  const child = await ipcChild('json');
  once = (i) => child.roundTrip(i);
  close = () => child.close();
} else if (which === 'procpool') {
  const pool = new Pool({ processes: 2 });
  once = (i) => pool.apply(tasks.noop, [i]);
  close = () => pool.terminate();
} else {
  throw new Error('usage: node probes/warm-up.mjs ipc|procpool');
}
const blocks = [];
for (let block = 0; block < 40; block += 1) {
  const start = performance.now();
  for (let i = 0; i < 250; i += 1) await once(i);
  blocks.push(Math.round(((performance.now() - start) * 1000) / 250));
}
console.log(`${which}: µs per round trip, blocks of 250 from the start: ${blocks.join(' ')}`);
await close();
