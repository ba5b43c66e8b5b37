// The task module of docs/logging.md's examples.
import { defineTasks, getLogger } from '@procpool/core';

export const { square } = defineTasks(import.meta.url, {
  square: (x) => {
    getLogger().info(`squaring ${x}`); // one comparison, and no line, unless logging is on
    return x * x;
  },
});
