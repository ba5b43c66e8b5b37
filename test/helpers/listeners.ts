import net from 'node:net';
import { afterEach } from '@jest/globals';
import {
  Client,
  Listener,
  type Address,
  type ClientOptions,
  type Connection,
  type ListenerOptions,
} from '@procpool/core';

const listeners = new Set<Listener>();
const connections = new Set<Connection>();
const sockets = new Set<net.Socket>();

/** A Listener closed after the test. */
export function listen(address?: Address, options?: ListenerOptions): Listener {
  const listener = new Listener(address, options);
  listeners.add(listener);
  return listener;
}

/** Registers connections for closing after the test. */
export function track<C extends Connection>(connection: C): C {
  connections.add(connection);
  return connection;
}

/** A Client connection closed after the test. */
export async function connect(address: Address, options?: ClientOptions): Promise<Connection> {
  return track(await Client(address, options));
}

/** A plain socket to `address`, connected, destroyed after the test: a client that speaks no protocol. */
export async function rawSocket(address: Address): Promise<net.Socket> {
  const socket =
    typeof address === 'string' ? net.connect(address) : net.connect({ host: address[0], port: address[1] });
  sockets.add(socket);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return socket;
}

/** Everything `socket` receives until the other end closes it. */
export function readToEnd(socket: net.Socket): Promise<Buffer> {
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  return new Promise((resolve) => socket.once('close', () => resolve(Buffer.concat(chunks))));
}

/** Python's framing of one message. */
export function frame(bytes: Buffer): Buffer {
  const header = Buffer.alloc(4);
  header.writeInt32BE(bytes.length);
  return Buffer.concat([header, bytes]);
}

afterEach(() => {
  for (const socket of sockets) socket.destroy();
  for (const connection of connections) connection.close();
  for (const listener of listeners) listener.close();
  sockets.clear();
  connections.clear();
  listeners.clear();
});
