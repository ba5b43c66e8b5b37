// @ts-check
// One measurement in a fresh process: `node trial.mjs <scenario> <subject|baseline|reference:id> [variant] [--quick]`.
// Prints one JSON line, then kills whatever processes the pool left behind.
import { descendants } from './processes.mjs';
import { Hangs, scenarios } from './scenarios.mjs';
import { NotAvailable, subjects } from './subjects.mjs';

const [scenarioName = '', subjectName = '', variant] = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const quick = process.argv.includes('--quick');

/**
 * What one trial prints: what it measured, or why there is no number: the
 * subject lacks the feature (`na`), did not answer in time (`hangs`), or
 * threw (`error`). run.mjs adds `crashes` when the trial process itself died.
 * @typedef {import('./scenarios.mjs').Measurement | { na: string } | { hangs: string } | { error: string } | { crashes: string }} Outcome
 */

/** Runs the scenario's baseline, one of its references, or a subject. */
async function measure() {
  const scenario = scenarios[scenarioName];
  if (scenario === undefined) throw new Error(`no scenario ${scenarioName}`);
  const options = { quick, variant };
  if (subjectName === 'baseline') {
    if (!scenario.baseline) throw new Error(`${scenarioName} has no baseline`);
    return scenario.baseline.run(options);
  }
  if (subjectName.startsWith('reference:')) {
    const reference = scenario.references?.[subjectName.slice('reference:'.length)];
    if (reference === undefined) throw new Error(`${scenarioName} has no ${subjectName}`);
    return reference.run(options);
  }
  const subject = subjects[subjectName];
  if (subject === undefined) throw new Error(`no subject ${subjectName}`);
  return scenario.run(subject, options);
}

/** @type {Outcome} */
let outcome;
try {
  const raw = await measure();
  outcome = typeof raw === 'number' ? { value: raw } : raw;
} catch (error) {
  if (error instanceof NotAvailable) outcome = { na: error.message };
  else if (error instanceof Hangs) outcome = { hangs: error.message };
  else
    outcome = {
      error: String(/** @type {{ stack?: unknown } | undefined} */ (error)?.stack ?? error)
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
