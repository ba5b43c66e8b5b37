// @ts-check
// Connection against what it replaces, between two processes over a Unix socket:
//   round trip   a small message there and back: Connection send/recv, a raw
//                socket with the same 4-byte framing by hand, CPython's Pipe
//                between two processes (if python3 is on PATH)
//   throughput   1 MiB messages one way: sendBytes/recvBytes against raw
//                socket writes the reader counts; the Connection reading a
//                socket a server accepted (through 'data' events), and one
//                from Client() (a socket it made, read through onread)
//   node probes/connection.mjs [round trips, default 20000] [MiB, default 2000]
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { Client, Connection } from '@procpool/core';

const ROUNDS = Number(process.argv[2] ?? 20_000);
const MIB = Number(process.argv[3] ?? 2000);
const [role, kind, socketPath] = process.argv.slice(4);

/** @param {string} where */
const connect = (where) =>
  new Promise((resolve) => {
    const socket = net.connect(where, () => resolve(socket));
  });

/** Sends MIB messages of 1 MiB, then closes. @param {Connection} conn */
const sendMiB = async (conn) => {
  const chunk = Buffer.alloc(2 ** 20, 1);
  for (let i = 0; i < MIB; i += 1) {
    conn.sendBytes(chunk);
    if (i % 8 === 7) await conn.drain();
  }
  conn.close();
};

// The child's side: echo (round trip) or write MIB messages of 1 MiB (throughput).
if (role === 'child' && kind === 'conn-bytes-server') {
  // The parent connects with Client(): 'listening' on stdout says when it can.
  const server = net.createServer((socket) => {
    server.close();
    void sendMiB(Connection.fromSocket(socket, { readable: true, writable: true }));
  });
  server.listen(socketPath, () => process.stdout.write('listening\n'));
} else if (role === 'child') {
  const socket = /** @type {net.Socket} */ (await connect(socketPath ?? ''));
  if (kind === 'conn-echo') {
    const conn = Connection.fromSocket(socket, { readable: true, writable: true });
    for (;;) conn.send(await conn.recv().catch(() => process.exit(0)));
  } else if (kind === 'raw-echo') {
    socket.on('data', (chunk) => socket.write(chunk)); // one frame in, the same out
    socket.on('end', () => process.exit(0));
  } else if (kind === 'conn-bytes') {
    await sendMiB(Connection.fromSocket(socket, { readable: true, writable: true }));
  } else if (kind === 'raw-bytes') {
    const chunk = Buffer.alloc(2 ** 20, 1);
    for (let i = 0; i < MIB; i += 1) if (!socket.write(chunk)) await new Promise((r) => socket.once('drain', r));
    socket.end();
  }
} else {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'procpool-probe-'));
  // Removed on every way out, a round that throws included.
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  /** @param {string} childKind @param {(socket: net.Socket) => Promise<void>} body */
  const withChild = async (childKind, body) => {
    const where = path.join(dir, childKind);
    const server = net.createServer();
    await new Promise((resolve) => server.listen(where, () => resolve(undefined)));
    const args = [process.argv[1] ?? '', String(ROUNDS), String(MIB), 'child', childKind, where];
    const child = spawn(process.execPath, args, { stdio: 'inherit' });
    const socket = await new Promise((resolve) => server.once('connection', resolve));
    server.close();
    await body(/** @type {net.Socket} */ (socket));
    await new Promise((resolve) => child.once('exit', resolve));
  };
  const time = async (/** @type {() => Promise<void>} */ run) => {
    const start = process.hrtime.bigint();
    await run();
    return Number(process.hrtime.bigint() - start) / 1e9;
  };

  /** @type {Record<string, number | string>} */
  const results = {};
  await withChild('conn-echo', async (socket) => {
    const conn = Connection.fromSocket(socket, { readable: true, writable: true });
    for (let i = 0; i < 1000; i += 1) (conn.send(i), await conn.recv()); // warm-up
    const s = await time(async () => {
      for (let i = 0; i < ROUNDS; i += 1) {
        conn.send(i);
        await conn.recv();
      }
    });
    results['round trip, Connection (µs)'] = (s / ROUNDS) * 1e6;
    conn.close();
  });
  await withChild('raw-echo', async (socket) => {
    const frame = Buffer.from([0, 0, 0, 2, 0x4a, 0x31]); // what send(1) writes
    const once = () =>
      new Promise((resolve) => {
        socket.once('data', resolve);
        socket.write(frame);
      });
    for (let i = 0; i < 1000; i += 1) await once();
    const s = await time(async () => {
      for (let i = 0; i < ROUNDS; i += 1) await once();
    });
    results['round trip, raw socket (µs)'] = (s / ROUNDS) * 1e6;
    socket.end();
  });
  try {
    const script = [
      'import time',
      'from multiprocessing import Pipe, Process',
      'def echo(c, other):',
      '    other.close()',
      '    while True:',
      '        try: c.send(c.recv())',
      '        except EOFError: return',
      'if __name__ == "__main__":',
      '    a, b = Pipe()',
      '    p = Process(target=echo, args=(b, a)); p.start(); b.close()',
      '    for i in range(1000): a.send(i); a.recv()',
      '    t = time.perf_counter()',
      `    for i in range(${ROUNDS}): a.send(i); a.recv()`,
      `    print((time.perf_counter() - t) / ${ROUNDS} * 1e6)`,
      '    a.close(); p.join()',
    ].join('\n');
    results["round trip, CPython's Pipe (µs)"] = Number(execFileSync('python3', ['-c', script], { encoding: 'utf8' }));
  } catch {
    results["round trip, CPython's Pipe (µs)"] = 'no python3';
  }
  await withChild('conn-bytes', async (socket) => {
    const conn = Connection.fromSocket(socket, { readable: true, writable: true });
    const s = await time(async () => {
      for (let i = 0; i < MIB; i += 1) await conn.recvBytes();
    });
    results['1 MiB sendBytes, Connection (MiB/s)'] = MIB / s;
    conn.close();
  });
  {
    const where = path.join(dir, 'conn-bytes-server');
    const args = [process.argv[1] ?? '', String(ROUNDS), String(MIB), 'child', 'conn-bytes-server', where];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    await once(/** @type {import('node:stream').Readable} */ (child.stdout), 'data');
    const conn = await Client(where);
    const s = await time(async () => {
      for (let i = 0; i < MIB; i += 1) await conn.recvBytes();
    });
    results['1 MiB sendBytes, Connection from Client(), onread (MiB/s)'] = MIB / s;
    conn.close();
    await once(child, 'exit');
  }
  await withChild('raw-bytes', async (socket) => {
    const s = await time(
      () =>
        new Promise((resolve) => {
          let bytes = 0;
          socket.on('data', (chunk) => {
            bytes += chunk.length;
            if (bytes === MIB * 2 ** 20) resolve();
          });
        }),
    );
    results['1 MiB writes, raw socket (MiB/s)'] = MIB / s;
  });
  console.table(results);
}
