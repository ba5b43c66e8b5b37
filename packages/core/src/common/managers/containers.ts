import { isDeepStrictEqual } from 'node:util';

import { ProcessError } from '../errors.js';
import { invalid } from '../validate.js';
import { release } from './release.js';

// The objects a manager's dict(), list() and Namespace() hold. They live in
// the manager's server process; their methods are what the proxies call, with
// the arguments the proxy sent (already decoded) and answers sent back as copies.

const ITEMS = 'Expected an iterable of [key, value] pairs, a Map or a plain object';

function entriesOf(init: unknown): Iterable<[unknown, unknown]> {
  if (init === undefined || init === null) return [];
  if (init instanceof Map) return init.entries() as Iterable<[unknown, unknown]>;
  if (typeof init === 'object' && Symbol.iterator in init) {
    return [...(init as Iterable<unknown>)].map((pair) => {
      if (!Array.isArray(pair) || pair.length !== 2) throw new TypeError(ITEMS);
      return pair as [unknown, unknown];
    });
  }
  if (typeof init === 'object') return Object.entries(init);
  throw new TypeError(ITEMS);
}

/** A manager's dict: a Map in the server process. */
export class SharedDict {
  readonly #map: Map<unknown, unknown>;

  constructor(init?: unknown) {
    this.#map = new Map(entriesOf(init));
  }

  get(key: unknown, fallback?: unknown): unknown {
    return this.#map.has(key) ? this.#map.get(key) : fallback;
  }

  set(key: unknown, value: unknown): void {
    const old = this.#map.get(key);
    this.#map.set(key, value);
    if (old !== value) release(old);
  }

  has(key: unknown): boolean {
    return this.#map.has(key);
  }

  delete(key: unknown): boolean {
    const old = this.#map.get(key);
    const deleted = this.#map.delete(key);
    release(old);
    return deleted;
  }

  keys(): unknown[] {
    return [...this.#map.keys()];
  }

  values(): unknown[] {
    return [...this.#map.values()];
  }

  entries(): [unknown, unknown][] {
    return [...this.#map.entries()];
  }

  size(): number {
    return this.#map.size;
  }

  clear(): void {
    const old = [...this.#map.values()];
    this.#map.clear();
    release(old);
  }

  update(items: unknown): void {
    for (const [key, value] of entriesOf(items)) this.set(key, value);
  }

  /** Removes `key` and returns its value; without it, `fallback`, or a KeyError-like ProcessError when none was given. */
  pop(key: unknown, ...fallback: unknown[]): unknown {
    if (this.#map.has(key)) {
      const value = this.#map.get(key);
      this.#map.delete(key);
      return value;
    }
    if (fallback.length > 0) return fallback[0];
    throw new ProcessError(`pop(): no key ${String(key)} in the dict`);
  }

  setDefault(key: unknown, value: unknown = null): unknown {
    if (!this.#map.has(key)) this.#map.set(key, value);
    return this.#map.get(key);
  }

  copy(): Map<unknown, unknown> {
    return new Map(this.#map);
  }

  /** Freed: the handles it stored go too. */
  dispose(): void {
    this.clear();
  }
}

/** A position in a list of `length`, as Python takes one: negative counts from the end. */
function position(index: unknown, length: number, what: string): number {
  if (typeof index !== 'number' || !Number.isInteger(index)) {
    throw invalid('index', 'an integer', index);
  }
  const at = index < 0 ? length + index : index;
  if (at < 0 || at >= length) throw new RangeError(`${what}: index ${index} is out of range (length ${length})`);
  return at;
}

/** Python's slice bounds: negative counts from the end, clamped to the list. */
function bound(value: unknown, length: number, fallback: number, what = 'slice bound'): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw invalid(what, 'an integer', value);
  }
  return value < 0 ? Math.max(0, length + value) : Math.min(value, length);
}

// Python's ordering for what sort() meets: numbers (and bigints) by value, strings by code point.
function compare(a: unknown, b: unknown): number {
  const numeric = (x: unknown): boolean => typeof x === 'number' || typeof x === 'bigint';
  if (numeric(a) && numeric(b)) return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  throw new TypeError(`sort(): cannot order ${typeof a} and ${typeof b} (only numbers or only strings)`);
}

/** A manager's list: an array in the server process. */
export class SharedList {
  readonly #items: unknown[];

  constructor(init?: unknown) {
    if (init !== undefined && init !== null && (typeof init !== 'object' || !(Symbol.iterator in init))) {
      throw invalid('init', 'an iterable', init);
    }
    this.#items = init === undefined || init === null ? [] : [...(init as Iterable<unknown>)];
  }

  get(index: unknown): unknown {
    return this.#items[position(index, this.#items.length, 'get()')];
  }

  set(index: unknown, value: unknown): void {
    const at = position(index, this.#items.length, 'set()');
    const old = this.#items[at];
    this.#items[at] = value;
    if (old !== value) release(old);
  }

  append(value: unknown): void {
    this.#items.push(value);
  }

  extend(values: unknown): void {
    if (typeof values !== 'object' || values === null || !(Symbol.iterator in values)) {
      throw invalid('values', 'an iterable', values);
    }
    this.#items.push(...(values as Iterable<unknown>));
  }

  insert(index: unknown, value: unknown): void {
    const length = this.#items.length;
    this.#items.splice(bound(index, length, length, 'index'), 0, value);
  }

  pop(index: unknown = -1): unknown {
    if (this.#items.length === 0) throw new RangeError('pop() from an empty list');
    return this.#items.splice(position(index, this.#items.length, 'pop()'), 1)[0];
  }

  remove(value: unknown): void {
    release(this.#items.splice(this.#indexOf(value, 'remove()'), 1));
  }

  index(value: unknown): number {
    return this.#indexOf(value, 'index()');
  }

  count(value: unknown): number {
    return this.#items.filter((item) => isDeepStrictEqual(item, value)).length;
  }

  length(): number {
    return this.#items.length;
  }

  slice(start?: unknown, end?: unknown): unknown[] {
    const length = this.#items.length;
    return this.#items.slice(bound(start, length, 0), bound(end, length, length));
  }

  /** Sorts numbers or strings in place (Python's `list.sort()`; a key function cannot travel). */
  sort(options?: { reverse?: boolean }): void {
    this.#items.sort(compare);
    if (options?.reverse === true) this.#items.reverse();
  }

  reverse(): void {
    this.#items.reverse();
  }

  copy(): unknown[] {
    return [...this.#items];
  }

  /** Freed: the handles it stored go too. */
  dispose(): void {
    release(this.#items.splice(0));
  }

  #indexOf(value: unknown, what: string): number {
    const at = this.#items.findIndex((item) => isDeepStrictEqual(item, value));
    if (at < 0) throw new ProcessError(`${what}: the value is not in the list`);
    return at;
  }
}

/** A manager's Namespace: named values in the server process. */
export class SharedNamespace {
  readonly #values = new Map<string, unknown>();

  constructor(init?: unknown) {
    for (const [name, value] of entriesOf(init)) this.set(name, value);
  }

  get(name: unknown): unknown {
    if (typeof name !== 'string') throw invalid('name', 'a string', name);
    if (!this.#values.has(name)) throw new ProcessError(`The Namespace has no value named '${name}'`);
    return this.#values.get(name);
  }

  set(name: unknown, value: unknown): void {
    // copy() answers with an object, which the codec cannot send with a '__proto__' key.
    if (typeof name !== 'string' || name === '__proto__')
      throw invalid('name', "a string other than '__proto__'", name);
    const old = this.#values.get(name);
    this.#values.set(name, value);
    if (old !== value) release(old);
  }

  delete(name: unknown): boolean {
    if (typeof name !== 'string') return false;
    const old = this.#values.get(name);
    const deleted = this.#values.delete(name);
    release(old);
    return deleted;
  }

  copy(): Record<string, unknown> {
    return Object.fromEntries(this.#values);
  }

  /** Freed: the handles it stored go too. */
  dispose(): void {
    release([...this.#values.values()]);
    this.#values.clear();
  }
}

export const DICT_METHODS = [
  'get',
  'set',
  'has',
  'delete',
  'keys',
  'values',
  'entries',
  'size',
  'clear',
  'update',
  'pop',
  'setDefault',
  'copy',
];
export const LIST_METHODS = [
  'get',
  'set',
  'append',
  'extend',
  'insert',
  'pop',
  'remove',
  'index',
  'count',
  'length',
  'slice',
  'sort',
  'reverse',
  'copy',
];
export const NAMESPACE_METHODS = ['get', 'set', 'delete', 'copy'];
