import net from 'node:net';
import path from 'node:path';
import { afterEach } from '@jest/globals';
import { Connection, Pipe, type PipeOptions } from '@procpool/core';
import { tempDir } from './temp.js';

const opened = new Set<Connection | net.Socket | net.Server>();

/** A Pipe whose ends are closed after the test. */
export function pipe(options?: PipeOptions): [Connection, Connection] {
  const ends = Pipe(options);
  for (const end of ends) opened.add(end);
  return ends;
}

/** A Connection whose peer is a plain socket the test reads and writes byte by byte. */
export async function rawPeer(): Promise<{ conn: Connection; raw: net.Socket; read(bytes: number): Promise<Buffer> }> {
  const socketPath = path.join(tempDir(), 'raw.sock');
  const server = net.createServer();
  opened.add(server);
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  const accepted = new Promise<net.Socket>((resolve) => server.once('connection', resolve));
  const raw = net.connect(socketPath);
  raw.on('error', () => {});
  opened.add(raw);
  const conn = Connection.fromSocket(await accepted, { readable: true, writable: true });
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
