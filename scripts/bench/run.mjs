// @ts-check
// pnpm bench [--quick] [--trials N] [--only A,B,S] — procpool and the other Node
// pools side by side. Every measurement runs in a fresh process; each trial
// measures the baseline and every subject back to back, so ratios compare
// numbers taken under the same machine load. The results go to
// results/latest.json (a full run), results/quick.json (--quick) or
// results/partial.json (--only), and render.mjs makes the report beside them
// (and, from a full run, the README's table).
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { nodeStart } from './baselines.mjs';
import { renderFiles, renderHeader, renderSection, renderStartup, sectionTitle } from './render.mjs';
import { RESULTS_DIR, median, resultsName, summarizeRow, summarizeStartup, versus } from './results.mjs';
import { stages } from './startup.mjs';
import { scenarios } from './scenarios.mjs';
import { subjects } from './subjects.mjs';

/** @typedef {import('./results.mjs').Results} Results */
/** @typedef {import('./results.mjs').Section} Section */
/** @typedef {import('./results.mjs').Outcome} Outcome */

const run = promisify(execFile);
const args = process.argv.slice(2);
const quick = args.includes('--quick');
/** @param {string} name @param {string} fallback */
const option = (name, fallback) => {
  const index = args.indexOf(name);
  return index === -1 ? fallback : (args[index + 1] ?? '');
};
const trials = Number(option('--trials', quick ? '1' : '5'));
const only = option('--only', '').split(',').filter(Boolean);
const trialScript = fileURLToPath(new URL('./trial.mjs', import.meta.url));
const caCerts = process.env.NODE_EXTRA_CA_CERTS;

// Start-up-bound scenarios run twice where NODE_EXTRA_CA_CERTS is set: it adds
// ~100 ms to every node start on these machines (O: its baseline, a node start per line).
const STARTUP_BOUND = ['D', 'F', 'H', 'O', 'O3'];
/** @type {Array<{ name: string, variant: string | undefined, env: Section['env'] }>} */
const plan = [];
for (const [name, scenario] of Object.entries(scenarios)) {
  if (only.length && !only.includes(name)) continue;
  const variants = scenario.variants ? Object.keys(scenario.variants) : [undefined];
  for (const variant of variants) {
    plan.push({ name, variant, env: 'as is' });
    if (!quick && caCerts !== undefined && STARTUP_BOUND.includes(name))
      plan.push({ name, variant, env: 'without CA' });
  }
}

/**
 * One trial in a fresh process.
 * @param {string} name
 * @param {string} subject
 * @param {string | undefined} variant
 * @param {Section['env']} env
 * @returns {Promise<Outcome>}
 */
async function measure(name, subject, variant, env) {
  // Each trial's temporary files (G's, a pool's socket directories) go with
  // it, also when the pool under test takes its trial process down.
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'procpool-bench-'));
  /** @type {NodeJS.ProcessEnv} */
  const childEnv = { ...process.env, TMPDIR: tmp };
  if (env === 'without CA') delete childEnv.NODE_EXTRA_CA_CERTS;
  const argv = [trialScript, name, subject, ...(variant ? [variant] : []), ...(quick ? ['--quick'] : [])];
  try {
    const { stdout } = await run(process.execPath, argv, { env: childEnv, timeout: 120_000, maxBuffer: 1 << 20 });
    return JSON.parse(stdout.trim().split('\n').pop() ?? '');
  } catch (caught) {
    const error = /** @type {{ killed?: boolean, stderr?: unknown, message?: unknown }} */ (caught);
    if (error.killed) return { hangs: 'the trial process did not finish' };
    // The pool threw in the trial's own process (an unhandled 'error' event,
    // an uncaught exception): it takes its user's program down.
    const thrown = String(error.stderr ?? '')
      .split('\n')
      .find((line) => /^\w*Error\b/.test(line));
    return thrown === undefined ? { error: String(error.message).slice(0, 200) } : { crashes: thrown.slice(0, 60) };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

// The floor under every start-up number: a bare Node start, with and without the CA bundle.
/** @param {NodeJS.ProcessEnv} env */
const startTimes = async (env) => {
  const times = [];
  for (let i = 0; i < 7; i += 1) times.push(await nodeStart(env));
  return median(times);
};
const withoutCa = { ...process.env };
delete withoutCa.NODE_EXTRA_CA_CERTS;
/** @type {Results} */
const results = {
  date: new Date().toISOString().slice(0, 10),
  machine: {
    count: os.cpus().length,
    model: os.cpus()[0]?.model ?? 'cpu',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
  },
  node: process.version,
  trials,
  quick,
  only,
  caCerts: caCerts !== undefined,
  nodeStart: { asIs: await startTimes(process.env), withoutCa: await startTimes(withoutCa) },
  sections: [],
  startup: null,
};
console.log(renderHeader(results).join('\n'));

// S: one worker started at a time, stage by stage (startup.mjs): where the
// start-up time of D and F goes.
async function measureStartup() {
  const script = fileURLToPath(new URL('./startup.mjs', import.meta.url));
  const rounds = quick ? 3 : 8;
  /** @type {Array<[string, NodeJS.ProcessEnv]>} */
  const envs = [['as is', process.env]];
  if (caCerts !== undefined) envs.push(['without NODE_EXTRA_CA_CERTS', withoutCa]);
  /** @type {import('./results.mjs').Startup} */
  const startup = { rounds, envs: [] };
  for (const [label, env] of envs) {
    const { stdout } = await run(process.execPath, [script, String(rounds)], { env, timeout: 300_000 });
    /** @type {import('./startup.mjs').Sample[][]} */
    const samples = JSON.parse(stdout.trim().split('\n').pop() ?? '');
    const stageNames = stages.map(([stage]) => stage);
    startup.envs.push({ env: label, stages: summarizeStartup(stageNames, samples), samples });
  }
  return startup;
}

const startedAt = performance.now();
for (const { name, variant, env } of plan) {
  const sectionStart = performance.now();
  const scenario = /** @type {import('./scenarios.mjs').Scenario} */ (scenarios[name]);
  const names = Object.keys(subjects).filter((n) => subjects[n]?.scenarios?.includes(name) ?? true);
  // Reference rows: other baselines, each for one variant (or for a scenario without variants).
  const references = Object.entries(scenario.references ?? {})
    .filter(([, r]) => r.variant === undefined || r.variant === variant)
    .map(([id, r]) => /** @type {const} */ ([`reference:${id}`, r]));
  /** @type {Record<string, Outcome[]>} */
  const outcomes = Object.fromEntries([
    ['baseline', []],
    ...references.map(([key]) => [key, []]),
    ...names.map((n) => [n, []]),
  ]);
  /** @param {string} key @param {Outcome} outcome */
  const record = (key, outcome) => outcomes[key]?.push(outcome);
  // The runs without the CA bundle are a second look at D, F and H: 3 trials keep a full run near a quarter of an hour.
  const sectionTrials = env === 'without CA' ? Math.min(trials, 3) : trials;
  for (let t = 0; t < sectionTrials; t += 1) {
    if (scenario.baseline) record('baseline', await measure(name, 'baseline', variant, env));
    for (const [key] of references) record(key, await measure(name, key, variant, env));
    for (const subject of names) {
      // A pool without the feature gets no trial process: n/a at once.
      const lacking = scenario.needs && subjects[subject]?.lacks[scenario.needs];
      record(subject, lacking ? { na: lacking } : await measure(name, subject, variant, env));
    }
  }
  const columns = scenario.columns ?? [];
  const baseline = scenario.baseline ? (outcomes.baseline ?? []) : null;
  /** @type {Array<[string, string]>} */
  const rows = [
    ...(scenario.baseline
      ? [/** @type {[string, string]} */ (['baseline: ' + scenario.baseline.name, 'baseline'])]
      : []),
    ...references.map(
      ([key, r]) => /** @type {[string, string]} */ ([`reference: ${r.name}${r.note ? ` (${r.note})` : ''}`, key]),
    ),
    ...names.map((n) => /** @type {[string, string]} */ ([n, n])),
  ];
  /** @type {Section} */
  const section = {
    scenario: name,
    variant: variant ?? null,
    env,
    title: scenario.title,
    unit: scenario.unit,
    columns,
    rows: rows.map(([label, key]) => {
      const row = summarizeRow(label, key, outcomes[key] ?? [], key === 'baseline' ? null : baseline, columns.length);
      if (row.failure !== null) return row;
      // A subject compared with a peer (ThreadPool with piscina): that ratio too, where the peer ran.
      const peer = subjects[key]?.against;
      const peerOutcomes = peer === undefined ? undefined : outcomes[peer];
      const withPeer =
        peer !== undefined && peerOutcomes !== undefined
          ? { ...row, versus: versus(outcomes[key] ?? [], { subject: peer, outcomes: peerOutcomes }) }
          : row;
      // And with the reference rows it is compared with (procpool's Pool with CPython's), where the section has them.
      const against = (subjects[key]?.againstReferences ?? []).flatMap((id) => {
        const reference = references.find(([k]) => k === `reference:${id}`);
        const theirs = outcomes[`reference:${id}`];
        return reference && theirs
          ? [versus(outcomes[key] ?? [], { subject: reference[1].name, outcomes: theirs })]
          : [];
      });
      return against.length ? { ...withPeer, versusReferences: against } : withPeer;
    }),
  };
  results.sections.push(section);
  console.log(`\n${renderSection(section)}`);
  console.error(
    `(${sectionTitle(section).slice(0, 40)}…: ${((performance.now() - sectionStart) / 1000).toFixed(0)} s)`,
  );
}
if (!only.length || only.includes('S')) {
  results.startup = await measureStartup();
  console.log(`\n${renderStartup(results.startup)}`);
}
console.error(`(total: ${((performance.now() - startedAt) / 60_000).toFixed(1)} min)`);
mkdirSync(RESULTS_DIR, { recursive: true });
// A partial run (--only, --quick) never replaces the full results.
const file = path.join(RESULTS_DIR, `${resultsName({ quick, only })}.json`);
writeFileSync(file, `${JSON.stringify(results, null, 1)}\n`);
renderFiles(file);
