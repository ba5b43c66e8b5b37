import { expect, test } from '@jest/globals';
import { OUT_OF_BAND_CHARS } from '../../packages/core/src/common/codec/payload.js';
import { isPlainJson } from '../../packages/core/src/common/codec/plain-json.js';
import { decodeValue, encodeValue } from '../../packages/core/src/common/codec/values.js';

const nested = (depth: number): unknown => {
  let value: unknown = 1;
  for (let i = 0; i < depth; i += 1) value = [value];
  return value;
};

test('values JSON gives back exactly take the JSON path', () => {
  const plain: unknown[] = [
    0,
    -1.5,
    Number.MAX_VALUE,
    '',
    'x'.repeat(OUT_OF_BAND_CHARS - 1),
    'é "quoted" \\ \n',
    true,
    null,
    {},
    [[1, 'a'], [], [null]],
    { a: [1, { b: 'c' }], d: null },
    Array.from({ length: 100 }, (_, i) => ({ i })),
    nested(64),
    JSON.parse('{"a":1}'),
  ];
  for (const value of plain) {
    expect(isPlainJson(value)).toBe(true);
    expect(JSON.parse(JSON.stringify(value))).toEqual(value);
    expect(encodeValue(value).text.startsWith('J')).toBe(true);
  }
});

test('values JSON would change or drop do not take the JSON path: they arrive as sent, or are refused', () => {
  class Point {
    x = 1;
  }
  const shared = { s: 1 };
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  const arriveAsSent: [string, unknown][] = [
    ['undefined', undefined],
    ['NaN', Number.NaN],
    ['Infinity', Infinity],
    ['-0', -0],
    ['a bigint', 1n],
    ['a list holding undefined', [1, undefined]],
    ['a list holding -0', [1, -0]],
    ['a list holding NaN', [Number.NaN, 1]],
    ['a list holding -Infinity', [1, -Infinity]],
    ['a list holding a bigint', [1, 2n]],
    ['a list holding a list holding -0', [1, [2, -0]]],
    ['a list holding a string that travels out of band', ['a', 'x'.repeat(OUT_OF_BAND_CHARS)]],
    // eslint-disable-next-line no-sparse-arrays
    ['a list with a hole', [1, , 3]],
    ['a sparse list', Object.assign(new Array(5), { 2: 'x' })],
    ['an object holding undefined', { a: undefined }],
    ['an object with a toJSON JSON would not call', { a: 1, toJSON: 1 }],
    ['a Date (its toJSON gives a string)', new Date(0)],
    ['a Map', new Map([[1, 2]])],
    ['an object without a prototype', Object.assign(Object.create(null) as object, { a: 1 })],
    ['a shared object', [shared, shared]],
    ['a cyclic object', cyclic],
    ['a string that travels out of band', 'x'.repeat(OUT_OF_BAND_CHARS)],
    ['a value nested deeper than the walk goes', nested(66)],
  ];
  for (const [what, value] of arriveAsSent) {
    expect([what, isPlainJson(value)]).toEqual([what, false]);
    const payload = encodeValue(value);
    expect([what, payload.text.startsWith('J')]).toEqual([what, false]);
    const back = decodeValue(payload);
    expect([what, back]).toEqual([what, value]);
    if (typeof value === 'number') expect(Object.is(back, value)).toBe(true);
  }
  // A list's toJSON is not JSON's to call: the list arrives, without it.
  const withToJson = Object.assign([1, 2], { toJSON: () => 'not this' });
  expect(isPlainJson(withToJson)).toBe(false);
  expect(decodeValue(encodeValue(withToJson))).toEqual([1, 2]);
  // JSON would call toJSON, drop the symbol key or set the prototype; devalue refuses them.
  const refused: [string, unknown][] = [
    ['an object with toJSON', { a: 1, toJSON: () => 'not this' }],
    ['a symbol key', { a: 1, [Symbol.for('k')]: 2 }],
    ['an own __proto__ key', JSON.parse('{"__proto__":{"a":1}}')],
    ['an instance of an unregistered class', new Point()],
  ];
  for (const [what, value] of refused) {
    expect([what, isPlainJson(value)]).toEqual([what, false]);
    let thrown: unknown = null;
    try {
      encodeValue(value);
    } catch (error) {
      thrown = error;
    }
    expect([what, (thrown as Error | null)?.name]).toEqual([what, 'DevalueError']);
  }
});
