// Python's remote-queue example: this process serves a queue of its own over TCP.
import { BaseManager, Queue } from '@procpool/core';

const port = Number(process.argv[2] ?? 50000);
const queue = new Queue();
class QueueManager extends BaseManager {}
QueueManager.register('getQueue', () => queue); // getServer() takes any function of this process

const manager = new QueueManager({ address: ['127.0.0.1', port], authkey: Buffer.from('abracadabra') });
const server = manager.getServer();
const serving = server.serveForever();
console.log('serving on port', (await server.ready())[1]);
console.log(await queue.get()); // hello (put by queue-client.mjs)
server.close(); // serveForever() resolves
await serving;
