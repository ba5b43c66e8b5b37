// A's floor for any pool on a pipe: a hand-written pool that does the least a
// pool must do per call (an id, a map of pending calls, a JSON body each way,
// a promise), against procpool and process.send, measured as A measures
// (pinned apart, warm, blocks of round trips in turns). Its three variants
// differ only in how each side reads:
//   - streams: 'data' events on both sides;
//   - worker onread: the child reads through net.Socket's `onread` option,
//     the parent through 'data' (how procpool reads now);
//   - onread both: the parent's end too, which it can only get by connecting
//     to a Unix socket server of its own and passing the accepted end to
//     the child as fd 3 (child_process makes the parent's end of a 'pipe'
//     itself, without `onread`).
//   node probes/least-pool.mjs [block size, default 200 as in A]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Pool } from '@procpool/core';
import { ipcChild } from '../baselines.mjs';
import { pinApart } from '../processes.mjs';
import tasks from './tasks.cjs';

const READER = fileURLToPath(new URL('../raw-frames.cjs', import.meta.url));
const TASKS = fileURLToPath(new URL('./tasks.cjs', import.meta.url));
const frameReader = createRequire(import.meta.url)(READER);

// Frame: u32 length | u32 id | u8 name length | name | JSON of the arguments;
// answer: u32 length | u32 id | JSON of the value.
const CHILD = `
const net = require('node:net');
const [mode, reader, tasksFile] = process.argv.slice(1);
const tasks = require(tasksFile);
const onFrames = require(reader)((data, end) => {
  for (let at = 0; at < end; ) {
    const next = at + 4 + data.readUInt32LE(at);
    const nameEnd = at + 9 + data[at + 8];
    const args = JSON.parse(data.toString('utf8', nameEnd, next));
    const body = JSON.stringify(tasks[data.toString('latin1', at + 9, nameEnd)](...args));
    const out = Buffer.allocUnsafe(8 + Buffer.byteLength(body));
    out.writeUInt32LE(out.length - 4, 0);
    out.writeUInt32LE(data.readUInt32LE(at + 4), 4);
    out.write(body, 8);
    pipe.write(out);
    at = next;
  }
});
const buffer = Buffer.allocUnsafe(65536);
// The reader keeps a partial frame's bytes: what it is given must not be reused.
const onread = { buffer, callback: (n) => onFrames(Buffer.from(buffer.subarray(0, n))) };
const pipe = new net.Socket({ fd: 3, readable: true, writable: true, ...(mode === 'onread' ? { onread } : {}) });
if (mode !== 'onread') pipe.on('data', onFrames);
pipe.on('end', () => process.exit(0));
`;

function leastPool(childReads, parentReads) {
  const pending = new Map();
  let nextId = 1;
  const onFrames = frameReader((data, end) => {
    for (let at = 0; at < end;) {
      const next = at + 4 + data.readUInt32LE(at);
      const id = data.readUInt32LE(at + 4);
      pending.get(id)(JSON.parse(data.toString('utf8', at + 8, next)));
      pending.delete(id);
      at = next;
    }
  });
  const args = ['-e', CHILD, childReads, READER, TASKS];
  let pipe;
  let cleanup = () => {};
  let started;
  if (parentReads === 'onread') {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'least-pool-'));
    const server = net.createServer();
    const buffer = Buffer.allocUnsafe(65536);
    started = new Promise((resolve) => server.listen(path.join(dir, 's'), resolve)).then(async () => {
      const accepted = new Promise((resolve) => server.once('connection', resolve));
      pipe = net.connect({
        path: path.join(dir, 's'),
        onread: { buffer, callback: (n) => onFrames(Buffer.from(buffer.subarray(0, n))) },
      });
      const theirs = await accepted;
      const child = spawn(process.execPath, args, { stdio: ['ignore', 'inherit', 'inherit', theirs] });
      theirs.destroy();
      server.close();
      rmSync(dir, { recursive: true, force: true });
      cleanup = () => child.kill('SIGKILL');
    });
  } else {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'inherit', 'inherit', 'pipe'] });
    pipe = child.stdio[3];
    pipe.on('data', onFrames);
    cleanup = () => child.kill('SIGKILL');
    started = Promise.resolve();
  }
  const apply = (name, argList) =>
    new Promise((resolve) => {
      const id = nextId;
      nextId += 1;
      pending.set(id, resolve);
      const body = JSON.stringify(argList);
      const out = Buffer.allocUnsafe(9 + name.length + Buffer.byteLength(body));
      out.writeUInt32LE(out.length - 4, 0);
      out.writeUInt32LE(id, 4);
      out[8] = name.length;
      out.write(name, 9, 'latin1');
      out.write(body, 9 + name.length);
      pipe.write(out);
    });
  return started.then(() => ({ apply, close: () => cleanup() }));
}

const size = Number(process.argv[2] ?? 200);
const pool = new Pool({ processes: 1 });
const child = await ipcChild('json');
const least = {
  streams: await leastPool('stream', 'stream'),
  'worker onread': await leastPool('onread', 'stream'),
  'onread both': await leastPool('onread', 'onread'),
};
const calls = {
  'process.send': (i) => child.roundTrip(i),
  procpool: (i) => pool.apply(tasks.noop, [i]),
  ...Object.fromEntries(Object.entries(least).map(([name, p]) => [`least pool, ${name}`, (i) => p.apply('noop', [i])])),
};
for (const call of Object.values(calls)) for (let i = 0; i < 3000; i += 1) await call(i);
pinApart();
const total = Object.fromEntries(Object.keys(calls).map((name) => [name, 0]));
const rounds = Math.max(4, Math.round(10_000 / size));
for (let round = 0; round < rounds; round += 1) {
  const order = Object.entries(calls);
  if (round % 2 === 1) order.reverse();
  for (const [name, call] of order) {
    const start = performance.now();
    for (let i = 0; i < size; i += 1) await call(i);
    total[name] += performance.now() - start;
  }
}
for (const name of Object.keys(calls)) {
  const micros = ((total[name] * 1000) / (rounds * size)).toFixed(1);
  console.log(`${name.padEnd(28)} ${micros} µs, ${(total[name] / total['process.send']).toFixed(3)}× process.send`);
}
child.close();
for (const p of Object.values(least)) p.close();
await pool.terminate();
