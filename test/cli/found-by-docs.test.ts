// Behaviour found while documenting the procpool command (docs/cli.md) that
// disagrees with issue 18 or loses data. Each test fails on the code it was
// written against; the lead fixes the code.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from '@jest/globals';
import { jsonLines, runCli, startCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';

const TASKS = path.resolve('examples/cli/tasks.mjs');

// Resolves once `read()` holds `text`, checked on each chunk the child writes.
const whenSeen = (stream: NodeJS.ReadableStream, read: () => string, text: string): Promise<void> =>
  new Promise((resolve) => {
    const check = (): void => {
      if (!read().includes(text)) return;
      stream.off('data', check);
      resolve();
    };
    stream.on('data', check);
    check();
  });

test('a usage error leaves an existing --output file as it was', async () => {
  const dir = tempDir();
  const out = path.join(dir, 'out.jsonl');
  for (const args of [
    ['map', `${TASKS}#nope`, '-o', out],
    ['map', `${TASKS}#slowFib`, '-i', path.join(dir, 'missing.jsonl'), '-o', out],
    ['exec', '-o', out, '--', 'no-such-command-procpool'],
  ]) {
    writeFileSync(out, '{"index":0,"value":1}\n');
    const { code } = await runCli(args, { input: '1\n' });
    expect(code).toBe(2);
    expect(readFileSync(out, 'utf8')).toBe('{"index":0,"value":1}\n');
  }
});

test('an input that fails while it is read is a failure (1), not an interrupt (130); a directory is a usage error', async () => {
  // Reading /proc/self/mem from offset 0 fails with EIO once the file is open.
  const failing = await runCli(['map', `${TASKS}#slowFib`, '-q', '--input', '/proc/self/mem']);
  expect(failing.stderr).toContain('cannot read the input');
  expect(failing.code).toBe(1);
  const directory = await runCli(['map', `${TASKS}#slowFib`, '-q', '--input', tempDir()]);
  expect(directory.stderr).toMatch(/^procpool: --input \S+ is a directory/);
  expect(directory.code).toBe(2);
});

test('exec: output past 16 MiB is cut with an error (MaxBufferError) on its line; the later inputs are still written', async () => {
  const command = "if [ {} = 1 ]; then head -c 20000000 /dev/zero | tr '\\0' a; else echo ok; fi";
  const { code, stdout } = await runCli(['exec', '-q', '-j', '2', '--', 'sh', '-c', command], { input: '1\n2\n' });
  const lines = jsonLines(stdout);
  expect(lines.map((line) => line.index)).toEqual([0, 1]);
  expect(lines[0]).toMatchObject({ error: { name: 'MaxBufferError' } });
  expect((lines[0]!.stdout as string).length).toBe(16 * 2 ** 20);
  expect(lines[1]).toMatchObject({ exitCode: 0, stdout: 'ok\n' });
  expect(code).toBe(1);
});

test('map: a first SIGINT lets the running task finish, not every chunk already queued for the pool', async () => {
  const dir = tempDir();
  const go = path.join(dir, 'go');
  const tasks = path.join(dir, 'tasks.mjs');
  // Each call says it runs (a task's console.log goes to stderr), then waits for the file `go`.
  writeFileSync(
    tasks,
    `import { existsSync } from 'node:fs';
export const waitForGo = (n) => new Promise((resolve) => {
  console.log('running ' + n);
  const check = () => (existsSync(${JSON.stringify(go)}) ? resolve(n) : setTimeout(check, 5));
  check();
});
`,
  );
  const input = Array.from({ length: 100 }, (_, i) => `${i}\n`).join('');
  const cli = startCli(['map', `${tasks}#waitForGo`, '-j', '1'], { input });
  await whenSeen(cli.child.stderr!, cli.stderr, 'running 0');
  cli.child.kill('SIGINT');
  await whenSeen(cli.child.stderr!, cli.stderr, 'interrupted');
  writeFileSync(go, '');
  const { code, stdout } = await cli.done;
  expect(code).toBe(130);
  expect(jsonLines(stdout).map((line) => line.index)).toEqual([0]);
});

test('exec in input order: one slow command does not hold the other job slots back', async () => {
  const fifo = path.join(tempDir(), 'fifo');
  execFileSync('mkfifo', [fifo]);
  // The first line's command waits for the last one, which the other slot runs after a and b
  // (--timeout 20s bounds the wait, so a wrong run fails rather than hangs). c opens the fifo
  // read-write, which does not wait for a reader.
  const script = `case {} in first) read x < ${fifo} ;; c) echo go 1<> ${fifo} ;; esac`;
  const { code, stdout } = await runCli(['exec', '-q', '-j', '2', '--timeout', '20s', '--', 'sh', '-c', script], {
    input: 'first\na\nb\nc\n',
  });
  expect(jsonLines(stdout).map((line) => [line.index, line.exitCode])).toEqual([
    [0, 0],
    [1, 0],
    [2, 0],
    [3, 0],
  ]);
  expect(code).toBe(0);
});
