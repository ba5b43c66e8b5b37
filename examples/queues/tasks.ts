// The task module of docs/queues.md's examples.
import { defineTasks, JoinableQueue, Queue } from '@procpool/core';

export const { produce, square, makeQueue } = defineTasks(import.meta.url, {
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
  // A queue that lives in this pool worker.
  makeQueue: async () => {
    const q = new Queue<string>();
    await q.put('made in a worker');
    return q;
  },
});
