import path from 'node:path';
import { expect, test } from '@jest/globals';
import { jsonLines, runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';

const NAMES = ['a', 'b', 'c', 'd'];
const INPUT = NAMES.map((name) => `${name}\n`).join('');

test('commands writing 1 MB each, -j 4: each output line is written whole, as valid JSON', async () => {
  const script = 'head -c 1000000 /dev/zero | tr "\\0" "$0"';
  const result = await runCli(['exec', '-q', '-j', '4', '--', 'sh', '-c', script, '{}'], { input: INPUT });
  expect(result.code).toBe(0);
  const lines = jsonLines(result.stdout); // throws on a cut or mixed line
  expect(lines.map((line) => line.index)).toEqual([0, 1, 2, 3]);
  for (const [i, line] of lines.entries()) expect(line.stdout).toBe(NAMES[i]!.repeat(1_000_000));
});

test('--passthrough, commands writing 20 000 lines each, -j 4: each command’s lines written together', async () => {
  const script = 'i=0; while [ $i -lt 20000 ]; do echo "$0 $i"; i=$((i+1)); done';
  const result = await runCli(
    ['exec', '-q', '-j', '4', '--unordered', '--passthrough', '--', 'sh', '-c', script, '{}'],
    {
      input: INPUT,
    },
  );
  expect(result.code).toBe(0);
  const lines = result.stdout.split('\n').filter((line) => line !== '');
  expect(lines).toHaveLength(80_000);
  // Four runs of 20 000 lines, each one command's, in its own order.
  const names: string[] = [];
  for (let at = 0; at < lines.length; at += 20_000) {
    const name = lines[at]!.split(' ')[0]!;
    names.push(name);
    const expected = Array.from({ length: 20_000 }, (_, i) => `${name} ${i}`);
    expect(lines.slice(at, at + 20_000)).toEqual(expected);
  }
  expect(names.sort()).toEqual(NAMES);
});

test('--resume with --passthrough is a usage error: exit 2, one line on stderr', async () => {
  const out = path.join(tempDir(), 'out.txt');
  const result = await runCli(['exec', '--passthrough', '--resume', '-o', out, '--', 'echo'], { input: 'a\n' });
  expect(result.code).toBe(2);
  expect(result.stderr.split('\n').filter((line) => line !== '')).toHaveLength(1);
});
