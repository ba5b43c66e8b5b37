// A queue goes anywhere the codec goes (API.md §8): Process args, Pool
// initargs, pool task args and results, another queue, a Connection, and back
// from the child that made it; it works where it arrives. A worker that never
// meets one does not load objects.cjs.
import { describe, expect, test } from '@jest/globals';
import { EOFError, Pipe, Queue, taskRef, type Process, type ProcessOptions } from '@procpool/core';
import {
  createAndSendBack,
  getQueueAndPut,
  keepQueue,
  makeQueue,
  putFromInitargs,
  putPid,
  putTag,
  recvQueueAndPut,
  returnIt,
} from '../../fixtures/queue-passing.mjs';
import { makePool, makeProcess, methods } from '../helpers/pools.js';

const bundles = new URL('../../fixtures/queue-bundles.cjs', import.meta.url);

function started(options: ProcessOptions): Process {
  const child = makeProcess(options);
  child.start();
  return child;
}

async function joined(child: Process): Promise<void> {
  await child.join();
  expect(child.exitCode).toBe(0);
}

describe.each(methods)('a queue made here, used in children (%s)', (method) => {
  test("in a Process's args", async () => {
    const q = new Queue<string>();
    const child = started({ target: putTag, args: [q, 'args'], context: method });
    expect(await q.get()).toBe(`args from ${child.name}`);
    await joined(child);
  });

  test("in a Pool's initargs", async () => {
    const q = new Queue<[number, number]>();
    const pool = makePool({ processes: 2, initializer: keepQueue, initargs: [q], context: method });
    const pids = await pool.map(putFromInitargs, [1, 2, 3, 4]);
    const got = [await q.get(), await q.get(), await q.get(), await q.get()];
    expect(got.map(([x]) => x).sort()).toEqual([1, 2, 3, 4]);
    expect(got.map(([, pid]) => pid).sort()).toEqual([...pids].sort());
  });
});

describe('a queue in pool tasks', () => {
  test('pool.map(fn, [q, q, q]): each task puts to the one queue', async () => {
    const q = new Queue<number>();
    const pool = makePool(2);
    const pids = await pool.map(putPid, [q, q, q]);
    const got = [await q.get(), await q.get(), await q.get()];
    expect(got.sort()).toEqual([...pids].sort());
    expect(await q.empty()).toBe(true);
  });

  test('returned as a result: the handle that comes back reaches the same queue', async () => {
    const q = new Queue<string>();
    const pool = makePool(1);
    const back = (await pool.apply(returnIt, [q])) as Queue<string>;
    expect(back).toBeInstanceOf(Queue);
    await back.put('through the returned handle');
    expect(await q.get()).toBe('through the returned handle');
    await q.put('through the original');
    expect(await back.get()).toBe('through the original');
  });

  test('made in a worker and returned: it lives in the worker, and works here', async () => {
    const pool = makePool(1);
    const q = await pool.apply(makeQueue, []);
    const [pid] = await pool.map(putPid, [q]);
    expect(await q.get()).toBe(`made in ${pid}`);
    expect(await q.get()).toBe(pid);
    await q.put('from the parent');
    expect([await q.qsize(), await q.get(), await q.empty()]).toEqual([1, 'from the parent', true]);
  });
});

describe('a queue through another channel', () => {
  test('through another queue', async () => {
    const carrier = new Queue<Queue<string>>();
    const q = new Queue<string>();
    await carrier.put(q);
    const child = started({ target: getQueueAndPut, args: [carrier] });
    expect(await q.get()).toBe('through a queue');
    await joined(child);
  });

  test('through a Connection', async () => {
    const [ours, theirs] = Pipe();
    const q = new Queue<string>();
    const child = started({ target: recvQueueAndPut, args: [theirs] });
    theirs.close();
    ours.send(q);
    expect(await q.get()).toBe('through a Connection');
    await joined(child);
    ours.close();
  });

  test.each(['a queue', 'a Connection'])('made in a child and sent back through %s', async (how) => {
    const go = new Queue<string>();
    let back: Queue<Queue<string>> | null = null;
    let child: Process;
    let q: Queue<string>;
    if (how === 'a queue') {
      back = new Queue<Queue<string>>();
      child = started({ target: createAndSendBack, args: [back, go] });
      q = await back.get();
    } else {
      const [ours, theirs] = Pipe();
      child = started({ target: createAndSendBack, args: [theirs, go] });
      theirs.close();
      q = await ours.recv<Queue<string>>();
      ours.close();
    }
    expect(await q.get()).toBe(`made by ${child.name}`);
    await q.put('back and forth');
    expect(await q.get()).toBe('back and forth');
    // It can travel on from here: to a child of ours, which puts to the queue in its sibling.
    const sibling = started({ target: putTag, args: [q, 'sibling'] });
    expect(await q.get()).toBe(`sibling from ${sibling.name}`);
    await joined(sibling);
    await go.put('exit');
    await joined(child);
    await expect(q.get()).rejects.toThrow(EOFError);
  });
});

describe('a put sent without waiting for its answer', () => {
  test("has reached the queue by the time the task's result has: the caller can read it at once", async () => {
    const pool = makePool(2);
    const q = new Queue<number>();
    for (let round = 0; round < 20; round += 1) {
      const pid = await pool.apply(putPid, [q]);
      expect(await q.getNowait()).toBe(pid);
    }
  });

  test('has reached the queue by the time the Process that put it has exited: join() then sees it', async () => {
    const q = new Queue<number>();
    for (let round = 0; round < 3; round += 1) {
      const child = started({ target: putPid, args: [q] });
      await joined(child);
      expect(await q.getNowait()).toBe(child.pid);
    }
  });
});

describe('objects.cjs loads only where a shared object arrives', () => {
  test('a pool worker loads it with its first queue, not before', async () => {
    const pool = makePool(1);
    const before = (await pool.apply(taskRef(bundles, 'procpoolFiles'), [])) as string[];
    expect(before).not.toContain('objects.cjs');
    const q = new Queue<string[]>();
    await pool.apply(taskRef(bundles, 'putProcpoolFiles'), [q]);
    const after = await q.get();
    expect(after).toContain('objects.cjs');
    expect(after.filter((file) => !before.includes(file))).toEqual(expect.arrayContaining(['objects.cjs']));
  });

  test('a child handed a queue in its args loads it', async () => {
    const q = new Queue<string[]>();
    const child = started({ target: taskRef(bundles, 'putProcpoolFiles'), args: [q] });
    expect(await q.get()).toEqual(['bootstrap/main.cjs', 'connection.cjs', 'index.cjs', 'objects.cjs', 'procpool.cjs']);
    await joined(child);
  });
});
