import { ProcessError } from '@procpool/core';

/** Redis could not be reached: bad connection options, or Redis gone for longer than the time allowed. */
export class RedisConnectionError extends ProcessError {
  /** Where it tried to connect, without the password: `redis://127.0.0.1:6379`. */
  readonly address: string;
  constructor(address: string, message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.address = address;
  }
}
RedisConnectionError.prototype.name = 'RedisConnectionError';

/** BullMQ failed the job for a reason of its own (not the task's): `failedReason` says which. */
export class JobFailedError extends ProcessError {
  readonly jobId: string;
  readonly failedReason: string;
  constructor(jobId: string, failedReason: string) {
    super(`Job ${jobId} failed in BullMQ: ${failedReason}`);
    this.jobId = jobId;
    this.failedReason = failedReason;
  }
}
JobFailedError.prototype.name = 'JobFailedError';

/** A pending job is no longer in Redis (Redis restarted without its data, or the job was removed). */
export class JobLostError extends ProcessError {
  readonly jobId: string;
  constructor(jobId: string, why: string) {
    super(`Job ${jobId} is gone from Redis (${why}); it may or may not have run`);
    this.jobId = jobId;
  }
}
JobLostError.prototype.name = 'JobLostError';
