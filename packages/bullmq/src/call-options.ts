import type { JobsOptions } from 'bullmq';
import { checkTime, show } from './options.js';

/** Options every DistributedPool call takes. */
export interface DistributedCallOptions {
  /** ms; the workers kill a task (a job: a chunk of items) that runs longer, as a Pool's taskTimeout does. */
  taskTimeout?: number | undefined;
  /** Aborting it rejects the call with `signal.reason` and removes its jobs that no worker has started. */
  signal?: AbortSignal | undefined;
  /** BullMQ job options for this call's jobs, over the pool's defaultJobOptions (priority, attempts, …). */
  jobOptions?: JobsOptions | undefined;
}

export interface DistributedMapOptions extends DistributedCallOptions {
  /** Items per job. @default ceil(items / (4 × the processes of the connected workers)) */
  chunksize?: number | undefined;
}

export interface DistributedImapOptions extends DistributedCallOptions {
  /** Items per job. @default 1 */
  chunksize?: number | undefined;
  /** Items in Redis ahead of the consumer, at most. @default 64 × chunksize */
  bufferSize?: number | undefined;
}

const COMMON = ['taskTimeout', 'signal', 'jobOptions'];
const KNOWN = {
  apply: new Set(COMMON),
  map: new Set([...COMMON, 'chunksize']),
  imap: new Set([...COMMON, 'chunksize', 'bufferSize']),
};

export function checkCallOptions(
  options: unknown,
  method: keyof typeof KNOWN,
): {
  taskTimeout: number | undefined;
  signal: AbortSignal | undefined;
  jobOptions: JobsOptions;
} {
  if (options === undefined) return { taskTimeout: undefined, signal: undefined, jobOptions: {} };
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`Expected call options to be an object, got \`${show(options)}\``);
  }
  const unknown = Object.keys(options).filter((key) => !KNOWN[method].has(key));
  if (unknown.length > 0) throw new TypeError(`Unknown ${method} option(s): ${unknown.join(', ')}`);
  const { taskTimeout, signal, jobOptions } = options as DistributedImapOptions;
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new TypeError(`Expected \`signal\` to be an AbortSignal, got \`${show(signal)}\``);
  }
  if (jobOptions !== undefined && (typeof jobOptions !== 'object' || jobOptions === null)) {
    throw new TypeError(`Expected \`jobOptions\` to be BullMQ job options, got \`${show(jobOptions)}\``);
  }
  if (jobOptions?.jobId !== undefined) throw new TypeError("`jobOptions.jobId` is procpool's to choose");
  return {
    taskTimeout: taskTimeout === undefined ? undefined : checkTime(taskTimeout, 'taskTimeout', 0),
    signal,
    jobOptions: jobOptions ?? {},
  };
}
