import { expect, test } from '@jest/globals';
import { smallListJson } from '../../packages/core/src/common/codec/small-list-json.js';

test('short lists of primitives and of short lists of primitives are written as JSON.stringify writes them', () => {
  const written: unknown[][] = [
    [],
    [[]],
    [1, 'a', true, false, null],
    [[1, -2.5, 1e21], ['a b'], []],
    Array.from({ length: 16 }, (_, i) => [i]),
    ['x'.repeat(64)],
  ];
  for (const list of written) expect(smallListJson(list)).toBe(JSON.stringify(list));
});

test('anything else is left to the walk', () => {
  const shared = [1];
  const left: [string, unknown[]][] = [
    ['more than 16 items', Array.from({ length: 17 }, (_, i) => i)],
    ['an inner list of more than 16', [Array.from({ length: 17 }, (_, i) => i)]],
    ['a list three deep', [[[1]]]],
    ['an object', [{ a: 1 }]],
    ['undefined', [undefined]],
    // eslint-disable-next-line no-sparse-arrays
    ['a hole', [1, , 2]],
    ['-0', [-0]],
    ['NaN', [Number.NaN]],
    ['a bigint', [1n]],
    ['a string longer than 64', ['x'.repeat(65)]],
    ['a quote', ['"']],
    ['a backslash', ['\\']],
    ['a control character', ['\n']],
    ['non-ASCII text', ['é']],
    ['an inner list given twice', [shared, shared]],
    ['a list with toJSON', Object.assign([1], { toJSON: () => 'not this' })],
    ['an inner list with toJSON', [Object.assign([1], { toJSON: () => 'not this' })]],
  ];
  for (const [what, list] of left) expect([what, smallListJson(list)]).toEqual([what, null]);
});
