// The tasks every pool runs in the benchmark; one argument each, so every peer can call them.
const { writeFileSync } = require('node:fs');

module.exports = {
  noop: (x) => x,
  // Busy for `ms` milliseconds of CPU.
  cpu: (ms) => {
    const end = performance.now() + ms;
    while (performance.now() < end);
    return ms;
  },
  echo: (value) => value,
  pid: () => process.pid,
  // Tells the benchmark its pid (through a file), then never finishes.
  hang: (file) => {
    writeFileSync(file, String(process.pid));
    return new Promise(() => setTimeout(() => {}, 600_000));
  },
};
