import { inspect } from 'node:util';

// Checks shared by the pool and the worker, and bullmq itself, loaded on first
// use: importing it costs ~100 ms, which `import 'procpool'` must not pay.

export function checkQueueName(queue: unknown): string {
  if (typeof queue !== 'string' || queue === '' || queue.includes(':')) {
    throw new TypeError(
      `Expected \`queue\` to be a BullMQ queue name (a non-empty string without ':'), got \`${show(queue)}\``,
    );
  }
  return queue;
}

/** A time option in ms: a positive number (Infinity where `fallback` is), or undefined for `fallback`. */
export function checkTime(value: unknown, name: string, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !(value > 0) || (!Number.isFinite(value) && Number.isFinite(fallback))) {
    throw new RangeError(`Expected \`${name}\` to be a positive number of milliseconds, got \`${show(value)}\``);
  }
  return value;
}

let bullmq: Promise<typeof import('bullmq')> | undefined;

export const loadBullmq = (): Promise<typeof import('bullmq')> => (bullmq ??= import('bullmq'));

/** A value as an error message shows it. */
export const show = (value: unknown): string =>
  typeof value === 'string' ? value : inspect(value, { depth: 0, breakLength: Infinity });
