import { EOFError, Pool } from '@procpool/core';
import { makeQueue } from './tasks.js';

const pool = new Pool(1);
const q = await pool.apply(makeQueue, []); // the queue lives in the worker
console.log(await q.get()); // made in a worker
const waiting = q.get().catch((error: unknown) => error); // nothing there yet: it waits
await pool.terminate(); // the worker, and the queue with it, is gone
const error = await waiting;
console.log(error instanceof EOFError); // true
console.log((error as EOFError).message); // The process that holds this shared object (PoolWorker-1 (pid 4242)) is gone: …
