// Value and Array where they live. Node processes share no memory, so a
// shared number lives with its creator and others reach it by calls.
import type { Caller, Referent } from '../referent.js';
import {
  checkTypecode,
  convertValue,
  makeStorage,
  type SharedNumber,
  type Storage,
  type Typecode,
} from './typecodes.js';

/** A Value's state: one number of `typecode` (0 unless `initial` is given). */
export class ValueState implements Referent {
  readonly #typecode: Typecode;
  #value: SharedNumber;

  constructor(typecode: Typecode, initial?: SharedNumber) {
    checkTypecode(typecode);
    this.#typecode = typecode;
    this.#value = convertValue(typecode, initial ?? 0);
  }

  get(): SharedNumber {
    return this.#value;
  }

  set(_caller: Caller, value: SharedNumber): void {
    this.#value = convertValue(this.#typecode, value);
  }

  // Nothing is held and nothing waits on a number.
  callerGone(): void {}
  dispose(): void {}
}

// Python's slice bound: negative counts from the end, then clamped to the array.
function sliceBound(bound: unknown, length: number, omitted: number): number {
  if (bound === undefined || bound === null) return omitted;
  checkIndex(bound, 'start or end');
  return bound < 0 ? Math.max(0, length + bound) : Math.min(bound, length);
}

function checkIndex(index: unknown, name: string): asserts index is number {
  if (typeof index !== 'number' || !Number.isSafeInteger(index)) {
    throw new TypeError(`Expected the ${name} to be an integer, got \`${String(index)}\` (${typeof index})`);
  }
}

/** An Array's state: `sizeOrItems` zeros, or those items, of `typecode`. */
export class ArrayState implements Referent {
  readonly #typecode: Typecode;
  readonly #items: Storage;

  constructor(typecode: Typecode, sizeOrItems: number | readonly SharedNumber[]) {
    checkTypecode(typecode);
    this.#typecode = typecode;
    if (typeof sizeOrItems === 'number') {
      if (!Number.isSafeInteger(sizeOrItems) || sizeOrItems < 0) {
        throw new TypeError(`Expected the size to be a non-negative integer, got \`${sizeOrItems}\` (number)`);
      }
      this.#items = makeStorage(typecode, sizeOrItems);
      return;
    }
    if (!Array.isArray(sizeOrItems)) {
      throw new TypeError(
        `Expected a size or an array of items, got \`${String(sizeOrItems)}\` (${typeof sizeOrItems})`,
      );
    }
    const values = sizeOrItems.map((item: unknown) => convertValue(typecode, item));
    this.#items = makeStorage(typecode, values.length);
    values.forEach((value, i) => this.#store(i, value));
  }

  get(_caller: Caller, index: number): SharedNumber {
    return this.#items[this.#position(index)] as SharedNumber;
  }

  set(_caller: Caller, index: number, value: SharedNumber): void {
    const position = this.#position(index);
    this.#store(position, convertValue(this.#typecode, value));
  }

  /** The items from `start` to `end` (exclusive) as Python slices them: negative from the end, clamped. */
  slice(_caller: Caller, start?: number | null, end?: number | null): SharedNumber[] {
    const { length } = this.#items;
    const items: SharedNumber[] = [];
    for (let i = sliceBound(start, length, 0); i < sliceBound(end, length, length); i += 1) {
      items.push(this.#items[i] as SharedNumber);
    }
    return items;
  }

  length(): number {
    return this.#items.length;
  }

  // Nothing is held and nothing waits on a number.
  callerGone(): void {}
  dispose(): void {}

  #position(index: unknown): number {
    checkIndex(index, 'index');
    const { length } = this.#items;
    const position = index < 0 ? length + index : index;
    if (position < 0 || position >= length) {
      throw new RangeError(`Index ${index} is out of range for an Array of length ${length}`);
    }
    return position;
  }

  // convertValue gave the type this array holds (bigint for 64-bit typecodes).
  #store(position: number, value: SharedNumber): void {
    this.#items[position] = value;
  }
}
