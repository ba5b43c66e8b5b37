import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, test } from '@jest/globals';
import { jsonLines, runCli, startCli, type RunningCli } from '../helpers/cli.js';
import { descendants, isAlive, waitFor } from '../helpers/processes.js';
import { tempDir } from '../helpers/temp.js';

const GATED = fileURLToPath(new URL('../../fixtures/cli-exec/gated.sh', import.meta.url));
// With -j 2: fast0 and fast1 finish and are written, then slow2 and slow3 hold until DIR/go exists.
const NAMES = ['fast0', 'fast1', 'slow2', 'slow3', 'fast4', 'fast5'];

// Alive and still the program it was (a pid may be reused once it is gone).
function runs(pid: number, cmdline: string): boolean {
  try {
    return isAlive(pid) && readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').startsWith(cmdline);
  } catch {
    return false;
  }
}

// Commands a test saw running: killed after it if they outlived procpool (the test then fails).
const seen: Array<{ pid: number; cmdline: string }> = [];
afterEach(() => {
  for (const { pid, cmdline } of seen.splice(0)) if (runs(pid, cmdline)) process.kill(pid, 'SIGKILL');
});

/** The processes below procpool whose command line starts with one of `prefixes`, remembered for the cleanup. */
function commandsOf(cli: RunningCli, prefixes: readonly string[]): Array<{ pid: number; cmdline: string }> {
  const found = descendants(cli.child.pid).filter(({ cmdline }) =>
    prefixes.some((prefix) => cmdline.startsWith(prefix)),
  );
  seen.push(...found);
  return found;
}

const read = (file: string): string => (existsSync(file) ? readFileSync(file, 'utf8') : '');
const indicesIn = (file: string): unknown[] => jsonLines(read(file)).map((line) => line.index);
const runsIn = (dir: string): string[] => read(path.join(dir, 'runs')).split('\n').filter(Boolean).sort();

function gatedRun(): { dir: string; input: string; out: string; args: (...flags: string[]) => string[] } {
  const dir = tempDir();
  const input = path.join(dir, 'input.txt');
  const out = path.join(dir, 'out.jsonl');
  writeFileSync(input, NAMES.map((name) => `${name}\n`).join(''));
  const args = (...flags: string[]): string[] => [
    'exec',
    '-j',
    '2',
    '-i',
    input,
    '-o',
    out,
    ...flags,
    '--',
    'sh',
    GATED,
    '{}',
    dir,
  ];
  return { dir, input, out, args };
}

// fast0 and fast1 written, slow2 and slow3 running (each with its sleep).
async function untilSlowOnesRun(cli: RunningCli, dir: string, out: string): Promise<void> {
  await waitFor(
    () =>
      runsIn(dir).join() === 'fast0,fast1,slow2,slow3' &&
      indicesIn(out).join() === '0,1' &&
      commandsOf(cli, ['sleep 1000']).length === 2,
    'fast0 and fast1 to be written while slow2 and slow3 run',
  );
}

async function interrupt(cli: RunningCli): Promise<void> {
  cli.child.kill('SIGINT');
  await waitFor(() => cli.stderr().includes('interrupted'), 'procpool to say it was interrupted');
}

// Opens the gate and resumes: exactly the inputs not in the output run, and every index is there once.
async function resumeRunsTheRest(dir: string, out: string, args: (...extra: string[]) => string[]): Promise<void> {
  writeFileSync(path.join(dir, 'go'), '');
  rmSync(path.join(dir, 'runs'));
  const resumed = await runCli(args('-q', '--resume'));
  expect(resumed.code).toBe(0);
  expect(runsIn(dir)).toEqual(['fast4', 'fast5', 'slow2', 'slow3']);
  expect([...indicesIn(out)].sort()).toEqual([0, 1, 2, 3, 4, 5]);
}

test('SIGINT: the running commands finish and are written, no new one starts, exit 130; --resume runs the rest', async () => {
  const { dir, out, args } = gatedRun();
  const cli = startCli(args());
  await untilSlowOnesRun(cli, dir, out);
  await interrupt(cli);
  writeFileSync(path.join(dir, 'go'), '');
  const result = await cli.done;
  expect(result.code).toBe(130);
  expect(jsonLines(read(out)).map(({ index, stdout }) => [index, stdout])).toEqual(
    NAMES.slice(0, 4).map((name, index) => [index, `done ${name}\n`]),
  );
  expect(runsIn(dir)).toEqual(NAMES.slice(0, 4));

  rmSync(path.join(dir, 'runs'));
  const resumed = await runCli(args('-q', '--resume'));
  expect(resumed.code).toBe(0);
  expect(runsIn(dir)).toEqual(['fast4', 'fast5']);
  expect(indicesIn(out)).toEqual([0, 1, 2, 3, 4, 5]);
});

test('a second SIGINT kills the running commands and what they started, exit 130; --resume runs exactly the rest', async () => {
  const { dir, out, args } = gatedRun();
  const cli = startCli(args());
  await untilSlowOnesRun(cli, dir, out);
  await interrupt(cli);
  const commands = commandsOf(cli, ['sh ', 'sleep 1000']);
  cli.child.kill('SIGINT');
  const result = await cli.done;
  expect(result.code).toBe(130);
  expect(indicesIn(out)).toEqual([0, 1]);
  await waitFor(() => !commands.some(({ pid, cmdline }) => runs(pid, cmdline)), 'the killed commands to go');

  await resumeRunsTheRest(dir, out, args);
});

test('SIGTERM kills the running commands and what they started at once; exit 143', async () => {
  const { dir, out, args } = gatedRun();
  const cli = startCli(args());
  await untilSlowOnesRun(cli, dir, out);
  const commands = commandsOf(cli, ['sh ', 'sleep 1000']);
  cli.child.kill('SIGTERM');
  const result = await cli.done;
  expect(result.code).toBe(143);
  expect(indicesIn(out)).toEqual([0, 1]);
  await waitFor(() => !commands.some(({ pid, cmdline }) => runs(pid, cmdline)), 'the killed commands to go');
});

test('after a SIGKILL of procpool, --resume runs exactly the missing indices, each once in the final output', async () => {
  const { dir, out, args } = gatedRun();
  const cli = startCli(args());
  await untilSlowOnesRun(cli, dir, out);
  commandsOf(cli, ['sh ', 'sleep 1000']);
  cli.child.kill('SIGKILL');
  await cli.done;
  expect(indicesIn(out)).toEqual([0, 1]);

  await resumeRunsTheRest(dir, out, args);
});

test('SIGKILL of procpool: its watchdog kills the commands it ran, none survives', async () => {
  const cli = startCli(['exec', '-q', '-j', '3', '--', 'sleep', '{}'], { input: '1000.1\n1000.2\n1000.3\n1000.4\n' });
  let commands: Array<{ pid: number; cmdline: string }> = [];
  await waitFor(() => (commands = commandsOf(cli, ['sleep 1000.'])).length === 3, 'three commands to run');
  cli.child.kill('SIGKILL');
  await cli.done;
  await waitFor(() => !commands.some(({ pid, cmdline }) => runs(pid, cmdline)), 'the commands to go');
});

test('SIGKILL of procpool: what the commands started is killed too, none survives', async () => {
  const cli = startCli(['exec', '-q', '-j', '2', '--', 'sh', '-c', 'sleep "$0" & wait'], { input: '1000.1\n1000.2\n' });
  let commands: Array<{ pid: number; cmdline: string }> = [];
  await waitFor(
    () =>
      (commands = commandsOf(cli, ['sh ', 'sleep 1000.'])).filter((c) => c.cmdline.startsWith('sleep')).length === 2,
    'two commands to start their sleeps',
  );
  cli.child.kill('SIGKILL');
  await cli.done;
  await waitFor(() => !commands.some(({ pid, cmdline }) => runs(pid, cmdline)), 'the commands and their sleeps to go');
});
