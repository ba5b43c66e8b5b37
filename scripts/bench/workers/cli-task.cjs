// O's tiny task, the same code on both sides: `procpool map workers/cli-task.cjs#inc`
// loads it as a task module; `node workers/cli-task.cjs LINE`, as xargs and GNU
// parallel run it once per line, prints inc(LINE) as a JSON line. `size` is
// probes/command.mjs's --wide task: long lines, each keeping a worker busy for
// 50 µs, so that the parent's window of lines in flight fills.
const inc = (x) => x + 1;

/** @param {string} line */
const size = (line) => {
  const end = performance.now() + 0.05;
  while (performance.now() < end);
  return line.length;
};

module.exports = { inc, size };

if (require.main === module) process.stdout.write(`${JSON.stringify(inc(JSON.parse(process.argv[2] ?? 'null')))}\n`);
