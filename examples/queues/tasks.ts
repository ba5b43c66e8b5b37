// The task module of docs/queues.md's examples.
import { defineTasks, JoinableQueue, Queue, type Connection } from '@procpool/core';

export const { produce, square, lendQueue } = defineTasks(import.meta.url, {
  // Puts n items, and makes sure they have all arrived before the child exits.
  produce: async (q: Queue<{ i: number }>, n: number) => {
    for (let i = 0; i < n; i += 1) await q.put({ i });
    q.close();
    await q.joinThread();
  },
  // Squares what it gets from `tasks` into `results` until it gets null.
  square: async (tasks: JoinableQueue<number | null>, results: Queue<number>) => {
    for (let n = await tasks.get(); n !== null; n = await tasks.get()) {
      await results.put(n * n);
      await tasks.taskDone();
    }
    await tasks.taskDone(); // the null
  },
  // Makes a queue, sends it to the parent, and exits when the parent says so.
  lendQueue: async (conn: Connection) => {
    const q = new Queue<string>();
    await q.put('made in a child');
    conn.send(q);
    await conn.recv();
  },
});
