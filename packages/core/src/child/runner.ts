// Runs chunks of calls one at a time and hands each answer to a sink. It does
// no I/O of its own, so a pool worker, a thread, a Process child or a BullMQ
// worker can each run tasks with it over its own transport.
import { loadSharedRevival, needsSharedRevival } from '../common/codec/shared-loader.js';
import { whenDelivered } from '../common/pending-writes.js';
import { decodeTransferred, type TransferReceiver } from '../common/codec/transfers.js';
import { decodeValue, encodeValue, type Payload } from '../common/codec/values.js';
import type { WireTaskRef } from '../common/protocol.js';
import { describeResultFailure, encodeThrown, type EncodedFailure } from './replies.js';

export type TaskFn = (...args: unknown[]) => unknown;

/** Where the runner's answers go, and what it tells its host. */
export interface RunnerSink {
  /**
   * A chunk's results, encoded. `last`: no other chunk is queued, so the
   * answer should leave now rather than wait for the ones after it.
   */
  done(id: number, results: Payload, retire: boolean, last: boolean): void;
  /** A chunk failed: what it threw, or why its results could not be encoded. */
  failed(id: number, failure: EncodedFailure, retire: boolean): void;
  /** The answers held so far should leave now: chunks have run back to back for ANSWER_DELAY_MS. */
  flush(): void;
  /** The initializer ran (or there was none); queued chunks start right after this. */
  ready(): void;
  /** The initializer threw: no chunk will run. */
  initFailed(failure: EncodedFailure): void;
  /** Stopped, or retiring: nothing more will run. */
  leave(): void;
}

export interface RunnerOptions {
  sink: RunnerSink;
  /** The function a task reference names; a promise only while its module loads. Rejects, never throws. */
  findTask: (ref: WireTaskRef) => TaskFn | Promise<TaskFn>;
  /** True when the worker has outgrown its memory limit and must retire after this answer. */
  overMemory: () => boolean;
  /** Milliseconds, for the answer delay; Date.now by default. */
  clock?: () => number;
  /** Where the objects initargs transferred (Connections) arrived; none by default. */
  inherited?: TransferReceiver;
}

const NOTHING_INHERITED: TransferReceiver = {
  fd: () => {
    throw new TypeError('Nothing was passed to this worker as it started');
  },
};

// Answers queued while chunks run back to back leave together at the end of
// the run, unless this much time has gone by: an answer held behind a 5 ms
// chunk would keep the parent from refilling this worker, which then idles.
export const ANSWER_DELAY_MS = 1;

interface Chunk {
  id: number;
  r: number;
  each: boolean;
  payload: Payload;
}

export class TaskRunner {
  readonly #sink: RunnerSink;
  readonly #findTask: RunnerOptions['findTask'];
  readonly #overMemory: () => boolean;
  readonly #clock: () => number;
  readonly #inherited: TransferReceiver;
  readonly #queue: Chunk[] = [];
  // Task functions by the number the parent gave them; `fn` once found, so a
  // chunk looks up nothing by name after its function's first call.
  readonly #refs: Array<{ ref: WireTaskRef; fn?: TaskFn }> = [];
  #draining = false;
  // An answer was handed to the sink and may wait there for a flush.
  #held = false;
  #initialized = false; // chunks may arrive while the initializer runs; they wait
  #stopping = false;
  #running: number | null = null;

  constructor({ sink, findTask, overMemory, clock = Date.now, inherited = NOTHING_INHERITED }: RunnerOptions) {
    this.#sink = sink;
    this.#findTask = findTask;
    this.#overMemory = overMemory;
    this.#clock = clock;
    this.#inherited = inherited;
  }

  /** The id of the chunk being run, if any. */
  get running(): number | null {
    return this.#running;
  }

  /** Task function `r` is `ref`, for the chunks that name it by number. */
  defineTask(r: number, ref: WireTaskRef): void {
    this.#refs[r] = { ref };
  }

  /**
   * Queues a chunk: `payload` lists argument lists, or with `each` the one
   * argument of each call. It runs on start().
   */
  enqueue(id: number, r: number, payload: Payload, each: boolean): void {
    this.#queue.push({ id, r, each, payload });
  }

  /** Runs the initializer, if any; then ready() and the chunks queued meanwhile, or initFailed(). */
  initialize(init: WireTaskRef | null, args: Payload): void {
    if (init === null) this.#ready();
    else void this.#runInitializer(init, args);
  }

  /**
   * Runs the queued chunks, unless they are running already or the initializer
   * has not finished. Call it once the chunks that arrived together are all
   * queued, not from a microtask: a lone chunk's answer then leaves before
   * anything else runs, a run of short chunks answers in one write, and the
   * answer delay sees the whole queue.
   */
  start(): void {
    if (!this.#draining && this.#initialized && this.#queue.length > 0) this.#startDrain();
  }

  /** Finishes the chunks queued (those the host queues before its start() too), then leaves. */
  stop(): void {
    this.#stopping = true;
    if (!this.#draining && this.#initialized && this.#queue.length === 0) this.#sink.leave();
  }

  async #runInitializer(init: WireTaskRef, args: Payload): Promise<void> {
    try {
      const fn = await this.#findTask(init);
      await fn(...((await decodeTransferred(args, this.#inherited)) as unknown[]));
    } catch (error) {
      this.#sink.initFailed(encodeThrown(error));
      return;
    }
    this.#ready();
  }

  #ready(): void {
    this.#sink.ready();
    this.#initialized = true;
    if (this.#queue.length > 0) this.#startDrain();
    else if (this.#stopping) this.#sink.leave();
  }

  #startDrain(): void {
    this.#draining = true;
    void this.#drain();
  }

  async #drain(): Promise<void> {
    const queue = this.#queue;
    let since = this.#clock();
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
      this.#running = next.id;
      let retire: boolean | Promise<boolean>;
      try {
        retire = this.#runChunk(next);
        // Only a chunk whose call returns a promise (or a first import) costs a
        // wait, for as long as it takes: the answers held so far leave first.
        if (typeof retire !== 'boolean') {
          this.#flush();
          since = this.#clock();
          retire = await retire;
        }
      } finally {
        this.#running = null;
      }
      if (retire) return this.#sink.leave(); // chunks still queued are re-sent elsewhere by the parent
      if (queue.length > 0 && this.#clock() - since >= ANSWER_DELAY_MS) {
        this.#flush();
        since = this.#clock();
      }
    }
    this.#draining = false;
    if (this.#stopping) this.#sink.leave();
  }

  /** Runs one chunk and answers; true when the worker must now retire. Synchronous until something returns a promise. */
  #runChunk(chunk: Chunk): boolean | Promise<boolean> {
    const ref = this.#refs[chunk.r];
    if (ref === undefined)
      return this.#reply(chunk.id, encodeThrown(new Error(`No task function ${chunk.r} was sent`)));
    if (ref.fn !== undefined) return this.#startCalls(chunk, ref.fn);
    const found = this.#findTask(ref.ref);
    if (!(found instanceof Promise)) return this.#startCalls(chunk, (ref.fn = found));
    return found.then(
      (fn) => this.#startCalls(chunk, (ref.fn = fn)),
      (error: unknown) => this.#reply(chunk.id, encodeThrown(error)),
    );
  }

  // The arguments are decoded once the task module is loaded: it may register types.
  #startCalls(chunk: Chunk, fn: TaskFn): boolean | Promise<boolean> {
    // A handle to a shared object needs their code, which most workers never load.
    if (needsSharedRevival(chunk.payload.text)) {
      return loadSharedRevival().then(() => this.#startCalls(chunk, fn));
    }
    let list: unknown[];
    try {
      list = decodeValue(chunk.payload) as unknown[];
    } catch (error) {
      return this.#reply(chunk.id, encodeThrown(error));
    }
    return this.#runCalls(chunk.id, fn, list, chunk.each, 0, []);
  }

  /**
   * Calls `fn` for the list's items from index `from` on, collecting results;
   * answers when done. Each item is an argument list, or with `each` the one argument.
   */
  #runCalls(
    id: number,
    fn: TaskFn,
    list: unknown[],
    each: boolean,
    from: number,
    results: unknown[],
  ): boolean | Promise<boolean> {
    try {
      for (let i = from; i < list.length; i += 1) {
        const value = each ? fn(list[i]) : fn(...(list[i] as unknown[]));
        // Inline: a map's chunk is thousands of calls, its first before V8 has optimized this loop (B2).
        if (typeof value === 'object' && value !== null && (value instanceof Promise || isThenable(value))) {
          return this.#awaitCall(id, fn, list, each, i, value, results);
        }
        results.push(value);
      }
    } catch (error) {
      return this.#reply(id, encodeThrown(error));
    }
    return this.#answer(id, results);
  }

  async #awaitCall(
    id: number,
    fn: TaskFn,
    list: unknown[],
    each: boolean,
    at: number,
    pending: PromiseLike<unknown>,
    results: unknown[],
  ): Promise<boolean> {
    try {
      results.push(await pending);
    } catch (error) {
      return this.#reply(id, encodeThrown(error));
    }
    return this.#runCalls(id, fn, list, each, at + 1, results);
  }

  #answer(id: number, results: unknown[]): boolean | Promise<boolean> {
    let encoded: Payload;
    try {
      encoded = encodeValue(results);
    } catch (error) {
      return this.#reply(id, describeResultFailure(results, error));
    }
    const delivered = whenDelivered();
    if (delivered !== null) return delivered.then(() => this.#done(id, encoded));
    return this.#done(id, encoded);
  }

  #done(id: number, encoded: Payload): boolean {
    const retire = this.#overMemory();
    const last = this.#queue.length === 0;
    this.#sink.done(id, encoded, retire, last);
    this.#held ||= !last;
    return retire;
  }

  // Only when an answer waits: a run of async chunks flushes nothing it need not.
  #flush(): void {
    if (!this.#held) return;
    this.#held = false;
    this.#sink.flush();
  }

  // A task's puts to queues elsewhere reach them before its answer reaches the caller.
  #reply(id: number, failure: EncodedFailure): boolean | Promise<boolean> {
    const delivered = whenDelivered();
    if (delivered !== null) return delivered.then(() => this.#failed(id, failure));
    return this.#failed(id, failure);
  }

  #failed(id: number, failure: EncodedFailure): boolean {
    const retire = this.#overMemory();
    this.#sink.failed(id, failure, retire);
    this.#held = true;
    return retire;
  }
}

const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  typeof value === 'object' && value !== null && typeof (value as PromiseLike<unknown>).then === 'function';
