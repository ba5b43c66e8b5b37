// Tasks for the probes: a 5 ms-style busy loop that reports when it ran, and no-op.
const { defineTasks } = require('@procpool/core');

module.exports = defineTasks(__filename, {
  noop: (x) => x,
  // Busy for `ms` of wall-clock time; returns [pid, start, end] (ms since the epoch).
  timedCpu: (ms) => {
    const start = performance.timeOrigin + performance.now();
    const end = performance.now() + ms;
    while (performance.now() < end);
    return [process.pid, start, performance.timeOrigin + performance.now()];
  },
});
