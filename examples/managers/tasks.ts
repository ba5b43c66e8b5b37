// The task module of docs/managers.md's examples.
import { defineTasks, type DictProxy, type Lock } from '@procpool/core';

export const { addOne } = defineTasks(import.meta.url, {
  // Runs in a pool worker; the dict and the lock live in the manager's process.
  addOne: async (d: DictProxy<string, number>, lock: Lock) => {
    await using _ = await lock.hold(); // get-then-set from several processes needs the lock
    await d.set('a', ((await d.get('a')) ?? 0) + 1);
  },
});
