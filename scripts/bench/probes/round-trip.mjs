// A, interleaved: the sequential round trip of process.send (JSON), a raw fd-3
// pipe, and procpool with 2 workers, 5 rounds of 2 000 each, taken in turn so
// machine load touches all three alike. `node probes/round-trip.mjs`
import { Pool } from '@procpool/core';
import { ipcChild, pipeChild } from '../baselines.mjs';
import tasks from './tasks.cjs';

const N = 2000;
async function microseconds(once) {
  for (let i = 0; i < 200; i += 1) await once(i);
  const start = performance.now();
  for (let i = 0; i < N; i += 1) await once(i);
  return ((performance.now() - start) * 1000) / N;
}

const ipc = await ipcChild('json');
const pipe = await pipeChild();
const pool = new Pool({ processes: 2 });
const subjects = {
  'process.send JSON': (i) => ipc.roundTrip(i),
  'raw fd-3 pipe': () => pipe.roundTrip('1'),
  procpool: (i) => pool.apply(tasks.noop, [i]),
};
const results = Object.fromEntries(Object.keys(subjects).map((name) => [name, []]));
for (let round = 0; round < 5; round += 1) {
  for (const [name, once] of Object.entries(subjects)) results[name].push(await microseconds(once));
}
ipc.close();
pipe.close();
await pool.terminate();
for (const [name, values] of Object.entries(results)) {
  const median = [...values].sort((a, b) => a - b)[2];
  console.log(
    `${name.padEnd(18)} µs per round trip: ${values.map((v) => v.toFixed(0)).join(' ')}; median ${median.toFixed(0)}`,
  );
}
