import { expect, test } from '@jest/globals';
import { decodeWithDevalue, encodeWithDevalue } from '../../packages/core/src/common/codec/devalue-extensions.js';
import { OUT_OF_BAND_BYTES, OUT_OF_BAND_CHARS } from '../../packages/core/src/common/codec/payload.js';
import { registerType } from '../../packages/core/src/common/codec/user-types.js';

const roundTrip = (value: unknown): unknown => decodeWithDevalue(encodeWithDevalue(value));

test('strings and byte arrays go out of band from their thresholds on, and come back as the same types', () => {
  class Bytes extends Uint8Array {}
  const value = {
    shortString: 'x'.repeat(OUT_OF_BAND_CHARS - 1),
    longString: 'y'.repeat(OUT_OF_BAND_CHARS),
    smallBuffer: Buffer.alloc(OUT_OF_BAND_BYTES - 1, 1),
    largeBuffer: Buffer.alloc(OUT_OF_BAND_BYTES, 2),
    largeBytes: new Uint8Array(OUT_OF_BAND_BYTES).fill(3),
    // Raw parts have a kind for Buffer and for Uint8Array itself only: a subclass stays in the text.
    largeSubclass: new Bytes(OUT_OF_BAND_BYTES),
  };
  const payload = encodeWithDevalue(value);
  expect(payload.parts.map(({ kind, value }) => [kind, value.length])).toEqual([
    ['s', OUT_OF_BAND_CHARS],
    ['b', OUT_OF_BAND_BYTES],
    ['u', OUT_OF_BAND_BYTES],
  ]);
  const back = decodeWithDevalue(payload) as typeof value;
  expect(back.shortString).toBe(value.shortString);
  expect(back.longString).toBe(value.longString);
  expect(Buffer.isBuffer(back.smallBuffer) && back.smallBuffer.equals(value.smallBuffer)).toBe(true);
  expect(Buffer.isBuffer(back.largeBuffer) && back.largeBuffer.equals(value.largeBuffer)).toBe(true);
  expect(Buffer.isBuffer(back.largeBytes)).toBe(false);
  expect(back.largeBytes).toEqual(value.largeBytes);
});

test('errors come back with their class, message, fields and cause', () => {
  const error = Object.assign(new RangeError('too far', { cause: new TypeError('inner') }), { code: 'E_FAR' });
  const back = roundTrip({ error }) as { error: RangeError & { code: string; cause: unknown } };
  expect(back.error).toBeInstanceOf(RangeError);
  expect(back.error.message).toBe('too far');
  expect(back.error.code).toBe('E_FAR');
  expect(back.error.stack).toBe(error.stack);
  expect(back.error.cause).toBeInstanceOf(TypeError);
});

test('an encode that fails part-way leaves no parts behind for the next one', () => {
  const large = 'z'.repeat(OUT_OF_BAND_CHARS);
  expect(() => encodeWithDevalue([large, () => 1])).toThrow('Cannot stringify a function');
  expect(encodeWithDevalue([1n]).parts).toEqual([]);
  expect(roundTrip([large, 1n])).toEqual([large, 1n]);
});

test('a value sent or received while another is being encoded or decoded disturbs neither', () => {
  const large = 'l'.repeat(OUT_OF_BAND_CHARS);
  let inner: unknown = null;
  const outer = {
    before: large,
    get during(): number {
      inner = roundTrip(new Map([['inner', 'i'.repeat(OUT_OF_BAND_CHARS)]]));
      return 1;
    },
    after: 'a'.repeat(OUT_OF_BAND_CHARS),
    map: new Map([[1, 2]]),
  };
  const back = roundTrip(outer) as { before: string; during: number; after: string };
  expect(back).toEqual({ before: large, during: 1, after: outer.after, map: new Map([[1, 2]]) });
  expect(inner).toEqual(new Map([['inner', 'i'.repeat(OUT_OF_BAND_CHARS)]]));
  // A revive that decodes a value of its own, before the outer value's raw parts are read.
  class Envelope {}
  const sealed = encodeWithDevalue(new Map([['sealed', 's'.repeat(OUT_OF_BAND_CHARS)]]));
  let opened: unknown = null;
  registerType(Envelope, {
    reduce: () => 0,
    revive: () => {
      opened = decodeWithDevalue(sealed);
      return new Envelope();
    },
  });
  const withEnvelope = roundTrip([new Envelope(), large]) as unknown[];
  expect(withEnvelope[0]).toBeInstanceOf(Envelope);
  expect(withEnvelope[1]).toBe(large);
  expect(opened).toEqual(new Map([['sealed', 's'.repeat(OUT_OF_BAND_CHARS)]]));
});
