// Arguments reach a referent already checked by its handle, but a hostile
// client can send anything: these keep a referent's state whole regardless.
import { invalid } from '../../validate.js';

export function checkBlock(block: unknown): asserts block is boolean {
  if (typeof block !== 'boolean') throw invalid('block', 'a boolean', block);
}

export function checkTimeout(timeout: unknown): asserts timeout is number | null {
  if (timeout === null) return;
  if (typeof timeout !== 'number' || Number.isNaN(timeout) || timeout < 0) {
    throw invalid('timeout', 'null or a non-negative number of ms', timeout, true);
  }
}

/** Whether a call that may not wait (or may wait 0 ms) must answer at once. */
export const answersAtOnce = (block: boolean, timeout: number | null): boolean => !block || timeout === 0;

const EXPECTED_INTEGER = { 0: 'a non-negative integer', 1: 'a positive integer' } as const;

/** `value` must be an integer, at least `min` when given. */
export function checkInteger(value: unknown, name: string, min?: 0 | 1): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || (min !== undefined && value < min)) {
    throw invalid(name, min === undefined ? 'an integer' : EXPECTED_INTEGER[min], value, true);
  }
}
