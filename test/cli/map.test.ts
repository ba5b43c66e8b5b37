import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@jest/globals';
import { jsonLines, runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/cli/', import.meta.url));
const task = (name: string): string => `${FIXTURES}tasks.cjs#${name}`;
const numbers = (count: number): string => Array.from({ length: count }, (_, i) => `${i}\n`).join('');

interface ErrorField {
  name: unknown;
  message: unknown;
  stack?: unknown;
}
const errorOf = (line: Record<string, unknown> | undefined): ErrorField => line?.error as ErrorField;

test('map writes one line per input, {"index","value"}, in input order', async () => {
  const { code, stdout } = await runCli(['map', task('double'), '-j', '2'], { input: numbers(50) });
  expect(code).toBe(0);
  expect(jsonLines(stdout)).toEqual(Array.from({ length: 50 }, (_, i) => ({ index: i, value: 2 * i })));
});

test('--unordered writes every index exactly once', async () => {
  const { code, stdout } = await runCli(['map', task('later'), '-j', '2', '--unordered'], { input: numbers(50) });
  expect(code).toBe(0);
  const lines = jsonLines(stdout).sort((a, b) => Number(a.index) - Number(b.index));
  expect(lines).toEqual(Array.from({ length: 50 }, (_, i) => ({ index: i, value: { later: i } })));
});

test('--lines passes each line as a string, as it is (JSON or blank included); a \\r before \\n is dropped', async () => {
  const { code, stdout } = await runCli(['map', task('echo'), '--lines'], {
    input: 'hello\n{"a": 1}\n\n  spaced  \r\n42\nlast',
  });
  expect(code).toBe(0);
  expect(jsonLines(stdout).map((line) => line.value)).toEqual(['hello', '{"a": 1}', '', '  spaced  ', '42', 'last']);
});

test('--spread passes a JSON array as the arguments; a line that is not an array fails alone', async () => {
  const { code, stdout } = await runCli(['map', task('sum'), '--spread'], { input: '[1,2,3]\n[]\n5\n[10]\n' });
  expect(code).toBe(1);
  const lines = jsonLines(stdout);
  expect(lines.map((line) => line.value)).toEqual([6, 0, undefined, 10]);
  expect(errorOf(lines[2]).name).toBe('TypeError');
});

test('--chunksize 3 gives the same lines as --chunksize 1', async () => {
  const input = '1\n2\n-3\n4\nnot json\n6\n7\n-8\n9\n10\n';
  // Stacks name the frames of each path through the worker; the rest must be identical.
  const withoutStacks = (stdout: string): unknown[] =>
    jsonLines(stdout).map((line) =>
      line.error === undefined ? line : { ...line, error: { ...errorOf(line), stack: 0 } },
    );
  const one = await runCli(['map', task('throwOnNegative'), '-j', '2', '--chunksize', '1'], { input });
  const three = await runCli(['map', task('throwOnNegative'), '-j', '2', '--chunksize', '3'], { input });
  expect(three.code).toBe(1);
  expect(one.code).toBe(1);
  expect(withoutStacks(three.stdout)).toHaveLength(10);
  expect(withoutStacks(three.stdout)).toEqual(withoutStacks(one.stdout));
});

test('stdin, --input FILE and --output FILE: the same lines', async () => {
  const dir = tempDir();
  const input = path.join(dir, 'in.jsonl');
  const output = path.join(dir, 'out.jsonl');
  writeFileSync(input, numbers(20));
  const fromStdin = await runCli(['map', task('double')], { input: numbers(20) });
  const fromFile = await runCli(['map', task('double'), '--input', input]);
  const toFile = await runCli(['map', task('double'), '-i', input, '--output', output]);
  expect([fromStdin.code, fromFile.code, toFile.code]).toEqual([0, 0, 0]);
  expect(jsonLines(fromStdin.stdout)).toHaveLength(20);
  expect(fromFile.stdout).toBe(fromStdin.stdout);
  expect(toFile.stdout).toBe('');
  expect(readFileSync(output, 'utf8')).toBe(fromStdin.stdout);
});

test('an empty input: exit 0 and no output lines (stdin and --input FILE)', async () => {
  const empty = path.join(tempDir(), 'empty.jsonl');
  writeFileSync(empty, '');
  await expect(runCli(['map', task('double')], { input: '' })).resolves.toMatchObject({ code: 0, stdout: '' });
  await expect(runCli(['map', task('double'), '--input', empty])).resolves.toMatchObject({ code: 0, stdout: '' });
});

test('a last line without a newline is an input too', async () => {
  const { code, stdout } = await runCli(['map', task('double')], { input: '1\n2\n3' });
  expect(code).toBe(0);
  expect(jsonLines(stdout)).toEqual([
    { index: 0, value: 2 },
    { index: 1, value: 4 },
    { index: 2, value: 6 },
  ]);
});

test('a blank line and a line that is not JSON each fail their own index only, exit 1', async () => {
  const { code, stdout } = await runCli(['map', task('double')], { input: '1\n\nnot json\n4\n' });
  expect(code).toBe(1);
  const lines = jsonLines(stdout);
  expect(lines.map((line) => line.index)).toEqual([0, 1, 2, 3]);
  expect([lines[0]?.value, lines[3]?.value]).toEqual([2, 8]);
  expect([errorOf(lines[1]).name, errorOf(lines[2]).name]).toEqual(['SyntaxError', 'SyntaxError']);
});

test("a task that throws: its line has the error's name, message and stack; exit 1", async () => {
  const { code, stdout } = await runCli(['map', task('throwOnNegative')], { input: '1\n-2\n3\n' });
  expect(code).toBe(1);
  const lines = jsonLines(stdout);
  expect([lines[0], lines[2]]).toEqual([
    { index: 0, value: 1 },
    { index: 2, value: 3 },
  ]);
  const error = errorOf(lines[1]);
  expect(error).toMatchObject({ name: 'RangeError', message: 'negative input: -2' });
  expect(error.stack).toContain('RangeError: negative input: -2');
  expect(error.stack).toContain('tasks.cjs');
});

test('a task that throws null: an error line for that input, the others fine, exit 1', async () => {
  const { code, stdout } = await runCli(['map', task('throwNullForZero')], { input: '1\n0\n2\n' });
  expect(code).toBe(1);
  const lines = jsonLines(stdout);
  expect([lines[0], lines[2]]).toEqual([
    { index: 0, value: 1 },
    { index: 2, value: 2 },
  ]);
  expect(lines[1]?.index).toBe(1);
  expect(errorOf(lines[1])).toMatchObject({ name: expect.any(String), message: expect.stringContaining('null') });
});

test('an async task: its resolved value is the output', async () => {
  const { code, stdout } = await runCli(['map', task('later')], { input: '"a"\n{"b":[1]}\n' });
  expect(code).toBe(0);
  expect(jsonLines(stdout)).toEqual([
    { index: 0, value: { later: 'a' } },
    { index: 1, value: { later: { b: [1] } } },
  ]);
});

test('a value JSON cannot hold (a BigInt) fails its own line, exit 1', async () => {
  const { code, stdout } = await runCli(['map', task('bigintForTwo')], { input: '1\n2\n3\n' });
  expect(code).toBe(1);
  const lines = jsonLines(stdout);
  expect([lines[0], lines[2]]).toEqual([
    { index: 0, value: 1 },
    { index: 2, value: 3 },
  ]);
  expect(lines[1]).toMatchObject({ index: 1, error: { name: 'TypeError' } });
});

test("a task's console.log and process.stdout.write go to stderr, never among the JSON lines", async () => {
  const { code, stdout, stderr } = await runCli(['map', task('chatty'), '-j', '2'], { input: numbers(10) });
  expect(code).toBe(0);
  expect(stdout).not.toContain('chatty');
  expect(jsonLines(stdout)).toEqual(Array.from({ length: 10 }, (_, i) => ({ index: i, value: i })));
  expect(stderr).toContain('chatty console.log');
  expect(stderr).toContain('chatty stdout.write');
});

test.each(['writeToFd1', 'childWithInheritedStdout'])(
  "a task's output that bypasses process.stdout (%s) does not land among the JSON lines either",
  async (name) => {
    const { code, stdout, stderr } = await runCli(['map', task(name)], { input: '1\n2\n' });
    expect(code).toBe(0);
    expect(stdout).toBe('{"index":0,"value":1}\n{"index":1,"value":2}\n');
    expect(stderr).toMatch(/raw write to fd 1|a child process of the task/);
  },
);

test('an ES module task module loads', async () => {
  const { code, stdout } = await runCli(['map', `${FIXTURES}esm-tasks.mjs#triple`], { input: '1\n2\n' });
  expect(code).toBe(0);
  expect(jsonLines(stdout).map((line) => line.value)).toEqual([3, 6]);
});

test('a TypeScript task module loads', async () => {
  const { code, stdout } = await runCli(['map', `${FIXTURES}ts-tasks.ts#norm`], { input: '{"x":3,"y":4}\n' });
  expect(code).toBe(0);
  expect(jsonLines(stdout)).toEqual([{ index: 0, value: 5 }]);
});

test.each([
  ['tasks.cjs#double', 'tasks.cjs#double'],
  ['./tasks.cjs#double', './tasks.cjs#double'],
  ['an absolute path', `${FIXTURES}tasks.cjs#double`],
])('the module of %s is found from the working directory', async (_, spec) => {
  const { code, stdout } = await runCli(['map', spec], { input: '21\n', cwd: FIXTURES });
  expect(code).toBe(0);
  expect(jsonLines(stdout)).toEqual([{ index: 0, value: 42 }]);
});

test("a module in a directory whose name has '#', a space and accents loads", async () => {
  const dir = path.join(tempDir(), 'tâches #1 ici');
  mkdirSync(dir);
  copyFileSync(`${FIXTURES}esm-tasks.mjs`, path.join(dir, 'esm-tasks.mjs'));
  const { code, stdout } = await runCli(['map', `${dir}/esm-tasks.mjs#triple`], { input: '5\n' });
  expect(code).toBe(0);
  expect(jsonLines(stdout)).toEqual([{ index: 0, value: 15 }]);
});

test("a package name is found in the working directory's node_modules (CommonJS, and an ES module package)", async () => {
  const cwd = tempDir();
  const writePackage = (name: string, manifest: object, source: string): void => {
    mkdirSync(path.join(cwd, 'node_modules', name), { recursive: true });
    writeFileSync(path.join(cwd, 'node_modules', name, 'package.json'), JSON.stringify({ name, ...manifest }));
    writeFileSync(path.join(cwd, 'node_modules', name, 'index.js'), source);
  };
  writePackage('@cli-test/cjs-tasks', { main: 'index.js' }, 'exports.double = (x) => 2 * x;\n');
  writePackage('esm-tasks', { type: 'module', exports: './index.js' }, 'export const triple = (x) => 3 * x;\n');
  const cjs = await runCli(['map', '@cli-test/cjs-tasks#double'], { input: '5\n', cwd });
  const esm = await runCli(['map', 'esm-tasks#triple'], { input: '5\n', cwd });
  expect([cjs.code, esm.code]).toEqual([0, 0]);
  expect([...jsonLines(cjs.stdout), ...jsonLines(esm.stdout)]).toEqual([
    { index: 0, value: 10 },
    { index: 0, value: 15 },
  ]);
});
