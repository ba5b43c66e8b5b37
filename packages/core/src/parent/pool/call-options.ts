import type { CallOptions } from './arguments.js';
import type { ResultCallbacks } from './async-result.js';

// The options of each pool call (public types).

export interface ApplyAsyncOptions<R> extends ResultCallbacks<R>, CallOptions {}

export interface MapOptions extends CallOptions {
  /** Items per chunk (one message to a worker). @default ceil(items / (4 × processes)) */
  chunksize?: number | undefined;
}

export interface MapAsyncOptions<R> extends MapOptions, ResultCallbacks<R> {}

export interface ImapOptions extends CallOptions {
  /** Items per chunk (one message to a worker). @default 1 */
  chunksize?: number | undefined;
  /** Items read from the input ahead of the consumer, at most. @default 4 × processes × chunksize */
  bufferSize?: number | undefined;
}
