// A's warm-up: µs per sequential no-op round trip, block by block (250 each)
// from a fresh start, for process.send (JSON), the raw fd-3 pipe or procpool
// (2 workers).
//   node probes/warm-up.mjs ipc|raw|procpool
import { roundTrips } from './round-trips.mjs';

const which = process.argv[2];
const subject = await roundTrips(which, { processes: 2 });
if (subject === null) throw new Error('usage: node probes/warm-up.mjs ipc|raw|procpool');
const { once, close } = subject;
const blocks = [];
for (let block = 0; block < 40; block += 1) {
  const start = performance.now();
  for (let i = 0; i < 250; i += 1) await once(i);
  blocks.push(Math.round(((performance.now() - start) * 1000) / 250));
}
console.log(`${which}: µs per round trip, blocks of 250 from the start: ${blocks.join(' ')}`);
await close();
