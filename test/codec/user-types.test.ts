import { expect, test } from '@jest/globals';
import { describeEncodeFailure } from '../../packages/core/src/common/codec/encode-failure.js';
import { registerType } from '../../packages/core/src/common/codec/user-types.js';
import { decodeValue, encodeValue } from '../../packages/core/src/common/codec/values.js';

const roundTrip = (value: unknown): unknown => decodeValue(encodeValue(value));

class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
}
class Point3 extends Point {
  constructor(
    x: number,
    y: number,
    readonly z: number,
  ) {
    super(x, y);
  }
}

test('instances of a registered class arrive as instances, by its name, wherever they sit', () => {
  registerType(Point, { reduce: (p) => [p.x, p.y], revive: ([x, y]: number[]) => new Point(x ?? 0, y ?? 0) });
  const point = new Point(1, 2);
  const back = roundTrip([point, { at: point }, new Map([['p', point]])]) as [Point, { at: Point }, Map<string, Point>];
  expect(back[0]).toBeInstanceOf(Point);
  expect(back[0]).toEqual(point);
  // devalue keeps identity: the reduced value is revived once.
  expect(back[1].at).toBe(back[0]);
  expect(back[2].get('p')).toBe(back[0]);
  // An instance of a subclass is an instance of the registered class, and is sent as one.
  expect(roundTrip(new Point3(1, 2, 3))).toStrictEqual(new Point(1, 2));
});

test('a name registered only on the sending side fails where the value arrives, naming the fix', () => {
  class Sent {}
  registerType(Sent, { reduce: () => 0, revive: () => new Sent() }, 'OnlyHere');
  const payload = encodeValue(new Sent());
  const renamed = { ...payload, text: payload.text.replace('OnlyHere', 'Elsewhere') };
  expect(() => decodeValue(renamed)).toThrow(
    new TypeError("No type 'Elsewhere' is registered here: call registerType in a module this process loads"),
  );
});

test('a reduce that throws is reported with its error as the cause', () => {
  class Fragile {}
  const broken = new Error('cannot reduce');
  registerType(Fragile, {
    reduce: () => {
      throw broken;
    },
    revive: () => new Fragile(),
  });
  let thrown: unknown;
  try {
    encodeValue([new Fragile()]);
  } catch (error) {
    thrown = error;
  }
  expect(describeEncodeFailure(thrown)).toEqual({
    path: '',
    reason: "a registered type's reduce() threw: cannot reduce",
    cause: broken,
  });
});

test('registerType names what is wrong with its arguments', () => {
  const revive = (): object => ({});
  const reduce = (): number => 0;
  expect(() => registerType(1 as unknown as typeof Point, { reduce, revive })).toThrow(
    new TypeError('Expected `Class` to be a class, got `1`'),
  );
  expect(() => registerType(Point, { reduce } as never)).toThrow(
    new TypeError('Expected `codec` to have `reduce` and `revive` functions'),
  );
  expect(() => registerType(class {}, { reduce, revive })).toThrow(
    new TypeError('Expected `name` to be a non-empty string'),
  );
});
