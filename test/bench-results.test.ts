import { readFileSync } from 'node:fs';
import { expect, test } from '@jest/globals';
import { renderReadmeTable, renderReport, withReadmeTable } from '../scripts/bench/render.mjs';
import type { Results } from '../scripts/bench/results.mjs';

const read = (path: string): string => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');
const latest = (): Results => JSON.parse(read('scripts/bench/results/latest.json')) as Results;

test("the README's benchmark table is the one scripts/bench/render.mjs makes from the saved results", () => {
  const readme = read('README.md');
  expect(withReadmeTable(readme, renderReadmeTable(latest()))).toBe(readme);
});

test('scripts/bench/results/latest.md is the report of latest.json', () => {
  expect(renderReport(latest())).toBe(read('scripts/bench/results/latest.md'));
});
