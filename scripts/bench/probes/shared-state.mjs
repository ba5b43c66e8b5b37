// @ts-check
// K, L and M's costs outside the bench, unpinned, in one process, each beside
// a Connection round trip to a child (the floor under any call to an object
// in another process):
//   node probes/shared-state.mjs [count]
//     `count` (default 5 000) of each, after 500 unmeasured: a Pipe round trip,
//     a Queue get from a child (K parent-puts: one round trip per get),
//     a Lock acquire+release from a child (M child: two round trips), a
//     manager dict set and Lock acquire+release (L), and a Lock
//     acquire+release where it lives (M creator, 100× the count).
//   node --cpu-prof --cpu-prof-dir=<dir> probes/shared-state.mjs [count]
//     the same with a profile of this process and of each child (a Process
//     inherits the parent's execArgv).
import { createRequire } from 'node:module';
import { Lock, Manager, Pipe, Process, Queue } from '@procpool/core';

const require = createRequire(import.meta.url);
const processes = require('../workers/procpool-processes.cjs');
const shared = require('../workers/procpool-shared-state.cjs');

const count = Number(process.argv[2] ?? 5000);
const WARM = 500;
const ITEM = { id: 1, name: 'small', ok: true };

/** µs per call of `once`, after WARM unmeasured. @param {() => Promise<unknown>} once @param {number} n */
async function micros(once, n) {
  for (let i = 0; i < WARM; i += 1) await once();
  const start = performance.now();
  for (let i = 0; i < n; i += 1) await once();
  return ((performance.now() - start) * 1000) / n;
}

/** @param {string} what @param {number} us */
const report = (what, us) => console.log(`${what.padEnd(44)} ${us.toFixed(2).padStart(9)} µs`);

{
  const [ours, theirs] = Pipe();
  const child = new Process({ target: processes.echo, args: [theirs] });
  child.start();
  theirs.close();
  report('Pipe round trip to a child', await micros(() => (ours.send(ITEM), ours.recv()), count));
  ours.send(null);
  await child.join();
  ours.close();
}
{
  const queue = new Queue();
  const acks = new Queue();
  const child = new Process({ target: shared.consumer, args: [queue, acks, WARM, count] });
  child.start();
  for (let i = 0; i < WARM; i += 1) await queue.put(ITEM);
  await acks.get();
  const start = performance.now();
  for (let i = 0; i < count; i += 1) await queue.put(ITEM);
  await acks.get();
  report('Queue get in a child (the parent puts)', ((performance.now() - start) * 1000) / count);
  await child.join();
}
{
  const lock = new Lock();
  const [ours, theirs] = Pipe();
  const child = new Process({ target: shared.lockLoop, args: [lock, theirs, WARM, count] });
  child.start();
  theirs.close();
  report('Lock acquire+release in a child', /** @type {number} */ (await ours.recv()));
  await child.join();
  ours.close();
}
{
  const manager = await Manager();
  try {
    const dict = await manager.dict();
    let i = 0;
    report('manager dict set', await micros(() => ((i += 1), dict.set(`k${i % 100}`, i)), count));
    const lock = await manager.Lock();
    const once = async () => {
      await lock.acquire();
      await lock.release();
    };
    report('manager Lock acquire+release', await micros(once, count));
  } finally {
    await manager.shutdown();
  }
}
{
  const lock = new Lock();
  const once = async () => {
    await lock.acquire();
    await lock.release();
  };
  report('Lock acquire+release where it lives', await micros(once, count * 100));
}
