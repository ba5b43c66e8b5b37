import net from 'node:net';
import path from 'node:path';
import { afterEach } from '@jest/globals';
import { Client, Connection, Pipe, type PipeOptions } from '@procpool/core';
import { tempDir } from './temp.js';

const opened = new Set<Connection | net.Socket | net.Server>();

/** A Pipe whose ends are closed after the test. */
export function pipe(options?: PipeOptions): [Connection, Connection] {
  const ends = Pipe(options);
  for (const end of ends) opened.add(end);
  return ends;
}

/** How a Connection reads its socket: 'data' events (a socket a server accepted) or our own `onread` (one we connect). */
export type Reads = 'data' | 'onread';
export const READS: Reads[] = ['data', 'onread'];

/**
 * A Connection whose peer is a plain socket the test reads and writes byte by
 * byte; `reads: 'onread'` makes the Connection with Client() (the peer is then
 * the accepted socket).
 */
export async function rawPeer(
  reads: Reads = 'data',
): Promise<{ conn: Connection; raw: net.Socket; read(bytes: number): Promise<Buffer> }> {
  const socketPath = path.join(tempDir(), 'raw.sock');
  const server = net.createServer();
  opened.add(server);
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  const accepted = new Promise<net.Socket>((resolve) => server.once('connection', resolve));
  let conn: Connection;
  let raw: net.Socket;
  if (reads === 'onread') {
    conn = await Client(socketPath);
    raw = await accepted;
  } else {
    raw = net.connect(socketPath);
    conn = Connection.fromSocket(await accepted, { readable: true, writable: true });
  }
  raw.on('error', () => {});
  opened.add(raw);
  opened.add(conn);
  server.close();
  let received = Buffer.alloc(0);
  const readers: Array<() => void> = [];
  raw.on('data', (chunk: Buffer) => {
    received = Buffer.concat([received, chunk]);
    for (const reader of readers.splice(0)) reader();
  });
  const read = async (bytes: number): Promise<Buffer> => {
    while (received.length < bytes) await new Promise<void>((resolve) => readers.push(resolve));
    const out = received.subarray(0, bytes);
    received = received.subarray(bytes);
    return out;
  };
  return { conn, raw, read };
}

afterEach(() => {
  for (const item of opened) {
    if (item instanceof Connection) item.close();
    else if (item instanceof net.Server) item.close();
    else item.destroy();
  }
  opened.clear();
});
