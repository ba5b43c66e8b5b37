import type { Redis } from 'ioredis';

/** A job's end as the queue's event stream tells it. */
export interface JobEnd {
  event: 'completed' | 'failed' | 'removed';
  jobId: string;
  /** completed: the return value as JSON text. */
  returnvalue?: string;
  /** failed: the error's message. */
  failedReason?: string;
}

/** Events per read: fewer back means the reader has caught up. */
const COUNT = 1000;
/** ms a read blocks in Redis when there is nothing new. */
const BLOCK = 5000;
/** ms past BLOCK after which a read that has not returned is taken for stuck (a half-open connection): reconnect. */
const WATCHDOG = 2000;

type Entries = Array<[id: string, fields: string[]]>;

// XREAD of one stream: [[key, entries]] (RESP2), or [key, entries] (a RESP3 map as ioredis 6 hands it over).
function entriesOf(reply: unknown): Entries {
  if (!Array.isArray(reply) || reply.length === 0) return [];
  const first: unknown = reply[0];
  const entries: unknown = Array.isArray(first) ? first[1] : reply[1];
  return Array.isArray(entries) ? (entries as Entries) : [];
}

/**
 * Reads the queue's event stream (BullMQ writes every job's end there) on a
 * connection of its own, only while someone waits for a job: an idle reader
 * reads nothing and its socket does not keep Node alive. (BullMQ's
 * QueueEvents reads all the time, with a timer that does.) It starts from the
 * stream's end at start(), so no end of a job added after it is missed, also
 * across a reconnection. `onGap` runs when ends may have been missed: once
 * it has read all Redis holds after a reconnection, and when Redis trimmed
 * the stream past the last event read (the reader fell ~10 000 events behind).
 */
export class EventReader {
  readonly #client: Redis;
  readonly #key: string;
  readonly #onEnd: (end: JobEnd) => void;
  readonly #onGap: (why: string) => void;
  #lastId = '0-0';
  #wanted = false;
  #reading = false;
  #closed = false;
  #reconnected = false;

  constructor(client: Redis, key: string, onEnd: (end: JobEnd) => void, onGap: (why: string) => void) {
    this.#client = client;
    this.#key = key;
    this.#onEnd = onEnd;
    this.#onGap = onGap;
  }

  /** Takes the stream's end as the place to read from. */
  async start(): Promise<void> {
    const last = (await this.#client.call('XREVRANGE', this.#key, '+', '-', 'COUNT', '1')) as Array<[string]>;
    this.#lastId = last[0]?.[0] ?? '0-0';
  }

  /** The connection is back after a loss: ends may have been written meanwhile, or lost with Redis' data. */
  noteReconnected(): void {
    this.#reconnected = true;
  }

  /** Reads while `wanted`; the socket keeps Node alive only then. */
  want(wanted: boolean): void {
    this.#wanted = wanted;
    const stream = (this.#client as unknown as { stream?: { ref?(): void; unref?(): void } }).stream;
    if (wanted) stream?.ref?.();
    else stream?.unref?.();
    if (wanted && !this.#reading && !this.#closed) void this.#read();
  }

  close(): void {
    this.#closed = true;
    this.#wanted = false;
  }

  async #read(): Promise<void> {
    this.#reading = true;
    try {
      while (this.#wanted && !this.#closed) {
        const before = this.#lastId;
        let read: { entries: Entries; firstId: string | undefined };
        try {
          read = await this.#readOnce();
        } catch {
          // The connection failed under the read: ioredis reconnects (or gives up, which closes this reader).
          await new Promise((resolve) => setTimeout(resolve, 100).unref());
          continue;
        }
        for (const [id, fields] of read.entries) {
          this.#lastId = id;
          const end = Array.isArray(fields) ? toJobEnd(fields) : null;
          if (end !== null) this.#onEnd(end);
        }
        // The stream now starts after the last event read before: what lay between was trimmed unread.
        if (before !== '0-0' && read.firstId !== undefined && compareIds(read.firstId, before) > 0) {
          this.#onGap('its end was trimmed from the event stream before it was read, and Redis no longer has the job');
        }
        if (read.entries.length < COUNT && this.#reconnected) {
          this.#reconnected = false;
          this.#onGap('Redis no longer has it: did it restart without its data?');
        }
      }
    } finally {
      this.#reading = false;
    }
  }

  /**
   * One read, and in the same round trip (pipelined: it runs once the read
   * returns) the stream's first id, which says whether it was trimmed past
   * what this reader had read.
   */
  async #readOnce(): Promise<{ entries: Entries; firstId: string | undefined }> {
    let timer: NodeJS.Timeout | undefined;
    const stuck = new Promise<'stuck'>((resolve) => {
      timer = setTimeout(resolve, BLOCK + WATCHDOG, 'stuck');
      timer.unref();
    });
    const pipeline = this.#client.pipeline();
    pipeline.call('XREAD', 'COUNT', COUNT, 'BLOCK', BLOCK, 'STREAMS', this.#key, this.#lastId);
    pipeline.call('XRANGE', this.#key, '-', '+', 'COUNT', 1);
    const replies = pipeline.exec();
    replies.catch(() => undefined);
    try {
      const first = await Promise.race([replies, stuck]);
      if (first === 'stuck') {
        this.#client.disconnect(true);
        return { entries: [], firstId: undefined };
      }
      const [read, range] = first ?? [];
      if (read?.[0]) throw read[0];
      const head = range?.[0] === null ? (range[1] as Array<[string]> | undefined) : undefined;
      return { entries: entriesOf(read?.[1]), firstId: head?.[0]?.[0] };
    } finally {
      clearTimeout(timer);
    }
  }
}

// Stream ids are `ms-seq`, two integers.
function compareIds(a: string, b: string): number {
  const [am = 0, as = 0] = a.split('-').map(Number);
  const [bm = 0, bs = 0] = b.split('-').map(Number);
  return am === bm ? as - bs : am - bm;
}

function toJobEnd(fields: string[]): JobEnd | null {
  const record: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) record[fields[i]!] = fields[i + 1]!;
  const { event, jobId } = record;
  if ((event !== 'completed' && event !== 'failed' && event !== 'removed') || jobId === undefined) return null;
  const end: JobEnd = { event, jobId };
  if (record.returnvalue !== undefined) end.returnvalue = record.returnvalue;
  if (record.failedReason !== undefined) end.failedReason = record.failedReason;
  return end;
}
