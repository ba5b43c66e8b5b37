import net from 'node:net';
import { inspect } from 'node:util';

import { SHARED_MARK, sharedRevivalInstalled } from '../codec/shared.js';
import { registerTransferable } from '../codec/transferables.js';
import { describeEncodeFailure, encodeValue, type Payload } from '../codec/values.js';
import { ProcessError } from '../errors.js';
import { installSharedRevival } from '../objects/revive.js';
import { WAITABLE, type Waitable, type WaitState } from '../waitable.js';
import { checkBytes, checkMaxLength, checkOffset, checkSize, checkTimeout } from './arguments.js';
import { BrokenPipeError, BufferTooShort, EOFError } from './errors.js';
import { encodeHeader, MessageReader } from './framing.js';
import { Inbox, READ_AHEAD_BYTES } from './inbox.js';
import { decodeMessage, encodeWithParts } from './message.js';
import { MessageWriter } from './message-writer.js';
import { SocketReads, startReading, stopReading } from './socket-reading.js';

/** Which ways a Connection carries messages. */
interface ConnectionOptions {
  readable: boolean;
  writable: boolean;
}

const PASSED =
  'This Connection was passed to a child process, which receives its messages now; in this process it can send and close';
const RELAYED =
  'This end of the Pipe was passed to a child process before its socket existed; here it can only be closed';

/** What pipe.ts and transfer.ts may do to a Connection beyond its public API. */
interface Friends {
  socketOf(connection: Connection): net.Socket | null;
  /** Stops reading here (a child reads now); returns the bytes read and not received, framed again, for the child. */
  pass(connection: Connection): Buffer | null;
  /** The child has it: the bytes pass() returned are its own now. */
  passed(connection: Connection): void;
  /** Undoes pass() unless a child already has it (this one did not start): reading resumes here, after the bytes pass() took. */
  unpass(connection: Connection): void;
  /** Its socket goes to a child through a relay (relay.ts): sends fail; `onClose` runs on close(). */
  relay(connection: Connection, onClose: () => void): void;
  /** Bytes read before this Connection existed (a transferred one's), received before the socket's. */
  prefill(connection: Connection, bytes: Uint8Array): void;
}
let friends: Friends;

/**
 * Python's `multiprocessing.connection.Connection`: one end of a Pipe, or a
 * connection a Listener accepted or a Client made. Messages use Python's
 * framing. A Connection never keeps Node alive by itself; a pending `recv()`,
 * `poll()` or `drain()` does.
 * @example
 * const [a, b] = Pipe();
 * a.send({ when: new Date(), ids: new Set([1]) });
 * console.log(await b.recv());
 */
export class Connection implements Waitable, AsyncIterable<unknown>, Disposable {
  #socket: net.Socket | null = null;
  readonly #readable: boolean;
  readonly #writable: boolean;
  #closed = false;
  // Passes to children not yet known to have failed, and the bytes the first took from here.
  // 'passing' from the encode that lists it until a child is known to have it
  // ('passed', for good) or none will ('here' again, with what it had read).
  #passState: 'here' | 'passing' | 'passed' = 'here';
  #passedUnread: Buffer | null = null;
  #onRelayedClose: (() => void) | null = null;
  // Why reading stopped when the peer wrote something that is not Python's framing.
  #failure: ProcessError | null = null;
  #peerGone = false;
  readonly #writer = new MessageWriter();
  readonly #reader: MessageReader;
  readonly #inbox: Inbox;
  #draining = 0;
  #referenced = true;
  #paused = false;
  // The socket is read through our `onread` (SocketReads), not 'data' events.
  #ownReads = false;

  private constructor(options: ConnectionOptions) {
    this.#readable = options.readable;
    this.#writable = options.writable;
    this.#reader = new MessageReader(
      (message) => this.#inbox.push(message),
      ({ length, limit }) => {
        const what = length < 0 ? `a negative length (${length})` : `${length} bytes (at most ${limit} are accepted)`;
        this.#failure = new ProcessError(
          `Bad message length: the other end announced ${what}, which is not Python's multiprocessing framing; ` +
            'the connection is now closed',
        );
        this.#inbox.abort(this.#failure);
        this.close();
      },
      undefined,
      (length) => this.#inbox.fillable(length),
    );
    this.#inbox = new Inbox(
      () => this.#reader.nextLength,
      () => this.close(),
      () => this.#updateHolds(),
    );
  }

  /**
   * Internal: wraps a connected stream socket (Unix or TCP); `reads` if it
   * was made with `reads.onread` (then made paused, or read from this turn on).
   */
  static fromSocket(socket: net.Socket, options: ConnectionOptions, reads?: SocketReads): Connection {
    const connection = new Connection(options);
    connection.#attach(socket, reads);
    return connection;
  }

  /** Internal: a Connection whose socket comes later; sends queue and receivers wait until attach(). */
  static pending(options: ConnectionOptions): Connection & { attach(socket: net.Socket, reads?: SocketReads): void } {
    const connection = new Connection(options);
    const attach = (socket: net.Socket, reads?: SocketReads): void => connection.#attach(socket, reads);
    Object.defineProperty(connection, 'attach', { value: attach });
    return connection as Connection & { attach: typeof attach };
  }

  static {
    friends = {
      socketOf: (connection) => connection.#socket,
      pass: (connection) => connection.#pass(),
      passed: (connection) => {
        connection.#passState = 'passed';
        connection.#passedUnread = null;
      },
      unpass: (connection) => connection.#unpass(),
      relay: (connection, onClose) => {
        connection.#onRelayedClose = onClose;
      },
      prefill: (connection, bytes) =>
        connection.#reader.push(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length)),
    };
  }

  /** Whether close() was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Whether this end receives messages (false for the write end of `Pipe({ duplex: false })`). */
  get readable(): boolean {
    return this.#readable;
  }

  /** Whether this end sends messages (false for the read end of `Pipe({ duplex: false })`). */
  get writable(): boolean {
    return this.#writable;
  }

  #attach(socket: net.Socket, reads?: SocketReads): void {
    this.#socket = socket;
    this.#ownReads = reads !== undefined;
    // No Nagle delay for small messages on TCP (a no-op on a Unix socket).
    socket.setNoDelay(true);
    // Paused before 'data' is listened for, so that a passed copy never reads;
    // others read from now on (a Pipe's accepted socket starts paused).
    if (this.#passed) socket.pause();
    else socket.resume();
    if (reads === undefined) {
      socket.on('data', (chunk: Buffer) => {
        if (!this.#onRead(chunk, chunk.length, false)) socket.pause();
      });
    } else {
      reads.bind({
        fillSpace: () => this.#reader.fillSpace(),
        read: (buffer, bytes, filling) => this.#onRead(buffer, bytes, filling),
      });
    }
    // EPIPE, ECONNRESET: the peer is gone, and 'close' follows.
    socket.on('error', () => this.#peerClosed());
    socket.on('end', () => this.#peerClosed());
    socket.on('close', () => this.#peerClosed());
    this.#writer.attach(socket);
    if (socket.destroyed) this.#peerClosed();
    else if (this.#closed && this.#onRelayedClose === null) this.#closeSocket(socket);
    this.#updateHolds();
  }

  // Takes one read's bytes (`filling`: read straight into the message's buffer);
  // false when reading must pause, with read-ahead full and nobody receiving.
  #onRead(buffer: Buffer, bytes: number, filling: boolean): boolean {
    // Closed, or relayed to a child (relay.ts): the bytes are not ours.
    if (this.#closed || this.#onRelayedClose !== null) return true;
    if (filling) this.#reader.pushFilled(buffer, bytes);
    else this.#reader.push(bytes === buffer.length ? buffer : buffer.subarray(0, bytes));
    // A header just read may announce more than a waiting recvBytes(maxLength) takes.
    if (this.#reader.nextLength > 0) this.#inbox.serve();
    if (this.#inbox.waiting || this.#inbox.bytes + this.#reader.bufferedBytes <= READ_AHEAD_BYTES) return true;
    this.#paused = true;
    return false;
  }

  #peerClosed(): void {
    if (!this.#peerGone) {
      this.#peerGone = true;
      this.#writer.stop(new BrokenPipeError());
    }
    this.#inbox.end();
    this.#updateHolds();
  }

  get #passed(): boolean {
    return this.#passState !== 'here';
  }

  #pass(): Buffer | null {
    if (this.#passState !== 'here') return null;
    this.#passState = 'passing';
    // What Node has buffered becomes ours first, so that all of it goes to the child.
    if (this.#socket !== null) stopReading(this.#socket, this.#ownReads);
    const pieces: Buffer[] = [];
    for (const message of this.#inbox.takeAll()) pieces.push(encodeHeader(message.length), message);
    pieces.push(...this.#reader.takeUnread());
    this.#inbox.abort(new ProcessError(PASSED));
    this.#updateHolds();
    this.#passedUnread = pieces.length === 0 ? null : Buffer.concat(pieces);
    return this.#passedUnread;
  }

  #unpass(): void {
    if (this.#passState !== 'passing') return;
    this.#passState = 'here';
    const unread = this.#passedUnread;
    this.#passedUnread = null;
    if (unread !== null) this.#reader.push(unread);
    if (this.#socket !== null && !this.#closed) startReading(this.#socket);
    this.#updateHolds();
  }

  /**
   * Encodes `value` with the pool's codec and queues it as one message: Map,
   * Set, Date, BigInt, typed arrays, registered types and error classes
   * round-trip. A value that cannot be sent throws a `TypeError` naming its
   * path, and nothing is sent. Throws `ProcessError` after `close()` and
   * `BrokenPipeError` once the other end is known to be gone.
   */
  send(value: unknown): void {
    this.#checkUsable(this.#writable, 'read-only');
    let payload: Payload;
    try {
      payload = encodeValue(value);
    } catch (error) {
      const { path, reason, cause } = describeEncodeFailure(error, 'toConnection');
      const message = `Cannot send value${path} through a Connection: ${reason}`;
      throw new TypeError(message, cause === undefined ? undefined : { cause });
    }
    if (this.#peerGone) throw new BrokenPipeError();
    if (payload.parts.length === 0) this.#writer.writeText(payload.text);
    else this.#writer.writePieces(encodeWithParts(payload));
  }

  /**
   * Sends `size` bytes of `buf` from byte `offset` as one message, as Python's
   * `send_bytes`. Up to 32 KiB are copied; a larger buffer is written from
   * where it is, so change it only once `drain()` has resolved.
   */
  sendBytes(buf: ArrayBufferView | ArrayBuffer, offset = 0, size?: number): void {
    this.#checkUsable(this.#writable, 'read-only');
    const bytes = checkBytes(buf, 'buf');
    checkOffset(offset, bytes.byteLength);
    const length = size ?? bytes.byteLength - offset;
    checkSize(length, offset, bytes.byteLength);
    if (this.#peerGone) throw new BrokenPipeError();
    this.#writer.writeBytes(bytes.subarray(offset, offset + length));
  }

  /** The next message's value. Rejects with `EOFError` once the other end has closed and no message is left. */
  recv<T = unknown>(): Promise<T> {
    return this.#receive(Infinity, (message) => {
      // A handle to a shared object needs their code, loaded on first need.
      if (!sharedRevivalInstalled() && message.includes(SHARED_MARK)) installSharedRevival();
      return decodeMessage(message) as T;
    });
  }

  /** The next message's bytes. One longer than `maxLength` rejects with `ProcessError`, and the connection closes. */
  recvBytes(maxLength?: number | null): Promise<Buffer> {
    const limit = checkMaxLength(maxLength);
    if (limit instanceof Error) return Promise.reject(limit);
    return this.#receive(limit, (message) => message);
  }

  /**
   * Copies the next message into `buf` from byte `offset`, and resolves with
   * its length. One that does not fit rejects with `BufferTooShort`, whose
   * `bytes` hold the whole message.
   */
  recvBytesInto(buf: ArrayBufferView | ArrayBuffer, offset = 0): Promise<number> {
    let target: Uint8Array;
    try {
      target = checkBytes(buf, 'buf');
      checkOffset(offset, target.byteLength);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#receive(Infinity, (message) => {
      if (message.length > target.byteLength - offset) throw new BufferTooShort(message, target.byteLength - offset);
      target.set(message, offset);
      return message.length;
    });
  }

  #receive<T>(maxLength: number, take: (message: Buffer) => T): Promise<T> {
    if (this.#failure !== null) return Promise.reject(this.#failure);
    try {
      this.#checkReadable();
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise<T>((resolve, reject) => {
      const deliver = (message: Buffer): void => {
        try {
          resolve(take(message));
        } catch (error) {
          reject(error);
        }
      };
      this.#inbox.receive({ maxLength, deliver, fail: reject });
    });
  }

  #checkUsable(allowed: boolean, otherwise: string): void {
    if (this.#closed) throw new ProcessError('Connection is closed');
    if (this.#onRelayedClose !== null) throw new ProcessError(RELAYED);
    if (!allowed) throw new ProcessError(`Connection is ${otherwise}`);
  }

  #checkReadable(): void {
    this.#checkUsable(this.#readable, 'write-only');
    if (this.#passed) throw new ProcessError(PASSED);
  }

  // A receiver would settle now: a message, the end, or an error is waiting.
  #isReady(): boolean {
    return this.#closed || this.#passed || this.#onRelayedClose !== null || this.#inbox.ready;
  }

  /**
   * Whether a message (or EOF) can be received now. `timeout` 0 looks at what
   * has arrived by the end of this event-loop turn; a number waits that many
   * ms at most; `null` waits until it is so.
   */
  async poll(timeout: number | null = 0): Promise<boolean> {
    this.#checkReadable();
    checkTimeout(timeout);
    await this.#inbox.whenReady(timeout ?? Infinity);
    this.#checkReadable();
    return this.#inbox.ready;
  }

  /** Resolves once every message sent so far has been handed to the OS, for producers that bound their memory. */
  async drain(): Promise<void> {
    this.#draining += 1;
    this.#updateHolds();
    try {
      await this.#writer.whenDrained();
    } finally {
      this.#draining -= 1;
      this.#updateHolds();
    }
  }

  /**
   * Writes what was sent, then closes this end. Pending and later calls
   * reject with `ProcessError('Connection is closed')`; the other end sees EOF
   * once every copy of this end (a child's too) is closed.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#inbox.abort(new ProcessError('Connection is closed'));
    if (this.#onRelayedClose !== null) this.#onRelayedClose();
    else if (this.#socket !== null) this.#closeSocket(this.#socket);
    this.#updateHolds();
  }

  // Closes our descriptor once our bytes are written, never shutting the
  // socket down: a child may hold it too, and must keep it working.
  #closeSocket(socket: net.Socket): void {
    const destroy = (): void => void socket.destroy();
    this.#writer.whenDrained().then(destroy, destroy);
  }

  // Referenced (keeping Node alive) only while someone waits; reading resumes for them.
  #updateHolds(): void {
    const socket = this.#socket;
    if (socket === null) return;
    const waiting = this.#inbox.waiting;
    if (waiting && this.#paused && !this.#passed) {
      this.#paused = false;
      socket.resume();
    }
    const holding = waiting || this.#draining > 0;
    if (holding !== this.#referenced) {
      this.#referenced = holding;
      if (holding) socket.ref();
      else socket.unref();
    }
  }

  /** Messages until the other end closes: `EOFError` ends the iteration, other errors are thrown. */
  async *[Symbol.asyncIterator](): AsyncGenerator<unknown, void, undefined> {
    for (;;) {
      try {
        yield await this.recv();
      } catch (error) {
        if (error instanceof EOFError) return;
        throw error;
      }
    }
  }

  /** `close()`: `using conn = ...` closes it at the end of the block. */
  [Symbol.dispose](): void {
    this.close();
  }

  #waitState: WaitState | null = null;

  /** What `wait()` asks: ready once a message or EOF is here (or recv() would reject at once). */
  get [WAITABLE](): WaitState {
    return (this.#waitState ??= {
      isReady: () => this.#isReady(),
      whenReady: (signal) => (this.#isReady() ? Promise.resolve() : this.#inbox.whenReadyUnless(signal)),
    });
  }

  [inspect.custom](): string {
    return `Connection { closed: ${this.#closed}, readable: ${this.#readable}, writable: ${this.#writable} }`;
  }
}

/** How a Connection crosses into a child: its index in the transfer, its directions, and what was read here unreceived. */
interface ConnectionData {
  i: number;
  r: boolean;
  w: boolean;
  u?: Uint8Array;
}

registerTransferable<Connection, ConnectionData>({
  // The constructor is private to users, not to the registry.
  Class: Connection as unknown as abstract new () => Connection,
  name: 'Connection',
  unsendable:
    "a Connection cannot be sent here: pass it in a Process's args or a Pool's initargs (the child inherits it), " +
    'or send data through a Queue or a manager',
  restore: (connection) => friends.unpass(connection),
  reduce: (connection, index) => {
    const unread = friends.pass(connection);
    const data: ConnectionData = { i: index, r: connection.readable, w: connection.writable };
    if (unread !== null) data.u = unread;
    return data;
  },
  revive: ({ i, r, w, u }, received) => {
    // Read through our own buffers from the start: nothing is read before fromSocket() in this turn.
    // (Node 20 reads `onread` in the Socket constructor; @types/node 20 lists it only for connect().)
    const reads = new SocketReads();
    const options = { fd: received.fd(i), readable: true, writable: true, onread: reads.onread };
    const socket = new net.Socket(options);
    const connection = Connection.fromSocket(socket, { readable: r, writable: w }, reads);
    if (u !== undefined) friends.prefill(connection, u);
    return connection;
  },
});

export { friends as connectionFriends };
