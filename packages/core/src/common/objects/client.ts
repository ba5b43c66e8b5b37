import net from 'node:net';

import type { Payload } from '../codec/values.js';
import { AuthenticationError, EOFError } from '../connection/errors.js';
import type { Address } from '../connection/address.js';
import { ProcessError } from '../errors.js';
import { registerBeforeLeaving, registerPendingDeliveries, registerPendingWrites } from '../pending-writes.js';
import { currentProcess } from '../process-info.js';
import { atMost } from '../timers.js';
import { decodeMessage } from '../connection/message.js';
import { seenThrough } from './addresses.js';
import { checkReply, isAddress, SERVER_ID } from './protocol.js';
import { encodeMessage, Wire } from './wire.js';

// Clients whose requests have not all been handed to the OS: a child that
// exits when its target settles waits for them (as Python joins a queue's
// feeder thread at exit), connecting first if it had not yet.
const unsent = new Set<ObjectClient>();
registerPendingWrites(() => Promise.all([...unsent].map((client) => client.whenSent())).then(() => {}));
// Clients that sent requests wanting no answer (puts) since their last answer.
const unsynced = new Set<ObjectClient>();
registerPendingDeliveries(() =>
  unsynced.size === 0 ? null : Promise.all([...unsynced].map((client) => client.sync())).then(() => {}),
);
// Every connection of this process, for its last words when it leaves (see farewell()).
const connected = new Set<ObjectClient>();
registerBeforeLeaving(() => Promise.all([...connected].map((client) => client.farewell())).then(() => {}));

/** How long a leaving process waits for a server to let go of what it held. */
const FAREWELL_MS = 1000;

/** Unread bytes past which notify() asks its caller to wait. */
const HIGH_WATER_BYTES = 1024 * 1024;

interface Pending {
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/** Why calls to a server fail once its connection is gone (or never came). */
function hostGone(host: string, error: Error): Error {
  if (error instanceof AuthenticationError) return error;
  const code = (error as NodeJS.ErrnoException).code;
  const why =
    code === 'ENOENT' || code === 'ECONNREFUSED'
      ? 'nothing listens at its address any more'
      : error instanceof EOFError || code === 'ECONNRESET' || code === 'EPIPE'
        ? 'its connection closed'
        : error.message;
  return new EOFError(`The process that holds this shared object (${host}) is gone: ${why}`);
}

/**
 * This process's one connection to one object server: requests from every
 * handle to that server's objects go through it, in order, and answers are
 * matched by call id. Connects on first use; keeps Node running only while a
 * call waits. When the connection goes, every call waiting and every later
 * one rejects with an EOFError naming the host; nothing hangs.
 */
export class ObjectClient {
  readonly #host: string;
  readonly #address: Address;
  // The address as the server knows it: handles it sends name it, and mean ours.
  #serverAddress: Address | null = null;
  readonly #wire: Wire;
  #ready = false;
  readonly #queued: Payload[] = [];
  readonly #pending = new Map<number, Pending>();
  #nextCall = 1;
  #failure: Error | null = null;
  #whenReady: Promise<void>;
  #settleReady!: () => void;

  constructor(address: Address, authkey: Uint8Array, host: string) {
    this.#host = host;
    this.#address = address;
    connected.add(this);
    this.#whenReady = new Promise((resolve) => (this.#settleReady = resolve));
    unsent.add(this);
    const socket =
      typeof address === 'string'
        ? net.connect({ path: address })
        : net.connect({ host: address[0], port: address[1] });
    socket.unref();
    const wire = (this.#wire = new Wire(socket));
    wire.onClose((error) => this.#fail(error));
    socket.once('connect', () => {
      wire.authenticate('client', authkey).then(
        () => this.#start(),
        (error: Error) => {
          this.#fail(error);
          wire.destroy();
        },
      );
    });
  }

  /** Resolves once every request made so far has been handed to the OS, or the connection is gone. */
  async whenSent(): Promise<void> {
    await this.#whenReady;
    await this.#wire.whenDrained();
  }

  /** Whether the connection is gone for good. */
  get failed(): boolean {
    return this.#failure !== null;
  }

  /** Calls `method` of object `id` with `args`; resolves with what it returned, rejects with what it threw. */
  call(id: number, method: string, args: unknown[]): Promise<unknown> {
    if (this.#failure !== null) return Promise.reject(this.#failure);
    const callId = this.#nextCall++;
    let payload: Payload;
    try {
      payload = encodeMessage([callId, id, method, args]);
    } catch (error) {
      return Promise.reject(error);
    }
    const answer = new Promise<unknown>((resolve, reject) => this.#pending.set(callId, { resolve, reject }));
    this.#send(payload);
    this.#wire.referenced = true;
    return answer;
  }

  /**
   * Sends a request that wants no answer (hold, drop, transit, a put);
   * dropped once the connection is gone. `deliver`: a pool task's answer
   * waits until it has been handled (see sync()).
   */
  notify(id: number, method: string, args: unknown[], deliver = false): void {
    if (this.#failure !== null) return;
    this.#send(encodeMessage([0, id, method, args]));
    if (deliver) unsynced.add(this);
  }

  /** This process is leaving: the server lets go of what it holds now. Resolves once it has; never rejects. */
  farewell(): Promise<void> {
    unsynced.delete(this);
    if (this.#failure !== null) return Promise.resolve();
    // A host that does not answer (stopped, not dead) must not keep this process from leaving.
    return atMost(
      this.call(SERVER_ID, 'bye', []).catch(() => {}),
      FAREWELL_MS,
    );
  }

  /** Resolves once the server has handled every request sent before (requests are handled in order); never rejects. */
  sync(): Promise<void> {
    unsynced.delete(this);
    return this.call(SERVER_ID, 'sync', []).then(
      () => {},
      () => {},
    );
  }

  /**
   * A Promise to wait on when the socket holds more than HIGH_WATER_BYTES the
   * peer has not read (a producer then goes at the consumer's pace instead of
   * filling memory); null otherwise.
   */
  behind(): Promise<void> | null {
    return this.#ready && this.#wire.bufferedBytes > HIGH_WATER_BYTES ? this.#wire.whenDrained() : null;
  }

  #send(payload: Payload): void {
    if (this.#ready) {
      this.#wire.sendEncoded(payload);
      return;
    }
    this.#queued.push(payload);
    // Until it is written, as a put Python's feeder thread holds keeps it running.
    this.#wire.referenced = true;
  }

  // Authenticated: requests may go once the server says it reads them (its answer 0).
  #start(): void {
    if (this.#failure !== null) return;
    this.#wire.startMessages(
      (message) => this.#onReply(message),
      (message) => seenThrough(this.#serverAddress, this.#address, () => decodeMessage(message)),
    );
  }

  #onReady(serverAddress: unknown): void {
    if (isAddress(serverAddress)) this.#serverAddress = serverAddress;
    this.#ready = true;
    unsent.delete(this);
    this.#settleReady();
    const { name, pid } = currentProcess();
    this.#wire.send([0, SERVER_ID, 'hello', [`${name} (pid ${pid})`]]);
    for (const payload of this.#queued.splice(0)) this.#wire.sendEncoded(payload);
    this.#wire.referenced = this.#pending.size > 0;
  }

  #onReply(message: unknown): void {
    const reply = checkReply(message);
    if (reply?.callId === 0 && !this.#ready) {
      this.#onReady(reply.value);
      return;
    }
    const pending = reply === null ? undefined : this.#pending.get(reply.callId);
    if (reply === null || pending === undefined) {
      this.#fail(new ProcessError('The object server sent an answer to no question'));
      this.#wire.destroy();
      return;
    }
    this.#pending.delete(reply.callId);
    if (this.#pending.size === 0) this.#wire.referenced = false;
    if (reply.failed) pending.reject(reply.value);
    else pending.resolve(reply.value);
  }

  #fail(error: Error): void {
    if (this.#failure !== null) return;
    this.#failure = hostGone(this.#host, error);
    unsent.delete(this);
    unsynced.delete(this);
    connected.delete(this);
    this.#settleReady();
    this.#queued.length = 0;
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const waiter of pending) waiter.reject(this.#failure);
  }
}
