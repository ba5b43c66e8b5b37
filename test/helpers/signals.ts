import net from 'node:net';
import path from 'node:path';
import { afterEach } from '@jest/globals';
import { tempDir } from './temp.js';

export interface Report {
  pid: number;
  value?: unknown;
}

/** A Unix socket that fixtures connect to when they start running. */
export interface SignalServer {
  readonly path: string;
  /** The next report, in arrival order. */
  next(): Promise<Report>;
}

const servers = new Set<net.Server>();

export async function signalServer(): Promise<SignalServer> {
  const socketPath = path.join(tempDir(), 'signal.sock');
  const reports: Report[] = [];
  const waiting: Array<(report: Report) => void> = [];
  const server = net.createServer((socket) => {
    let text = '';
    socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
    socket.on('end', () => {
      const report = JSON.parse(text) as Report;
      const waiter = waiting.shift();
      if (waiter === undefined) reports.push(report);
      else waiter(report);
    });
  });
  servers.add(server);
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return {
    path: socketPath,
    next: () => {
      const report = reports.shift();
      return report === undefined ? new Promise((resolve) => waiting.push(resolve)) : Promise.resolve(report);
    },
  };
}

afterEach(async () => {
  await Promise.all([...servers].map((server) => new Promise((resolve) => server.close(resolve))));
  servers.clear();
});
