// procpool's Process targets for K and M: what CPython's side does in
// python/shared_state_bench.py, the same items in the same order.
const { defineTasks } = require('@procpool/core');

const ITEM = { id: 1, name: 'small', ok: true };

module.exports = defineTasks(__filename, {
  // Puts `total` items, then waits until all have reached the queue (Python's join_thread).
  producer: async (queue, total) => {
    for (let i = 0; i < total; i += 1) await queue.put({ ...ITEM, id: i });
    queue.close();
    await queue.joinThread();
  },
  // Gets `warm` items and acks, then `count` more and acks again.
  consumer: async (queue, acks, warm, count) => {
    for (let i = 0; i < warm; i += 1) await queue.get();
    await acks.put(warm);
    for (let i = 0; i < count; i += 1) await queue.get();
    await acks.put(count);
    acks.close();
    await acks.joinThread();
  },
  // Sends back the µs per acquire+release of `count` after `warm` unmeasured.
  lockLoop: async (lock, conn, warm, count) => {
    for (let i = 0; i < warm; i += 1) {
      await lock.acquire();
      await lock.release();
    }
    const start = performance.now();
    for (let i = 0; i < count; i += 1) {
      await lock.acquire();
      await lock.release();
    }
    conn.send(((performance.now() - start) * 1000) / count);
    await conn.drain();
  },
});
