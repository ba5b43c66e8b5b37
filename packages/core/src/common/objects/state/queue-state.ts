// A Queue where it lives: the items (still encoded: only the handle that
// gets one decodes it), the getters waiting for an item and the putters
// waiting for room, each served oldest first.
import type { Payload } from '../../codec/payload.js';
import { Empty, Full } from '../errors.js';
import type { Caller, Referent } from '../referent.js';
import { answersAtOnce, checkBlock, checkInteger, checkTimeout } from './checks.js';
import { endItemTransits } from '../transits.js';
import { WaitQueue } from './wait-queue.js';

function checkPayload(item: unknown): asserts item is Payload {
  const { text, parts } = (typeof item === 'object' && item !== null ? item : {}) as Partial<Payload>;
  if (typeof text !== 'string' || !Array.isArray(parts)) throw new TypeError('Expected a queue item to be a Payload');
}

/** A Queue's state; `maxsize` ≤ 0 means unbounded. */
export class QueueState implements Referent {
  readonly #maxsize: number;
  // Items from `#head` on; the consumed front is cut off now and then, so get() stays O(1).
  #items: Payload[] = [];
  #head = 0;
  readonly #getters = new WaitQueue<Payload>();
  readonly #putters = new WaitQueue<undefined, Payload>();

  constructor(maxsize: number) {
    checkInteger(maxsize, 'maxsize');
    this.#maxsize = maxsize;
  }

  put(caller: Caller, item: Payload, block: boolean, timeout: number | null): void | Promise<void> {
    checkPayload(item);
    checkBlock(block);
    checkTimeout(timeout);
    if (!this.full()) {
      this.#accept(item);
      return;
    }
    if (answersAtOnce(block, timeout)) throw new Full();
    return this.#putters.add(caller, item, timeout, (waiter) => waiter.reject(new Full()));
  }

  get(caller: Caller, block: boolean, timeout: number | null): Payload | Promise<Payload> {
    checkBlock(block);
    checkTimeout(timeout);
    if (this.#head < this.#items.length) return this.#takeItem();
    if (answersAtOnce(block, timeout)) throw new Empty();
    return this.#getters.add(caller, undefined, timeout, (waiter) => waiter.reject(new Empty()));
  }

  qsize(): number {
    return this.#items.length - this.#head;
  }

  empty(): boolean {
    return this.qsize() === 0;
  }

  full(): boolean {
    return this.#maxsize > 0 && this.qsize() >= this.#maxsize;
  }

  callerGone(caller: Caller): void {
    this.#getters.dropCaller(caller);
    this.#putters.dropCaller(caller);
  }

  dispose(error: Error): void {
    this.#getters.rejectAll(error);
    this.#putters.rejectAll(error);
    // Nobody will get these: the handles in them go (a putter's item is its handle's to end).
    for (const item of this.#items.slice(this.#head)) endItemTransits(item);
    this.#items = [];
    this.#head = 0;
  }

  /** An item has entered the queue (JoinableQueue counts it as unfinished). */
  protected accepted(): void {}

  // A waiting getter means the queue is empty: the item goes straight to it.
  #accept(item: Payload): void {
    this.accepted();
    const getter = this.#getters.shift();
    if (getter === undefined) this.#items.push(item);
    else getter.resolve(item);
  }

  #takeItem(): Payload {
    const item = this.#items[this.#head] as Payload;
    this.#head += 1;
    if (this.#head * 2 >= this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    const putter = this.#putters.shift();
    if (putter !== undefined) {
      this.#accept(putter.data);
      putter.resolve(undefined);
    }
    return item;
  }
}
