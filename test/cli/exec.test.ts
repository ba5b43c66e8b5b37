import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@jest/globals';
import { jsonLines, runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';

const PRINT_ARGS = fileURLToPath(new URL('../../fixtures/cli-exec/print-args.mjs', import.meta.url));
const node = process.execPath;

// The arguments each command got, by input line (print-args prints them as JSON).
const argsOf = (stdout: string): unknown[] =>
  jsonLines(stdout).map((line) => JSON.parse(line.stdout as string) as unknown);

test('one command per input line: a JSON line {index, exitCode, signal, stdout, stderr} for each, in input order', async () => {
  const result = await runCli(['exec', '-q', '-j', '3', '--', 'sh', '-c', 'echo "out $0"; echo "err $0" >&2', '{}'], {
    input: 'a\nb\nc\nd\ne\n',
  });
  expect(result.code).toBe(0);
  expect(result.stderr).toBe('');
  expect(result.stdout).toBe(
    ['a', 'b', 'c', 'd', 'e']
      .map(
        (name, index) =>
          `{"index":${index},"exitCode":0,"signal":null,"stdout":"out ${name}\\n","stderr":"err ${name}\\n"}\n`,
      )
      .join(''),
  );
});

// The first line's command finishes only after the second's has.
const waitForSecond = 'if [ "$0" = first ]; then until [ -e "$1/second" ]; do sleep 0.01; done; fi; echo "$0"';

test('lines are written in input order when a later command finishes first', async () => {
  const dir = tempDir();
  const script = `${waitForSecond}; [ "$0" = first ] || touch "$1/second"`;
  const result = await runCli(['exec', '-q', '-j', '2', '--timeout', '30s', '--', 'sh', '-c', script, '{}', dir], {
    input: 'first\nsecond\n',
  });
  expect(result.code).toBe(0);
  expect(jsonLines(result.stdout).map(({ index, stdout }) => [index, stdout])).toEqual([
    [0, 'first\n'],
    [1, 'second\n'],
  ]);
});

test('--unordered writes each line as its command finishes', async () => {
  const dir = tempDir();
  const out = path.join(dir, 'out.jsonl');
  // The first command ends only once the second's line is in the output.
  const script = `if [ "$0" = first ]; then until grep -q '"index":1,' "$1"; do sleep 0.01; done; fi; echo "$0"`;
  const result = await runCli(
    ['exec', '-q', '-j', '2', '--unordered', '--timeout', '30s', '-o', out, '--', 'sh', '-c', script, '{}', out],
    { input: 'first\nsecond\n' },
  );
  expect(result.code).toBe(0);
  expect(jsonLines(readFileSync(out, 'utf8')).map(({ index, stdout }) => [index, stdout])).toEqual([
    [1, 'second\n'],
    [0, 'first\n'],
  ]);
});

test('{}, {.}, {/}, {//}, {/.} and {#} are replaced as GNU parallel does, also inside a word', async () => {
  const result = await runCli(
    ['exec', '-q', '--', node, PRINT_ARGS, '{}', '{.}', '{/}', '{//}', '{/.}', '{#}', '--name={/.}.png'],
    { input: 'dir/sub/file.tar.gz\nplain\n/abs/x.txt\n' },
  );
  expect(result.code).toBe(0);
  expect(argsOf(result.stdout)).toEqual([
    ['dir/sub/file.tar.gz', 'dir/sub/file.tar', 'file.tar.gz', 'dir/sub', 'file.tar', '1', '--name=file.tar.png'],
    ['plain', 'plain', 'plain', '.', 'plain', '2', '--name=plain.png'],
    ['/abs/x.txt', '/abs/x', 'x.txt', '/abs', 'x', '3', '--name=x.png'],
  ]);
});

test('{%} is the job slot, from 1 to --jobs', async () => {
  const result = await runCli(['exec', '-q', '-j', '3', '--', 'echo', '{%}', '{#}'], {
    input: Array.from({ length: 12 }, (_, i) => `line ${i}\n`).join(''),
  });
  expect(result.code).toBe(0);
  const lines = jsonLines(result.stdout);
  expect(lines).toHaveLength(12);
  for (const [i, line] of lines.entries()) {
    const [slot, number] = (line.stdout as string).trim().split(' ').map(Number);
    expect(number).toBe(i + 1);
    expect([1, 2, 3]).toContain(slot);
  }
});

test('a command without a replacement gets the line as its last argument', async () => {
  const result = await runCli(['exec', '-q', '--', node, PRINT_ARGS, '-x', 'y'], { input: 'one\ntwo words\n' });
  expect(result.code).toBe(0);
  expect(argsOf(result.stdout)).toEqual([
    ['-x', 'y', 'one'],
    ['-x', 'y', 'two words'],
  ]);
});

test('without --shell a line with spaces, quotes, $HOME, * and ; is one argument, as written', async () => {
  const dir = tempDir();
  const line = `it's a "quoted" $HOME * \`touch ${dir}/X\`; touch ${dir}/Y`;
  const replaced = await runCli(['exec', '-q', '--', node, PRINT_ARGS, '{}'], { input: `${line}\n` });
  const appended = await runCli(['exec', '-q', '--', node, PRINT_ARGS], { input: `${line}\n` });
  expect([replaced.code, appended.code]).toEqual([0, 0]);
  expect(argsOf(replaced.stdout)).toEqual([[line]]);
  expect(argsOf(appended.stdout)).toEqual([[line]]);
  expect([existsSync(path.join(dir, 'X')), existsSync(path.join(dir, 'Y'))]).toEqual([false, false]);
});

test('with --shell the replaced line is quoted (its ; $() and quotes do nothing) while the command line is shell', async () => {
  const dir = tempDir();
  const line = `a; touch ${dir}/X $(touch ${dir}/Y) '"$HOME"`;
  const result = await runCli(['exec', '-q', '--shell', '--', 'echo {} | tr a-z A-Z'], { input: `${line}\n` });
  expect(result.code).toBe(0);
  expect(jsonLines(result.stdout)[0]?.stdout).toBe(`${line.toUpperCase()}\n`);
  expect([existsSync(path.join(dir, 'X')), existsSync(path.join(dir, 'Y'))]).toEqual([false, false]);
});

test('with --shell and no replacement the line is appended as one quoted word', async () => {
  const dir = tempDir();
  const line = `two words; touch ${dir}/X`;
  const result = await runCli(['exec', '-q', '--shell', '--', `printf '[%s]\\n'`], { input: `${line}\n` });
  expect(result.code).toBe(0);
  expect(jsonLines(result.stdout)[0]?.stdout).toBe(`[${line}]\n`);
  expect(existsSync(path.join(dir, 'X'))).toBe(false);
});

test("the command's own options are its own, after -- and without it", async () => {
  const args = ['-j', '7', '--timeout', 'x', '-q', '-n', '--help', '{}'];
  const withDashes = await runCli(['exec', '-q', '-j', '2', '--', node, PRINT_ARGS, ...args], { input: 'a\n' });
  const without = await runCli(['exec', '-q', '-j', '2', node, PRINT_ARGS, ...args], { input: 'a\n' });
  const expected = [['-j', '7', '--timeout', 'x', '-q', '-n', '--help', 'a']];
  expect([withDashes.code, without.code]).toEqual([0, 0]);
  expect(argsOf(withDashes.stdout)).toEqual(expected);
  expect(argsOf(without.stdout)).toEqual(expected);
});

test('echo -n: -n goes to echo, after -- and without it', async () => {
  const withDashes = await runCli(['exec', '-q', '--', 'echo', '-n', '{}'], { input: 'a\n' });
  const without = await runCli(['exec', '-q', 'echo', '-n', '{}'], { input: 'a\n' });
  expect(jsonLines(withDashes.stdout).map((line) => line.stdout)).toEqual(['a']);
  expect(jsonLines(without.stdout).map((line) => line.stdout)).toEqual(['a']);
});

test('an empty input runs nothing: no output, exit 0', async () => {
  const dir = tempDir();
  const result = await runCli(['exec', '-q', '--', 'touch', `${dir}/ran`], { input: '' });
  expect(result.code).toBe(0);
  expect(result.stdout).toBe('');
  expect(existsSync(path.join(dir, 'ran'))).toBe(false);
});

test('a command exiting non-zero for some lines: exit 1, its exit code in each line', async () => {
  const result = await runCli(['exec', '-q', '--', 'sh', '-c', 'exit "$0"', '{}'], { input: '0\n3\n0\n1\n' });
  expect(result.code).toBe(1);
  expect(jsonLines(result.stdout).map(({ index, exitCode, signal }) => [index, exitCode, signal])).toEqual([
    [0, 0, null],
    [1, 3, null],
    [2, 0, null],
    [3, 1, null],
  ]);
});

test('a command killed by a signal: the line has the signal and no exit code; exit 1', async () => {
  const result = await runCli(['exec', '-q', '--', 'sh', '-c', 'kill -"$0" $$', '{}'], { input: 'KILL\n' });
  expect(result.code).toBe(1);
  expect(jsonLines(result.stdout)).toEqual([{ index: 0, exitCode: null, signal: 'SIGKILL', stdout: '', stderr: '' }]);
});

test('a command named by the line that cannot be run fails that line only; exit 1', async () => {
  const result = await runCli(['exec', '-q', '--', '{}', 'hello'], { input: 'no-such-command-for-procpool\necho\n' });
  expect(result.code).toBe(1);
  const [missing, echo] = jsonLines(result.stdout);
  expect(missing).toMatchObject({ index: 0, exitCode: null, signal: null, error: { name: 'SpawnError' } });
  expect((missing!.error as { message: string }).message).toContain('ENOENT');
  expect(echo).toEqual({ index: 1, exitCode: 0, signal: null, stdout: 'hello\n', stderr: '' });
});

test.each([['no-such-command-for-procpool'], ['./no/such/command']])(
  'a command that does not exist (%s): exit 2, one line on stderr, nothing run',
  async (command) => {
    const result = await runCli(['exec', '--', command, '{}'], { input: 'a\nb\n' });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.split('\n').filter((line) => line !== '')).toEqual([expect.stringContaining(command)]);
  },
);

test.each([[['exec']], [['exec', '-j', '2']], [['exec', '-j', '2', '--']]])(
  'exec with no command (%j): exit 2, one line on stderr',
  async (args) => {
    const result = await runCli(args, { input: 'a\n' });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.split('\n').filter((line) => line !== '')).toHaveLength(1);
  },
);

test.each([['--help'], ['-h']])('exec %s: its help on stdout, exit 0', async (flag) => {
  const result = await runCli(['exec', flag]);
  expect(result.code).toBe(0);
  expect(result.stdout).toContain('usage: procpool exec');
  expect(result.stdout).toContain('--shell');
  expect(result.stderr).toBe('');
});
