import net from 'node:net';
import { lazyDns } from '../builtins.js';
import { ProcessError } from '../errors.js';
import { removeAtExit } from '../temp-dir.js';
import { isAbstract, privateSocketPath, type Address, type Family, type TcpAddress } from './address.js';
import { answerChallenge, deliverChallenge } from './auth.js';
import { Connection } from './connection.js';
import { normalizeListenerOptions, type ListenerOptions } from './options.js';

interface Waiter {
  resolve(socket: net.Socket): void;
  reject(error: Error): void;
}

const ignore = (): void => {};
const closedError = (): ProcessError => new ProcessError('Listener is closed');

/**
 * A bound socket that accepts connections from `Client()`s, or from Python's
 * `multiprocessing.connection.Client`. Python's `Listener`.
 *
 * Listening starts at once; `ready()` says when it has (and on which port).
 * With an `authkey`, every client must prove it knows the key before
 * `accept()` resolves; a client that fails makes that `accept()` reject (as
 * Python's raises) and the next `accept()` serves the next client. The
 * listener does not keep Node alive while no `accept()` is waiting.
 *
 * @example
 * using listener = new Listener(['127.0.0.1', 0], { authkey });
 * const address = await listener.ready();
 * const conn = await listener.accept();
 */
export class Listener implements Disposable {
  // pauseOnConnect: nothing is read from a client before its accept(), so
  // unaccepted clients cost no memory beyond their socket.
  readonly #server = net.createServer({ pauseOnConnect: true });
  readonly #authkey: Buffer | null;
  readonly #ready: Promise<Address>;
  #settleReady: { resolve(address: Address): void; reject(error: Error): void } | undefined;
  #address: Address;
  #lastAccepted: TcpAddress | null = null;
  #failure: Error | null = null;
  #closed = false;
  #removeSocketFile: (() => void) | null = null;
  readonly #queued: net.Socket[] = [];
  readonly #waiters: Waiter[] = [];
  readonly #handshaking = new Set<net.Socket>();

  /**
   * @param address A Unix socket path, or `[host, port]` for TCP (port 0: any
   *   free port). Omitted: a socket in a new private (0700) temporary
   *   directory, removed on `close()` and at exit.
   */
  constructor(address?: Address | null, options?: ListenerOptions) {
    const { address: requested, family, backlog, authkey } = normalizeListenerOptions(address, options);
    this.#authkey = authkey;
    this.#ready = new Promise<Address>((resolve, reject) => (this.#settleReady = { resolve, reject }));
    this.#ready.catch(ignore); // a failure not asked about is still reported by accept()
    const server = this.#server;
    server.unref();
    server.on('connection', (socket: net.Socket) => this.#onConnection(socket));
    server.on('error', (error: Error) => this.#onError(error));
    server.once('listening', () => {
      const bound = server.address();
      if (typeof requested !== 'string' && requested !== null && bound !== null && typeof bound === 'object') {
        this.#address = [bound.address, bound.port];
      }
      this.#settleReady?.resolve(this.#address);
    });
    if (requested === null) {
      const { socketPath, remove } = privateSocketPath();
      this.#address = socketPath;
      this.#removeSocketFile = remove;
      this.#listenUnix(socketPath, backlog, false);
    } else if (typeof requested === 'string') {
      this.#address = requested;
      this.#listenUnix(requested, backlog, !isAbstract(requested));
    } else {
      this.#address = requested;
      this.#listenTcp(requested, family, backlog);
    }
  }

  /** Resolves with the bound address (the real port for port 0) once listening; rejects with the OS error (`EADDRINUSE`, …). */
  ready(): Promise<Address> {
    return this.#ready;
  }

  /** The address: the bound one once `ready()` resolved, the requested one before. */
  get address(): Address {
    return this.#address;
  }

  /** The TCP peer `[host, port]` of the last connection `accept()` took; null before and for Unix sockets. */
  get lastAccepted(): TcpAddress | null {
    return this.#lastAccepted;
  }

  /**
   * The next client's Connection, once it has authenticated (with an
   * `authkey`). Rejects with AuthenticationError when that client fails the
   * handshake, EOFError when it left during it, ProcessError for a message too
   * long to be a handshake message (that client is then dropped; the next
   * `accept()` serves the next one), and when the listener is or gets closed.
   */
  async accept(): Promise<Connection> {
    const socket = await this.#nextSocket();
    const { remoteAddress, remotePort } = socket;
    this.#lastAccepted = remoteAddress !== undefined && remotePort !== undefined ? [remoteAddress, remotePort] : null;
    const connection = Connection.fromSocket(socket, { readable: true, writable: true });
    if (this.#authkey === null) return connection;
    this.#handshaking.add(socket);
    try {
      await deliverChallenge(connection, this.#authkey);
      await answerChallenge(connection, this.#authkey);
    } catch (error) {
      connection.close(); // after a #FAILURE# we sent, which close() still delivers
      throw this.#closed ? closedError() : error;
    } finally {
      this.#handshaking.delete(socket);
    }
    if (this.#closed) {
      connection.close();
      throw closedError();
    }
    return connection;
  }

  /** Stops listening and removes the socket file; a pending `accept()` rejects, and clients not yet accepted are dropped. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#server.close();
    this.#removeSocketFile?.();
    for (const socket of this.#queued.splice(0)) socket.destroy();
    for (const socket of this.#handshaking) socket.destroy();
    const error = this.#failure ?? closedError();
    this.#settleReady?.reject(error);
    for (const waiter of this.#waiters.splice(0)) waiter.reject(error);
  }

  /** `close()`, for `using listener = new Listener()`. */
  [Symbol.dispose](): void {
    this.close();
  }

  #listenUnix(socketPath: string, backlog: number | undefined, ownsFile: boolean): void {
    // exclusive: in a cluster worker, bind here rather than share the primary's.
    this.#server.listen({ path: socketPath, exclusive: true, ...(backlog === undefined ? {} : { backlog }) });
    // A Unix socket binds synchronously: only a file we bound is ours to remove.
    if (ownsFile && this.#server.listening) this.#removeSocketFile = removeAtExit(socketPath, false);
  }

  #listenTcp([host, port]: TcpAddress, family: Family, backlog: number | undefined): void {
    const listen = (ip: string): void => {
      if (this.#closed) return;
      this.#server.listen({ host: ip, port, exclusive: true, ...(backlog === undefined ? {} : { backlog }) });
    };
    const v6 = family === 'AF_INET6';
    // As Python binds: '' is every interface; a name resolves in the family asked for.
    if (host === '') listen(v6 ? '::' : '0.0.0.0');
    else if (net.isIP(host) !== 0) listen(host);
    else
      lazyDns()
        .lookup(host, { family: v6 ? 6 : 4 })
        .then(
          ({ address }) => listen(address),
          (error: Error) => this.#onError(error),
        );
  }

  #onError(error: Error): void {
    if (this.#server.listening) {
      // accept(2) failed (EMFILE, …): the accept() waiting longest gets it, as Python's would raise it.
      this.#waiters.shift()?.reject(error);
      this.#updateRef();
      return;
    }
    if (this.#failure !== null || this.#closed) return;
    this.#failure = error;
    this.#removeSocketFile?.();
    this.#settleReady?.reject(error);
    for (const waiter of this.#waiters.splice(0)) waiter.reject(error);
    this.#updateRef();
  }

  #onConnection(socket: net.Socket): void {
    socket.on('error', ignore);
    if (this.#closed) {
      socket.destroy();
      return;
    }
    const waiter = this.#waiters.shift();
    if (waiter === undefined) this.#queued.push(socket);
    else waiter.resolve(socket);
    this.#updateRef();
  }

  #nextSocket(): Promise<net.Socket> {
    if (this.#closed) return Promise.reject(this.#failure ?? closedError());
    if (this.#failure !== null) return Promise.reject(this.#failure);
    const queued = this.#queued.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      this.#waiters.push({ resolve, reject });
      this.#updateRef();
    });
  }

  // Only a waiting accept() keeps Node alive, as an awaited promise should.
  #updateRef(): void {
    if (this.#waiters.length > 0) this.#server.ref();
    else this.#server.unref();
  }
}
