import type { ResultCallbacks } from './async-result.js';
import { invalid, isPositiveInteger, isPositiveNumber } from '../../common/validate.js';

/** Options every call takes. */
export interface CallOptions {
  /** ms; this call's tasks use it instead of the pool's `taskTimeout`. */
  taskTimeout?: number | undefined;
  /**
   * Aborting it settles the call with `signal.reason`: its queued tasks are
   * dropped, workers running them are killed and replaced, an imap stops reading.
   */
  signal?: AbortSignal | undefined;
}

export interface ResolvedCall {
  taskTimeout: number | null;
  signal: AbortSignal | undefined;
}

export type Input<T> = Iterable<T> | AsyncIterable<T>;

export const isIterable = (value: unknown): value is Iterable<unknown> =>
  typeof value === 'object' && value !== null && typeof (value as Iterable<unknown>)[Symbol.iterator] === 'function';

const isAsyncIterable = (value: unknown): value is AsyncIterable<unknown> =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function';

export function checkInput(iterable: unknown): asserts iterable is Input<unknown> {
  if (!isIterable(iterable) && !isAsyncIterable(iterable)) {
    throw invalid('iterable', 'an iterable or async iterable', iterable);
  }
}

export function checkChunksize(chunksize: unknown): number | undefined {
  if (chunksize !== undefined && !isPositiveInteger(chunksize)) {
    throw invalid('chunksize', 'a positive integer', chunksize, true);
  }
  return chunksize;
}

export function checkCallbacks({ callback, errorCallback }: ResultCallbacks<never>): void {
  if (callback !== undefined && typeof callback !== 'function') throw invalid('callback', 'a function', callback);
  if (errorCallback !== undefined && typeof errorCallback !== 'function') {
    throw invalid('errorCallback', 'a function', errorCallback);
  }
}

/** A call without options: shared, so a call that passes none allocates none. */
export const NO_OPTIONS: CallOptions = Object.freeze({});

// Each call's option keys, as the option types in call-options.ts (ApplyAsyncOptions,
// MapOptions, ImapOptions) list them; `satisfies` holds the shared ones to their types.
const CALL = { taskTimeout: true, signal: true } satisfies Record<keyof CallOptions, true>;
const CALLBACKS = { callback: true, errorCallback: true } satisfies Record<keyof ResultCallbacks<never>, true>;
const keys = (...groups: object[]): ReadonlySet<string> => new Set(groups.flatMap((group) => Object.keys(group)));
const APPLY = keys(CALL);
const APPLY_ASYNC = keys(CALL, CALLBACKS);
const MAP = keys(CALL, { chunksize: true });
const MAP_ASYNC = keys(CALL, CALLBACKS, { chunksize: true });
const IMAP = keys(CALL, { chunksize: true, bufferSize: true });
const CALL_OPTION_KEYS = {
  apply: APPLY,
  applyAsync: APPLY_ASYNC,
  map: MAP,
  mapAsync: MAP_ASYNC,
  starmap: MAP,
  starmapAsync: MAP_ASYNC,
  imap: IMAP,
  imapUnordered: IMAP,
};

/** Throws for a key that `call`'s options object does not take, as pool options do; other values are checked later. */
export function checkOptionKeys(call: keyof typeof CALL_OPTION_KEYS, options: unknown): void {
  if (typeof options !== 'object' || options === null || options === NO_OPTIONS) return;
  const allowed = CALL_OPTION_KEYS[call];
  for (const key of Object.keys(options)) {
    if (!allowed.has(key)) throw new TypeError(`Unknown ${call} option \`${key}\``);
  }
}

const DEFAULT_CALL: ResolvedCall = Object.freeze({ taskTimeout: null, signal: undefined });

export function resolveCall(options: CallOptions | undefined): ResolvedCall {
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    throw invalid('options', 'an object', options);
  }
  if (options === undefined) return DEFAULT_CALL;
  const { taskTimeout, signal } = options;
  if (taskTimeout === undefined && signal === undefined) return DEFAULT_CALL;
  if (taskTimeout !== undefined && !isPositiveNumber(taskTimeout)) {
    throw invalid('taskTimeout', 'a positive number of milliseconds', taskTimeout, true);
  }
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw invalid('signal', 'an AbortSignal', signal);
  return { taskTimeout: taskTimeout ?? null, signal };
}

// Array.fromAsync arrived in Node 22.
export async function readAll(iterable: AsyncIterable<unknown>): Promise<unknown[]> {
  const items: unknown[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

export function toArgList(item: unknown, index: number): unknown[] {
  if (Array.isArray(item)) return item;
  if (isIterable(item) && typeof item !== 'string') return [...item];
  throw new TypeError(`Expected starmap item ${index} to be an array of arguments, got \`${String(item)}\``);
}
