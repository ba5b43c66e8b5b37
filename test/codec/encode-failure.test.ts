import { expect, test } from '@jest/globals';
import { describeEncodeFailure } from '../../packages/core/src/common/codec/encode-failure.js';
import { encodeValue } from '../../packages/core/src/common/codec/values.js';

// What a failed encode says, for values that are easy to pass by mistake.
const failureOf = (value: unknown): { path: string; reason: string; cause?: unknown } => {
  try {
    encodeValue(value);
  } catch (error) {
    return describeEncodeFailure(error);
  }
  throw new Error('encoded');
};

test('a Promise: await it, not a devalue API to call', () => {
  const pending = Promise.resolve(1);
  expect(failureOf([pending])).toEqual({
    path: '[0]',
    reason: 'a Promise (or thenable) cannot be sent; await it and send its value',
  });
  const thenable = { then: (): void => {} };
  expect(failureOf({ at: thenable }).reason).toBe(
    'a Promise (or thenable) cannot be sent; await it and send its value',
  );
});

test('a symbol', () => {
  expect(failureOf([Symbol('s')])).toEqual({ path: '[0]', reason: 'symbols cannot be sent' });
});

test('a getter that throws is named as such, not as a registered type', () => {
  const boom = new Error('boom');
  const failure = failureOf([
    {
      get x(): never {
        throw boom;
      },
    },
  ]);
  expect(failure).toEqual({ path: '', reason: 'reading it threw (a getter?): boom', cause: boom });
});
