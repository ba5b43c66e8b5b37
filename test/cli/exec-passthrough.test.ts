import { expect, test } from '@jest/globals';
import { runCli } from '../helpers/cli.js';

const NAMES = Array.from({ length: 12 }, (_, i) => `cmd${i}`);
const INPUT = NAMES.map((name) => `${name}\n`).join('');

// Several lines, each its own write, with pauses between them so that running commands overlap.
const SCRIPT =
  'for i in 1 2 3 4; do echo "$0 out $i"; sleep 0.01; done; for i in 1 2; do echo "$0 err $i" >&2; sleep 0.01; done';

const block = (name: string, stream: 'out' | 'err'): string =>
  (stream === 'out' ? [1, 2, 3, 4] : [1, 2]).map((i) => `${name} ${stream} ${i}\n`).join('');

// The names of the commands whose blocks make up `text`, in order; fails if a block is cut or mixed.
function blocksOf(text: string, stream: 'out' | 'err', size: number): string[] {
  const lines = text.split('\n').filter((line) => line !== '');
  expect(lines).toHaveLength(NAMES.length * size);
  const names: string[] = [];
  for (let at = 0; at < lines.length; at += size) {
    const chunk = lines.slice(at, at + size);
    const name = chunk[0]!.split(' ')[0]!;
    expect(chunk.map((line) => `${line}\n`).join('')).toBe(block(name, stream));
    names.push(name);
  }
  return names;
}

test("--passthrough -j 4: each command's stdout and stderr written whole, in input order", async () => {
  const result = await runCli(['exec', '-q', '-j', '4', '--passthrough', '--', 'sh', '-c', SCRIPT, '{}'], {
    input: INPUT,
  });
  expect(result.code).toBe(0);
  expect(result.stdout).toBe(NAMES.map((name) => block(name, 'out')).join(''));
  expect(result.stderr).toBe(NAMES.map((name) => block(name, 'err')).join(''));
});

test("--passthrough --unordered -j 4: each command's lines stay together, never mixed with another's", async () => {
  const result = await runCli(
    ['exec', '-q', '-j', '4', '--unordered', '--passthrough', '--', 'sh', '-c', SCRIPT, '{}'],
    { input: INPUT },
  );
  expect(result.code).toBe(0);
  expect(blocksOf(result.stdout, 'out', 4).sort()).toEqual([...NAMES].sort());
  expect(blocksOf(result.stderr, 'err', 2).sort()).toEqual([...NAMES].sort());
});

test('--passthrough: a failing command still has its output written, and the exit code is 1', async () => {
  const result = await runCli(
    ['exec', '-q', '--passthrough', '--', 'sh', '-c', 'echo "$0 ran"; [ "$0" != bad ]', '{}'],
    { input: 'good\nbad\ngood\n' },
  );
  expect(result.code).toBe(1);
  expect(result.stdout).toBe('good ran\nbad ran\ngood ran\n');
});

test('--passthrough writes no JSON', async () => {
  const result = await runCli(['exec', '-q', '--passthrough', '--', 'echo', 'plain'], { input: 'a\n' });
  expect(result.code).toBe(0);
  expect(result.stdout).toBe('plain a\n');
});
