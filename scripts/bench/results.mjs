// @ts-check
// A run's results: the shape of results/<name>.json, which run.mjs writes and
// render.mjs turns into markdown, and the statistics that summarize the trials.
import { fileURLToPath } from 'node:url';

/** @typedef {import('./trial.mjs').Outcome} Outcome */
/** @typedef {import('./startup.mjs').Sample} Sample */

/**
 * The median and range of one cell's numbers, over `n` trials.
 * @typedef {{ median: number, min: number, max: number, n: number }} Spread
 */
/**
 * Why a row has no number: the pool lacks the feature (`n/a`), did not answer
 * in time, threw, or took the trial's process down (`crashes`; in some trials
 * it may have hung instead).
 * @typedef {{ kind: 'n/a' | 'hangs' | 'error', detail: string }
 *   | { kind: 'crashes', detail: string, sometimesHangs: boolean }} Failure
 */
/**
 * One row of a section: a baseline, a reference or a subject.
 * @typedef {object} Row
 * @property {string} label Its first cell (`baseline: …`, `reference: …`, or the adapter's name).
 * @property {string} subject The adapter's name, `baseline` or `reference:<id>`.
 * @property {Outcome[]} [outcomes] Per trial, as trial.mjs printed it.
 * @property {Failure | null} failure
 * @property {Spread | null} value
 * @property {number | null} ratio The median of the per-trial ratios to the baseline.
 * @property {Array<Spread | null>} extras One per extra column of the section.
 * @property {Versus} [versus] Its ratio to the peer its adapter is compared
 *   with (`Adapter.against`), where the section has that peer's row.
 * @property {Versus[]} [versusReferences] Its ratios to the reference rows its
 *   adapter is compared with (`Adapter.againstReferences`), those the section
 *   has, each named by the reference's name.
 */
/**
 * A subject against its peer: the median of the per-trial ratios, this
 * subject's number ÷ the peer's in the same trial (of their ratios to the
 * baseline where each took its own in its process, as A does); null when no
 * trial has both.
 * @typedef {{ subject: string, ratio: number | null }} Versus
 */
/**
 * One table of the report: one scenario, one variant, one environment.
 * @typedef {object} Section
 * @property {string} scenario Its key in scenarios.mjs.
 * @property {string | null} variant
 * @property {'as is' | 'without CA'} env `without CA`: run with NODE_EXTRA_CA_CERTS unset.
 * @property {string} title
 * @property {string} unit
 * @property {string[]} columns
 * @property {Row[]} rows
 */
/**
 * Section S, one child at a time stage by stage (startup.mjs), per environment.
 * @typedef {object} Startup
 * @property {number} rounds
 * @property {Array<{ env: string, stages: StageSummary[], samples?: Sample[][] }>} envs
 */
/**
 * One stage of S: medians of the time to the first answer, of the idle RSS and
 * of the idle private memory (null in runs from before it was measured), the
 * mean CPU time, and that CPU time less the stage above's.
 * @typedef {{ stage: string, ms: number, cpu: number, cpuOverAbove: number | null, rss: number, private?: number | null }} StageSummary
 */
/**
 * A run, as results/<name>.json holds it.
 * @typedef {object} Results
 * @property {string} date YYYY-MM-DD.
 * @property {{ count: number, model: string, memoryGiB: number }} machine
 * @property {string} node `process.version`.
 * @property {number} trials Per cell (at most 3 where NODE_EXTRA_CA_CERTS is unset).
 * @property {boolean} quick
 * @property {string[]} only The scenarios of --only, or none for all.
 * @property {boolean} caCerts Whether NODE_EXTRA_CA_CERTS was set.
 * @property {{ asIs: number, withoutCa: number }} nodeStart `node -e 0`, median ms of 7.
 * @property {Section[]} sections
 * @property {Startup | null} startup
 * @property {string} [note] Where the numbers came from, if not from run.mjs.
 */

/** The results folder; a run writes `<name>.json` and `<name>.md` there. */
export const RESULTS_DIR = fileURLToPath(new URL('./results/', import.meta.url));

/**
 * The name of a run's files: only a full run replaces `latest`.
 * @param {{ quick: boolean, only: string[] }} run
 */
export const resultsName = ({ quick, only }) => (quick ? 'quick' : only.length ? 'partial' : 'latest');

/** @param {number[]} xs */
export const median = (xs) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? NaN) : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2;
};

/**
 * @param {number[]} xs
 * @returns {Spread | null}
 */
const spread = (xs) =>
  xs.length === 0 ? null : { median: median(xs), min: Math.min(...xs), max: Math.max(...xs), n: xs.length };

/**
 * A row from its trials' outcomes. `baseline`: the baseline's outcomes, trial
 * by trial, if the row takes a ratio against them.
 * @param {string} label
 * @param {string} subject
 * @param {Outcome[]} outcomes
 * @param {Outcome[] | null} baseline
 * @param {number} columns
 * @returns {Row}
 */
export function summarizeRow(label, subject, outcomes, baseline, columns) {
  const row = { label, subject, outcomes };
  const failed = outcomes.find((o) => 'na' in o || 'hangs' in o || 'error' in o || 'crashes' in o);
  const crash = outcomes.find((o) => 'crashes' in o);
  /** @type {Failure | null} */
  let failure = null;
  if (failed && 'na' in failed) failure = { kind: 'n/a', detail: failed.na };
  // Trials of one peer may end either way: say both.
  else if (crash && 'crashes' in crash)
    failure = { kind: 'crashes', detail: crash.crashes, sometimesHangs: outcomes.some((o) => 'hangs' in o) };
  else if (failed && 'hangs' in failed) failure = { kind: 'hangs', detail: failed.hangs };
  else if (failed && 'error' in failed) failure = { kind: 'error', detail: failed.error };
  if (failure) return { ...row, failure, value: null, ratio: null, extras: [] };
  const measured = outcomes.filter((o) => 'value' in o);
  /** @type {number | null} */
  let ratio = null;
  if (baseline) {
    // A trial may measure its own ratio against the baseline, in the same process (A).
    const ratios = outcomes
      .map((o, i) => {
        const base = baseline[i];
        return 'value' in o ? (o.ratio ?? o.value / (base && 'value' in base ? base.value : NaN)) : NaN;
      })
      .filter(Number.isFinite);
    ratio = ratios.length ? median(ratios) : null;
  }
  return {
    ...row,
    failure,
    value: spread(measured.map((o) => o.value)),
    ratio,
    extras: Array.from({ length: columns }, (_, c) =>
      spread(measured.map((o) => o.extra?.[c]).filter(/** @returns {x is number} */ (x) => typeof x === 'number')),
    ),
  };
}

/**
 * `outcomes` against `peer`'s, trial by trial: see `Versus`.
 * @param {Outcome[]} outcomes
 * @param {{ subject: string, outcomes: Outcome[] }} peer
 * @returns {Versus}
 */
export function versus(outcomes, peer) {
  const ratios = outcomes
    .map((mine, i) => {
      const theirs = peer.outcomes[i];
      if (!('value' in mine) || theirs === undefined || !('value' in theirs)) return NaN;
      // A trial's own ratio to the baseline cancels the load the two trial processes met.
      const inTrial = mine.ratio !== undefined && theirs.ratio !== undefined;
      return inTrial
        ? /** @type {number} */ (mine.ratio) / /** @type {number} */ (theirs.ratio)
        : mine.value / theirs.value;
    })
    .filter(Number.isFinite);
  return { subject: peer.subject, ratio: ratios.length ? median(ratios) : null };
}

/**
 * S for one environment, from startup.mjs's samples (per stage, per round).
 * @param {string[]} stageNames
 * @param {Sample[][]} samples
 * @returns {StageSummary[]}
 */
export function summarizeStartup(stageNames, samples) {
  /** @type {number | null} */
  let previousCpu = null;
  return samples.map((runs, i) => {
    const cpu = runs.reduce((sum, r) => sum + r.cpu, 0) / runs.length;
    const cpuOverAbove = previousCpu === null ? null : cpu - previousCpu;
    previousCpu = cpu;
    return {
      stage: stageNames[i] ?? '',
      ms: median(runs.map((r) => r.ms)),
      cpu,
      cpuOverAbove,
      rss: median(runs.map((r) => r.rss)),
      private: runs.every((r) => typeof r.private === 'number') ? median(runs.map((r) => r.private)) : null,
    };
  });
}
