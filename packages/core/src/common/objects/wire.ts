import type net from 'node:net';

import { describeEncodeFailure, encodeValue, type Payload } from '../codec/values.js';
import { ProcessError } from '../errors.js';
import { answerChallenge, deliverChallenge } from '../connection/auth.js';
import { EOFError } from '../connection/errors.js';
import { MessageReader, type BadLength } from '../connection/framing.js';
import { decodeMessage, encodeWithParts } from '../connection/message.js';
import { MessageWriter } from '../connection/message-writer.js';

// Every handshake message is read with this limit, as Python does: an
// unauthenticated peer's length header never makes us allocate its claim.
const HANDSHAKE_LIMIT = 256;

/** Which half of the handshake this side runs first: a server challenges first. */
type Side = 'server' | 'client';

/**
 * One authenticated socket between a process and an object server, carrying
 * the codec's values in Python's framing (as Connection.send does). Messages
 * are handed to `onMessage` as they arrive, without a Promise each; nothing
 * is read or decoded before the peer has proved it knows the authkey.
 */
export class Wire {
  readonly #socket: net.Socket;
  readonly #writer = new MessageWriter();
  #reader: MessageReader;
  // During the handshake: the next handshake message, for whoever waits for it.
  #handshake: { resolve(message: Buffer): void; reject(error: Error): void } | null = null;
  #early: Buffer[] = [];
  #onMessage: ((value: unknown) => void) | null = null;
  #decode: (message: Buffer) => unknown = decodeMessage;
  #closed = false;
  readonly #closeListeners: ((error: Error) => void)[] = [];
  #closeReason: Error = new EOFError();

  constructor(socket: net.Socket) {
    this.#socket = socket;
    this.#reader = new MessageReader(
      (message) => this.#onHandshakeMessage(message),
      (bad) => this.#fail(badLength(bad)),
      HANDSHAKE_LIMIT,
    );
    socket.on('data', (read: Buffer) => this.#reader.push(read));
    socket.on('error', (error: Error) => {
      this.#closeReason = error;
    });
    socket.on('close', () => {
      this.#writer.stop(this.#closeReason);
      this.#onClosed();
    });
    this.#writer.attach(socket);
  }

  /** Proves to the peer that this side knows `authkey` and has it prove the same; rejects with AuthenticationError or EOFError. */
  async authenticate(side: Side, authkey: Uint8Array): Promise<void> {
    const handshake = {
      sendBytes: (bytes: Uint8Array): void => this.#writer.writeBytes(bytes),
      recvBytes: (): Promise<Buffer> => this.#nextHandshakeMessage(),
    };
    if (side === 'server') {
      await deliverChallenge(handshake, authkey);
      await answerChallenge(handshake, authkey);
    } else {
      await answerChallenge(handshake, authkey);
      await deliverChallenge(handshake, authkey);
    }
  }

  /**
   * From now on, every message is decoded and handed to `onMessage`; one
   * that does not decode closes the wire (its sender is not procpool).
   */
  startMessages(onMessage: (value: unknown) => void, decode: (message: Buffer) => unknown = decodeMessage): void {
    this.#onMessage = onMessage;
    this.#decode = decode;
    const unread = this.#reader.takeUnread();
    this.#reader = new MessageReader(
      (message) => this.#deliver(message),
      (bad) => this.#fail(badLength(bad)),
    );
    // Messages the peer sent right after its last handshake message may have come with it.
    for (const message of this.#early.splice(0)) this.#deliver(message);
    for (const chunk of unread) this.#reader.push(chunk);
  }

  /** Queues `value` as one message; throws a TypeError naming the path of what cannot be sent (nothing is sent then). */
  send(value: unknown): void {
    this.sendEncoded(encodeMessage(value));
  }

  /** Queues a message encodeMessage() made. */
  sendEncoded(payload: Payload): void {
    if (this.#closed) return;
    if (payload.parts.length === 0) this.#writer.writeText(payload.text);
    else this.#writer.writePieces(encodeWithParts(payload));
  }

  /** Bytes written and not yet taken by the OS. */
  get bufferedBytes(): number {
    return this.#socket.writableLength;
  }

  /** Resolves once what is queued has been handed to the OS (or the wire is gone). */
  whenDrained(): Promise<void> {
    return this.#writer.whenDrained().catch(() => {});
  }

  /** Whether the wire keeps Node running (it does only while a caller waits on it). */
  set referenced(held: boolean) {
    if (held) this.#socket.ref();
    else this.#socket.unref();
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** `listener(error)` runs once when the wire closes, for whatever reason. */
  onClose(listener: (error: Error) => void): void {
    if (this.#closed) listener(this.#closeReason);
    else this.#closeListeners.push(listener);
  }

  /** Closes after what is queued has been written. */
  close(): void {
    if (this.#closed) return;
    const socket = this.#socket;
    const destroy = (): void => void socket.destroy();
    this.#writer.whenDrained().then(destroy, destroy);
    this.#onClosed();
  }

  /** Closes now, dropping what is queued. */
  destroy(): void {
    this.#socket.destroy();
    this.#onClosed();
  }

  #onHandshakeMessage(message: Buffer): void {
    const waiter = this.#handshake;
    this.#handshake = null;
    if (waiter === null) this.#early.push(message);
    else waiter.resolve(message);
  }

  #nextHandshakeMessage(): Promise<Buffer> {
    const early = this.#early.shift();
    if (early !== undefined) return Promise.resolve(early);
    if (this.#closed) return Promise.reject(new EOFError());
    return new Promise((resolve, reject) => (this.#handshake = { resolve, reject }));
  }

  #deliver(message: Buffer): void {
    let value: unknown;
    try {
      value = this.#decode(message);
    } catch (error) {
      this.#fail(error as Error);
      return;
    }
    this.#onMessage?.(value);
  }

  #fail(error: Error): void {
    this.#closeReason = error;
    this.destroy();
  }

  #onClosed(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#handshake?.reject(this.#closeReason instanceof ProcessError ? this.#closeReason : new EOFError());
    this.#handshake = null;
    for (const listener of this.#closeListeners.splice(0)) listener(this.#closeReason);
  }
}

/**
 * `value` encoded for a Wire; a TypeError naming the path of what cannot be
 * sent. A request's path is told as the argument of its method
 * (`argument 2 (at .x) of set()`), not as a place in the request.
 */
export function encodeMessage(value: unknown): Payload {
  try {
    return encodeValue(value);
  } catch (error) {
    const { path, reason, cause } = describeEncodeFailure(error, 'toConnection');
    const method = Array.isArray(value) ? (value as unknown[])[2] : undefined;
    const argument = /^\[3\]\[(\d+)\](.*)$/.exec(path);
    const what =
      typeof method === 'string' && argument !== null
        ? `argument ${Number(argument[1]) + 1}${argument[2] === '' ? '' : ` (at ${argument[2]})`} of ${method}()`
        : `value${path}`;
    throw new TypeError(
      `Cannot send ${what} to a shared object: ${reason}`,
      cause === undefined ? undefined : { cause },
    );
  }
}

const badLength = ({ length, limit }: BadLength): ProcessError =>
  new ProcessError(`The peer announced a message of ${length} bytes (at most ${limit} are accepted here)`);
