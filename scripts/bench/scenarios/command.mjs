// @ts-check
// The procpool command, as a shell user runs it: `procpool map` over an input
// file into an output file against a process per line with xargs -P (and GNU
// parallel where installed) (O); its peak RSS, 1 M lines against 100 000 (O2);
// `procpool --help`'s start-up against `node -e 0` (O3). Only procpool has a
// command (`needs: 'command'`).
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { nodeStart } from '../baselines.mjs';
import { BIN, TASK, lineCount, procpoolMap, watch, writeNumbers } from '../procpool-command.mjs';
import { median } from '../results.mjs';
import { NotAvailable } from '../subjects.mjs';
import { MiB } from './helpers.mjs';

/** @typedef {import('./helpers.mjs').Scenario} Scenario */
/** @typedef {import('./helpers.mjs').Measurement} Measurement */
/** @typedef {import('../procpool-command.mjs').Watched} Watched */

/**
 * `use` with a temporary folder, removed afterwards (run.mjs gives each trial
 * a TMPDIR of its own; a trial run by hand gets one here).
 * @template T
 * @param {(dir: string) => Promise<T>} use
 */
async function inTempDir(use) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'procpool-command-'));
  try {
    return await use(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The flags of the subject's `procpool map` row, for a subject that has the command.
 * @param {import('./helpers.mjs').Adapter} subject
 */
function commandFlags(subject) {
  const lacking = subject.lacks.command;
  if (lacking !== undefined) throw new NotAvailable(lacking);
  return subject.commandFlags ?? [];
}

/** O's lines: procpool's, and the baseline's (each costs a node start). @param {boolean} quick */
const mapLines = (quick) => (quick ? 10_000 : 100_000);
/** @param {boolean} quick */
const perLineLines = (quick) => (quick ? 10 : 100);

/**
 * items/s, and the CPU per item (µs) of every process and of the parent alone.
 * @param {Watched} watched
 * @param {number} count
 * @returns {Measurement}
 */
const throughput = ({ ms, cpu, parent }, count) => ({
  value: count / (ms / 1000),
  extra: [(cpu * 1000) / count, (parent.cpu * 1000) / count],
});

/**
 * One `node TASK LINE` per input line, two at a time, with `command args`
 * (xargs, parallel): items/s.
 * @param {string} command
 * @param {string[]} args
 * @param {boolean} quick
 */
const perLine = (command, args, quick) =>
  inTempDir(async (dir) => {
    const count = perLineLines(quick);
    const out = path.join(dir, 'out');
    const watched = await watch(command, [...args, process.execPath, TASK], {
      input: writeNumbers(dir, count),
      output: out,
    });
    if (watched.code !== 0) throw new Error(`${command} exited with ${watched.code}: ${watched.stderr.slice(0, 200)}`);
    const lines = await lineCount(out);
    if (lines !== count) throw new Error(`${command} wrote ${lines} lines for ${count}`);
    return throughput(watched, count);
  });

/** Whether GNU parallel is on the PATH (not moreutils' `parallel`, another tool; neither is installed here). */
const hasParallel = () => {
  try {
    return execFileSync('parallel', ['--version'], { encoding: 'utf8', stdio: 'pipe' }).includes('GNU parallel');
  } catch {
    return false;
  }
};

// (O) procpool map over 100 000 lines, against a node process per line.
/** @type {Scenario} */
export const O = {
  title:
    'O. `procpool map` of x => x + 1 over 100 000 lines, -j 2, file to file, --quiet, start-up included (items/s, higher is better)',
  baseline: {
    name: '`xargs -P 2 -n 1 node cli-task.cjs`, a node process per line, 100 lines',
    run: ({ quick }) => perLine('xargs', ['-P', '2', '-n', '1'], quick),
  },
  references: {
    parallel: {
      name: '`parallel -j 2 node cli-task.cjs`, a node process per line, 100 lines',
      run: ({ quick }) => {
        if (!hasParallel()) throw new NotAvailable('GNU parallel is not installed');
        return perLine('parallel', ['--will-cite', '-j', '2'], quick);
      },
    },
  },
  unit: 'items/s',
  columns: ['CPU per item, every process (µs)', 'CPU per item, the parent (µs)'],
  needs: 'command',
  run: (subject, { quick }) =>
    inTempDir(async (dir) => {
      const count = mapLines(quick);
      const out = path.join(dir, 'out');
      const watched = await procpoolMap(writeNumbers(dir, count), count, out, commandFlags(subject));
      return throughput(watched, count);
    }),
};

/** O2's inputs: the small one and the one ten times its size. @param {boolean} quick */
const memoryLines = (quick) => (quick ? [10_000, 100_000] : [100_000, 1_000_000]);

/**
 * `procpool map` over `count` lines with `flags`: the parent's peak RSS and
 * the sum of its workers' (MiB).
 * @param {number} count
 * @param {string[]} flags
 */
const peaks = (count, flags) =>
  inTempDir(async (dir) => {
    const { parent, children } = await procpoolMap(writeNumbers(dir, count), count, path.join(dir, 'out'), flags);
    return { parent: parent.rss / MiB, workers: children.rss / MiB };
  });

// (O2) Peak RSS: 1 M lines against 100 000, the same command.
/** @type {Scenario} */
export const O2 = {
  title:
    "O2. `procpool map`'s peak RSS, the parent, over 1 000 000 lines, -j 2, file to file (MiB, lower is better; ratio: ÷ the same command over 100 000 lines, in the same trial: 1.00× is memory that does not grow with the input)",
  baseline: {
    name: 'the same command over 100 000 lines, default flags',
    run: async ({ quick }) => {
      const [small = 0] = memoryLines(quick);
      const { parent, workers } = await peaks(small, []);
      return { value: parent, extra: [workers, null] };
    },
  },
  unit: 'parent MiB',
  columns: ["the workers' peaks, summed (MiB)", 'workers: ÷ 100 000 lines'],
  needs: 'command',
  run: async (subject, { quick }) => {
    const [small = 0, large = 0] = memoryLines(quick);
    const flags = commandFlags(subject);
    const before = await peaks(small, flags);
    const after = await peaks(large, flags);
    return {
      value: after.parent,
      ratio: after.parent / before.parent,
      extra: [after.workers, after.workers / before.workers],
    };
  },
};

/** O3's starts per command per trial. @param {boolean} quick */
const starts = (quick) => (quick ? 3 : 10);

/** @param {string[]} args @returns {Promise<number>} ms from spawn to exit, the command's output ignored */
const startOnce = (args) => {
  const start = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: 'ignore' });
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve(performance.now() - start) : reject(new Error(`procpool ${args.join(' ')}: exit ${code}`)),
    );
  });
};

/**
 * The median ms of each of `commands`, started in turns, round after round,
 * after one unmeasured round (the page cache warm): a load that comes and
 * goes on the machine meets them all alike.
 * @param {Array<() => Promise<number>>} commands
 * @param {boolean} quick
 */
async function medianStarts(commands, quick) {
  for (const once of commands) await once();
  /** @type {number[][]} */
  const times = commands.map(() => []);
  for (let round = 0; round < starts(quick); round += 1)
    for (const [i, once] of commands.entries()) times[i]?.push(await once());
  return times.map(median);
}

// (O3) Start-up: procpool --help, against a bare node started in turns with it.
/** @type {Scenario} */
export const O3 = {
  title:
    'O3. `procpool --help` start-up, spawn to exit (ms, lower is better; ratio: ÷ `node -e 0` started in turns with it, in the same trial)',
  baseline: {
    name: '`node -e 0`',
    run: async ({ quick }) => (await medianStarts([() => nodeStart()], quick))[0] ?? NaN,
  },
  unit: 'ms',
  columns: ['`procpool map --help` (ms)', '`procpool exec --help` (ms)'],
  needs: 'command',
  run: async (subject, { quick }) => {
    commandFlags(subject);
    const [node = NaN, help = NaN, map = null, exec = null] = await medianStarts(
      [
        () => nodeStart(),
        () => startOnce(['--help']),
        () => startOnce(['map', '--help']),
        () => startOnce(['exec', '--help']),
      ],
      quick,
    );
    return { value: help, ratio: help / node, extra: [map, exec] };
  },
};
