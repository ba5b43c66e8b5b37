// One measurement in a fresh process: `node trial.mjs <scenario> <subject|baseline|reference:id> [variant] [--quick]`.
// Prints one JSON line, then kills whatever processes the pool left behind.
import { descendants } from './processes.mjs';
import { Hangs, scenarios } from './scenarios.mjs';
import { NotAvailable, subjects } from './subjects.mjs';

const [scenarioName, subjectName, variant] = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const quick = process.argv.includes('--quick');
const scenario = scenarios[scenarioName];
let outcome;
try {
  const raw =
    subjectName === 'baseline'
      ? await scenario.baseline.run({ quick, variant })
      : subjectName.startsWith('reference:')
        ? await scenario.references[subjectName.slice('reference:'.length)].run({ quick, variant })
        : await scenario.run(subjects[subjectName], { quick, variant });
  outcome = typeof raw === 'number' ? { value: raw } : raw;
} catch (error) {
  if (error instanceof NotAvailable) outcome = { na: error.message };
  else if (error instanceof Hangs) outcome = { hangs: error.message };
  else
    outcome = {
      error: String(error?.stack ?? error)
        .split('\n')
        .slice(0, 3)
        .join(' | '),
    };
}
process.stdout.write(`${JSON.stringify(outcome)}\n`);
// Peers without a parent-death guard would leave orphans: clean up before leaving.
for (const { pid } of descendants()) {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // gone, or not ready yet
  }
}
process.exit(0);
