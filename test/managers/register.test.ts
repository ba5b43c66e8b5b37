import { describe, expect, test } from '@jest/globals';
import { BaseManager, BaseProxy, GenericProxy, ProcessError, type AutoProxy } from '@procpool/core';
import { Counter, CounterError, makeGreeter, incrementAndReturn } from '../../fixtures/manager-tasks.mjs';
import { makePool } from '../helpers/pools.js';

// Python's _TestMyManager: types registered on a BaseManager subclass, made
// in the server process by a class (new) or a function (called).

const fixture = new URL('../../fixtures/manager-tasks.mjs', import.meta.url).href;

class MyManager extends BaseManager {}
MyManager.register('Counter', `${fixture}#Counter`);
MyManager.register('Greeter', `${fixture}#makeGreeter`);
MyManager.register('PublicCounter', `${fixture}#Counter`, { exposed: ['increment', 'value'] });
MyManager.register('Parent', `${fixture}#Counter`, { methodToTypeid: { child: 'Counter' } });
MyManager.register('Hidden', `${fixture}#Counter`, { createMethod: false });
MyManager.register('Initialized', `${fixture}#initialized`);
MyManager.register('NotAnObject', `${fixture}#initServer`);
MyManager.register('Missing', `${fixture}#doesNotExist`);
MyManager.register('NoCallable');

type MyProxies = MyManager & {
  Counter(start?: number): Promise<AutoProxy<Counter>>;
  Greeter(greeting: string): Promise<AutoProxy<ReturnType<typeof makeGreeter>>>;
  PublicCounter(start?: number): Promise<AutoProxy<Counter>>;
  Parent(start?: number): Promise<AutoProxy<Counter>>;
  Initialized(): Promise<AutoProxy<{ get(): unknown; pid(): number }>>;
};

async function startMine(): Promise<MyProxies> {
  const manager = new MyManager() as MyProxies;
  await manager.start();
  return manager;
}

describe('BaseManager.register', () => {
  test('a class is constructed with new in the server; its public methods are the proxy’s', async () => {
    await using manager = await startMine();
    const counter = await manager.Counter(10);
    expect(counter).toBeInstanceOf(GenericProxy);
    expect(counter).toBeInstanceOf(BaseProxy);
    expect((counter as unknown as GenericProxy).typeid).toBe('Counter');
    expect(await counter.increment(5)).toBe(15);
    expect(await counter.value()).toBe(15);
    expect(await counter.slowValue()).toBe(15);
    // It runs in the server process, not here.
    expect(await counter.pid()).not.toBe(process.pid);
    // Names starting with _ are not exposed.
    expect((counter as unknown as Record<string, unknown>)._hidden).toBeUndefined();
    await expect(counter.callMethod('_hidden')).rejects.toThrow(ProcessError);
    expect(await counter.callMethod('increment', 1)).toBe(16);
  });

  test('a function is called in the server and what it returns is kept there', async () => {
    await using manager = await startMine();
    const greeter = await manager.Greeter('hello');
    expect(await greeter.greet('ann')).toBe('hello, ann');
    expect(await greeter.shout('bo')).toBe('HELLO, BO!');
  });

  test('exposed limits the methods; calling another one fails clearly', async () => {
    await using manager = await startMine();
    const counter = await manager.PublicCounter(1);
    expect(await counter.increment()).toBe(2);
    expect((counter as unknown as Record<string, unknown>).fail).toBeUndefined();
    const failure = counter.callMethod('fail', 'x');
    await expect(failure).rejects.toThrow(ProcessError);
    await expect(counter.callMethod('fail', 'x')).rejects.toThrow(/fail/);
    // The server is fine afterwards.
    expect(await counter.value()).toBe(2);
  });

  test('methodToTypeid: the method’s result stays in the server and comes back as a proxy of that typeid', async () => {
    await using manager = await startMine();
    const parent = await manager.Parent(1);
    const before = await manager.objectCount();
    const child = (await parent.child(100)) as unknown as AutoProxy<Counter>;
    expect(child).toBeInstanceOf(GenericProxy);
    expect((child as unknown as GenericProxy).typeid).toBe('Counter');
    expect(await child.increment()).toBe(101);
    expect(await parent.value()).toBe(1);
    expect(await manager.objectCount()).toBe(before + 1);
  });

  test('createMethod: false gives no manager method; create(typeid, ...args) still makes one', async () => {
    await using manager = await startMine();
    expect((manager as unknown as Record<string, unknown>).Hidden).toBeUndefined();
    const hidden = (await manager.create('Hidden', 7)) as AutoProxy<Counter>;
    expect(await hidden.value()).toBe(7);
    const counter = (await manager.create('Counter')) as AutoProxy<Counter>;
    expect(await counter.value()).toBe(0);
    await expect(manager.create('Unknown')).rejects.toThrow(/No typeid 'Unknown' is registered/);
  });

  test('a referent’s custom error class comes back as that class, with its fields and stack', async () => {
    await using manager = await startMine();
    const counter = await manager.Counter(3);
    const error = await counter.fail('E_COUNT').then(
      () => null,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(CounterError);
    expect((error as CounterError).message).toBe('the counter failed at 3');
    expect((error as CounterError & { code: string }).code).toBe('E_COUNT');
    // The stack is the server's: it names the method that threw.
    expect((error as Error).stack).toMatch(/fail/);
    expect((error as Error).stack).toMatch(/manager-tasks\.mjs/);
  });

  test('start(initializer, initargs) runs it in the server first', async () => {
    const manager = new MyManager() as MyProxies;
    await manager.start(`${fixture}#initServer`, [{ ready: 42 }]);
    try {
      const probe = await manager.Initialized();
      expect(await probe.get()).toEqual({ ready: 42 });
    } finally {
      await manager.shutdown();
    }
  });

  test('a registered proxy passed to a pool worker works there and comes back', async () => {
    await using manager = await startMine();
    const pool = makePool(1);
    const counter = await manager.Counter(0);
    const back = (await pool.apply(incrementAndReturn, [counter])) as AutoProxy<Counter>;
    expect(back).toBeInstanceOf(GenericProxy);
    expect(await back.value()).toBe(1);
  });

  test('register() validates its arguments; subclasses keep their own typeids', async () => {
    class Other extends BaseManager {}
    expect(() => Other.register('')).toThrow(/Expected `typeid` to be a non-empty string/);
    expect(() => Other.register('x', null, { exposed: ['then'] })).toThrow(/exposed/);
    expect(() => Other.register('x', null, { wrong: 1 } as never)).toThrow(/Unknown register option `wrong`/);
    expect(() => Other.register('x', null, { createMethod: 'yes' as never })).toThrow(/createMethod/);
    class Sub extends MyManager {}
    Sub.register('OnlySub', `${fixture}#Counter`);
    expect('OnlySub' in MyManager.prototype).toBe(false);
    await using sub = new Sub();
    await sub.start();
    expect(await ((await sub.create('Counter', 2)) as AutoProxy<Counter>).value()).toBe(2);
    expect(await ((await sub.create('OnlySub', 3)) as AutoProxy<Counter>).value()).toBe(3);
    // A callable the server cannot import is refused at start(), not later.
    class Bad extends BaseManager {}
    Bad.register('closure', () => ({}));
    await expect(new Bad().start()).rejects.toThrow(/must import the callable of typeid 'closure'/);
  });

  test('a callable that fails to make an object fails create() clearly; the server goes on', async () => {
    await using manager = await startMine();
    await expect(manager.create('NotAnObject', 1)).rejects.toThrow(
      /The callable of typeid 'NotAnObject' returned `undefined`, not an object/,
    );
    await expect(manager.create('Missing')).rejects.toThrow(/has no function export 'doesNotExist'/);
    await expect(manager.create('NoCallable')).rejects.toThrow(
      /Typeid 'NoCallable' was registered without a callable: nothing can create it/,
    );
    expect(await manager.objectCount()).toBe(0);
    expect(await (await manager.Counter(1)).value()).toBe(1);
  });

  test('an initializer that fails, or a taken address, fails start() with a ProcessError naming why', async () => {
    const missing = new MyManager();
    await expect(missing.start(`${fixture}#nope`)).rejects.toThrow(
      /The manager's server process did not start \(The manager's initializer: .* has no function export 'nope'\)/,
    );
    const notCallable = new MyManager();
    await expect(notCallable.start(`${fixture}#Counter`)).rejects.toThrow(/cannot be invoked without 'new'/);
    await using first = new MyManager({ address: ['127.0.0.1', 0] });
    await first.start();
    const second = new MyManager({ address: first.address ?? undefined });
    await expect(second.start()).rejects.toThrow(/did not start \(listen EADDRINUSE/);
    // A failed start() leaves the manager shut down.
    await expect(second.create('Counter')).rejects.toThrow(/this one is shutdown/);
  });
});
