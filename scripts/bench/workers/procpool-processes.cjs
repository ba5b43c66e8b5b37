// procpool's Process targets for H, I and J: what CPython's side does in
// python/multiprocessing_bench.py, the same protocol on the same messages.
const { defineTasks } = require('@procpool/core');

module.exports = defineTasks(__filename, {
  nothing: () => {},
  // null ends it, as the Python side's None does.
  echo: async (conn) => {
    for (let value = await conn.recv(); value !== null; value = await conn.recv()) conn.send(value);
  },
  // An empty message ends it.
  echoBytes: async (conn) => {
    for (let data = await conn.recvBytes(); data.length > 0; data = await conn.recvBytes()) conn.sendBytes(data);
  },
  // Counts the bytes that arrive; an empty message asks for the count so far, 'q' ends it.
  sink: async (conn) => {
    let received = 0;
    for (;;) {
      const data = await conn.recvBytes();
      if (data.length === 1 && data[0] === 0x71) return;
      if (data.length === 0) conn.sendBytes(Buffer.from(String(received)));
      else received += data.length;
    }
  },
});
