// @ts-check
// What the scenarios share: the shapes of a scenario and of what it measures,
// the constants, and the helpers that start, warm and close a pool.
import { readFileSync } from 'node:fs';

/** @typedef {import('../subjects.mjs').Adapter} Adapter */
/** @typedef {import('../subjects.mjs').Feature} Feature */
/**
 * What a trial is told: `quick` for --quick's smaller counts; `variant`, which
 * of the scenario's variants it measures.
 * @typedef {{ quick: boolean, variant?: string | undefined }} RunOptions
 */
/**
 * What one trial measured: `value` in the scenario's unit; `ratio`, if the
 * trial took its own against the baseline (A); `extra`, one number (or null)
 * per extra column.
 * @typedef {{ value: number, ratio?: number, extra?: Array<number | null> }} Measurement
 */
/**
 * A hand-written row: a baseline (what the transport or the OS allows before
 * any pool logic, the row ratios are taken against) or a reference (another
 * such row, shown without being a ratio's denominator).
 * @typedef {object} Baseline
 * @property {string} name Its row's label; what its peers' ratios to it are shown with.
 * @property {string} [note] Said after the name in the row's label.
 * @property {(options: RunOptions) => Promise<number | Measurement>} run
 * @property {string} [variant] A reference: the one variant whose table shows it (default: every one).
 */
/**
 * A scenario: one section of the report. run.mjs runs, per trial, the baseline,
 * the references and every subject, each in a trial process of its own
 * (trial.mjs), then one section per variant.
 * @typedef {object} Scenario
 * @property {string} title The section's heading: what, the unit, which way is better.
 * @property {string} unit The heading of the value column.
 * @property {Baseline | null} [baseline] The first row; each subject's ratio is
 *   taken against it, trial by trial.
 * @property {Record<string, Baseline>} [references] More hand-written rows, by id.
 * @property {Feature} [needs] A subject whose adapter `lacks` it is n/a, without a trial.
 * @property {string[]} [columns] Headings of extra columns, filled from `Measurement.extra`.
 * @property {Record<string, () => unknown>} [variants] One section per key; E: the payload.
 * @property {(subject: Adapter, options: RunOptions) => Promise<number | Measurement>} run
 *   Measures one subject.
 */

export const WORKERS = 2;
export const MiB = 1024 * 1024;
export const now = () => performance.now();
/** @param {number} ms */
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A subject that did not answer in time: its row says `hangs`. */
export class Hangs extends Error {}

/**
 * `promise`, or a rejection with Hangs if it does not settle in `ms`.
 * @template T
 * @param {Promise<T>} promise
 * @param {number} ms
 * @returns {Promise<T>}
 */
export const within = (promise, ms) =>
  Promise.race([promise, sleep(ms).then(() => Promise.reject(new Hangs(`no answer in ${ms} ms`)))]);

/**
 * `use` on a new pool of the subject's (2 workers, no recycling unless
 * `options` say so), closed afterwards.
 * @template T
 * @param {Adapter} subject
 * @param {{ recycle?: boolean }} options
 * @param {(pool: any) => Promise<T>} use
 */
export async function withPool(subject, options, use) {
  const pool = await subject.create({ workers: WORKERS, recycle: false, ...options });
  try {
    return await use(pool);
  } finally {
    await within(Promise.resolve(subject.close(pool)), 5000).catch(() => {});
  }
}

/** @param {Adapter} subject @param {unknown} pool */
export async function warm(subject, pool) {
  await Promise.all(Array.from({ length: WORKERS * 4 }, (_, i) => subject.call(pool, 'noop', i)));
}

/** @param {number | undefined} pid */
export const rssOf = (pid) => {
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('VmRSS:'));
    return Number(line?.split(/\s+/)[1] ?? 0) * 1024;
  } catch {
    return 0;
  }
};
