// What travels through Redis. A job's data names the task and carries its
// arguments in procpool's codec; its return value is the outcome, in the
// codec too, so classes, fields and types survive where JSON would not.

/** How a job's arguments are read: one call (`a`), or a chunk of items, each one argument (`m`) or an argument list (`s`). */
export type JobKind = 'a' | 'm' | 's';

export interface JobData {
  /** The format's version: a worker refuses a job it cannot read. */
  readonly v: 1;
  readonly m: string;
  readonly n: string;
  readonly d?: true;
  readonly k: JobKind;
  /** The argument list (`a`) or the chunk's items (`m`, `s`), encoded. */
  readonly a: string;
  /** The call's taskTimeout (ms), when it gave one. */
  readonly t?: number;
}

export const isJobData = (data: unknown): data is JobData => {
  const job = data as Partial<JobData> | null;
  return (
    typeof job === 'object' &&
    job !== null &&
    job.v === 1 &&
    typeof job.m === 'string' &&
    typeof job.n === 'string' &&
    (job.k === 'a' || job.k === 'm' || job.k === 's') &&
    typeof job.a === 'string' &&
    (job.t === undefined || typeof job.t === 'number')
  );
};

/** Where a task ran: the procpool worker process, its machine, and the BullMQ worker that took the job. */
export interface Place {
  readonly host: string;
  readonly pid: number;
  readonly name: string;
  readonly via: string;
}

/** A job's outcome, encoded as its return value: the value (a chunk: the list), or what the item at `i` threw. */
export type Outcome = { ok: true; v: unknown } | { ok: false; e: unknown; i: number; at: Place };

/** What the job runner answers the BullMQ worker: the encoded outcome, and whether it is a failure (which a retry may follow). */
export interface RunnerAnswer {
  readonly out: string;
  readonly failed: boolean;
  /** The failure for BullMQ's records (failedReason) when the job is tried again. */
  readonly reason?: string;
}
