// @ts-check
// Hand-written baselines, measured in the same run as the pools: what the
// transport and the OS allow before any pool logic.
import { fork, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const READER = fileURLToPath(new URL('./raw-frames.cjs', import.meta.url));
const SINK = fileURLToPath(new URL('./raw-sink.cjs', import.meta.url));
/** @type {(onFrames: (data: Buffer, end: number) => void) => (chunk: Buffer) => void} */
const frameReader = createRequire(import.meta.url)(READER);

const CHILD = `
const net = require('node:net');
const mode = process.argv[1];
if (mode === 'ipc') {
  process.on('message', (m) => process.send(m));
} else if (mode === 'once') {
  process.on('message', (m) => { process.send(m); process.disconnect(); });
} else {
  const pipe = new net.Socket({ fd: 3, readable: true, writable: true });
  const asStrings = mode === 'pipe-strings';
  pipe.on('data', require(process.argv[2])((data, end) => {
    if (end === 0) return;
    if (!asStrings) return pipe.write(data.subarray(0, end));
    // What any pool must do with a string: decode it, and encode the answer again.
    for (let at = 0; at < end; ) {
      const next = at + 4 + data.readUInt32LE(at);
      const text = data.toString('utf8', at + 4, next);
      const body = Buffer.from(text, 'utf8');
      const head = Buffer.allocUnsafe(4);
      head.writeUInt32LE(body.length, 0);
      pipe.write(Buffer.concat([head, body]));
      at = next;
    }
  }));
  pipe.on('end', () => process.exit(0));
}
`;

/**
 * A child echoing `process.send` messages (JSON or advanced serialization).
 * @param {import('node:child_process').SerializationType} serialization
 */
export async function ipcChild(serialization) {
  const child = fork('-e', [CHILD, 'ipc'], { serialization, execArgv: [] });
  await new Promise((resolve) => child.once('spawn', resolve));
  return {
    /** @param {import('node:child_process').Serializable} message */
    roundTrip: (message) =>
      new Promise((resolve) => {
        child.once('message', resolve);
        child.send(message);
      }),
    /** @param {number} count @param {import('node:child_process').Serializable} message @returns {Promise<void>} */
    pipelined: (count, message) =>
      new Promise((resolve) => {
        let left = count;
        const onMessage = () => {
          left -= 1;
          if (left === 0) {
            child.off('message', onMessage);
            resolve();
          }
        };
        child.on('message', onMessage);
        for (let i = 0; i < count; i += 1) child.send(message);
      }),
    close: () => child.kill('SIGKILL'),
  };
}

/**
 * A child echoing length-prefixed frames on its own fd-3 pipe (decoding and re-encoding them as UTF-8 text with `strings`).
 * @param {{ strings?: boolean }} [options]
 */
export async function pipeChild({ strings = false } = {}) {
  const child = spawn(process.execPath, ['-e', CHILD, strings ? 'pipe-strings' : 'pipe', READER], {
    stdio: ['ignore', 'inherit', 'inherit', 'pipe'],
  });
  const pipe = /** @type {import('node:net').Socket} */ (child.stdio[3]);
  /** @type {Array<(answer: Buffer) => void>} */
  const waiting = [];
  pipe.on(
    'data',
    frameReader((data, end) => {
      for (let at = 0; at < end;) {
        const next = at + 4 + data.readUInt32LE(at);
        waiting.shift()?.(data.subarray(at + 4, next));
        at = next;
      }
    }),
  );
  /** @param {string | Buffer} payload */
  const frame = (payload) => {
    const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
    const head = Buffer.allocUnsafe(4);
    head.writeUInt32LE(body.length, 0);
    return Buffer.concat([head, body]);
  };
  return {
    /** @param {string | Buffer} payload @returns {Promise<Buffer>} */
    roundTrip: (payload) =>
      new Promise((resolve) => {
        waiting.push(resolve);
        pipe.write(frame(payload));
      }),
    /** @param {number} count @param {string | Buffer} payload */
    pipelined: (count, payload) => {
      const one = frame(payload);
      const all = Buffer.concat(Array.from({ length: count }, () => one));
      const done = Array.from({ length: count }, () => new Promise((resolve) => waiting.push(resolve)));
      pipe.write(all);
      return Promise.all(done);
    },
    close: () => child.kill('SIGKILL'),
  };
}

/**
 * Fork a child, send one message, get it back: the floor of a new worker per task.
 * @param {number} message
 */
function forkOnce(message) {
  return new Promise((resolve, reject) => {
    const child = fork('-e', [CHILD, 'once'], { execArgv: [] });
    child.once('message', (reply) => resolve(reply));
    child.once('error', reject);
    child.send(message);
  });
}

/**
 * `count` messages, each to a freshly forked child, `lanes` children at a time.
 * @param {number} count
 * @param {number} lanes
 */
export async function forkPerTask(count, lanes) {
  let next = 0;
  const lane = async () => {
    while (next < count) {
      next += 1;
      await forkOnce(next);
    }
  };
  await Promise.all(Array.from({ length: lanes }, lane));
}

/**
 * Fork a child that does nothing and wait until it has exited and its IPC
 * channel has closed: the floor of a Process's start → join.
 * @returns {Promise<void>}
 */
export function forkAndExit() {
  return new Promise((resolve, reject) => {
    const child = fork('-e', ['0'], { execArgv: [] });
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`the child exited with ${code}`))));
  });
}

/**
 * A child reading Python's framing by hand from a Unix socket pair (its fd 3):
 * J's baseline, the floor under a Connection's throughput. `onread`: reading
 * each long message straight into its Buffer rather than copying it from 'data' chunks.
 */
export function rawSink({ onread = false } = {}) {
  const child = spawn(process.execPath, [SINK, ...(onread ? ['onread'] : [])], {
    stdio: ['ignore', 'inherit', 'inherit', 'pipe'],
  });
  const socket = /** @type {import('node:net').Socket} */ (child.stdio[3]);
  /** @type {Buffer[]} */
  let replies = [];
  /** @type {(() => void) | null} */
  let onReply = null;
  socket.on('data', (chunk) => {
    replies.push(chunk);
    onReply?.();
  });
  /** @param {Buffer} body */
  const head = (body) => {
    const bytes = Buffer.allocUnsafe(4);
    bytes.writeInt32BE(body.length, 0);
    return bytes;
  };
  /** The reply to an empty message: the child's count of bytes received, once it has all arrived. */
  const count = () =>
    new Promise((resolve) => {
      onReply = () => {
        const data = Buffer.concat(replies);
        if (data.length < 4 || data.length < 4 + data.readInt32BE(0)) return;
        onReply = null;
        replies = [];
        resolve(Number(data.subarray(4).toString()));
      };
      onReply();
    });
  return {
    /** Writes `body` as one message; resolves once the socket can take more. @param {Buffer} body */
    send: async (body) => {
      socket.write(head(body));
      if (!socket.write(body)) await new Promise((resolve) => socket.once('drain', resolve));
    },
    /** @returns {Promise<number>} */
    count: () => {
      const empty = Buffer.alloc(0);
      socket.write(head(empty));
      return /** @type {Promise<number>} */ (count());
    },
    close: () => child.kill('SIGKILL'),
  };
}

/**
 * Time for `node -e 0`, in ms.
 * @returns {Promise<number>}
 */
export function nodeStart(env = process.env) {
  const start = performance.now();
  return new Promise((resolve) => {
    spawn(process.execPath, ['-e', '0'], { stdio: 'ignore', env }).once('exit', () =>
      resolve(performance.now() - start),
    );
  });
}
