import { BaseManager } from '@procpool/core';

class MyManager extends BaseManager {}
// The server process imports the class by module and export name, and calls `new Counter()`.
MyManager.register('Counter', `${new URL('./counter.mjs', import.meta.url).href}#Counter`);

const manager = new MyManager();
await manager.start();
try {
  const counter = await manager.Counter(); // a proxy: its methods are Counter's, each async
  await counter.increment();
  console.log(await counter.increment(10)); // 11
  console.log(counter.typeid, await manager.objectCount()); // Counter 1
  counter[Symbol.dispose](); // the last proxy is released: the server frees the Counter
  console.log(await manager.objectCount()); // 0
} finally {
  await manager.shutdown();
}
