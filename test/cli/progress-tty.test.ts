import { execFile, execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect, test } from '@jest/globals';
import { BIN } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';

const run = promisify(execFile);

// util-linux `script` gives the command a terminal (a pty) for its stdin, stdout and stderr.
function scriptCommand(): string {
  try {
    return execFileSync('sh', ['-c', 'command -v script'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error('this test needs util-linux `script` to run procpool on a terminal: apt-get install -y util-linux');
  }
}

test('on a terminal, stderr has a bar redrawn in place (done/total, rate, ETA, failures, restarts), then the summary', async () => {
  const dir = tempDir();
  writeFileSync(
    path.join(dir, 'tasks.cjs'),
    'exports.f = async (x) => { await new Promise((r) => setTimeout(r, 5)); return x; };\n',
  );
  writeFileSync(path.join(dir, 'in.txt'), Array.from({ length: 300 }, (_, i) => `${i}\n`).join(''));
  const command = [process.execPath, BIN, 'map', 'tasks.cjs#f', '-i', 'in.txt', '-o', 'out.jsonl', '-j', '2'].join(' ');
  // -e: script exits with the command's code (a non-zero one rejects here).
  const { stdout: terminal } = await run(scriptCommand(), ['-qec', command, '/dev/null'], {
    cwd: dir,
    timeout: 60_000,
  });
  expect(terminal).toContain('\u001b['); // redrawn in place
  expect(terminal).toMatch(/\d+\/300 \d+% \| [\d.,]+\/s \| ETA \S+ \| 0 failed \| 0 restarts/);
  expect(terminal).toMatch(/procpool: 300 done, 0 failed, 0 worker restarts, in [\d.]+s/);
  const lines = readFileSync(path.join(dir, 'out.jsonl'), 'utf8').trim().split('\n');
  expect(lines.map((line) => (JSON.parse(line) as { index: number }).index)).toEqual(
    Array.from({ length: 300 }, (_, i) => i),
  );
});
