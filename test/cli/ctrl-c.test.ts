import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from '@jest/globals';
import { BIN, jsonLines } from '../helpers/cli.js';
import { ctrlCGroup } from '../helpers/processes.js';
import { tempDir } from '../helpers/temp.js';

/**
 * A terminal's Ctrl-C sends SIGINT to the whole foreground process group:
 * procpool, its pool's workers and the commands it runs (unless they have a
 * group of their own). Here the run leads a group of its own and the group is
 * signalled once `started` holds; `go` is created once procpool says it is
 * finishing, which is what the tasks wait for.
 */
function ctrlC(args: string[], dir: string, started: string[]): Promise<{ code: number | null; stdout: string }> {
  return ctrlCGroup({
    args: [BIN, ...args],
    dir,
    started: () => started.every((file) => existsSync(path.join(dir, file))),
    taken: 'interrupted: finishing the running tasks',
  });
}

test('map: Ctrl-C lets the running tasks finish (the workers ignore it), starts no more, exits 130', async () => {
  const dir = tempDir();
  writeFileSync(
    path.join(dir, 'tasks.cjs'),
    `const fs = require('node:fs');
exports.f = async (x) => {
  fs.writeFileSync('started-' + x, '');
  while (!fs.existsSync('go')) await new Promise((r) => setTimeout(r, 5));
  return x * 10;
};\n`,
  );
  writeFileSync(path.join(dir, 'in.txt'), Array.from({ length: 50 }, (_, i) => `${i}\n`).join(''));
  const { code, stdout } = await ctrlC(['map', 'tasks.cjs#f', '-i', 'in.txt', '-j', '2'], dir, [
    'started-0',
    'started-1',
  ]);
  expect(code).toBe(130);
  const lines = jsonLines(stdout);
  expect(lines.slice(0, 2)).toEqual([
    { index: 0, value: 0 },
    { index: 1, value: 10 },
  ]);
  // No task had finished when the interrupt came, so beyond the two running only one more
  // had been handed to the pool (docs/cli.md); it finishes too, and none fails.
  expect(lines.length).toBeLessThanOrEqual(3);
  lines.forEach((line, i) => expect(line).toEqual({ index: i, value: i * 10 }));
});

test('exec: Ctrl-C lets the running commands finish (they have a group of their own), exits 130', async () => {
  const dir = tempDir();
  writeFileSync(path.join(dir, 'in.txt'), Array.from({ length: 20 }, (_, i) => `${i}\n`).join(''));
  const command = 'touch started-$0; while [ ! -e go ]; do sleep 0.01; done; echo done $0';
  const { code, stdout } = await ctrlC(['exec', '-i', 'in.txt', '-j', '2', '--', 'sh', '-c', command], dir, [
    'started-0',
    'started-1',
  ]);
  expect(code).toBe(130);
  expect(jsonLines(stdout)).toEqual([
    { index: 0, exitCode: 0, signal: null, stdout: 'done 0\n', stderr: '' },
    { index: 1, exitCode: 0, signal: null, stdout: 'done 1\n', stderr: '' },
  ]);
});
