// @ts-check
// A's sequential no-op round trip, outside the bench, through process.send
// (JSON), the raw fd-3 pipe and procpool:
//   node probes/round-trip.mjs
//     the three in turns, 5 rounds of 2 000 each (200 unmeasured before each),
//     procpool on 2 workers as in A, so machine load touches all three alike;
//     unpinned (see A in docs/performance.md for how much placement moves it).
//   perf stat -e task-clock node probes/round-trip.mjs procpool|raw|ipc [count]
//     one of them alone (procpool on 1 worker), `count` round trips (default
//     20 000) after 500 unmeasured, so that `perf stat` counts the CPU of the
//     whole process tree (process.cpuUsage is statistical on this VM). The
//     difference in task-clock over `count` is procpool's own CPU per round
//     trip; the slope between two counts (5 000 and 45 000) leaves out
//     start-up and JIT warm-up.
import { Pool } from '@procpool/core';
import { ipcChild, pipeChild } from '../baselines.mjs';
import tasks from './tasks.cjs';

const USAGE = 'usage: node probes/round-trip.mjs [procpool|raw|ipc [count]]';

/**
 * `once(i)` makes one round trip through `which`, `close()` ends it.
 * @param {string} which
 * @param {number} processes procpool's workers
 * @returns {Promise<{ once: (i: number) => Promise<unknown>, close: () => unknown }>}
 */
async function roundTrips(which, processes) {
  if (which === 'ipc') {
    const child = await ipcChild('json');
    return { once: (i) => child.roundTrip(i), close: () => child.close() };
  }
  if (which === 'raw') {
    const child = await pipeChild();
    return { once: () => child.roundTrip('1'), close: () => child.close() };
  }
  if (which === 'procpool') {
    const pool = new Pool({ processes });
    return { once: (i) => pool.apply(tasks.noop, [i]), close: () => pool.terminate() };
  }
  throw new Error(USAGE);
}

/**
 * µs per round trip of `once`, over `count` after `warmUp` unmeasured.
 * @param {(i: number) => Promise<unknown>} once
 * @param {number} warmUp
 * @param {number} count
 */
async function microseconds(once, warmUp, count) {
  for (let i = 0; i < warmUp; i += 1) await once(i);
  const start = performance.now();
  for (let i = 0; i < count; i += 1) await once(i);
  return ((performance.now() - start) * 1000) / count;
}

const [which, count] = process.argv.slice(2);
if (which === undefined) {
  const subjects = {
    'process.send JSON': await roundTrips('ipc', 2),
    'raw fd-3 pipe': await roundTrips('raw', 2),
    procpool: await roundTrips('procpool', 2),
  };
  const results = Object.fromEntries(Object.keys(subjects).map((name) => [name, /** @type {number[]} */ ([])]));
  for (let round = 0; round < 5; round += 1) {
    for (const [name, { once }] of Object.entries(subjects)) {
      const micros = await microseconds(once, 200, 2000);
      results[name]?.push(micros);
    }
  }
  for (const { close } of Object.values(subjects)) await close();
  for (const [name, values] of Object.entries(results)) {
    const median = /** @type {number} */ ([...values].sort((a, b) => a - b)[2]);
    console.log(
      `${name.padEnd(18)} µs per round trip: ${values.map((v) => v.toFixed(0)).join(' ')}; median ${median.toFixed(0)}`,
    );
  }
} else {
  const { once, close } = await roundTrips(which, 1);
  console.log(`${which}: ${(await microseconds(once, 500, Number(count ?? 20_000))).toFixed(1)} µs per round trip`);
  await close();
}
