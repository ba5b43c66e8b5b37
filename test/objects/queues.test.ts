// Queue, SimpleQueue and JoinableQueue (API.md §8) over real processes, after
// CPython's _TestQueue and _TestSimpleQueue: FIFO order, Empty and Full,
// blocked getters and putters served in the order they asked, close() and
// joinThread(), task accounting, values encoded at put, and a host that exits.
import { describe, expect, test } from '@jest/globals';
import {
  EOFError,
  Empty,
  Full,
  JoinableQueue,
  ProcessError,
  Queue,
  SimpleQueue,
  type Process,
  type ProcessOptions,
} from '@procpool/core';
import {
  createAndAwait,
  echo,
  getOne,
  holdQueues,
  joinAndReport,
  probe,
  putAll,
  putOne,
  putTagged,
  simplePutAll,
  taskDoneTooOften,
  useClosed,
  worker,
} from '../../fixtures/queue-targets.mjs';
import { makeProcess } from '../helpers/pools.js';

function started(options: ProcessOptions): Process {
  const child = makeProcess(options);
  child.start();
  return child;
}

async function joined(...children: Process[]): Promise<void> {
  await Promise.all(children.map((child) => child.join()));
  expect(children.map((child) => child.exitCode)).toEqual(children.map(() => 0));
}

/** The next `count` items of `q`, in order. */
async function take<T>(q: Queue<T> | SimpleQueue<T>, count: number): Promise<T[]> {
  const items: T[] = [];
  for (let i = 0; i < count; i += 1) items.push(await q.get());
  return items;
}

/** Settles in the order the promises settle, recording `tag` for each. */
function recordOrder(order: unknown[], promise: Promise<unknown>, tag: unknown): Promise<void> {
  return promise.then(
    () => void order.push(tag),
    () => void order.push(['rejected', tag]),
  );
}

describe('Queue in the process that made it', () => {
  test('FIFO, qsize, empty and full as items come and go', async () => {
    const q = new Queue<number>(3);
    expect([await q.qsize(), await q.empty(), await q.full()]).toEqual([0, true, false]);
    await q.put(1);
    await q.put(2);
    expect([await q.qsize(), await q.empty(), await q.full()]).toEqual([2, false, false]);
    await q.putNowait(3);
    expect([await q.qsize(), await q.empty(), await q.full()]).toEqual([3, false, true]);
    expect([await q.get(), await q.getNowait(), await q.get({ block: false })]).toEqual([1, 2, 3]);
    expect([await q.qsize(), await q.empty(), await q.full()]).toEqual([0, true, false]);
  });

  test('an empty queue rejects with Empty when not waiting or past a timeout; a full one with Full', async () => {
    const q = new Queue<string>(1);
    await expect(q.getNowait()).rejects.toThrow(Empty);
    await expect(q.get({ block: false })).rejects.toThrow(Empty);
    // block: false answers at once, whatever the timeout.
    await expect(q.get({ block: false, timeout: 60_000 })).rejects.toThrow(Empty);
    await expect(q.get({ timeout: 1 })).rejects.toThrow(Empty);
    await expect(q.get({ timeout: 0 })).rejects.toThrow(Empty);
    await q.put('only');
    await expect(q.putNowait('more')).rejects.toThrow(Full);
    await expect(q.put('more', { block: false })).rejects.toThrow(Full);
    await expect(q.put('more', { timeout: 1 })).rejects.toThrow(Full);
    const error = await q.put('more', { timeout: 0 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProcessError);
    expect(error).toMatchObject({ name: 'Full' });
    // Nothing the rejected puts carried entered the queue.
    expect([await q.qsize(), await q.get(), await q.qsize()]).toEqual([1, 'only', 0]);
    expect(new Empty()).toMatchObject({ name: 'Empty' });
  });

  test('a timeout far beyond 2^31-1 ms waits as long as it takes', async () => {
    const q = new Queue<string>();
    const got = q.get({ timeout: 2 ** 40 });
    await q.put('late');
    await expect(got).resolves.toBe('late');
  });

  test('blocked putters go in, and resolve, in the order they asked; one that timed out never does', async () => {
    const q = new Queue<string>(1);
    await q.put('first');
    const order: unknown[] = [];
    const puts = [
      recordOrder(order, q.put('a'), 'a'),
      recordOrder(order, q.put('gives up', { timeout: 1 }), 'gives up'),
      recordOrder(order, q.put('b'), 'b'),
      recordOrder(order, q.put('c'), 'c'),
    ];
    await puts[1];
    expect(order).toEqual([['rejected', 'gives up']]);
    expect(await take(q, 4)).toEqual(['first', 'a', 'b', 'c']);
    await Promise.all(puts);
    expect(order).toEqual([['rejected', 'gives up'], 'a', 'b', 'c']);
  });

  test('blocked getters are served in the order they asked; one that timed out is never served', async () => {
    const q = new Queue<number>();
    const first = q.get();
    const late = q.get({ timeout: 1 });
    const second = q.get();
    await expect(late).rejects.toThrow(Empty);
    await q.put(1);
    await q.put(2);
    await expect(Promise.all([first, second])).resolves.toEqual([1, 2]);
    expect(await q.qsize()).toBe(0);
  });

  test('bad arguments are TypeErrors (a number out of range: RangeError) with the usual message; nothing is enqueued', async () => {
    expect(() => new Queue(1.5)).toThrow(TypeError);
    expect(() => new Queue('3' as unknown as number)).toThrow('Expected `maxsize` to be an integer');
    const q = new Queue<number>();
    await expect(q.put(1, { timeout: -1 })).rejects.toThrow(
      'Expected `timeout` to be a non-negative number of ms, got `-1`',
    );
    await expect(q.put(1, { block: 'no' as unknown as boolean })).rejects.toThrow(TypeError);
    await expect(q.get({ timeout: Number.NaN })).rejects.toThrow(RangeError);
    await expect(q.get(null as unknown as undefined)).rejects.toThrow(TypeError);
    expect(await q.qsize()).toBe(0);
  });

  test('maxsize 0 or less: no limit', async () => {
    for (const maxsize of [0, -1]) {
      const q = new Queue<number>(maxsize);
      for (let i = 0; i < 1000; i += 1) await q.putNowait(i);
      expect([await q.qsize(), await q.full()]).toEqual([1000, false]);
    }
  });

  test('after close() this process can neither put nor get; joinThread() needs close() first', async () => {
    const q = new Queue<number>();
    await expect(q.joinThread()).rejects.toThrow('call close() first');
    await q.put(1);
    q.close();
    await expect(q.put(2)).rejects.toThrow(ProcessError);
    await expect(q.get()).rejects.toThrow('This Queue is closed in this process');
    await expect(q.putNowait(2)).rejects.toThrow(ProcessError);
    await expect(q.getNowait()).rejects.toThrow(ProcessError);
    await expect(q.joinThread()).resolves.toBeUndefined();
    expect(await q.qsize()).toBe(1);
  });
});

describe('values', () => {
  test('an item is encoded at put: changing it afterwards is not seen', async () => {
    const q = new Queue<{ list: number[]; map: Map<string, number> }>();
    const item = { list: [1], map: new Map([['a', 1]]) };
    await q.put(item);
    item.list.push(2);
    item.map.set('b', 2);
    expect(await q.get()).toEqual({ list: [1], map: new Map([['a', 1]]) });
  });

  test.each([Queue, SimpleQueue, JoinableQueue])(
    '%p: an unencodable value is a TypeError naming where it is; nothing is enqueued',
    async (Kind) => {
      const q = new Kind<unknown>();
      const bad = { ok: 1, deep: { list: [0, () => 1] } };
      const error = await q.put(bad).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TypeError);
      expect((error as Error).message).toContain(`into a ${Kind.name}`);
      expect((error as Error).message).toMatch(/deep.*list.*1/);
      expect(await q.empty()).toBe(true);
      await expect(q.put(Symbol('s'))).rejects.toThrow(TypeError);
      expect(await q.empty()).toBe(true);
    },
  );

  test('Map, Set, Date, BigInt, Buffer and errors round-trip through a child', async () => {
    class Unknown extends Error {}
    const values = [
      new Map<unknown, unknown>([
        [1, 'one'],
        ['k', new Set([1n, 2n])],
      ]),
      new Set(['a', { b: [1, 2] }]),
      new Date(1_234_567_890_123),
      2n ** 100n,
      -(2n ** 64n),
      Buffer.from([0, 1, 2, 255]),
      new Uint8Array([9, 8, 7]),
      { nested: [undefined, null, Number.NaN, -0, Infinity] },
      new TypeError('bad type'),
      new RangeError('out of range'),
      new Empty('nothing here'),
      new EOFError('gone'),
      new Unknown('my own'),
      'x'.repeat(200_000),
    ];
    const out = new Queue();
    const back = new Queue();
    const child = started({ target: echo, args: [out, back, values.length] });
    for (const value of values) await out.put(value);
    const got = await take(back, values.length);
    await joined(child);
    expect(got.slice(0, 8)).toEqual(values.slice(0, 8));
    expect(Buffer.isBuffer(got[5])).toBe(true);
    expect(got[6]).toBeInstanceOf(Uint8Array);
    expect(Object.is((got[7] as { nested: unknown[] }).nested[3], -0)).toBe(true);
    expect(got[8]).toBeInstanceOf(TypeError);
    expect(got[9]).toBeInstanceOf(RangeError);
    expect(got[10]).toBeInstanceOf(Empty);
    expect(got[11]).toBeInstanceOf(EOFError);
    expect(got.slice(8, 13).map((e) => (e as Error).message)).toEqual([
      'bad type',
      'out of range',
      'nothing here',
      'gone',
      'my own',
    ]);
    expect(got[13]).toBe(values[13]);
  });
});

describe('Queue across processes', () => {
  test("a child's items arrive in its order; close() + joinThread() before exiting loses none", async () => {
    const q = new Queue<number>();
    const items = Array.from({ length: 3000 }, (_, i) => i);
    const child = started({ target: putAll, args: [q, items] });
    // The child has exited before the parent reads anything.
    await joined(child);
    expect(await q.qsize()).toBe(items.length);
    expect(await take(q, items.length)).toEqual(items);
  });

  test("several producers: each one's items arrive in its order", async () => {
    const q = new Queue<[string, number]>();
    const tags = ['a', 'b', 'c'];
    const children = tags.map((tag) => started({ target: putTagged, args: [q, tag, 300] }));
    const got = await take(q, tags.length * 300);
    await joined(...children);
    for (const tag of tags) {
      expect(got.filter(([t]) => t === tag).map(([, i]) => i)).toEqual(Array.from({ length: 300 }, (_, i) => i));
    }
  });

  test('children waiting in get() are served in the order they asked', async () => {
    const q = new Queue<string>();
    const reports = new Queue<[string, string]>();
    const children: Process[] = [];
    for (const tag of ['first', 'second', 'third']) {
      children.push(started({ target: getOne, args: [q, reports, tag] }));
      // Its get() reached this process before its report did.
      expect(await reports.get()).toEqual(['asked', tag]);
    }
    // The parent asks last: served last.
    const parentGet = q.get();
    for (const item of ['a', 'b', 'c', 'd']) await q.put(item);
    const got = new Map(await take(reports, 3));
    await joined(...children);
    expect(Object.fromEntries(got)).toEqual({ first: 'a', second: 'b', third: 'c' });
    await expect(parentGet).resolves.toBe('d');
  });

  test('children blocked in put() on a full queue go in in the order they asked', async () => {
    const q = new Queue<string>(1);
    await q.put('already');
    const reports = new Queue<[string, string]>();
    const children: Process[] = [];
    for (const tag of ['first', 'second', 'third']) {
      children.push(started({ target: putOne, args: [q, reports, tag] }));
      expect(await reports.get()).toEqual(['asked', tag]);
    }
    expect([await q.qsize(), await q.full()]).toEqual([1, true]);
    expect(await take(q, 4)).toEqual(['already', 'first', 'second', 'third']);
    const done = await take(reports, 3);
    await joined(...children);
    expect(done.map(([, tag]) => tag).sort()).toEqual(['first', 'second', 'third']);
  });

  test('Empty, Full and the sizes, seen from a child', async () => {
    const empty = new Queue();
    const full = new Queue<string>(2);
    await full.put('one');
    await full.put('two');
    const out = new Queue<Record<string, unknown>>();
    const child = started({ target: probe, args: [empty, full, out] });
    const report = await out.get();
    await joined(child);
    const emptyError = { name: 'Empty', isEmpty: true, isFull: false, isProcessError: true };
    const fullError = { name: 'Full', isEmpty: false, isFull: true, isProcessError: true };
    expect(report).toMatchObject({
      getNowait: emptyError,
      getNoBlock: emptyError,
      getNoBlockTimeout: emptyError,
      getTimeout: emptyError,
      getZero: emptyError,
      putNowait: fullError,
      putNoBlock: fullError,
      putTimeout: fullError,
      sizes: [0, true, false],
      fullSizes: [2, false, true],
    });
    // The child's timed-out calls left nothing behind.
    expect(await take(full, 2)).toEqual(['one', 'two']);
    expect(await full.empty()).toBe(true);
    expect([await empty.qsize(), await empty.empty()]).toEqual([0, true]);
  });

  test("a child's close(): its own later calls reject; the queue lives on for others", async () => {
    const q = new Queue<string>();
    const out = new Queue<Record<string, { name?: string; isProcessError?: boolean }>>();
    const child = started({ target: useClosed, args: [q, out] });
    const report = await out.get();
    await joined(child);
    for (const call of ['put', 'get', 'putNowait', 'getNowait']) {
      expect(report[call]).toMatchObject({ name: 'ProcessError', isProcessError: true });
    }
    expect(await q.get()).toBe('before close');
    await q.put('still works');
    expect(await q.get()).toBe('still works');
  });

  test('joinThread() waits for items still on their way; after cancelJoinThread() it does not', async () => {
    const back = new Queue<[Queue<string>, Queue<string>]>();
    const host = started({ target: holdQueues, args: [back] });
    const [cancelled, waited] = await back.get();
    // Stopped, the host answers nothing: puts to its queues stay on their way.
    process.kill(host.pid as number, 'SIGSTOP');
    try {
      await cancelled.put('lost');
      cancelled.close();
      cancelled.cancelJoinThread();
      await expect(cancelled.joinThread()).resolves.toBeUndefined();
      await waited.put('never arrives');
      waited.close();
      let outcome: unknown = 'pending';
      const joining = waited.joinThread().then(
        () => (outcome = 'resolved'),
        (error: unknown) => (outcome = error),
      );
      // A call that round-trips to this process itself settles first.
      expect(await back.qsize()).toBe(0);
      expect(outcome).toBe('pending');
      host.kill();
      await host.join();
      await joining;
      // Unlike Python's, an item that never arrived is reported.
      expect(outcome).toBeInstanceOf(EOFError);
    } finally {
      // Stopped, it would not even die of SIGTERM.
      if (host.exitCode === null) host.kill();
    }
  });
});

describe('a released handle', () => {
  test('every call through it rejects, a put to a queue in another process included', async () => {
    const local = new Queue<string>();
    local[Symbol.dispose]();
    await expect(local.put('x')).rejects.toThrow('This Queue handle has been released');
    const back = new Queue<[Queue<string>, Queue<string>]>();
    const host = started({ target: holdQueues, args: [back] });
    const [released, other] = await back.get();
    released[Symbol.dispose]();
    // Unbounded and elsewhere, a put resolves once sent: a released handle sends nothing.
    await expect(released.put('lost')).rejects.toThrow('This Queue handle has been released');
    await expect(released.get({ block: false })).rejects.toThrow(ProcessError);
    await expect(released.qsize()).rejects.toThrow(ProcessError);
    await other.put('still works');
    expect(await other.get()).toBe('still works');
    host.kill();
    await host.join();
  });
});

describe('JoinableQueue', () => {
  test('taskDone() more often than items were put is a ProcessError, here and in a child', async () => {
    const jq = new JoinableQueue<number>();
    await jq.put(1);
    await jq.get();
    await jq.taskDone();
    await expect(jq.taskDone()).rejects.toThrow('taskDone() called more times than there were items');
    await expect(jq.taskDone()).rejects.toThrow(ProcessError);
    await expect(jq.join()).resolves.toBeUndefined();
    const out = new Queue<Record<string, unknown>>();
    const child = started({ target: taskDoneTooOften, args: [jq, out] });
    expect(await out.get()).toMatchObject({
      name: 'ProcessError',
      isProcessError: true,
      message: 'taskDone() called more times than there were items',
    });
    await joined(child);
  });

  test('join() resolves once workers in other processes have marked every item done', async () => {
    const jq = new JoinableQueue<number | null>();
    const results = new Queue<number>();
    const joiner = new Queue<string>();
    const items = Array.from({ length: 200 }, (_, i) => i);
    for (const item of items) await jq.put(item);
    // A child waits in join() as well as this process.
    const waiting = started({ target: joinAndReport, args: [jq, joiner, 'child joined'] });
    const workers = [1, 2].map(() => started({ target: worker, args: [jq, results] }));
    for (let i = 0; i < workers.length; i += 1) await jq.put(null);
    await jq.join();
    // Each result was put before its taskDone(), on the same connection: all are here.
    expect(await results.qsize()).toBe(items.length);
    expect((await take(results, items.length)).sort((a, b) => a - b)).toEqual(items.map((i) => i * 2));
    expect(await joiner.get()).toBe('child joined');
    await joined(waiting, ...workers);
    expect([await jq.qsize(), await jq.empty()]).toEqual([0, true]);
  });

  test('join() with nothing unfinished resolves at once; put() makes it wait again', async () => {
    const jq = new JoinableQueue<string>(1);
    await jq.join();
    await jq.put('x');
    let joined = false;
    const joining = jq.join().then(() => (joined = true));
    expect(await jq.get()).toBe('x');
    expect(joined).toBe(false);
    await jq.taskDone();
    await joining;
    expect(joined).toBe(true);
  });
});

describe('SimpleQueue', () => {
  test('put, get and empty, here and from a child; close() ends this process’s use', async () => {
    const q = new SimpleQueue<unknown>();
    expect(await q.empty()).toBe(true);
    await q.put(new Map([[1, 2]]));
    expect(await q.empty()).toBe(false);
    expect(await q.get()).toEqual(new Map([[1, 2]]));
    const items = Array.from({ length: 500 }, (_, i) => ({ i }));
    const child = started({ target: simplePutAll, args: [q, items] });
    await joined(child);
    expect(await q.empty()).toBe(false);
    expect(await take(q, items.length)).toEqual(items);
    expect(await q.empty()).toBe(true);
    q.close();
    await expect(q.put(1)).rejects.toThrow('This SimpleQueue is closed in this process');
    await expect(q.get()).rejects.toThrow(ProcessError);
  });

  test('getters are served in the order they asked', async () => {
    const q = new SimpleQueue<number>();
    const gets = [q.get(), q.get(), q.get()];
    for (const i of [1, 2, 3]) await q.put(i);
    await expect(Promise.all(gets)).resolves.toEqual([1, 2, 3]);
  });
});

describe('a queue whose process has exited', () => {
  test('a get() waiting in the parent, and every later call, reject with EOFError naming the host', async () => {
    const back = new Queue<Queue<string>>();
    const go = new Queue<string>();
    const creator = started({ target: createAndAwait, args: [back, go] });
    const q = await back.get();
    expect(await q.get()).toBe(`made by ${creator.name}`);
    const waiting = q.get();
    // The get() has reached the host once a later call on that connection is answered.
    expect(await q.qsize()).toBe(0);
    await go.put('exit');
    const error = await waiting.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EOFError);
    expect((error as Error).message).toContain(`${creator.name} (pid ${creator.pid})`);
    for (const call of [() => q.get(), () => q.put('x'), () => q.qsize(), () => q.get({ timeout: 1 })]) {
      await expect(call()).rejects.toThrow(EOFError);
    }
    await joined(creator);
  });

  test('a host killed with calls pending: they reject with EOFError, nothing hangs', async () => {
    const back = new Queue<Queue<string>>();
    const go = new Queue<string>();
    const creator = started({ target: createAndAwait, args: [back, go] });
    const q = await back.get();
    const pending = [q.get(), q.get({ timeout: 60_000 }), q.get(), q.get()];
    // Every get() has reached the host (the first took the item) once a later call is answered.
    expect(await q.qsize()).toBe(0);
    creator.kill();
    const outcomes = await Promise.allSettled(pending);
    // The item already there went to the first getter.
    expect(outcomes[0]).toEqual({ status: 'fulfilled', value: `made by ${creator.name}` });
    for (const outcome of outcomes.slice(1)) {
      expect(outcome.status).toBe('rejected');
      expect((outcome as PromiseRejectedResult).reason).toBeInstanceOf(EOFError);
    }
    await expect(q.empty()).rejects.toThrow(EOFError);
    await creator.join();
  });
});
