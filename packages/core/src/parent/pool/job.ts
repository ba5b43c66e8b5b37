/** What one pool call (apply, map, imap…) collects its chunks' outcomes into. */
export interface Job {
  /** True once the caller can get nothing more from it; its queued chunks are dropped. */
  readonly finished: boolean;
  /** True while it may still add chunks (an imap reading its input). */
  readonly reading: boolean;
  /** This call's `taskTimeout` (ms), or null for the pool's. */
  readonly taskTimeout: number | null;
  /** The chunk of items from `start` on answered these values. */
  chunkDone(start: number, values: unknown[]): void;
  /** The chunk of `count` items from `start` on failed. */
  chunkFailed(start: number, count: number, error: unknown): void;
  /** The pool stops (terminate, broken pool): settle everything with `error`. */
  abort(error: unknown): void;
}
