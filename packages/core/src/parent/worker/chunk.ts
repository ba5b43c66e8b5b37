import type { Payload } from '../../common/codec/values.js';
import type { WireTaskRef } from '../../common/protocol.js';

/** What a worker handle needs of a chunk (one message of work) to send it and account for it. */
export interface WorkerChunk {
  readonly id: number;
  readonly ref: WireTaskRef;
  /** The encoded argument lists, or with `each` the encoded items (one argument per call). */
  payload: Payload;
  readonly each: boolean;
  /** ms this chunk may run, or null for the worker's own `taskTimeout`. */
  readonly taskTimeout: number | null;
  /**
   * Set by the worker it is sent to: the bytes that worker's channel had queued
   * once this chunk's frame was in, so its end tells whether the worker read it.
   */
  sentUpTo: number;
}
