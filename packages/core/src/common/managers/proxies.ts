import { ProcessError } from '../errors.js';
import { registerKind, SharedObject } from '../objects/shared-object.js';

const madeByManager = (): never => {
  throw new ProcessError('Proxies are made by a manager: call manager.dict(), manager.create(typeid), …');
};

/**
 * A handle to an object a manager holds (Python's `BaseProxy`): every method
 * runs in the manager's server process and resolves with a copy of what it
 * returned; what it throws comes back as its class.
 */
export abstract class BaseProxy extends SharedObject {
  protected constructor(kind: string) {
    super(kind, madeByManager);
  }

  /** Calls the referent's exposed method `name` (Python's `_callmethod`). */
  callMethod<T = unknown>(name: string, ...args: unknown[]): Promise<T> {
    return this.call(name, ...args);
  }
}

/** A manager's dict (a Map in the server process). */
export class DictProxy<K = unknown, V = unknown> extends BaseProxy {
  constructor() {
    super('DictProxy');
  }

  /** @internal */
  protected override shareArgs(): unknown[] {
    return [];
  }

  /** The value of `key`, or `fallback` (undefined) when it has none. */
  get(key: K, fallback?: V): Promise<V | undefined> {
    return this.call('get', key, fallback);
  }

  set(key: K, value: V): Promise<void> {
    return this.call('set', key, value);
  }

  has(key: K): Promise<boolean> {
    return this.call('has', key);
  }

  delete(key: K): Promise<boolean> {
    return this.call('delete', key);
  }

  keys(): Promise<K[]> {
    return this.call('keys');
  }

  values(): Promise<V[]> {
    return this.call('values');
  }

  entries(): Promise<[K, V][]> {
    return this.call('entries');
  }

  size(): Promise<number> {
    return this.call('size');
  }

  clear(): Promise<void> {
    return this.call('clear');
  }

  /** Sets every pair of `items` (a Map, an iterable of pairs, or a plain object). */
  update(items: Map<K, V> | Iterable<readonly [K, V]> | Record<string, V>): Promise<void> {
    return this.call(
      'update',
      items instanceof Map || Array.isArray(items)
        ? items
        : typeof items === 'object' && Symbol.iterator in items
          ? [...items]
          : items,
    );
  }

  /** Removes `key` and resolves with its value; without it, `fallback`, or rejects when none was given. */
  pop(key: K, ...fallback: [] | [V]): Promise<V> {
    return this.call('pop', key, ...fallback);
  }

  /** The value of `key`, setting it to `value` first if it has none. */
  setDefault(key: K, value?: V): Promise<V> {
    return this.call('setDefault', key, value ?? null);
  }

  /** A copy of the whole dict. */
  copy(): Promise<Map<K, V>> {
    return this.call('copy');
  }
}
registerKind('DictProxy', DictProxy);

/** A manager's list (an array in the server process); indexes may be negative, as Python's. */
export class ListProxy<T = unknown> extends BaseProxy {
  constructor() {
    super('ListProxy');
  }

  /** @internal */
  protected override shareArgs(): unknown[] {
    return [];
  }

  get(index: number): Promise<T> {
    return this.call('get', index);
  }

  set(index: number, value: T): Promise<void> {
    return this.call('set', index, value);
  }

  append(value: T): Promise<void> {
    return this.call('append', value);
  }

  extend(values: Iterable<T>): Promise<void> {
    return this.call('extend', [...values]);
  }

  insert(index: number, value: T): Promise<void> {
    return this.call('insert', index, value);
  }

  /** Removes and resolves with item `index` (the last by default). */
  pop(index?: number): Promise<T> {
    return this.call('pop', index ?? -1);
  }

  /** Removes the first item equal to `value` (deeply); rejects when there is none. */
  remove(value: T): Promise<void> {
    return this.call('remove', value);
  }

  index(value: T): Promise<number> {
    return this.call('index', value);
  }

  count(value: T): Promise<number> {
    return this.call('count', value);
  }

  length(): Promise<number> {
    return this.call('length');
  }

  slice(start?: number, end?: number): Promise<T[]> {
    return this.call('slice', start ?? null, end ?? null);
  }

  /** Sorts numbers or strings in place. */
  sort(options?: { reverse?: boolean }): Promise<void> {
    return this.call('sort', { reverse: options?.reverse === true });
  }

  reverse(): Promise<void> {
    return this.call('reverse');
  }

  copy(): Promise<T[]> {
    return this.call('copy');
  }
}
registerKind('ListProxy', ListProxy);

/** A manager's Namespace: named values (Python's attributes) in the server process. */
export class NamespaceProxy<T extends Record<string, unknown> = Record<string, unknown>> extends BaseProxy {
  constructor() {
    super('NamespaceProxy');
  }

  /** @internal */
  protected override shareArgs(): unknown[] {
    return [];
  }

  /** The value named `name`; rejects when it has none. */
  get<K extends keyof T & string>(name: K): Promise<T[K]> {
    return this.call('get', name);
  }

  set<K extends keyof T & string>(name: K, value: T[K]): Promise<void> {
    return this.call('set', name, value);
  }

  delete(name: keyof T & string): Promise<boolean> {
    return this.call('delete', name);
  }

  /** Every value, as a plain object. */
  copy(): Promise<T> {
    return this.call('copy');
  }
}
registerKind('NamespaceProxy', NamespaceProxy);

/** Names a proxy may not take as methods: they would break it (a `then` makes it look like a Promise). */
const RESERVED = new Set(['then', 'constructor', 'callMethod', '__proto__', 'prototype']);

/** The methods of `T`, each resolving with what it returns (what an AutoProxy of a `T` offers). */
export type Methods<T> = {
  [K in keyof T as T[K] extends (...args: never[]) => unknown ? K : never]: T[K] extends (...args: infer A) => infer R
    ? (...args: A) => Promise<Awaited<R>>
    : never;
};

/** A proxy to an object of a type registered with `BaseManager.register`: its exposed methods, each async. */
export type AutoProxy<T = unknown> = BaseProxy & Methods<T>;

/** The proxy of a registered type: a method per exposed name. */
export class GenericProxy extends BaseProxy {
  readonly #typeid: string;
  readonly #exposed: readonly string[];

  constructor(typeid: string, exposed: readonly string[]) {
    super('GenericProxy');
    this.#typeid = typeid;
    this.#exposed = exposed;
    for (const name of exposed) {
      // A name the proxy has already (call, typeid, …) stays its own; callMethod() reaches the referent's.
      if (typeof name !== 'string' || RESERVED.has(name) || name in this) continue;
      Object.defineProperty(this, name, {
        value: (...args: unknown[]) => super.call(name, ...args),
        enumerable: false,
      });
    }
  }

  /** The typeid it was registered under. */
  get typeid(): string {
    return this.#typeid;
  }

  /** @internal */
  protected override shareArgs(): unknown[] {
    return [this.#typeid, this.#exposed];
  }
}
registerKind('GenericProxy', GenericProxy);

/** Whether `name` can be an exposed method's name. */
export const isExposable = (name: unknown): name is string =>
  typeof name === 'string' && name !== '' && !RESERVED.has(name) && !(name in Object.prototype);
