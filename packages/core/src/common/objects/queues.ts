import { encodingTransits } from '../codec/shared.js';
import { describeEncodeFailure, decodeValue, encodeValue, type Payload } from '../codec/values.js';
import { ProcessError } from '../errors.js';
import { checkTimeout, invalid } from '../validate.js';
import { registerKind, SharedObject } from './shared-object.js';
import { endItemTransits } from './transits.js';
import { JoinableQueueState } from './state/joinable-queue-state.js';
import { QueueState } from './state/queue-state.js';

/** `put()`'s options. */
export interface PutOptions {
  /** Wait for room in a full queue. @default true */
  block?: boolean;
  /** How long to wait for room, in ms; past it, `Full`. @default undefined (forever) */
  timeout?: number | null;
}

/** `get()`'s options. */
export interface GetOptions {
  /** Wait for an item in an empty queue. @default true */
  block?: boolean;
  /** How long to wait for an item, in ms; past it, `Empty`. @default undefined (forever) */
  timeout?: number | null;
}

/** `put`, ending the transits of `item`'s handles if the queue refuses it (full, closed, gone). */
function refusedEnds(put: Promise<void>, item: Payload): Promise<void> {
  return put.catch((error: unknown) => {
    endItemTransits(item);
    throw error;
  });
}

const QUEUE_METHODS = ['put', 'get', 'qsize', 'empty', 'full'];
const JOINABLE_METHODS = [...QUEUE_METHODS, 'taskDone', 'join'];

function checkMaxsize(maxsize: unknown): number {
  if (typeof maxsize !== 'number' || !Number.isSafeInteger(maxsize)) throw invalid('maxsize', 'an integer', maxsize);
  return maxsize;
}

/** `[block, timeout]` as the referent takes them; throws for bad options. */
function waitArgs(options: PutOptions | GetOptions | undefined): [boolean, number | null] {
  if (options === undefined) return [true, null];
  if (typeof options !== 'object' || options === null) throw invalid('options', 'an object', options);
  const { block = true, timeout } = options;
  if (typeof block !== 'boolean') throw invalid('block', 'a boolean', block);
  return [block, checkTimeout(timeout)];
}

/**
 * `value` as a queue holds it; a TypeError naming the path of what cannot be
 * sent. An item holding handles lists their transits (`t`), so that the
 * queue can end them should the item never be got.
 */
function encodeItem(value: unknown, kind: string): Payload {
  try {
    const { result, transits } = encodingTransits(() => encodeValue(value));
    return transits.length === 0 ? result : Object.assign({ t: transits }, result);
  } catch (error) {
    const { path, reason, cause } = describeEncodeFailure(error, 'toConnection');
    throw new TypeError(
      `Cannot put value${path} into a ${kind}: ${reason}`,
      cause === undefined ? undefined : { cause },
    );
  }
}

/**
 * Python's `multiprocessing.Queue`: a FIFO queue that any process holding it
 * can put to and get from. It lives in the process that created it; others
 * reach it through an authenticated local socket. Items are encoded when put
 * (a later change to the value is not seen) and decoded when got.
 * @example
 * const q = new Queue<number>();
 * new Process({ target: producer, args: [q] }).start();
 * console.log(await q.get());
 */
export class Queue<T = unknown> extends SharedObject {
  readonly #maxsize: number;
  #closed = false;
  #joinCancelled = false;
  // Whether puts were sent since the last call answered (see put()).
  #unsynced = false;

  readonly #kind: string;

  /** @param maxsize The most items it holds; 0 or less: no limit. */
  constructor(maxsize = 0) {
    const size = checkMaxsize(maxsize);
    // Read from new.target, not a flag set beforehand: a constructor that throws cannot leave it set.
    const joinable = new.target === JoinableQueue || new.target.prototype instanceof JoinableQueue;
    const kind = joinable ? 'JoinableQueue' : 'Queue';
    super(kind, () =>
      joinable
        ? { referent: new JoinableQueueState(size), exposed: JOINABLE_METHODS }
        : { referent: new QueueState(size), exposed: QUEUE_METHODS },
    );
    this.#maxsize = size;
    this.#kind = kind;
  }

  /** @internal */
  protected override shareArgs(): unknown[] {
    return [this.#maxsize];
  }

  /**
   * Puts `value` at the end. On a full queue, waits for room (`block`, up to
   * `timeout` ms) or rejects with `Full`. From a process other than the
   * queue's, a put to a queue without `maxsize` resolves once the item is on
   * its way (as Python's feeder thread takes it); `joinThread()` waits until
   * every such item has arrived.
   */
  put(value: T, options?: PutOptions): Promise<void> {
    let args: [Payload, boolean, number | null];
    try {
      this.#checkOpen();
      const wait = waitArgs(options);
      args = [encodeItem(value, this.#kind), ...wait];
    } catch (error) {
      return Promise.reject(error);
    }
    // A put that cannot go (its handle released, its host gone) rejects as its call does.
    if (this.isLocal || this.#maxsize > 0 || this.hostGone || this.released) {
      return refusedEnds(this.call<void>('put', ...args), args[0]);
    }
    // Python's feeder thread: the item is on its way; joinThread() waits for it to arrive.
    const behind = this.callNoAnswer('put', ...args);
    this.#unsynced = true;
    return behind ?? Promise.resolve();
  }

  /** Removes and returns the first item; on an empty queue waits (`block`, up to `timeout` ms) or rejects with `Empty`. */
  async get(options?: GetOptions): Promise<T> {
    this.#checkOpen();
    const payload = await this.call<Payload>('get', ...waitArgs(options));
    return decodeValue(payload) as T;
  }

  /** `put(value, { block: false })`. */
  putNowait(value: T): Promise<void> {
    return this.put(value, { block: false });
  }

  /** `get({ block: false })`. */
  getNowait(): Promise<T> {
    return this.get({ block: false });
  }

  /** How many items it holds now (others may change that at once). */
  qsize(): Promise<number> {
    return this.call('qsize');
  }

  /** Whether it holds no item now. */
  empty(): Promise<boolean> {
    return this.call('empty');
  }

  /** Whether it holds `maxsize` items now. */
  full(): Promise<boolean> {
    return this.call('full');
  }

  /** This process will put and get no more: later calls reject. The queue itself lives on for others. */
  close(): void {
    this.#closed = true;
  }

  /**
   * After `close()`: resolves once every item this process put has reached
   * the queue (so a process that exits next loses none). Python's `join_thread`.
   */
  async joinThread(): Promise<void> {
    if (!this.#closed)
      throw new ProcessError('joinThread() is for a Queue this process has closed: call close() first');
    if (this.#joinCancelled || !this.#unsynced) return;
    // Answered after every put sent before it ran. Unlike Python's, puts lost
    // with the queue's process are reported: this rejects then.
    await this.call('qsize');
    this.#unsynced = false;
  }

  /** `joinThread()` resolves at once from now on, as Python's `cancel_join_thread`: items still on their way may be lost. */
  cancelJoinThread(): void {
    this.#joinCancelled = true;
  }

  #checkOpen(): void {
    if (this.#closed) throw new ProcessError(`This ${this.#kind} is closed in this process`);
  }
}
registerKind('Queue', Queue);

/**
 * Python's `multiprocessing.JoinableQueue`: a Queue whose consumers mark
 * each item done (`taskDone()`), so a producer can wait until all are (`join()`).
 */
export class JoinableQueue<T = unknown> extends Queue<T> {
  constructor(maxsize = 0) {
    super(maxsize);
  }

  /** Marks one item got from the queue as done; more calls than items put reject with ProcessError. */
  taskDone(): Promise<void> {
    return this.call('taskDone');
  }

  /** Resolves once every item put so far has been marked done. */
  join(): Promise<void> {
    return this.call('join');
  }
}
registerKind('JoinableQueue', JoinableQueue);

/**
 * Python's `multiprocessing.SimpleQueue`: an unbounded queue with only
 * `put`, `get`, `empty` and `close`. Its `put` resolves once the item is in
 * the queue.
 */
export class SimpleQueue<T = unknown> extends SharedObject {
  #closed = false;

  constructor() {
    super('SimpleQueue', () => ({ referent: new QueueState(0), exposed: QUEUE_METHODS }));
  }

  /** @internal */
  protected override shareArgs(): unknown[] {
    return [];
  }

  put(value: T): Promise<void> {
    if (this.#closed) return Promise.reject(new ProcessError('This SimpleQueue is closed in this process'));
    let item: Payload;
    try {
      item = encodeItem(value, 'SimpleQueue');
    } catch (error) {
      return Promise.reject(error);
    }
    return refusedEnds(this.call('put', item, true, null), item);
  }

  async get(): Promise<T> {
    if (this.#closed) throw new ProcessError('This SimpleQueue is closed in this process');
    return decodeValue(await this.call<Payload>('get', true, null)) as T;
  }

  empty(): Promise<boolean> {
    return this.call('empty');
  }

  /** This process will put and get no more. */
  close(): void {
    this.#closed = true;
  }
}
registerKind('SimpleQueue', SimpleQueue);
