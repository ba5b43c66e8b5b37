import { EOFError, Pipe, Process, type Queue } from '@procpool/core';
import { lendQueue } from './tasks.js';

const [conn, childConn] = Pipe();
const child = new Process({ target: lendQueue, args: [childConn] });
child.start();
const q = await conn.recv<Queue<string>>(); // the queue lives in the child
console.log(await q.get()); // made in a child
const waiting = q.get().catch((error: unknown) => error); // nothing there: it waits
conn.send('you may go'); // the child exits, and the queue with it
await child.join();
const error = await waiting;
console.log(error instanceof EOFError); // true
console.log((error as EOFError).message); // The process that holds this shared object (Process-1 (pid 4242)) is gone: …
