// @ts-check
// What a lifecycle log line costs when logging is off (no handler, the
// default): ns per call of a guarded line against an empty loop body and an
// unguarded one, which builds its string every time.
//   node probes/log-off.mjs [millions of calls, default 50]
import { getLogger } from '@procpool/core';

const N = Number(process.argv[2] ?? 50) * 1e6;
const logger = getLogger();
let sink = 0; // read at the end, so no loop is optimized away

// One loop per case, each its own function, so no case pays for a call through a shared loop.
const loops = {
  empty: () => {
    let sum = 0;
    for (let i = 0; i < N; i += 1) sum += i;
    sink += sum;
  },
  guarded: () => {
    let sum = 0;
    for (let i = 0; i < N; i += 1) {
      sum += i;
      if (logger.isEnabledFor('debug')) logger.debug(`PoolWorker-${i} (pid ${i}) started`);
    }
    sink += sum;
  },
  unguarded: () => {
    let sum = 0;
    for (let i = 0; i < N; i += 1) {
      sum += i;
      logger.debug(`PoolWorker-${i} (pid ${i}) started`);
    }
    sink += sum;
  },
};

/** @param {() => void} loop */
const nsPerCall = (loop) => {
  const start = process.hrtime.bigint();
  loop();
  return Number(process.hrtime.bigint() - start) / N;
};

for (let round = 0; round < 3; round += 1) {
  const times = Object.entries(loops).map(([name, loop]) => `${name} ${nsPerCall(loop).toFixed(2)} ns`);
  console.log(`round ${round + 1}: ${times.join(', ')}`);
}
if (sink === -1) console.log(sink);
