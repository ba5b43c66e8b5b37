// What a second reader of the command tried (issue 18's review): shell code in
// quoted replacements, --resume on a file that is not procpool's, a closed
// stderr, commands that outlive their group leader or hold its pipes, and
// signals while the reader of stdout does not read.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from '@jest/globals';
import { jsonLines, runCli, startCli } from '../helpers/cli.js';
import { descendants, isAlive, waitFor } from '../helpers/processes.js';
import { tempDir } from '../helpers/temp.js';

const tasks = (dir: string): string => {
  const file = path.join(dir, 'tasks.cjs');
  writeFileSync(
    file,
    'exports.same = (x) => x;\nexports.slow = (x) => new Promise((r) => setTimeout(() => r(x), 2));\n',
  );
  return file;
};

test('--shell: a replacement inside quotes of the command line is a usage error; {#} may be quoted', async () => {
  for (const command of ["echo '{}'", 'echo "{}"', 'echo "x{.}"']) {
    const { code, stdout, stderr } = await runCli(['exec', '-q', '--shell', '--', command], {
      input: '$(echo PWNED)\n',
    });
    expect({ code, stdout }).toEqual({ code: 2, stdout: '' });
    expect(stderr).toMatch(/^procpool: --shell: write \{\.?\} outside quotes[^\n]*\n$/);
  }
  const { code, stdout } = await runCli(['exec', '-q', '--shell', '--', 'echo {} "n={#}"'], {
    input: "$(echo PWNED) it's\n",
  });
  expect(code).toBe(0);
  expect(jsonLines(stdout)[0]!.stdout).toBe("$(echo PWNED) it's n=1\n");
});

test('--resume leaves a file that is not procpool output as it was, a last line without newline included', async () => {
  const dir = tempDir();
  const out = path.join(dir, 'precious.txt');
  writeFileSync(out, 'precious data, no newline');
  const { code, stderr } = await runCli(['map', `${tasks(dir)}#same`, '-q', '--resume', '-o', out], { input: '1\n' });
  expect(code).toBe(2);
  expect(stderr).toMatch(/not a procpool output line/);
  expect(readFileSync(out, 'utf8')).toBe('precious data, no newline');
});

test('--resume with the same file as --input and --output: a usage error, the file untouched', async () => {
  const dir = tempDir();
  const file = path.join(dir, 'same.txt');
  writeFileSync(file, '5');
  const { code } = await runCli(['map', `${tasks(dir)}#same`, '-q', '--resume', '-i', file, '-o', file]);
  expect(code).toBe(2);
  expect(readFileSync(file, 'utf8')).toBe('5');
});

test('a stderr whose reader went away does not end the run: every output line is written', async () => {
  const dir = tempDir();
  const out = path.join(dir, 'out.jsonl');
  const input = Array.from({ length: 300 }, (_, i) => `${i}\n`).join('');
  const cli = startCli(['map', `${tasks(dir)}#slow`, '-j', '2', '-o', out, '--progress-interval', '10ms'], { input });
  cli.child.stderr!.destroy();
  const { code } = await cli.done;
  expect(code).toBe(0);
  expect(readFileSync(out, 'utf8').trim().split('\n')).toHaveLength(300);
});

test('exec --timeout: what ignored the SIGTERM is SIGKILLed with the group, also when the leader has gone', async () => {
  // The leader exits on SIGTERM; its background child ignores it and prints its pid first.
  const script = '(trap "" TERM; echo $(sh -c \'echo $PPID\'); exec sleep 1000) & exec sleep 1000';
  const { code, stdout } = await runCli(['exec', '-q', '--timeout', '300ms', '--', 'sh', '-c', script], {
    input: 'x\n',
  });
  expect(code).toBe(1);
  const [line] = jsonLines(stdout);
  expect(line).toMatchObject({ error: { name: 'TaskTimeoutError' } });
  const pid = Number((line!.stdout as string).trim());
  expect(pid).toBeGreaterThan(1);
  await waitFor(() => !isAlive(pid), 'the SIGTERM-proof child to be SIGKILLed');
});

test('exec: a process that left the group and holds the pipes does not hold the line past its command', async () => {
  const dir = tempDir();
  const pidFile = path.join(dir, 'escaped');
  const script = `setsid sh -c 'echo $$ > ${pidFile}; exec sleep 1000' & sleep 1000`;
  try {
    const { code, stdout } = await runCli(['exec', '-q', '--timeout', '300ms', '--', 'sh', '-c', script], {
      input: 'x\n',
    });
    expect(code).toBe(1);
    expect(jsonLines(stdout)).toEqual([
      expect.objectContaining({ error: expect.objectContaining({ name: 'TaskTimeoutError' }) }),
    ]);
  } finally {
    const escaped = Number(readFileSync(pidFile, 'utf8'));
    if (escaped > 1 && isAlive(escaped)) process.kill(escaped, 'SIGKILL');
  }
});

// The last three status lines show the same count: the output waits for its reader.
function stalled(stderr: string): boolean {
  const counts = [...stderr.matchAll(/^procpool: (\d+)\/\d+ done/gm)].map((match) => match[1]);
  return counts.length >= 3 && new Set(counts.slice(-3)).size === 1;
}

test('SIGTERM while the reader of stdout does not read: handled (no write blocks the event loop); a second ends it, 143', async () => {
  const dir = tempDir();
  writeFileSync(path.join(dir, 'big.cjs'), "exports.big = () => 'x'.repeat(10_000);\n");
  const input = Array.from({ length: 2000 }, (_, i) => `${i}\n`).join('');
  writeFileSync(path.join(dir, 'in.txt'), input);
  const cli = startCli([
    'map',
    `${path.join(dir, 'big.cjs')}#big`,
    '-j',
    '2',
    '-i',
    path.join(dir, 'in.txt'),
    '--progress-interval',
    '50ms',
  ]);
  cli.child.stdout!.pause();
  await waitFor(() => stalled(cli.stderr()), 'the output to wait for its reader', 30_000);
  cli.child.kill('SIGTERM'); // taken: the workers are killed; the output still waits for its reader
  // Its workers go: the SIGTERM was handled while a write waits on the pipe.
  await waitFor(() => descendants(cli.child.pid).length === 0, 'the workers to be killed');
  cli.child.kill('SIGTERM'); // the second ends it
  const { code } = await cli.done;
  expect(code).toBe(143);
});
