import { describe, expect, test } from '@jest/globals';
import { checkTypecode, convertValue } from '../../../packages/core/src/common/objects/state/typecodes.js';
import type { SharedNumber, Typecode } from '../../../packages/core/src/common/objects/state/typecodes.js';
import { ArrayState, ValueState } from '../../../packages/core/src/common/objects/state/value-state.js';
import { A } from './helpers.js';

describe('typecodes', () => {
  test('integers wrap as C does; 64-bit ones are bigints; floats round to their size', () => {
    const cases: [Typecode, SharedNumber, SharedNumber][] = [
      ['b', 128, -128],
      ['b', -129, 127],
      ['B', 256, 0],
      ['B', -1, 255],
      ['h', 32768, -32768],
      ['H', 65536 + 5, 5],
      ['i', 2 ** 31, -(2 ** 31)],
      ['I', -1, 2 ** 32 - 1],
      ['i', 2n ** 70n + 3n, 3],
      ['l', 2n ** 63n, -(2n ** 63n)],
      ['L', -1, 2n ** 64n - 1n],
      ['q', 5, 5n],
      ['Q', 2n ** 64n + 7n, 7n],
      ['f', 0.1, Math.fround(0.1)],
      ['d', 0.1, 0.1],
      ['d', Number.NaN, Number.NaN],
      ['f', 3n, 3],
    ];
    for (const [typecode, value, stored] of cases)
      expect([typecode, convertValue(typecode, value)]).toEqual([typecode, stored]);
  });

  test('an unknown typecode, a non-integer for an integer typecode, or a non-number is a TypeError naming it', () => {
    for (const bad of ['x', 'c', 'u', 'toString', '', 1, null]) expect(() => checkTypecode(bad)).toThrow(TypeError);
    expect(() => checkTypecode('z')).toThrow(
      "Expected `typecode` to be one of 'b', 'B', 'h', 'H', 'i', 'I', 'l', 'L', 'q', 'Q', 'f', 'd', got `z` (string)",
    );
    expect(() => convertValue('i', 1.5)).toThrow(
      "Expected `value` to be an integer for typecode 'i', got `1.5` (number)",
    );
    expect(() => convertValue('q', Number.POSITIVE_INFINITY)).toThrow(TypeError);
    expect(() => convertValue('d', '1')).toThrow("Expected `value` to be a number for typecode 'd', got `1` (string)");
    expect(() => convertValue('b', true)).toThrow(TypeError);
  });
});

describe('ValueState', () => {
  test('starts at its initial value (0 by default) and wraps what it is set to', () => {
    const value = new ValueState('b', 127);
    expect(value.get()).toBe(127);
    value.set(A, (value.get() as number) + 1);
    expect(value.get()).toBe(-128);
    expect(new ValueState('d').get()).toBe(0);
    expect(new ValueState('Q').get()).toBe(0n);
    const big = new ValueState('q', 2n ** 62n);
    big.set(A, 2n ** 63n);
    expect(big.get()).toBe(-(2n ** 63n));
  });

  test('a bad typecode or value is a TypeError, and a bad set changes nothing', () => {
    expect(() => new ValueState('x' as Typecode, 1)).toThrow(TypeError);
    const value = new ValueState('i', 7);
    expect(() => value.set(A, 0.5)).toThrow(TypeError);
    expect(() => value.set(A, 'a' as unknown as number)).toThrow(TypeError);
    expect(value.get()).toBe(7);
  });
});

describe('ArrayState', () => {
  test('a size gives that many zeros; items are converted as they go in', () => {
    expect(new ArrayState('i', 3).slice(A)).toEqual([0, 0, 0]);
    expect(new ArrayState('q', 2).slice(A)).toEqual([0n, 0n]);
    const array = new ArrayState('B', [1, 256, -1]);
    expect(array.length()).toBe(3);
    expect(array.slice(A)).toEqual([1, 0, 255]);
    expect(new ArrayState('d', []).length()).toBe(0);
  });

  test('get and set take Python indexes: negative from the end; out of range is a RangeError', () => {
    const array = new ArrayState('h', [10, 20, 30]);
    expect(array.get(A, 0)).toBe(10);
    expect(array.get(A, -1)).toBe(30);
    array.set(A, -3, 40000);
    expect(array.get(A, 0)).toBe(40000 - 65536);
    for (const index of [3, -4]) {
      expect(() => array.get(A, index)).toThrow(RangeError);
      expect(() => array.set(A, index, 1)).toThrow(RangeError);
    }
    expect(() => array.get(A, 0.5)).toThrow(TypeError);
    expect(() => array.set(A, 1, 1.5)).toThrow(TypeError);
    expect(array.slice(A)).toEqual([40000 - 65536, 20, 30]);
  });

  test('slice follows Python: omitted bounds, negative bounds from the end, bounds clamped, empty when crossed', () => {
    const array = new ArrayState('i', [0, 1, 2, 3, 4]);
    expect(array.slice(A, 1)).toEqual([1, 2, 3, 4]);
    expect(array.slice(A, undefined, 2)).toEqual([0, 1]);
    expect(array.slice(A, null, null)).toEqual([0, 1, 2, 3, 4]);
    expect(array.slice(A, -2)).toEqual([3, 4]);
    expect(array.slice(A, 1, -1)).toEqual([1, 2, 3]);
    expect(array.slice(A, -100, 100)).toEqual([0, 1, 2, 3, 4]);
    expect(array.slice(A, 3, 1)).toEqual([]);
    expect(array.slice(A, 7)).toEqual([]);
    expect(() => array.slice(A, 'a' as unknown as number)).toThrow(TypeError);
  });

  test('a bad size or item list is an error', () => {
    expect(() => new ArrayState('i', -1)).toThrow(TypeError);
    expect(() => new ArrayState('i', 1.5)).toThrow(TypeError);
    expect(() => new ArrayState('i', [1, 'a'] as unknown as number[])).toThrow(TypeError);
    expect(() => new ArrayState('i', 'abc' as unknown as number[])).toThrow(TypeError);
    expect(() => new ArrayState('w' as Typecode, 1)).toThrow(TypeError);
  });
});
