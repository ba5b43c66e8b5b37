// A, in CPU: 20 000 sequential no-op round trips through procpool (1 worker)
// or through the raw fd-3 pipe, so that `perf stat` can count the CPU of the
// whole process tree (process.cpuUsage is statistical on this VM):
//   perf stat -e task-clock node probes/round-trip-cpu.mjs procpool
//   perf stat -e task-clock node probes/round-trip-cpu.mjs raw
//   perf stat -e task-clock node probes/round-trip-cpu.mjs ipc   (process.send, JSON)
// The difference in task-clock, over 20 000, is procpool's own CPU per round trip.
// A count as the second argument (`… procpool 45000`): the slope between two
// counts leaves out start-up and JIT warm-up.
import { roundTrips } from './round-trips.mjs';

const N = Number(process.argv[3] ?? 20_000);
const which = process.argv[2];
const subject = await roundTrips(which);
if (subject === null) throw new Error('usage: node probes/round-trip-cpu.mjs procpool|raw|ipc [count]');
const { once, close } = subject;
for (let i = 0; i < 500; i += 1) await once(i);
const start = performance.now();
for (let i = 0; i < N; i += 1) await once(i);
console.log(`${which}: ${(((performance.now() - start) * 1000) / N).toFixed(1)} µs per round trip`);
await close();
