// J's baseline child: reads Python's framing (a 4-byte big-endian length, then
// the bytes) by hand from the socket pair on fd 3 and counts the bytes; an
// empty message asks for the count so far, 'q' ends it. What sink does in
// workers/procpool-processes.cjs, without procpool. Each message is gathered
// into one Buffer, as any reader handing out whole messages must: copied from
// the chunks of 'data' events (`node raw-sink.cjs`), or read straight into
// it through `onread` once its header is known (`node raw-sink.cjs onread`).
const net = require('node:net');

let received = 0;
const header = Buffer.alloc(4);
let headerFilled = 0;
/** @type {Buffer | null} the message being read, once its header has been */
let message = null;
let filled = 0;

/** @param {Buffer} whole */
function onMessage(whole) {
  if (whole.length === 1 && whole[0] === 0x71) process.exit(0);
  if (whole.length > 0) {
    received += whole.length;
    return;
  }
  const count = Buffer.from(String(received));
  const head = Buffer.alloc(4);
  head.writeInt32BE(count.length, 0);
  socket.write(Buffer.concat([head, count]));
}

/** Takes `chunk[0, end)`: headers and message bytes, copied. @param {Buffer} chunk @param {number} end */
function take(chunk, end) {
  for (let at = 0; at < end;) {
    if (message === null) {
      const n = Math.min(4 - headerFilled, end - at);
      chunk.copy(header, headerFilled, at, at + n);
      headerFilled += n;
      at += n;
      if (headerFilled < 4) return;
      headerFilled = 0;
      message = Buffer.allocUnsafe(header.readInt32BE(0));
      filled = 0;
    }
    const n = Math.min(message.length - filled, end - at);
    chunk.copy(message, filled, at, at + n);
    filled += n;
    at += n;
    if (filled === message.length) {
      const whole = message;
      message = null;
      onMessage(whole);
    }
  }
}

const CHUNK = 64 * 1024;
const scratch = Buffer.allocUnsafe(CHUNK);
const socket = new net.Socket({
  fd: 3,
  readable: true,
  writable: true,
  ...(process.argv[2] === 'onread'
    ? {
        onread: {
          // A long message's rest is read in place; headers and short messages through a scratch chunk.
          buffer: () => (message !== null && message.length - filled >= CHUNK ? message.subarray(filled) : scratch),
          callback: (/** @type {number} */ n, /** @type {Buffer} */ buffer) => {
            if (buffer === scratch) return take(scratch, n);
            filled += n;
            if (message !== null && filled === message.length) {
              const whole = message;
              message = null;
              onMessage(whole);
            }
          },
        },
      }
    : {}),
});
if (process.argv[2] !== 'onread') socket.on('data', (/** @type {Buffer} */ chunk) => take(chunk, chunk.length));
socket.on('end', () => process.exit(0));
