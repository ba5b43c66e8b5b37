// Python's remote-queue example: another process, or another host, puts to that queue.
import { BaseManager } from '@procpool/core';

const port = Number(process.argv[2] ?? 50000);
class QueueManager extends BaseManager {}
QueueManager.register('getQueue'); // no callable: this side only asks the server for one

const manager = new QueueManager({ address: ['127.0.0.1', port], authkey: Buffer.from('abracadabra') });
await manager.connect();
const queue = await manager.getQueue();
await queue.put('hello');
queue.close();
await queue.joinThread(); // 'hello' has arrived: this process may exit now
