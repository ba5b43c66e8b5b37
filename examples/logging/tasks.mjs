// The task module of docs/logging.md's examples.
import { defineTasks, getLogger, logToStderr } from '@procpool/core';

export const { square, startLogging } = defineTasks(import.meta.url, {
  square: (x) => {
    getLogger().info(`squaring ${x}`); // one comparison, and no line, unless logging is on
    return x * x;
  },
  startLogging: (level) => {
    logToStderr(level); // a worker's logger starts off, like any process's
  },
});
