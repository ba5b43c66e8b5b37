// tasks.ts
import { currentProcess, defineTasks, type Connection } from '@procpool/core';

export const { greet } = defineTasks(import.meta.url, {
  greet: (name: string, conn: Connection) => conn.send(`hello ${name} from ${currentProcess().name}`),
});
