import { describe, expect, test } from '@jest/globals';
import {
  Barrier,
  BoundedSemaphore,
  Condition,
  DictProxy,
  Empty,
  Event,
  JoinableQueue,
  ListProxy,
  Lock,
  Manager,
  NamespaceProxy,
  ProcessError,
  Queue,
  RLock,
  Semaphore,
  SyncManager,
  Value,
  Array as SharedArray,
} from '@procpool/core';
import {
  addOne,
  appendPid,
  dictSnapshot,
  lockedIncrement,
  nestedWrite,
  roundTrip,
} from '../../fixtures/manager-tasks.mjs';
import { makePool, makeProcess, methods } from '../helpers/pools.js';

// Python's _TestContainers over a real server process: every creator, and
// the dict/list/Namespace proxies with Python's semantics.

describe('starting and stopping', () => {
  test('Manager(), new SyncManager().start() and await using each give a working manager that shuts down', async () => {
    await using a = await Manager();
    await using b = new SyncManager();
    expect(b.address).toBeNull();
    await b.start();
    expect(typeof b.address).toBe('string');
    expect(a.address).not.toEqual(b.address);
    let disposed: DictProxy | undefined;
    {
      await using c = await Manager();
      disposed = await c.dict({ x: 1 });
      expect(await disposed.get('x')).toBe(1);
    }
    // The server is gone: a later call rejects, it does not hang.
    await expect(disposed.get('x')).rejects.toThrow(ProcessError);
    expect(await (await a.dict()).size()).toBe(0);
    expect(await (await b.list([1])).length()).toBe(1);
  });

  test.each(methods)('a manager whose server is started with %s works', async (context) => {
    await using manager = new SyncManager({ context });
    await manager.start();
    const d = await manager.dict({ a: 1 });
    expect(await d.get('a')).toBe(1);
  });

  test('start() twice, or create() before start() or after shutdown(), fails clearly', async () => {
    await using manager = new SyncManager();
    await expect(manager.dict()).rejects.toThrow(
      /create\(\) needs a started or connected manager \(this one is initial\)/,
    );
    await manager.start();
    await expect(manager.start()).rejects.toThrow(/start\(\) on a manager that is started/);
    await manager.shutdown();
    await expect(manager.list()).rejects.toThrow(/this one is shutdown/);
    await manager.shutdown(); // twice is fine
  });
});

describe('creators', () => {
  test('every creator returns a handle of its class that works through the server', async () => {
    await using manager = await Manager();
    const q = await manager.Queue<number>();
    expect(q).toBeInstanceOf(Queue);
    await q.put(1);
    expect(await q.get()).toBe(1);
    await expect(q.get({ block: false })).rejects.toThrow(Empty);

    const jq = await manager.JoinableQueue<string>(2);
    expect(jq).toBeInstanceOf(JoinableQueue);
    await jq.put('x');
    expect(await jq.full()).toBe(false);
    expect(await jq.get()).toBe('x');
    await jq.taskDone();
    await jq.join();

    const lock = await manager.Lock();
    expect(lock).toBeInstanceOf(Lock);
    expect(await lock.acquire()).toBe(true);
    expect(await lock.acquire({ block: false })).toBe(false);
    await lock.release();

    const rlock = await manager.RLock();
    expect(rlock).toBeInstanceOf(RLock);
    expect(await rlock.acquire()).toBe(true);
    expect(await rlock.acquire()).toBe(true);
    await rlock.release();
    await rlock.release();
    await expect(rlock.release()).rejects.toThrow(ProcessError);

    const sem = await manager.Semaphore(2);
    expect(sem).toBeInstanceOf(Semaphore);
    await sem.acquire();
    expect(await sem.getValue()).toBe(1);
    const bounded = await manager.BoundedSemaphore(1);
    expect(bounded).toBeInstanceOf(BoundedSemaphore);
    await expect(bounded.release()).rejects.toThrow(/released too many times/);

    const condition = await manager.Condition(lock);
    expect(condition).toBeInstanceOf(Condition);
    await condition.acquire();
    expect(await lock.locked()).toBe(true);
    expect(await condition.wait(1)).toBe(false);
    await condition.release();
    expect(await lock.locked()).toBe(false);

    const event = await manager.Event();
    expect(event).toBeInstanceOf(Event);
    expect(await event.isSet()).toBe(false);
    await event.set();
    expect(await event.wait()).toBe(true);

    const barrier = await manager.Barrier(2);
    expect(barrier).toBeInstanceOf(Barrier);
    expect((await Promise.all([barrier.wait(), barrier.wait()])).sort()).toEqual([0, 1]);

    const value = await manager.Value('b', 127);
    expect(value).toBeInstanceOf(Value);
    await value.set(128);
    expect(await value.get()).toBe(-128);
    const array = await manager.Array('d', [1.5, 2.5, 3.5]);
    expect(array).toBeInstanceOf(SharedArray);
    expect(await array.get(-1)).toBe(3.5);
    expect(await array.slice(1)).toEqual([2.5, 3.5]);

    // Eleven objects, plus the lock a Value and an Array each carry (getLock()).
    expect(await manager.objectCount()).toBe(13);
  });

  test('bad creator arguments reject with the handle class’s validation error, and create nothing', async () => {
    await using manager = await Manager();
    await expect(manager.Value('z' as 'i', 0)).rejects.toThrow(TypeError);
    await expect(manager.Barrier(0)).rejects.toThrow();
    await expect(manager.create('nope')).rejects.toThrow(/No typeid 'nope' is registered/);
    expect(await manager.objectCount()).toBe(0);
  });

  test('dict() and list() with an init that is no container reject (never throw) with a validation message', async () => {
    await using manager = await Manager();
    const dict = manager.dict(5 as never);
    expect(dict).toBeInstanceOf(Promise);
    await expect(dict).rejects.toThrow(
      'Expected `init` to be a Map, an iterable of [key, value] pairs or a plain object, got `5` (number)',
    );
    const list = manager.list(5 as never);
    expect(list).toBeInstanceOf(Promise);
    await expect(list).rejects.toThrow('Expected `init` to be an iterable, got `5` (number)');
    await expect(manager.dict([['a', 1, 2]] as never)).rejects.toThrow(TypeError);
    await expect(manager.Namespace(new Map([[1, 2]]) as never)).rejects.toThrow(/Expected `name` to be a string/);
    expect(await manager.objectCount()).toBe(0);
  });
});

describe('dict proxy', () => {
  test('get/set/has/delete/keys/values/entries/size/clear with Python’s semantics', async () => {
    await using manager = await Manager();
    const d = await manager.dict<string | number, unknown>([
      ['a', 1],
      [2, 'two'],
    ]);
    expect(d).toBeInstanceOf(DictProxy);
    expect(await d.get('a')).toBe(1);
    expect(await d.get(2)).toBe('two');
    expect(await d.get('2')).toBeUndefined();
    expect(await d.get('missing', 'fallback')).toBe('fallback');
    await d.set('m', new Map([[1, new Set([2])]]));
    expect(await d.get('m')).toEqual(new Map([[1, new Set([2])]]));
    expect(await d.has('a')).toBe(true);
    expect(await d.has('zz')).toBe(false);
    expect(await d.delete('a')).toBe(true);
    expect(await d.delete('a')).toBe(false);
    expect(await d.keys()).toEqual([2, 'm']);
    expect((await d.values())[0]).toBe('two');
    expect((await d.entries())[0]).toEqual([2, 'two']);
    expect(await d.size()).toBe(2);
    await d.clear();
    expect(await d.size()).toBe(0);
  });

  test('update from a Map, pairs, an object; pop with and without a default; setDefault; copy', async () => {
    await using manager = await Manager();
    const d = await manager.dict<string, number | null>({ a: 1 });
    await d.update(new Map([['b', 2]]));
    await d.update([['c', 3]]);
    await d.update({ a: 10, d: 4 });
    await d.update(
      (function* () {
        yield ['e', 5] as const;
      })(),
    );
    const copy = await d.copy();
    expect(copy).toBeInstanceOf(Map);
    expect([...copy]).toEqual([
      ['a', 10],
      ['b', 2],
      ['c', 3],
      ['d', 4],
      ['e', 5],
    ]);
    expect(await d.pop('a')).toBe(10);
    expect(await d.pop('a', 99)).toBe(99);
    expect(await d.pop('a', null)).toBeNull();
    await expect(d.pop('a')).rejects.toThrow(ProcessError);
    await expect(d.pop('a')).rejects.toThrow(/no key a/);
    expect(await d.setDefault('b', 20)).toBe(2);
    expect(await d.setDefault('z', 26)).toBe(26);
    expect(await d.setDefault('n')).toBeNull();
    expect(await d.get('z')).toBe(26);
    // update() with something that is not pairs is a TypeError, and changes nothing
    await expect(d.update([['x', 1, 2]] as never)).rejects.toThrow(TypeError);
    await expect(d.update(5 as never)).rejects.toThrow();
    expect(await d.has('x')).toBe(false);
    // A value that cannot travel is named as the method's argument, and nothing is sent.
    await expect(d.set('f', { run: () => 1 } as never)).rejects.toThrow(
      /^Cannot send argument 2 \(at \.run\) of set\(\) to a shared object: /,
    );
    expect(await d.has('f')).toBe(false);
  });

  test('the copy is a snapshot: changing it does not change the dict', async () => {
    await using manager = await Manager();
    const d = await manager.dict({ list: [1] });
    const copy = await d.copy();
    copy.get('list')?.push(2);
    expect(await d.get('list')).toEqual([1]);
  });
});

describe('list proxy', () => {
  test('get/set with negative indexes; append/extend/insert; pop with and without an index', async () => {
    await using manager = await Manager();
    const list = await manager.list<number>([1, 2, 3]);
    expect(list).toBeInstanceOf(ListProxy);
    expect(await list.get(0)).toBe(1);
    expect(await list.get(-1)).toBe(3);
    expect(await list.get(-3)).toBe(1);
    await expect(list.get(3)).rejects.toThrow(RangeError);
    await expect(list.get(-4)).rejects.toThrow(/index -4 is out of range/);
    await expect(list.get(1.5)).rejects.toThrow(/Expected `index` to be an integer/);
    await list.set(-1, 30);
    await expect(list.set(5, 0)).rejects.toThrow(RangeError);
    await list.append(4);
    await list.extend(new Set([5, 6]));
    await list.insert(0, 0);
    await list.insert(-1, 55); // before the last, as Python's
    await list.insert(100, 7); // past the end: appended
    await list.insert(-100, -1); // before the start: first
    await expect(list.insert(0.5, 1)).rejects.toThrow('Expected `index` to be an integer, got `0.5` (number)');
    expect(await list.copy()).toEqual([-1, 0, 1, 2, 30, 4, 5, 55, 6, 7]);
    expect(await list.pop()).toBe(7);
    expect(await list.pop(0)).toBe(-1);
    expect(await list.pop(-2)).toBe(55);
    await expect(list.pop(20)).rejects.toThrow(RangeError);
    expect(await list.length()).toBe(7);
    const empty = await manager.list();
    await expect(empty.pop()).rejects.toThrow(/pop\(\) from an empty list/);
  });

  test('remove/index/count compare deeply; a missing value rejects; slice, sort, reverse', async () => {
    await using manager = await Manager();
    const list = await manager.list<unknown>([{ a: 1 }, 3, 'x', 3, [1, 2]]);
    expect(await list.index(3)).toBe(1);
    expect(await list.index({ a: 1 })).toBe(0);
    expect(await list.count(3)).toBe(2);
    expect(await list.count([1, 2])).toBe(1);
    expect(await list.count('nope')).toBe(0);
    await list.remove(3);
    expect(await list.copy()).toEqual([{ a: 1 }, 'x', 3, [1, 2]]);
    await expect(list.remove('nope')).rejects.toThrow(ProcessError);
    await expect(list.remove('nope')).rejects.toThrow(/remove\(\): the value is not in the list/);
    await expect(list.index('nope')).rejects.toThrow(/index\(\): the value is not in the list/);

    const numbers = await manager.list([5, 1, 4, 2, 3, 10]);
    expect(await numbers.slice()).toEqual([5, 1, 4, 2, 3, 10]);
    expect(await numbers.slice(1, 3)).toEqual([1, 4]);
    expect(await numbers.slice(-2)).toEqual([3, 10]);
    expect(await numbers.slice(undefined, -4)).toEqual([5, 1]);
    expect(await numbers.slice(-100, 100)).toEqual([5, 1, 4, 2, 3, 10]);
    expect(await numbers.slice(4, 2)).toEqual([]);
    await numbers.sort();
    // numerically, not as strings (Array.prototype.sort's default would put 10 first)
    expect(await numbers.copy()).toEqual([1, 2, 3, 4, 5, 10]);
    await numbers.sort({ reverse: true });
    expect(await numbers.copy()).toEqual([10, 5, 4, 3, 2, 1]);
    await numbers.reverse();
    expect(await numbers.copy()).toEqual([1, 2, 3, 4, 5, 10]);
    const strings = await manager.list(['b', 'a', 'B']);
    await strings.sort();
    expect(await strings.copy()).toEqual(['B', 'a', 'b']);
    const mixed = await manager.list<unknown>([1, 'a']);
    await expect(mixed.sort()).rejects.toThrow(TypeError);
    expect(await mixed.copy()).toEqual([1, 'a']);
  });
});

describe('Namespace proxy', () => {
  test('get/set/delete/copy; a missing name rejects', async () => {
    await using manager = await Manager();
    const ns = await manager.Namespace<{ name: string; n: number }>({ name: 'x' });
    expect(ns).toBeInstanceOf(NamespaceProxy);
    expect(await ns.get('name')).toBe('x');
    await ns.set('n', 1);
    expect(await ns.copy()).toEqual({ name: 'x', n: 1 });
    expect(await ns.delete('n')).toBe(true);
    await expect(ns.get('n')).rejects.toThrow(/The Namespace has no value named 'n'/);
    await expect(ns.set(5 as never, 1 as never)).rejects.toThrow(/Expected `name` to be a string/);
  });
});

describe('proxies and using', () => {
  test('a proxy declared with using is released at the end of its block', async () => {
    await using manager = await Manager();
    {
      using d = await manager.dict({ a: 1 });
      using list = await manager.list([1]);
      expect(await d.get('a')).toBe(1);
      expect(await list.length()).toBe(1);
      expect(await manager.objectCount()).toBe(2);
    }
    expect(await manager.objectCount()).toBe(0);
  });
});

describe('proxies in other processes', () => {
  test('pool.map(addOne, [d, d, d]) → 4 (API.md §10)', async () => {
    await using manager = await Manager();
    const pool = makePool(1);
    const d = await manager.dict<string, number>();
    await d.set('a', 1);
    await pool.map(addOne, [d, d, d]);
    expect(await d.get('a')).toBe(4);
    expect(await pool.apply(dictSnapshot, [d])).toEqual([['a', 4]]);
  });

  test('workers share a manager Lock and Value: no lost updates', async () => {
    await using manager = await Manager();
    const pool = makePool(2);
    const lock = await manager.Lock();
    const value = await manager.Value('i', 0);
    await Promise.all([pool.apply(lockedIncrement, [lock, value, 50]), pool.apply(lockedIncrement, [lock, value, 50])]);
    expect(await value.get()).toBe(100);
  });

  test('a proxy passed as a Process arg works there', async () => {
    await using manager = await Manager();
    const list = await manager.list<number>();
    const child = makeProcess({ target: appendPid, args: [list] });
    child.start();
    await child.join();
    expect(child.exitCode).toBe(0);
    expect(await list.copy()).toEqual([child.pid]);
  });

  test('proxies come back from a worker as working proxies of their class', async () => {
    await using manager = await Manager();
    const pool = makePool(1);
    const d = await manager.dict({ a: 1 });
    const list = await manager.list([1]);
    const ns = await manager.Namespace({ k: 'v' });
    const [d2, list2, ns2] = (await pool.apply(roundTrip, [d, list, ns])) as [DictProxy, ListProxy, NamespaceProxy];
    expect(d2).toBeInstanceOf(DictProxy);
    expect(list2).toBeInstanceOf(ListProxy);
    expect(ns2).toBeInstanceOf(NamespaceProxy);
    await d2.set('b', 2);
    expect(await d.get('b')).toBe(2);
    expect(await list2.length()).toBe(1);
    expect(await ns2.get('k')).toBe('v');
  });

  test('a list proxy stored in a dict proxy comes back as a proxy that works, here and in a worker', async () => {
    await using manager = await Manager();
    const pool = makePool(1);
    const d = await manager.dict<string, unknown>();
    const inner = await manager.list<number>([1]);
    await d.set('inner', inner);
    const back = (await d.get('inner')) as ListProxy<number>;
    expect(back).toBeInstanceOf(ListProxy);
    await back.append(2);
    expect(await pool.apply(nestedWrite, [d, 3])).toBe('ListProxy');
    expect(await inner.copy()).toEqual([1, 2, 3]);
    // A queue made by the manager, stored in a list of it, too.
    const q = await manager.Queue<string>();
    const holder = await manager.list([q]);
    const q2 = await holder.get(0);
    expect(q2).toBeInstanceOf(Queue);
    await q2.put('through the list');
    expect(await q.get()).toBe('through the list');
  });
});
