// The values of flags: counts, durations (parse-duration) and sizes (bytes).
import { UsageError } from './usage-error.js';

export function integer(text: string | undefined, flag: string, min: number): number | undefined {
  if (text === undefined) return undefined;
  const value = /^\d+$/.test(text.trim()) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value) || value < min)
    throw new UsageError(`${flag} must be an integer ≥ ${min}, got '${text}'`);
  return value;
}

export const positiveInteger = (text: string | undefined, flag: string): number | undefined => integer(text, flag, 1);

let parseDuration: ((text: string) => number | null) | undefined;
let parseBytes: ((text: string) => number | null) | undefined;

// Loaded only when a flag needs one: `procpool --help` loads neither.
export async function loadParsers(): Promise<void> {
  const [durations, sizes] = await Promise.all([import('parse-duration'), import('bytes')]);
  parseDuration = durations.default;
  parseBytes = (text) => sizes.default.parse(text);
}

// parse-duration reads compound durations (1m30s); a unit is required.
export function duration(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  // A unit is required: a bare 30 would be 30 ms to parse-duration, 30 s to a reader of timeout(1).
  const value = /^\s*\d/.test(text) && /[a-z]\s*$/i.test(text) ? parseDuration!(text) : null;
  if (value === null || !Number.isFinite(value) || value <= 0) {
    throw new UsageError(`${flag} must be a duration with its unit, such as 30s, 500ms or 1m30s, got '${text}'`);
  }
  return Math.round(value);
}

// `bytes` reads 500MB, 1.5GB (units of 1024); it drops units it does not know
// (500M would be 500 bytes), so the form is checked first, and M, G, MiB… are
// read as MB, GB.
export function size(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  const match = /^\s*(\d+(?:\.\d+)?)\s*([kmgtp]?)(i?b)?\s*$/i.exec(text);
  const value = match === null ? null : parseBytes!(`${match[1]}${match[2] ?? ''}b`);
  if (value === null || !(value > 0))
    throw new UsageError(`${flag} must be a size such as 500MB or 2GiB, got '${text}'`);
  return Math.floor(value);
}
