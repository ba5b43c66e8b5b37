// What executor.map() was given: the iterables, then maybe an options object.
import { show } from './show.js';
import { checkTimeout } from './timeout.js';
import { isInput, type Input } from './zip-chunks.js';

/** The last argument `map` may take. */
export interface ExecutorMapOptions {
  /** ms from the call for the whole map; a result not ready by then throws TimeoutError. */
  timeout?: number | null | undefined;
  /** Calls per message to a worker. @default 1 */
  chunksize?: number | undefined;
  /** Chunks submitted ahead of the consumer, at most; the input is read only that far. @default all of it */
  buffersize?: number | undefined;
}

interface MapArguments {
  inputs: Input<unknown>[];
  timeout: number | null;
  chunksize: number;
  buffersize: number | undefined;
}

const MAP_OPTIONS: ReadonlySet<string> = new Set(
  Object.keys({ timeout: true, chunksize: true, buffersize: true } satisfies Record<keyof ExecutorMapOptions, true>),
);

function checkPositive(name: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 1) return value;
  const message = `Expected \`${name}\` to be a positive integer, got ${show(value)}`;
  throw typeof value === 'number' ? new RangeError(message) : new TypeError(message);
}

/** Checks map()'s arguments; the options are the last one when it is an object that is not iterable. */
export function mapArguments(rest: readonly unknown[]): MapArguments {
  const last = rest.at(-1);
  const hasOptions = typeof last === 'object' && last !== null && !isInput(last);
  const inputs = hasOptions ? rest.slice(0, -1) : [...rest];
  const options = (hasOptions ? last : {}) as Record<string, unknown>;
  for (const key of Object.keys(options)) {
    if (!MAP_OPTIONS.has(key)) throw new TypeError(`Unknown map option \`${key}\``);
  }
  const { timeout, chunksize, buffersize } = options as ExecutorMapOptions;
  checkTimeout(timeout);
  inputs.forEach((input, index) => {
    if (!isInput(input)) {
      throw new TypeError(`Expected \`iterables[${index}]\` to be an iterable or async iterable, got ${show(input)}`);
    }
  });
  return {
    inputs: inputs as Input<unknown>[],
    timeout: timeout ?? null,
    chunksize: checkPositive('chunksize', chunksize) ?? 1,
    buffersize: checkPositive('buffersize', buffersize),
  };
}
