// The `timeout` every wait of this package takes: ms ≥ 0, or undefined/null to wait forever.

import { show } from './show.js';

const MAX_TIMER_MS = 0x7fffffff;

/** Throws the RangeError for a `timeout` that is not undefined, null or a number of ms ≥ 0. */
export function checkTimeout(timeout: unknown): asserts timeout is number | null | undefined {
  if (timeout === undefined || timeout === null) return;
  if (typeof timeout !== 'number' || Number.isNaN(timeout) || timeout < 0) {
    throw new RangeError(`Expected \`timeout\` to be a non-negative number of ms, got ${show(timeout)}`);
  }
}

/** The delay to arm a timer with, or null to wait forever (no timeout, or one longer than a timer holds). */
export const timerDelay = (timeout: number | null | undefined): number | null =>
  timeout === undefined || timeout === null || timeout > MAX_TIMER_MS ? null : timeout;
