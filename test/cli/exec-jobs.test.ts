import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@jest/globals';
import { jsonLines, startCli } from '../helpers/cli.js';
import { descendants, waitFor } from '../helpers/processes.js';
import { tempDir } from '../helpers/temp.js';

const GATED = fileURLToPath(new URL('../../fixtures/cli-exec/gated.sh', import.meta.url));

const runsIn = (dir: string): string[] =>
  existsSync(path.join(dir, 'runs')) ? readFileSync(path.join(dir, 'runs'), 'utf8').split('\n').filter(Boolean) : [];

// -j N means N commands at once: a free slot takes the next line while earlier commands still run.

test('-j 2 in input order: while a slow first command runs, the later lines run in the other slot', async () => {
  const dir = tempDir();
  const cli = startCli(['exec', '-q', '-j', '2', '--', 'sh', GATED, '{}', dir], {
    input: 'slow0\nfast1\nfast2\nfast3\n',
  });
  try {
    await waitFor(() => runsIn(dir).length === 4, 'fast1, fast2 and fast3 to run while slow0 holds');
  } finally {
    writeFileSync(path.join(dir, 'go'), ''); // lets slow0 end, whatever happened
    await cli.done; // before the cleanup SIGKILLs procpool, which would leave slow0's sleep behind
  }
  const result = await cli.done;
  expect(result.code).toBe(0);
  expect(jsonLines(result.stdout).map((line) => line.stdout)).toEqual(
    ['slow0', 'fast1', 'fast2', 'fast3'].map((name) => `done ${name}\n`),
  );
});

test('-j 16 --unordered: when one command ends, the next line starts while the other 15 run', async () => {
  const dir = tempDir();
  const gate = path.join(dir, 'gate');
  execFileSync('mkfifo', [gate]);
  // Held open for writing (O_RDWR does not block): the slow commands' `cat` ends when it is closed.
  const writer = openSync(gate, 'r+');
  const names = [...Array.from({ length: 15 }, (_, i) => `slow${i}`), 'fast15', 'fast16'];
  const script = 'echo "$0" >>"$1/runs"; case $0 in slow*) cat "$1/gate" >/dev/null ;; esac';
  const cli = startCli(['exec', '-q', '-j', '16', '--unordered', '--', 'sh', '-c', script, '{}', dir], {
    input: names.map((name) => `${name}\n`).join(''),
  });
  try {
    await waitFor(() => runsIn(dir).includes('fast16'), 'fast16 to start in the slot fast15 freed', 30_000);
    // Each cat must have the gate open before it closes, or it would wait for another writer forever.
    await waitFor(
      () => descendants(cli.child.pid).filter(({ cmdline }) => cmdline.startsWith('cat ')).length === 15,
      'the slow commands to hold the gate',
      30_000,
    );
  } finally {
    // Never left open: a failed wait above then fails the test (its run is killed after it) rather than hanging it.
    closeSync(writer);
  }
  const result = await cli.done;
  expect(result.code).toBe(0);
  expect(jsonLines(result.stdout)).toHaveLength(17);
});
