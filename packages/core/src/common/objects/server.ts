import net from 'node:net';

import { ProcessError } from '../errors.js';
import { privateSocketPath, type Address } from '../connection/address.js';
import { ObjectTable, type EntryOptions } from './object-table.js';
import type { Caller } from './referent.js';
import { checkRequest, REPLY_FAILED, REPLY_OK, SERVER_ID, type Request } from './protocol.js';
import { Wire } from './wire.js';

// Callers are told apart across every server of this process.
let callers = 0;
// The server whose answer is being encoded: a handle to an object of another
// server of this process travels as one of its own (see SharedObject[SHARED]).
let answering: ObjectServer | null = null;

function answeringAs(server: ObjectServer, send: () => void): void {
  answering = server;
  try {
    send();
  } finally {
    answering = null;
  }
}

/** The server encoding an answer now, if any. */
export const answeringServer = (): ObjectServer | null => answering;

const FRESH = Symbol('fresh handle');
/** An answer that is a handle made for it: released once sent (its transit holds the object). */
export const freshHandle = (handle: Disposable): object => ({ [FRESH]: handle });
const isFresh = (value: unknown): value is { [FRESH]: Disposable } =>
  typeof value === 'object' && value !== null && FRESH in value;

/** How long a connection may take to authenticate before it is dropped, unless told otherwise. */
const HANDSHAKE_MS = 20_000;

/** One authenticated client connection: one process. */
interface Client {
  readonly wire: Wire;
  readonly caller: { id: string; name: string };
  /** The handles its process holds, by object id. */
  readonly holds: Map<number, number>;
  /** The objects it has called: each hears callerGone when it leaves. */
  readonly touched: Set<number>;
}

/** Methods of the server itself (object 0) a manager adds: create, typeids, … */
type ServerMethods = Record<string, (client: Caller, ...args: unknown[]) => unknown>;

/**
 * An ObjectTable on a socket: runs its objects' exposed methods for clients
 * that proved they know the authkey, and counts each client's handles (all
 * of them go when it leaves). Hosted in the process that created its objects
 * (queues, locks, values) or in a manager's server process; the protocol is
 * the same.
 */
export class ObjectServer extends ObjectTable {
  readonly #authkey: Uint8Array;
  readonly #clients = new Set<Client>();
  // Connections still in their handshake: close() drops them too.
  readonly #handshaking = new Set<Wire>();
  #server: net.Server | null = null;
  #listening: Promise<Address> | null = null;
  #address: Address | null = null;
  #removeSocketDir: (() => void) | null = null;
  #closed = false;
  readonly #methods: ServerMethods;
  readonly #closeListeners: (() => void)[] = [];
  readonly #handshakeMs: number;

  /** `handshakeMs`: how long a connection may take to authenticate before it is dropped. */
  constructor(authkey: Uint8Array, methods: ServerMethods = {}, handshakeMs = HANDSHAKE_MS) {
    super();
    this.#authkey = authkey;
    this.#methods = methods;
    this.#handshakeMs = handshakeMs;
  }

  /**
   * Starts listening at `requested` (a private Unix socket when omitted);
   * resolves with the bound address (the real port for port 0). A Unix
   * socket's address is `address` at once.
   */
  listen(requested?: Address): Promise<Address> {
    if (this.#listening !== null) return this.#listening;
    const server = net.createServer((socket) => this.#accept(socket));
    this.#server = server;
    server.unref();
    let address: Address;
    if (requested === undefined) {
      const { socketPath, remove } = privateSocketPath();
      this.#removeSocketDir = remove;
      address = socketPath;
    } else {
      address = requested;
    }
    this.#listening = new Promise<Address>((resolve, reject) => {
      server.once('error', reject);
      server.once('listening', () => {
        server.off('error', reject);
        server.on('error', () => {}); // accept(2) failures: nothing to do but go on
        const bound = server.address();
        if (typeof address !== 'string' && bound !== null && typeof bound === 'object') {
          this.#address = [address[0], bound.port];
        }
        resolve(this.#address as Address);
      });
      if (typeof address === 'string') server.listen({ path: address, exclusive: true });
      else server.listen({ host: address[0], port: address[1], exclusive: true });
    });
    if (typeof address === 'string') this.#address = address;
    return this.#listening;
  }

  /** Where clients reach it: null until listen() (a TCP address: until it resolves). */
  get address(): Address | null {
    return this.#address;
  }

  /** Keeps Node running until the server closes (Python's serve_forever). */
  keepAlive(): void {
    this.#server?.ref();
  }

  /** Adds `referent` with no handle yet; its id. */
  override add(referent: object, options: EntryOptions): number {
    if (this.#closed) throw new ProcessError('The object server has shut down');
    return super.add(referent, options);
  }

  /** `listener` runs once when it closes. */
  onClose(listener: () => void): void {
    this.#closeListeners.push(listener);
  }

  /** Stops serving: every client is disconnected (after the answers queued for it) and every object freed. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const listener of this.#closeListeners.splice(0)) listener();
    this.#server?.close();
    this.#removeSocketDir?.();
    for (const client of this.#clients) client.wire.close();
    for (const wire of this.#handshaking) wire.destroy();
    this.freeAll(new ProcessError('The object server has shut down'));
  }

  get closed(): boolean {
    return this.#closed;
  }

  #accept(socket: net.Socket): void {
    socket.unref();
    if (this.#closed) {
      socket.destroy();
      return;
    }
    const wire = new Wire(socket);
    const client: Client = {
      wire,
      caller: { id: `c${(callers += 1)}`, name: 'a client' },
      holds: new Map(),
      touched: new Set(),
    };
    const timer = setTimeout(() => wire.destroy(), this.#handshakeMs).unref();
    this.#handshaking.add(wire);
    wire.authenticate('server', this.#authkey).then(
      () => {
        clearTimeout(timer);
        this.#handshaking.delete(wire);
        if (wire.closed || this.#closed) {
          wire.destroy();
          return;
        }
        this.#clients.add(client);
        wire.onClose(() => this.#clientGone(client));
        wire.startMessages((message) => this.#onRequest(client, message));
        // The client sends nothing before this: its first requests never reach the handshake's reader.
        // It names the address as this server knows it, which the client may know by another ('0.0.0.0').
        wire.send([0, REPLY_OK, this.#address]);
      },
      () => {
        clearTimeout(timer);
        this.#handshaking.delete(wire);
        wire.close(); // after the #FAILURE# the handshake sent
      },
    );
  }

  #onRequest(client: Client, message: unknown): void {
    const request = checkRequest(message);
    if (request === null) {
      // Not what a procpool client sends: that connection goes, nothing else does.
      client.wire.destroy();
      return;
    }
    if (request.id === SERVER_ID) this.#serverRequest(client, request);
    else this.#objectRequest(client, request);
  }

  #objectRequest(client: Client, { callId, id, method, args }: Request): void {
    let answer: unknown;
    try {
      // Only objects it was handed: an id it guessed runs nothing.
      if (!client.holds.has(id)) {
        throw new ProcessError(`No shared object ${id} was handed to this process (or it released every handle)`);
      }
      client.touched.add(id);
      answer = this.invoke(client.caller, id, method, args);
    } catch (error) {
      this.#reply(client, callId, REPLY_FAILED, error);
      return;
    }
    // Most answers are ready at once (a put, a get of a queued item): no Promise for them.
    if (!(answer instanceof Promise)) {
      this.#reply(client, callId, REPLY_OK, answer);
      return;
    }
    answer.then(
      (value) => this.#reply(client, callId, REPLY_OK, value),
      (error: unknown) => this.#reply(client, callId, REPLY_FAILED, error),
    );
  }

  #serverRequest(client: Client, { callId, method, args }: Request): void {
    const [first, second] = args;
    let value: unknown;
    try {
      switch (method) {
        case 'hello':
          client.caller.name = typeof first === 'string' ? first.slice(0, 200) : client.caller.name;
          break;
        case 'hold':
          if (typeof first === 'number' && this.hold(first, typeof second === 'string' ? second : null)) {
            client.holds.set(first, (client.holds.get(first) ?? 0) + 1);
          }
          break;
        case 'drop':
          if (typeof first === 'number' && (client.holds.get(first) ?? 0) > 0) {
            const left = (client.holds.get(first) as number) - 1;
            if (left === 0) client.holds.delete(first);
            else client.holds.set(first, left);
            this.drop(first);
          }
          break;
        case 'transit':
          if (typeof first === 'number' && typeof second === 'string') this.transit(first, second);
          break;
        case 'untransit':
          if (typeof first === 'number' && typeof second === 'string') this.untransit(first, second);
          break;
        case 'sync':
          break;
        case 'bye':
          // Its process is leaving: what it holds goes now, in order with the requests
          // before, rather than when its connection's end is read (after others' requests).
          this.#release(client);
          break;
        case 'objectCount':
          value = this.countAfterCollecting();
          break;
        default: {
          const fn = Object.hasOwn(this.#methods, method) ? this.#methods[method] : undefined;
          if (fn === undefined) throw new ProcessError(`The object server has no method '${method}'`);
          value = fn(client.caller, ...args);
        }
      }
    } catch (error) {
      this.#reply(client, callId, REPLY_FAILED, error);
      return;
    }
    Promise.resolve(value).then(
      (settled) => this.#reply(client, callId, REPLY_OK, settled),
      (error: unknown) => this.#reply(client, callId, REPLY_FAILED, error),
    );
  }

  #reply(client: Client, callId: number, status: number, value: unknown): void {
    const fresh = isFresh(value) ? value[FRESH] : null;
    if (callId !== 0 && !client.wire.closed) {
      answeringAs(this, () => {
        try {
          const answer = fresh ?? value;
          // No third element for undefined: the answer stays plain JSON, the codec's fast path.
          client.wire.send(answer === undefined ? [callId, status] : [callId, status, answer]);
        } catch (error) {
          // The answer cannot be encoded (a method returned a function): the caller hears why.
          client.wire.send([callId, REPLY_FAILED, error]);
        }
      });
    }
    fresh?.[Symbol.dispose]();
  }

  #clientGone(client: Client): void {
    this.#clients.delete(client);
    this.#release(client);
  }

  #release(client: Client): void {
    this.callerGone(client.caller, client.touched, client.holds);
    client.touched.clear();
    client.holds.clear();
  }
}
