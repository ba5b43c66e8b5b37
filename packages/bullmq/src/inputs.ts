import type { WireTaskRef } from './bridge.js';
import type { JobData, JobKind } from './job-data.js';
import { show } from './options.js';

/** What map and imap read: an iterable or an async iterable. */
export type Input<T> = Iterable<T> | AsyncIterable<T>;

export function jobData(ref: WireTaskRef, k: JobKind, a: string, taskTimeout: number | undefined): JobData {
  const data: JobData = { v: 1, m: ref.m, n: ref.n, ...(ref.d === true ? { d: true as const } : {}), k, a };
  return taskTimeout === undefined ? data : { ...data, t: taskTimeout };
}

// devalue's path `[3].x` inside a chunk is item `start + 3` of the input.
export const shiftIndex = (path: string, start: number): string =>
  path.replace(/^\[(\d+)\]/, (_, index: string) => `[${start + Number(index)}]`);

export function checkChunksize(value: unknown, name = 'chunksize'): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new RangeError(`Expected \`${name}\` to be a positive integer, got \`${show(value)}\``);
  }
  return value;
}

export const isInput = (value: unknown): value is Input<unknown> =>
  typeof value === 'object' &&
  value !== null &&
  (typeof (value as Iterable<unknown>)[Symbol.iterator] === 'function' ||
    typeof (value as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function');

export async function readAll(iterable: Input<unknown>): Promise<unknown[]> {
  if (!isInput(iterable)) throw new TypeError(`Expected an iterable or async iterable, got \`${show(iterable)}\``);
  if (typeof (iterable as Iterable<unknown>)[Symbol.iterator] === 'function')
    return Array.from(iterable as Iterable<unknown>);
  const items: unknown[] = [];
  for await (const item of iterable as AsyncIterable<unknown>) items.push(item);
  return items;
}
