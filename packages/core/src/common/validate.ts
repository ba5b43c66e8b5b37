// What every option and argument check says when a value is wrong.

/** A value as messages show it: `` `0` (number) ``. */
export const show = (value: unknown): string => {
  const text =
    typeof value === 'string' ? value : typeof value === 'function' ? `[Function ${value.name}]` : String(value);
  return `\`${text}\` (${typeof value})`;
};

/** The error for a bad option or argument: RangeError for a number out of range, TypeError otherwise. */
export const invalid = (name: string, expected: string, value: unknown, numeric = false): TypeError | RangeError => {
  const message = `Expected \`${name}\` to be ${expected}, got ${show(value)}`;
  return numeric && typeof value === 'number' ? new RangeError(message) : new TypeError(message);
};

/** The RangeError for a `timeout` to wait for a result (`get`, `wait`, `next`) that is not ms ≥ 0 or undefined; else null. */
export const invalidTimeout = (timeout: number | undefined): RangeError | null =>
  timeout === undefined || (typeof timeout === 'number' && !Number.isNaN(timeout) && timeout >= 0)
    ? null
    : new RangeError(`Expected \`timeout\` to be a non-negative number of ms, got \`${String(timeout)}\``);

/** `timeout` as a wait takes it (null: forever); throws invalidTimeout()'s RangeError for a bad one. */
export function checkTimeout(timeout: unknown): number | null {
  const bad = invalidTimeout((timeout ?? undefined) as number | undefined);
  if (bad !== null) throw bad;
  return (timeout ?? null) as number | null;
}

export const isPositiveInteger = (value: unknown): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value >= 1;

export const isPositiveNumber = (value: unknown): value is number =>
  typeof value === 'number' && value > 0 && value <= Number.MAX_SAFE_INTEGER;

/** `options` as a record: undefined is `{}`; anything but a plain object, or a key not in `known`, is a TypeError. */
export function checkOptions(options: unknown, known: ReadonlySet<string>, what: string): Record<string, unknown> {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw invalid('options', 'an object', options);
  }
  for (const key of Object.keys(options)) {
    if (!known.has(key)) throw new TypeError(`Unknown ${what} option \`${key}\``);
  }
  return options as Record<string, unknown>;
}
