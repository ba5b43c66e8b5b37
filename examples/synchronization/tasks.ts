// The task module of docs/synchronization.md's examples.
import { Barrier, defineTasks, Lock, Value } from '@procpool/core';

export const { addOnes, meet, holdAndDie } = defineTasks(import.meta.url, {
  // Adds 1 to `counter` n times; the lock makes each get-then-set one step.
  addOnes: async (lock: Lock, counter: Value<'i'>, n: number) => {
    for (let i = 0; i < n; i += 1) {
      await using _ = await lock.hold();
      await counter.set((await counter.get()) + 1);
    }
  },
  meet: async (barrier: Barrier) => {
    await barrier.wait();
  },
  holdAndDie: async (lock: Lock) => {
    await lock.acquire();
    process.exit(1); // never releases it
  },
});
