import { describeEncodeFailure, encodeValue, NO_PAYLOAD } from '../../common/codec/values.js';
import type { WireTaskRef } from '../../common/protocol.js';
import type { WorkerChunk } from '../worker/chunk.js';
import type { Job } from './job.js';

/**
 * What a chunk's list holds (and how a bad argument is named): apply, one
 * argument list; starmap, an argument list per item; map, the items
 * themselves, each the one argument of its call.
 */
export type ArgsForm = 'apply' | 'map' | 'starmap';

/** One message of work: a chunk of calls of one task function, sent to one worker. */
export interface Chunk extends WorkerChunk {
  readonly job: Job;
  /** Index of the chunk's first item in the job's input. */
  readonly start: number;
  readonly count: number;
  /** Times it was run again after its worker died (`retries`). */
  attempts: number;
}

/** A chunk of `list`, encoded now (the caller's arrays are neither kept nor copied), or the TypeError naming what cannot be sent. */
export function makeChunk(
  id: number,
  job: Job,
  ref: WireTaskRef,
  form: ArgsForm,
  start: number,
  list: unknown[],
): Chunk | TypeError {
  const chunk: Chunk = {
    id,
    job,
    ref,
    start,
    count: list.length,
    payload: NO_PAYLOAD,
    each: form === 'map',
    taskTimeout: job.taskTimeout,
    attempts: 0,
    sentUpTo: 0,
  };
  try {
    chunk.payload = encodeValue(list);
  } catch (error) {
    const { path, reason, cause } = describeEncodeFailure(error);
    const message = `Cannot send ${nameBadArgument(form, start, path)} to a worker: ${reason}`;
    return new TypeError(message, cause === undefined ? undefined : { cause });
  }
  return chunk;
}

function nameBadArgument(form: ArgsForm, start: number, path: string): string {
  const match = /^\[(\d+)\]/.exec(path);
  const index = match === null ? 0 : Number(match[1]);
  const rest = match === null ? path : path.slice(match[0].length);
  if (form === 'apply') return `args${rest}`;
  return `items[${start + index}]${rest}`;
}
