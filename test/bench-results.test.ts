import { readFileSync } from 'node:fs';
import { expect, test } from '@jest/globals';
import { renderReadmeTable, renderReport, withReadmeTable } from '../scripts/bench/render.mjs';
import { versus } from '../scripts/bench/results.mjs';
import type { Results, Row, Section } from '../scripts/bench/results.mjs';

const read = (path: string): string => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');
const latest = (): Results => JSON.parse(read('scripts/bench/results/latest.json')) as Results;

test("the README's benchmark table is the one scripts/bench/render.mjs makes from the saved results", () => {
  const readme = read('README.md');
  expect(withReadmeTable(readme, renderReadmeTable(latest()))).toBe(readme);
});

test('scripts/bench/results/latest.md is the report of latest.json', () => {
  expect(renderReport(latest())).toBe(read('scripts/bench/results/latest.md'));
});

// ThreadPool's rows (compared with piscina) and the executor's (N, N2), before a full run has them.
const row = (subject: string, value: number, extra: Partial<Row> = {}): Row => ({
  label: subject,
  subject,
  failure: null,
  value: { median: value, min: value, max: value, n: 1 },
  ratio: null,
  extras: [],
  ...extra,
});
const section = (scenario: string, rows: Row[]): Section => ({
  scenario,
  variant: null,
  env: 'as is',
  title: `${scenario}. title`,
  unit: 'µs',
  columns: [],
  rows,
});

const withNewRows = (): Results => ({
  ...latest(),
  sections: [
    section('A', [
      row('baseline', 100),
      row('procpool', 95),
      row('piscina', 100),
      row('procpool ThreadPool', 90, { versus: { subject: 'piscina', ratio: 0.9 } }),
    ]),
    section('D', [row('baseline', 30), row('procpool', 27), row('piscina', 0)]),
    section('N', [row('baseline', 160), row('procpool', 80), row('piscina', 0)]),
    section('N2', [row('baseline', 11_000), row('procpool', 90_000), row('piscina', 0)]),
  ],
  startup: null,
});

test('a subject compared with a peer gets its ratio in the report and a column in the README', () => {
  const results = withNewRows();
  expect(renderReport(results)).toContain('| procpool ThreadPool | 90.0 |  | 0.90× piscina |');
  const table = renderReadmeTable(results).split('\n');
  expect(table[0]).toMatch(/\| piscina +\| procpool ThreadPool \|$/);
  expect(table.find((line) => line.startsWith('| A. '))).toMatch(/\| 100 +\| \*\*90\.0\*\* +\|$/);
  expect(table.find((line) => line.startsWith('| D. new worker per task'))).toMatch(/\| \*\*—\*\* +\|$/);
});

test("the README's table has the executor's rows against CPython's", () => {
  const table = renderReadmeTable(withNewRows()).split('\n');
  expect(table.find((line) => line.startsWith('| N. '))).toMatch(/\| 160 +\| \*\*80\.0\*\* +\|/);
  expect(table.find((line) => line.startsWith('| N2. '))).toMatch(/\| 11,000 +\| \*\*90,000\*\* +\|/);
});

test('the ratio to a peer is the median of per-trial ratios, of the in-trial ratios where both have one', () => {
  const peer = { subject: 'piscina', outcomes: [{ value: 100, ratio: 1 }, { value: 50 }, { error: 'x' }] };
  expect(versus([{ value: 200, ratio: 0.8 }, { value: 100 }, { value: 1 }], peer)).toEqual({
    subject: 'piscina',
    ratio: (0.8 + 2) / 2,
  });
  expect(versus([{ hangs: 'no answer' }], peer)).toEqual({ subject: 'piscina', ratio: null });
});
