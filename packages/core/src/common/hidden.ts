/**
 * Sets `target[key]` the way an Error's own `stack` and `message` are set:
 * writable and configurable but not enumerable, so that it stays out of
 * `Object.keys`, spreads, JSON and test diffs.
 */
export function defineHidden(target: object, key: PropertyKey, value: unknown): void {
  Object.defineProperty(target, key, { value, writable: true, configurable: true, enumerable: false });
}
