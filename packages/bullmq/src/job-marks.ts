import type { Worker } from 'bullmq';

/** The BullMQ worker process that took a job. */
export interface Holder {
  readonly name: string;
  readonly host: string;
  readonly pid: number;
}

const FIELD = 'procpoolWorker';
// Only a job that still exists is marked: HSET on a removed job would leave a stray key.
const MARK = `if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('HSET', KEYS[1], '${FIELD}', ARGV[1]) end`;

interface MarkingClient {
  defineCommand(name: string, definition: { numberOfKeys: number; lua: string }): void;
  procpoolMark?(key: string, holder: string): Promise<unknown>;
  hget(key: string, field: string): Promise<string | null>;
}

/**
 * Marks each job with the worker that runs it (a field of the job's hash in
 * Redis, beside BullMQ's own), so that the worker that later finds the job
 * stalled can name the one that died with it. One command per job, not awaited.
 */
export class JobMarks {
  #worker: Worker | undefined;
  readonly #holder: string;
  #client: Promise<MarkingClient> | undefined;

  constructor(holder: Holder) {
    this.#holder = JSON.stringify(holder);
  }

  /** The worker whose jobs these are (made after its processor, which marks them). */
  attach(worker: Worker): void {
    this.#worker = worker;
  }

  #key(jobId: string): string {
    return this.#worker!.toKey(jobId);
  }

  #ready(): Promise<MarkingClient> {
    return (this.#client ??= this.#worker!.backend.client.then((client) => {
      const marking = client as unknown as MarkingClient;
      if (marking.procpoolMark === undefined) marking.defineCommand('procpoolMark', { numberOfKeys: 1, lua: MARK });
      return marking;
    }));
  }

  mark(jobId: string): void {
    this.#ready()
      .then((client) => client.procpoolMark?.(this.#key(jobId), this.#holder))
      .catch(() => undefined);
  }

  /** Who held the job last, if it was marked. */
  async holder(jobId: string): Promise<Holder | null> {
    try {
      const text = await (await this.#ready()).hget(this.#key(jobId), FIELD);
      const holder = text === null ? null : (JSON.parse(text) as Partial<Holder>);
      return typeof holder?.name === 'string' && typeof holder.host === 'string' && typeof holder.pid === 'number'
        ? (holder as Holder)
        : null;
    } catch {
      return null;
    }
  }
}
