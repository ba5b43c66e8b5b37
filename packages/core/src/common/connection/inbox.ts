import { MAX_TIMER_MS } from '../timers.js';
import { ProcessError } from '../errors.js';
import { EOFError } from './errors.js';

/** Whole messages held past this, with nobody receiving, pause reading (the sender's drain() then waits). */
export const READ_AHEAD_BYTES = 1024 * 1024;
/** The longest message given a buffer of its length before its bytes are in. */
const FILL_MAX_BYTES = 64 * 1024 * 1024;

/** A pending recv: the longest message it takes, and how it settles. */
interface Receiver {
  maxLength: number;
  deliver(message: Buffer): void;
  fail(error: unknown): void;
}

/**
 * The messages a Connection has read and not yet handed over, and the
 * receivers waiting for them, served in call order.
 */
export class Inbox {
  // Whole messages, from #next on.
  #messages: Array<Buffer | undefined> = [];
  #next = 0;
  #bytes = 0;
  readonly #receivers: Receiver[] = [];
  // poll() and wait() callers: called once a message or the end is here.
  readonly #readyWaiters = new Set<() => void>();
  // What receivers get once no message is left: EOFError, or why reading stopped.
  #end: Error | null = null;
  // The length the next message announces (-1: not known yet).
  readonly #nextLength: () => number;
  readonly #onTooLong: () => void;
  readonly #onWaitingChanged: () => void;

  /**
   * `onTooLong`: a message longer than its receiver's maxLength failed it,
   * and the connection must close. `onWaitingChanged`: someone started or
   * stopped waiting (see `waiting`).
   */
  constructor(nextLength: () => number, onTooLong: () => void, onWaitingChanged: () => void) {
    this.#nextLength = nextLength;
    this.#onTooLong = onTooLong;
    this.#onWaitingChanged = onWaitingChanged;
  }

  /** Bytes of the whole messages held. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Someone waits for a message: a receiver, poll() or wait(). */
  get waiting(): boolean {
    return this.#receivers.length > 0 || this.#readyWaiters.size > 0;
  }

  /** A message, or the end, is here. */
  get ready(): boolean {
    return this.#end !== null || this.#next < this.#messages.length;
  }

  get ended(): boolean {
    return this.#end !== null;
  }

  push(message: Buffer): void {
    this.#messages.push(message);
    this.#bytes += message.length;
    // Served at once, so that receivers settle in the order the messages came.
    if (this.#receivers.length > 0) this.serve();
    if (this.#readyWaiters.size > 0) this.#wake();
  }

  /** No more messages will come: receivers get `error` once those held are taken. */
  end(error: Error = new EOFError()): void {
    if (this.#end !== null) return;
    this.#end = error;
    this.serve();
    this.#wake();
  }

  /**
   * Whether the next message may get a buffer of its `length` before its
   * bytes are in: when a receiver waits for it and takes that length (up to
   * FILL_MAX_BYTES), or, with none waiting, when it is no more than would be
   * read ahead anyway. Never for a length a waiting recvBytes(maxLength) refuses.
   */
  fillable(length: number): boolean {
    const receiver = this.#receivers[0];
    if (receiver === undefined) return length <= READ_AHEAD_BYTES;
    return length <= receiver.maxLength && length <= FILL_MAX_BYTES;
  }

  /** Waits for the next message; receivers are served in call order. */
  receive(receiver: Receiver): void {
    this.#receivers.push(receiver);
    this.serve();
    this.#onWaitingChanged();
  }

  /**
   * Resolves once a message or the end is here, or abort() is called; or,
   * with `timeout`, after that many ms (0: after the next event-loop turn's
   * reads); `Infinity` waits forever.
   */
  whenReady(timeout: number): Promise<void> {
    if (this.ready) return Promise.resolve();
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      let immediate: NodeJS.Immediate | undefined;
      const wake = (): void => {
        clearTimeout(timer);
        clearImmediate(immediate);
        this.#readyWaiters.delete(wake);
        this.#onWaitingChanged();
        resolve();
      };
      this.#readyWaiters.add(wake);
      // Two turns: the writes queued this turn (ours included) leave in the
      // first, and what they bring is read in the second.
      if (timeout === 0) immediate = setImmediate(() => (immediate = setImmediate(wake)));
      else if (timeout <= MAX_TIMER_MS) timer = setTimeout(wake, timeout);
      this.#onWaitingChanged();
    });
  }

  /** Resolves once a message or the end is here, or abort() is called; stops waiting, unsettled, when `signal` aborts. */
  whenReadyUnless(signal: AbortSignal): Promise<void> {
    if (this.ready) return Promise.resolve();
    return new Promise((resolve) => {
      if (signal.aborted) return;
      const stop = (): void => {
        this.#readyWaiters.delete(wake);
        this.#onWaitingChanged();
      };
      const wake = (): void => {
        stop();
        signal.removeEventListener('abort', stop);
        resolve();
      };
      signal.addEventListener('abort', stop, { once: true });
      this.#readyWaiters.add(wake);
      this.#onWaitingChanged();
    });
  }

  /** Rejects every pending receiver with `error`, wakes poll() and wait() callers, and drops the messages. */
  abort(error: Error): void {
    for (const receiver of this.#receivers.splice(0)) receiver.fail(error);
    this.#messages = [];
    this.#next = 0;
    this.#bytes = 0;
    this.#wake();
    this.#onWaitingChanged();
  }

  /** Removes and returns the whole messages held (their receiver is elsewhere now). */
  takeAll(): Buffer[] {
    const messages = this.#messages.slice(this.#next) as Buffer[];
    this.#messages = [];
    this.#next = 0;
    this.#bytes = 0;
    return messages;
  }

  #wake(): void {
    for (const wake of [...this.#readyWaiters]) wake();
  }

  /** Hands messages to receivers in call order. */
  serve(): void {
    const receivers = this.#receivers;
    while (receivers.length > 0) {
      const receiver = receivers[0] as Receiver;
      const message = this.#messages[this.#next];
      if (message !== undefined) {
        if (message.length > receiver.maxLength) {
          this.#tooLong(message.length);
          return;
        }
        this.#messages[this.#next] = undefined;
        this.#next += 1;
        this.#bytes -= message.length;
        if (this.#next === this.#messages.length) {
          this.#messages = [];
          this.#next = 0;
        }
        receivers.shift();
        receiver.deliver(message);
        this.#onWaitingChanged();
      } else if (this.#end !== null) {
        // A message cut short by the peer's death ends like the others: EOF.
        receivers.shift();
        receiver.fail(this.#end);
        this.#onWaitingChanged();
      } else if (this.#nextLength() > receiver.maxLength) {
        // Refused as soon as its header is in: a huge length is never waited for.
        this.#tooLong(this.#nextLength());
        return;
      } else {
        return;
      }
    }
  }

  // Python's "bad message length": the receiver fails, and the connection closes.
  #tooLong(length: number): void {
    const receiver = this.#receivers.shift() as Receiver;
    this.#onWaitingChanged();
    receiver.fail(
      new ProcessError(
        `Bad message length: a message of ${length} bytes is longer than maxLength (${receiver.maxLength}); ` +
          'the connection is now closed',
      ),
    );
    this.#onTooLong();
  }
}
