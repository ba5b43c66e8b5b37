// pnpm bench [--quick] [--trials N] [--only A,B,S] — procpool and the other Node
// pools side by side. Every measurement runs in a fresh process; each trial
// measures the baseline and every subject back to back, so ratios compare
// numbers taken under the same machine load. The report goes to
// results/latest.md (a full run), results/quick.md (--quick) or
// results/partial.md (--only).
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { nodeStart } from './baselines.mjs';
import { stages } from './startup.mjs';
import { scenarios } from './scenarios.mjs';
import { subjects } from './subjects.mjs';

const run = promisify(execFile);
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const option = (name, fallback) => {
  const index = args.indexOf(name);
  return index === -1 ? fallback : args[index + 1];
};
const trials = Number(option('--trials', quick ? 1 : 5));
const only = option('--only', '')?.split(',').filter(Boolean);
const trialScript = fileURLToPath(new URL('./trial.mjs', import.meta.url));
const caCerts = process.env.NODE_EXTRA_CA_CERTS;

// Start-up-bound scenarios run twice where NODE_EXTRA_CA_CERTS is set: it adds
// ~100 ms to every node start on these machines.
const plan = [];
for (const name of Object.keys(scenarios)) {
  if (only?.length && !only.includes(name)) continue;
  const variants = scenarios[name].variants ? Object.keys(scenarios[name].variants) : [undefined];
  for (const variant of variants) {
    plan.push({ name, variant, env: 'as is' });
    if (!quick && caCerts !== undefined && (name === 'D' || name === 'F'))
      plan.push({ name, variant, env: 'without CA' });
  }
}

async function measure(name, subject, variant, env) {
  const childEnv = { ...process.env };
  if (env === 'without CA') delete childEnv.NODE_EXTRA_CA_CERTS;
  const argv = [trialScript, name, subject, ...(variant ? [variant] : []), ...(quick ? ['--quick'] : [])];
  try {
    const { stdout } = await run(process.execPath, argv, { env: childEnv, timeout: 120_000, maxBuffer: 1 << 20 });
    return JSON.parse(stdout.trim().split('\n').pop());
  } catch (error) {
    if (error.killed) return { hangs: 'the trial process did not finish' };
    // The pool threw in the trial's own process (an unhandled 'error' event,
    // an uncaught exception): it takes its user's program down.
    const thrown = String(error.stderr ?? '')
      .split('\n')
      .find((line) => /^\w*Error\b/.test(line));
    return thrown === undefined ? { error: String(error.message).slice(0, 200) } : { crashes: thrown.slice(0, 60) };
  }
}

const median = (xs) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const fmt = (x) =>
  x >= 1000 ? Math.round(x).toLocaleString('en-US') : x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2);
const cell = (xs) =>
  xs.length === 0
    ? ''
    : xs.length === 1
      ? fmt(xs[0])
      : `${fmt(median(xs))} (${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))})`;

const sections = [];
const header = [
  `procpool benchmark — ${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ` +
    `${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${trials} trial(s) per cell${quick ? ' (--quick: smaller counts)' : ''}`,
  `NODE_EXTRA_CA_CERTS: ${caCerts === undefined ? 'not set' : 'set (as is), and unset where noted (those sections: at most 3 trials)'}`,
  'Each cell: median (min–max) over the trials; ratio: subject ÷ baseline, per trial, then the median.',
];
// The floor under every start-up number: a bare Node start, with and without the CA bundle.
const startTimes = async (env) => {
  const times = [];
  for (let i = 0; i < 7; i += 1) times.push(await nodeStart(env));
  return median(times);
};
const withoutCa = { ...process.env };
delete withoutCa.NODE_EXTRA_CA_CERTS;
header.push(
  `\`node -e 0\` start (median of 7): ${fmt(await startTimes(process.env))} ms as is, ${fmt(await startTimes(withoutCa))} ms without NODE_EXTRA_CA_CERTS`,
);
console.log(header.join('\n'));
// S: one worker started at a time, stage by stage (startup.mjs): where the
// start-up time of D and F goes.
async function startupSection() {
  const script = fileURLToPath(new URL('./startup.mjs', import.meta.url));
  const rounds = quick ? 3 : 8;
  const envs = [['as is', process.env], ...(caCerts !== undefined ? [['without NODE_EXTRA_CA_CERTS', withoutCa]] : [])];
  const lines = [
    "### S. Where a worker's start-up goes: one child at a time, each stage adding one thing to the one above",
    '',
    `Per stage: time from spawn to the first answer (median), the child's own CPU time up to then, all threads (mean; /proc counts 10 ms ticks), and its RSS once idle (median); ${rounds} rounds, stages interleaved.`,
    '',
    '| stage | env | first answer (ms) | CPU (ms) | CPU over the stage above | idle RSS (MiB) |',
    '|---|---|---|---|---|---|',
  ];
  for (const [label, env] of envs) {
    const { stdout } = await run(process.execPath, [script, String(rounds)], { env, timeout: 300_000 });
    const samples = JSON.parse(stdout.trim().split('\n').pop());
    let previousCpu = null;
    samples.forEach((runs, i) => {
      const cpu = runs.reduce((sum, r) => sum + r.cpu, 0) / runs.length;
      const delta = previousCpu === null ? '' : `${cpu >= previousCpu ? '+' : ''}${fmt(cpu - previousCpu)}`;
      previousCpu = cpu;
      lines.push(
        `| ${stages[i][0]} | ${label} | ${fmt(median(runs.map((r) => r.ms)))} | ${fmt(cpu)} | ${delta} | ${fmt(median(runs.map((r) => r.rss)))} |`,
      );
    });
  }
  return lines.join('\n');
}

const startedAt = performance.now();
for (const { name, variant, env } of plan) {
  const sectionStart = performance.now();
  const scenario = scenarios[name];
  const names = Object.keys(subjects).filter((n) => subjects[n].scenarios?.includes(name) ?? true);
  // Reference rows: other baselines, each for one variant (or for a scenario without variants).
  const references = Object.entries(scenario.references ?? {})
    .filter(([, r]) => r.variant === variant)
    .map(([id, r]) => [`reference:${id}`, r]);
  const results = Object.fromEntries([
    ['baseline', []],
    ...references.map(([key]) => [key, []]),
    ...names.map((n) => [n, []]),
  ]);
  // The runs without the CA bundle are a second look at D and F: 3 trials keep a full run under 10 minutes.
  const sectionTrials = env === 'without CA' ? Math.min(trials, 3) : trials;
  for (let t = 0; t < sectionTrials; t += 1) {
    if (scenario.baseline) results.baseline.push(await measure(name, 'baseline', variant, env));
    for (const [key] of references) results[key].push(await measure(name, key, variant, env));
    for (const subject of names) {
      // A pool without the feature gets no trial process: n/a at once.
      const lacking = scenario.needs && subjects[subject].lacks?.[scenario.needs];
      results[subject].push(lacking ? { na: lacking } : await measure(name, subject, variant, env));
    }
  }
  const title = `${scenario.title}${variant ? ` — ${variant}` : ''}${env === 'without CA' ? ' — without NODE_EXTRA_CA_CERTS' : ''}`;
  const columns = scenario.columns ?? [];
  const lines = [
    `### ${title}`,
    '',
    `| subject | ${scenario.unit} | ratio |${columns.map((c) => ` ${c} |`).join('')}`,
    `|---|---|---|${columns.map(() => '---|').join('')}`,
  ];
  const rows = [
    ...(scenario.baseline ? [['baseline: ' + scenario.baseline.name, 'baseline']] : []),
    ...references.map(([key, r]) => [`reference: ${r.name}`, key]),
    ...names.map((n) => [n, n]),
  ];
  for (const [label, key] of rows) {
    const outcomes = results[key];
    const failed = outcomes.find((o) => o.na || o.hangs || o.error || o.crashes);
    const crash = outcomes.find((o) => o.crashes)?.crashes;
    let value;
    let ratio = '';
    let extras = columns.map(() => '');
    if (failed?.na) value = 'n/a';
    else if (crash !== undefined) {
      // Trials of one peer may end either way: say both.
      value = `${outcomes.some((o) => o.hangs) ? 'hangs or ' : ''}crashes its parent (${crash})`;
    } else if (failed?.hangs) value = 'hangs';
    else if (failed?.error) value = `error: ${failed.error.slice(0, 60)}`;
    else {
      value = cell(outcomes.map((o) => o.value));
      if (scenario.baseline && key !== 'baseline') {
        // A trial may measure its own ratio against the baseline, in the same process (A).
        const ratios = outcomes.map((o, i) => o.ratio ?? o.value / results.baseline[i]?.value).filter(Number.isFinite);
        ratio = ratios.length ? `${median(ratios).toFixed(2)}×` : '';
      }
      extras = columns.map((_, c) => cell(outcomes.map((o) => o.extra?.[c]).filter((x) => typeof x === 'number')));
    }
    lines.push(`| ${label} | ${value} | ${ratio} |${extras.map((x) => ` ${x} |`).join('')}`);
  }
  const section = lines.join('\n');
  sections.push(section);
  console.log(`\n${section}`);
  console.error(`(${title.slice(0, 40)}…: ${((performance.now() - sectionStart) / 1000).toFixed(0)} s)`);
}
if (!only?.length || only.includes('S')) {
  sections.push(await startupSection());
  console.log(`\n${sections.at(-1)}`);
}
console.error(`(total: ${((performance.now() - startedAt) / 60_000).toFixed(1)} min)`);
const resultsDir = fileURLToPath(new URL('./results/', import.meta.url));
mkdirSync(resultsDir, { recursive: true });
writeFileSync(
  // A partial run (--only, --quick) never replaces the full report.
  `${resultsDir}${quick ? 'quick' : only?.length ? 'partial' : 'latest'}.md`,
  `${header.join('\n\n')}\n\n${sections.join('\n\n')}\n\nReproduce: \`npm run bench${quick ? ' -- --quick' : ''}\`\n`,
);
