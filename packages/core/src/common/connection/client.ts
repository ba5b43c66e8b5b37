import net from 'node:net';
import type { Address, Family } from './address.js';
import { answerChallenge, deliverChallenge } from './auth.js';
import { Connection } from './connection.js';
import { normalizeClientOptions, type ClientOptions } from './options.js';
import { SocketReads } from './socket-reading.js';

const ignore = (): void => {};

// Read through `reads`, and paused until the Connection has it.
function connect(address: Address, family: Family, reads: SocketReads): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const { onread } = reads;
    const socket =
      typeof address === 'string'
        ? net.connect({ path: address, onread })
        : net.connect({ host: address[0], port: address[1], family: family === 'AF_INET6' ? 6 : 4, onread });
    socket.pause();
    // Stays: no socket error may ever escape as an 'error' event.
    socket.on('error', ignore);
    const fail = (error: Error): void => {
      socket.destroy();
      reject(error);
    };
    socket.once('error', fail);
    socket.once('connect', () => {
      socket.off('error', fail);
      resolve(socket);
    });
  });
}

/**
 * Connects to a `Listener` (procpool's, or Python's
 * `multiprocessing.connection.Listener`) at `address`: a Unix socket path or
 * `[host, port]`. With `authkey`, both sides prove they know it before the
 * Connection is handed over (AuthenticationError if the keys differ).
 * Python's `Client()`; rejects with the OS error (`ECONNREFUSED`, `ENOENT`)
 * when nothing listens there.
 *
 * @example
 * const conn = await Client(['127.0.0.1', 6000], { authkey: Buffer.from('secret') });
 * conn.sendBytes(Buffer.from('hello'));
 */
export async function Client(address: Address, options?: ClientOptions): Promise<Connection> {
  const resolved = normalizeClientOptions(address, options);
  const reads = new SocketReads();
  const socket = await connect(resolved.address, resolved.family, reads);
  const connection = Connection.fromSocket(socket, { readable: true, writable: true }, reads);
  if (resolved.authkey === null) return connection;
  try {
    await answerChallenge(connection, resolved.authkey);
    await deliverChallenge(connection, resolved.authkey);
  } catch (error) {
    connection.close();
    throw error;
  }
  return connection;
}
