import { expect, test } from '@jest/globals';
import { decodeValue, encodeValue } from '../../packages/core/src/common/codec/values.js';
import { OUT_OF_BAND_BYTES, OUT_OF_BAND_CHARS } from '../../packages/core/src/common/codec/payload.js';

const roundTrip = (value: unknown): unknown => decodeValue(encodeValue(value));

test('a list of nothing but undefined (the results of void tasks) travels as its length, and comes back dense', () => {
  expect(encodeValue([undefined, undefined]).text).toBe('V2');
  const back = roundTrip([undefined, undefined, undefined]) as unknown[];
  expect(back).toHaveLength(3);
  expect(back.every((value, i) => value === undefined && i in back)).toBe(true);
  expect(roundTrip([])).toEqual([]);
  // Holes are not undefined: they keep going the long way, and stay holes.
  // eslint-disable-next-line no-sparse-arrays
  const sparse = roundTrip([, undefined]) as unknown[];
  expect(sparse).toHaveLength(2);
  expect(0 in sparse).toBe(false);
  expect(1 in sparse).toBe(true);
  expect(roundTrip([undefined, null])).toEqual([undefined, null]);
});

test('plain JSON goes as JSON; a shared or cyclic object, among few or many, keeps its identity', () => {
  expect(encodeValue([[1, 'a', { b: true }]]).text).toBe('J[[1,"a",{"b":true}]]');
  for (const count of [2, 40]) {
    const shared = { shared: true };
    const list: unknown[] = Array.from({ length: count }, (_, i) => ({ i }));
    list.push(shared, [shared]);
    expect(encodeValue(list).text.startsWith('J')).toBe(false);
    const back = roundTrip(list) as unknown[];
    expect(back[count]).toBe((back[count + 1] as unknown[])[0]);
    expect(back[count - 1]).toEqual({ i: count - 1 });
  }
  const cyclic: unknown[] = Array.from({ length: 30 }, (_, i) => [i]);
  cyclic.push(cyclic);
  const back = roundTrip(cyclic) as unknown[];
  expect(back[30]).toBe(back);
});

test('a getter that sends a value while its object is being sent does not disturb either', () => {
  let inner = '';
  const shared = { x: 1 };
  const outer = {
    a: shared,
    get b(): number {
      inner = encodeValue([{ y: 2 }, { y: 3 }]).text;
      return 5;
    },
    c: shared,
  };
  const back = roundTrip(outer) as { a: unknown; b: number; c: unknown };
  expect(inner).toBe('J[{"y":2},{"y":3}]');
  expect(back.b).toBe(5);
  expect(back.a).toBe(back.c);
});

test('short lists of numbers and short strings are written by hand exactly as JSON.stringify writes them', () => {
  const numbers = [0, 1, -5, 0.1, 1e21, 1e-7, 123456789.125, Number.MAX_VALUE, Number.MIN_VALUE, -1.5e-300];
  const strings = ['', 'plain', 'a b~{}[]', ' !#$%&()*+,-./:;<=>?@^_`|'];
  for (const value of [...numbers, ...strings, true, false, null]) {
    expect(encodeValue([[value]]).text).toBe(`J${JSON.stringify([[value]])}`);
    expect(encodeValue([value, [value, value]]).text).toBe(`J${JSON.stringify([value, [value, value]])}`);
  }
  expect(encodeValue([[1, 'a'], [], [null]]).text).toBe('J[[1,"a"],[],[null]]');
  // What JSON text cannot carry as it is still arrives as sent, by the other paths.
  const shared = [1];
  const awkward: unknown[][] = [
    [-0],
    [Number.NaN, Infinity],
    ['quote " and \\ backslash', 'tab\t', 'é', '\ud800', 'x'.repeat(100)],
    [shared, shared],
    [[undefined]],
    Array.from({ length: 40 }, (_, i) => i),
  ];
  for (const value of awkward) {
    const back = roundTrip(value) as unknown[];
    expect(back).toEqual(value);
    value.forEach((item, i) => {
      if (typeof item === 'number') expect(Object.is(back[i], item)).toBe(true);
    });
  }
  const back = roundTrip([shared, shared]) as unknown[];
  expect(back[0]).toBe(back[1]);
  // An array's toJSON is not JSON's to call: the array arrives, not what toJSON returns.
  expect(roundTrip([Object.assign([1, 2], { toJSON: () => 'not this' })])).toEqual([[1, 2]]);
});

test('large Buffers, byte arrays and strings, alone or in short lists, skip devalue and come back as they went', () => {
  const buffer = Buffer.alloc(OUT_OF_BAND_BYTES, 7);
  const bytes = new Uint8Array(OUT_OF_BAND_BYTES).fill(3);
  const text = 's'.repeat(OUT_OF_BAND_CHARS);
  expect(encodeValue(buffer)).toEqual({ text: 'R', parts: [{ kind: 'b', value: buffer }] });
  expect(encodeValue([[buffer, text], [bytes]]).text).toBe('L[[0,1],[2]]');
  const back = roundTrip([[buffer, text], [bytes]]) as [[Buffer, string], [Uint8Array]];
  expect(Buffer.isBuffer(back[0][0]) && back[0][0].equals(buffer)).toBe(true);
  expect(back[0][1]).toBe(text);
  expect(Buffer.isBuffer(back[1][0])).toBe(false);
  expect(back[1][0]).toEqual(bytes);
  expect(roundTrip(text)).toBe(text);
  // A string given twice is the same string either way.
  expect(encodeValue([text, text]).text).toBe('L[0,1]');
});

test('a list with anything else, or a Buffer or list given twice, takes devalue and keeps its identity', () => {
  const buffer = Buffer.alloc(OUT_OF_BAND_BYTES, 1);
  const small = Buffer.alloc(OUT_OF_BAND_BYTES - 1, 2);
  class Bytes extends Uint8Array {}
  for (const value of [[buffer, 1], [small], [[buffer, [buffer]]], [new Bytes(OUT_OF_BAND_BYTES)], []]) {
    expect(encodeValue(value).text.startsWith('L')).toBe(false);
  }
  const twice = roundTrip([[buffer], [buffer]]) as [[Buffer], [Buffer]];
  expect(twice[0][0]).toBe(twice[1][0]);
  const inner = [buffer];
  const sameList = roundTrip([inner, inner]) as [Buffer[], Buffer[]];
  expect(sameList[0]).toBe(sameList[1]);
  expect(encodeValue(small).text.startsWith('R')).toBe(false);
});
