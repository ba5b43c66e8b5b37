// @ts-check
// One worker process of P and P2 (scenarios/distributed.mjs), a "machine" of
// its own: `node queue-worker.mjs bullmq|bullmq-inline|procpool <redis url> <queue>`.
// bullmq: BullMQ's Worker with the sandboxed processor file, concurrency 1
// (one child process); bullmq-inline: the same processor run in this process
// (no child); procpool: @procpool/bullmq's createWorker with a Pool
// of 1 process. Says 'ready' over IPC once connected; closes gracefully when
// told to; exits at once, its children killed, when the trial goes away.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { descendants } from '../processes.mjs';

const [kind, url = '', queue = ''] = process.argv.slice(2);
/** @type {() => Promise<unknown>} */
let close;
if (kind === 'bullmq' || kind === 'bullmq-inline') {
  const { Worker } = await import('bullmq');
  const { hostname, port } = new URL(url);
  const file = fileURLToPath(new URL('./bullmq-processor.cjs', import.meta.url));
  const processor = kind === 'bullmq' ? file : createRequire(import.meta.url)(file);
  const worker = new Worker(queue, processor, {
    connection: { host: hostname, port: Number(port) },
    concurrency: 1,
    useWorkerThreads: false,
  });
  worker.on('error', (error) => console.error(error));
  await worker.waitUntilReady();
  close = () => worker.close();
} else if (kind === 'procpool') {
  const { createWorker } = await import('@procpool/bullmq');
  const worker = await createWorker({ connection: url, queue, pool: 1 });
  close = () => worker.close();
} else {
  throw new Error(`usage: queue-worker.mjs bullmq|bullmq-inline|procpool <redis url> <queue>`);
}
let closing = false;
const stop = async () => {
  if (closing) return;
  closing = true;
  await close();
  process.exit(0);
};
process.on('message', stop);
// The trial died (its redis-server with it): nothing is left to finish, and a close would wait for Redis.
process.on('disconnect', () => {
  for (const { pid } of descendants())
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone already
    }
  process.exit(1);
});
process.send?.('ready');
