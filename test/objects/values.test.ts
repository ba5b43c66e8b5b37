// Value, Array, RawValue and RawArray over real processes: the semantics of
// CPython's _TestValue and _TestArray (every typecode, C's wrap-around, the
// lock guarding read-modify-write), with the 64-bit typecodes as bigints.
import { describe, expect, test } from '@jest/globals';
import { Array as SharedArray, Lock, RawArray, RawValue, Value, type Typecode, type Process } from '@procpool/core';
import {
  countItemUnderLock,
  countUnderLock,
  readArray,
  readValue,
  writeArray,
  writeValue,
} from '../../fixtures/sync-targets.mjs';
import { makePool, makeProcess } from '../helpers/pools.js';

// For each typecode: a value at the top of its range, and what one more wraps to.
const RANGES: Array<[Typecode, number | bigint, number | bigint]> = [
  ['b', 127, -128],
  ['B', 255, 0],
  ['h', 32_767, -32_768],
  ['H', 65_535, 0],
  ['i', 2 ** 31 - 1, -(2 ** 31)],
  ['I', 2 ** 32 - 1, 0],
  ['l', 2n ** 63n - 1n, -(2n ** 63n)],
  ['L', 2n ** 64n - 1n, 0n],
  ['q', 2n ** 63n - 1n, -(2n ** 63n)],
  ['Q', 2n ** 64n - 1n, 0n],
];

const plusOne = (value: number | bigint): number | bigint => (typeof value === 'bigint' ? value + 1n : value + 1);

describe('Value', () => {
  test.each(RANGES)("'%s' holds its largest value and wraps one past it as C does", async (code, top, wrapped) => {
    const value = new Value(code, top);
    expect(await value.get()).toBe(top);
    await value.set(plusOne(top));
    expect(await value.get()).toBe(wrapped);
  });

  test('the unsigned typecodes wrap -1 to their largest value; 64-bit ones take numbers too', async () => {
    const expected: Array<[Typecode, number | bigint]> = [
      ['B', 255],
      ['H', 65_535],
      ['I', 2 ** 32 - 1],
      ['L', 2n ** 64n - 1n],
      ['Q', 2n ** 64n - 1n],
    ];
    for (const [code, top] of expected) {
      const value = new Value(code, -1);
      expect(await value.get()).toBe(top);
    }
    const big = new Value('q', 5);
    expect(await big.get()).toBe(5n);
    await big.set(-7);
    expect(await big.get()).toBe(-7n);
    expect(await new Value('l').get()).toBe(0n);
  });

  test("'f' rounds to float32, 'd' keeps a double; both default to 0", async () => {
    const single = new Value('f', 0.1);
    expect(await single.get()).toBe(Math.fround(0.1));
    const double = new Value('d', 0.1);
    expect(await double.get()).toBe(0.1);
    await double.set(-1.5e300);
    expect(await double.get()).toBe(-1.5e300);
    expect(await new Value('f').get()).toBe(0);
  });

  test('an unknown typecode, a non-integer for an integer typecode, or a non-number is a TypeError', async () => {
    for (const code of ['z', 'c', 'u', '', 1, null]) {
      expect(() => new Value(code as Typecode)).toThrow(TypeError);
    }
    expect(() => new Value('z' as Typecode)).toThrow(/typecode/);
    expect(() => new Value('i', 1.5)).toThrow(TypeError);
    expect(() => new Value('i', 1.5)).toThrow(/'i'/);
    const value = new Value('i', 1);
    await expect(value.set(2.5)).rejects.toThrow(TypeError);
    await expect(value.set('3' as unknown as number)).rejects.toThrow(TypeError);
    expect(await value.get()).toBe(1);
    // A float typecode takes a non-integer.
    const float = new Value('d');
    await float.set(2.5);
    expect(await float.get()).toBe(2.5);
  });

  test('every typecode reads the same in a pool worker, and a worker’s set() is seen here', async () => {
    const pool = makePool(2);
    const values = RANGES.map(([code, top]) => new Value(code, top));
    const read = await pool.map(readValue, values);
    expect(read).toEqual(RANGES.map(([code, top]) => ({ typecode: code, value: top })));
    const small = new Value('b', 127);
    expect(await pool.apply(writeValue, [small, 128])).toBe(-128);
    expect(await small.get()).toBe(-128);
    const big = new Value('Q', 0n);
    expect(await pool.apply(writeValue, [big, -1n])).toBe(2n ** 64n - 1n);
    await expect(pool.apply(writeValue, [small, 0.5])).rejects.toThrow(TypeError);
  });

  test('getLock() guards a counter incremented by 4 processes × 100: exactly 400', async () => {
    const counter = new Value('i', 0);
    // A Lock, not Python's RLock: a process's async functions must exclude each other too.
    expect(counter.getLock()).toBeInstanceOf(Lock);
    const children: Process[] = [];
    for (let i = 0; i < 4; i += 1) children.push(makeProcess({ target: countUnderLock, args: [counter, 100] }));
    for (const child of children) child.start();
    await Promise.all(children.map((child) => child.join()));
    expect(children.map((child) => child.exitCode)).toEqual([0, 0, 0, 0]);
    expect(await counter.get()).toBe(400);
    expect(await counter.getLock().locked()).toBe(false);
  });

  test("the default lock also excludes a process's own async functions: 4 of them × 50 here give exactly 200", async () => {
    const counter = new Value('i', 0);
    const increment = async (): Promise<void> => {
      for (let i = 0; i < 50; i += 1) {
        await using _ = await counter.getLock().hold();
        await counter.set((await counter.get()) + 1);
      }
    };
    await Promise.all([increment(), increment(), increment(), increment()]);
    expect(await counter.get()).toBe(200);
  });

  test('a given lock is the one getLock() answers, here and in a child; one lock may guard two values', async () => {
    const lock = new Lock();
    const a = new Value('i', 0, { lock });
    const b = new SharedArray('i', 2, { lock });
    expect(a.getLock()).toBe(lock);
    expect(b.getLock()).toBe(lock);
    await lock.acquire();
    // The child's getLock() is this Lock: it waits until we release.
    const child = makeProcess({ target: countUnderLock, args: [a, 1] });
    child.start();
    expect(await a.get()).toBe(0);
    await lock.release();
    await child.join();
    expect(await a.get()).toBe(1);
    expect(() => new Value('i', 0, { lock: 'yes' as unknown as boolean })).toThrow(TypeError);
    expect(() => new Value('i', 0, { lokc: true } as never)).toThrow(/lokc/);
  });

  test('RawValue has no lock; it travels and works in a worker', async () => {
    const raw = new RawValue('h', 32_767);
    expect(() => raw.getLock()).toThrow(TypeError);
    expect(() => new Value('i', 0, { lock: false }).getLock()).toThrow('has no lock');
    const pool = makePool(1);
    expect(await pool.apply(writeValue, [raw, 32_768])).toBe(-32_768);
    expect(await raw.get()).toBe(-32_768);
  });
});

describe('Array', () => {
  test('imported as SharedArray, the global Array stays in view', () => {
    const shared = new SharedArray('i', 3);
    expect(shared.length).toBe(3);
    expect(Array.isArray([])).toBe(true);
    expect(shared).not.toBeInstanceOf(Array);
  });

  test('get, set and Python slices here; negative indexes count from the end; out of range is a RangeError', async () => {
    const array = new SharedArray('i', [1, 2, 3, 4, 5]);
    expect(array.length).toBe(5);
    expect(array.typecode).toBe('i');
    expect(await array.get(0)).toBe(1);
    expect(await array.get(-1)).toBe(5);
    expect(await array.get(-5)).toBe(1);
    await expect(array.get(5)).rejects.toThrow(RangeError);
    await expect(array.get(-6)).rejects.toThrow(RangeError);
    await expect(array.get(1.5)).rejects.toThrow(TypeError);
    expect(await array.slice()).toEqual([1, 2, 3, 4, 5]);
    expect(await array.slice(1, 3)).toEqual([2, 3]);
    expect(await array.slice(-2)).toEqual([4, 5]);
    expect(await array.slice(undefined, -1)).toEqual([1, 2, 3, 4]);
    expect(await array.slice(10)).toEqual([]);
    expect(await array.slice(3, 1)).toEqual([]);
    expect(await array.slice(-100, 100)).toEqual([1, 2, 3, 4, 5]);
    await array.set(-1, 2 ** 31);
    expect(await array.get(4)).toBe(-(2 ** 31));
    await expect(array.set(5, 0)).rejects.toThrow(RangeError);
    await expect(array.set(0, 0.5)).rejects.toThrow(TypeError);
    expect(await array.get(0)).toBe(1);
  });

  test('a size makes zeros; items of every typecode are converted as their values are', async () => {
    expect(await new SharedArray('d', 3).slice()).toEqual([0, 0, 0]);
    expect(await new SharedArray('q', 2).slice()).toEqual([0n, 0n]);
    expect(await new SharedArray('B', [256, -1, 7]).slice()).toEqual([0, 255, 7]);
    expect(await new SharedArray('f', [0.1]).slice()).toEqual([Math.fround(0.1)]);
    expect(await new SharedArray('Q', [-1, 1n]).slice()).toEqual([2n ** 64n - 1n, 1n]);
    expect(new SharedArray('i', []).length).toBe(0);
    expect(() => new SharedArray('i', -1)).toThrow(TypeError);
    expect(() => new SharedArray('i', [1, 'x'] as never)).toThrow(TypeError);
    expect(() => new SharedArray('y' as Typecode, 1)).toThrow(TypeError);
  });

  test('a child reads length, items and slices; its set() is seen here; its errors reach it', async () => {
    const array = new SharedArray('i', [1, 2, 3, 4, 5]);
    const pool = makePool(1);
    expect(await pool.apply(readArray, [array])).toEqual({
      length: 5,
      typecode: 'i',
      all: [1, 2, 3, 4, 5],
      first: 1,
      last: 5,
      middle: [2, 3, 4],
    });
    expect(await pool.apply(writeArray, [array, -2, -7])).toBe(-7);
    expect(await array.slice()).toEqual([1, 2, 3, -7, 5]);
    await expect(pool.apply(writeArray, [array, 5, 0])).rejects.toThrow(RangeError);
    const longs = new SharedArray('l', [2n ** 63n - 1n, 0n]);
    expect(await pool.apply(writeArray, [longs, 1, 2n ** 63n])).toBe(-(2n ** 63n));
    expect(await pool.apply(readArray, [longs])).toMatchObject({ length: 2, typecode: 'l', first: 2n ** 63n - 1n });
  });

  test('RawArray has no lock and works in a child', async () => {
    const raw = new RawArray('H', [1, 2]);
    expect(() => raw.getLock()).toThrow(TypeError);
    const pool = makePool(1);
    expect(await pool.apply(writeArray, [raw, 0, 65_536])).toBe(0);
    expect(await raw.slice()).toEqual([0, 2]);
  });

  test('getLock() of an Array guards its items across 4 processes', async () => {
    const array = new SharedArray('i', 2);
    const children = [0, 1, 2, 3].map((i) =>
      makeProcess({ target: countItemUnderLock, args: [array, i % 2 === 0 ? 0 : -1, 50] }),
    );
    for (const child of children) child.start();
    await Promise.all(children.map((child) => child.join()));
    expect(await array.slice()).toEqual([100, 100]);
  });
});
