import type { Payload } from '../../common/codec/values.js';
import type { WireTaskRef } from '../../common/protocol.js';

/** One message's worth of work: a chunk of calls of one task, sent to one worker. */
export interface Unit {
  id: number;
  job: Job;
  ref: WireTaskRef;
  /** Index of the chunk's first item in the job's input. */
  start: number;
  count: number;
  /** The encoded argument lists, or with `each` the encoded items (one argument per call). */
  payload: Payload;
  each: boolean;
  /** Times it was re-run after its worker died (`retries`). */
  attempts: number;
  /**
   * Set by the worker it is sent to: the bytes that worker's channel had queued
   * once this unit's frame was in, so its end tells whether the worker read it.
   */
  sentUpTo: number;
}

/** What a pool call collects its units' outcomes into. */
export interface Job {
  /** True once the caller can get nothing more from it; its queued units are dropped. */
  readonly finished: boolean;
  /** True while it may still add units (an imap reading its input). */
  readonly reading: boolean;
  /** This call's `taskTimeout` (ms), or null for the pool's. */
  readonly taskTimeout: number | null;
  unitDone(unit: Unit, values: unknown[]): void;
  unitFailed(unit: Unit, error: unknown): void;
  /** The pool stops (terminate, broken pool): settle everything with `error`. */
  abort(error: unknown): void;
}
