// O's tiny task, the same code on both sides: `procpool map workers/cli-task.cjs#inc`
// loads it as a task module; `node workers/cli-task.cjs LINE`, as xargs and GNU
// parallel run it once per line, prints inc(LINE) as a JSON line.
const inc = (x) => x + 1;

module.exports = { inc };

if (require.main === module) process.stdout.write(`${JSON.stringify(inc(JSON.parse(process.argv[2] ?? 'null')))}\n`);
