import type { DictProxy, ListProxy, NamespaceProxy } from '../../common/managers/proxies.js';
import type { Condition } from '../../common/objects/condition.js';
import type { Barrier, BarrierOptions, Event } from '../../common/objects/events.js';
import type { BoundedSemaphore, Lock, RLock, Semaphore } from '../../common/objects/locks.js';
import type { JoinableQueue, Queue } from '../../common/objects/queues.js';
import type { Typecode } from '../../common/objects/state/typecodes.js';
import type { Array as SharedArray, SharedValueOptions, Value } from '../../common/objects/values.js';
import { invalid } from '../../common/validate.js';
import { BaseManager, registryOf, type ManagerOptions } from './manager.js';

// SyncManager's own typeids, made by the server's code (common/managers/builtins.ts).
const BUILTIN_TYPEIDS = [
  'dict',
  'list',
  'Namespace',
  'Queue',
  'JoinableQueue',
  'Lock',
  'RLock',
  'Semaphore',
  'BoundedSemaphore',
  'Condition',
  'Event',
  'Barrier',
  'Value',
  'Array',
];

/**
 * Python's `SyncManager`: a manager that can create dicts, lists,
 * namespaces, queues, locks, events, barriers and values in its server
 * process; each method resolves with a proxy every process can use.
 * @example
 * await using manager = await Manager();
 * const d = await manager.dict<string, number>();
 */
export class SyncManager extends BaseManager {
  static {
    const registry = registryOf(this);
    for (const typeid of BUILTIN_TYPEIDS) {
      registry.set(typeid, { callable: null, exposed: null, methodToTypeid: null, builtin: true });
    }
  }

  async dict<K = unknown, V = unknown>(
    init?: Map<K, V> | Iterable<readonly [K, V]> | Record<string, V>,
  ): Promise<DictProxy<K, V>> {
    if (init !== undefined && (typeof init !== 'object' || init === null)) {
      throw invalid('init', 'a Map, an iterable of [key, value] pairs or a plain object', init);
    }
    return (await this.create(
      'dict',
      init instanceof Map || init === undefined || !(Symbol.iterator in init) ? init : [...init],
    )) as DictProxy<K, V>;
  }

  async list<T = unknown>(init?: Iterable<T>): Promise<ListProxy<T>> {
    if (init !== undefined && (typeof init !== 'object' || init === null || !(Symbol.iterator in init))) {
      throw invalid('init', 'an iterable', init);
    }
    return (await this.create('list', init === undefined ? undefined : [...init])) as ListProxy<T>;
  }

  Namespace<T extends Record<string, unknown> = Record<string, unknown>>(
    init?: Partial<T>,
  ): Promise<NamespaceProxy<T>> {
    return this.create('Namespace', init) as Promise<NamespaceProxy<T>>;
  }

  Queue<T = unknown>(maxsize?: number): Promise<Queue<T>> {
    return this.create('Queue', maxsize) as Promise<Queue<T>>;
  }

  JoinableQueue<T = unknown>(maxsize?: number): Promise<JoinableQueue<T>> {
    return this.create('JoinableQueue', maxsize) as Promise<JoinableQueue<T>>;
  }

  Lock(): Promise<Lock> {
    return this.create('Lock') as Promise<Lock>;
  }

  RLock(): Promise<RLock> {
    return this.create('RLock') as Promise<RLock>;
  }

  Semaphore(value?: number): Promise<Semaphore> {
    return this.create('Semaphore', value) as Promise<Semaphore>;
  }

  BoundedSemaphore(value?: number): Promise<BoundedSemaphore> {
    return this.create('BoundedSemaphore', value) as Promise<BoundedSemaphore>;
  }

  /** A Condition in the server; `lock`, if given, must be one of this manager's. */
  Condition(lock?: Lock | RLock): Promise<Condition> {
    return this.create('Condition', lock) as Promise<Condition>;
  }

  Event(): Promise<Event> {
    return this.create('Event') as Promise<Event>;
  }

  /** A Barrier in the server; its `action` runs there, so it must be a taskRef or `'module#export'`. */
  Barrier(parties: number, options?: BarrierOptions): Promise<Barrier> {
    return this.create('Barrier', parties, options) as Promise<Barrier>;
  }

  Value<C extends Typecode>(typecode: C, initial?: number | bigint, options?: SharedValueOptions): Promise<Value<C>> {
    return this.create('Value', typecode, initial, options) as Promise<Value<C>>;
  }

  Array<C extends Typecode>(
    typecode: C,
    sizeOrItems: number | readonly (number | bigint)[],
    options?: SharedValueOptions,
  ): Promise<SharedArray<C>> {
    return this.create('Array', typecode, sizeOrItems, options) as Promise<SharedArray<C>>;
  }
}

/** A started SyncManager (Python's `multiprocessing.Manager()`). */
export async function Manager(options?: ManagerOptions): Promise<SyncManager> {
  const manager = new SyncManager(options);
  await manager.start();
  return manager;
}
